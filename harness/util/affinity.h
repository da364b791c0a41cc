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

}  // namespace mapsla
