#include "core/util/affinity.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/util/yaml_fields.h"

namespace mapsla {

void pin_current_thread(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus)
    CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof(set), &set) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "sched_setaffinity to CPUs " + format_cpu_list(cpus));
}

std::vector<int> current_thread_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

int online_cpus() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  return fmt::format("{}", fmt::join(cpus, ","));
}

std::vector<int> memory_nodes_of_cpus(const std::vector<int>& cpus) {
  namespace fs = std::filesystem;
  std::string has_memory;
  std::ifstream in("/sys/devices/system/node/has_memory");
  if (!std::getline(in, has_memory)) return {};
  const std::vector<int> with_memory = parse_cpu_list(has_memory).value_or(std::vector<int>{});
  std::vector<int> nodes;
  for (int cpu : cpus) {
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(fmt::format("/sys/devices/system/cpu/cpu{}", cpu), ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() < 5 || name.compare(0, 4, "node") != 0) continue;
      const auto id = parse_cpu_list(name.substr(4));  // a node list, same syntax
      if (id && id->size() == 1 &&
          std::find(with_memory.begin(), with_memory.end(), id->front()) != with_memory.end())
        nodes.push_back(id->front());
    }
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

}  // namespace mapsla
