// CPU placement of the calling thread.
#pragma once

#include <string>
#include <vector>

namespace mapsla {

// Restricts the calling thread to `cpus`; throws std::system_error naming the
// CPUs when the kernel refuses (an offline or nonexistent CPU).
void pin_current_thread(const std::vector<int>& cpus);
// CPUs the calling thread may run on.
std::vector<int> current_thread_cpus();
// Number of CPUs the system has online (sysconf(_SC_NPROCESSORS_ONLN)).
int online_cpus();
std::string format_cpu_list(const std::vector<int>& cpus);
// The NUMA nodes that hold `cpus` and have memory, ascending, from sysfs
// (/sys/devices/system/cpu/cpuN/nodeM, /sys/devices/system/node/has_memory);
// what `numactl --cpunodebind --membind` would bind a process on those CPUs
// to. Empty when the kernel exposes no NUMA topology.
std::vector<int> memory_nodes_of_cpus(const std::vector<int>& cpus);

}  // namespace mapsla
