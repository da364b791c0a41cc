#include "harness/environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/bpf/error.h"
#include "core/util/affinity.h"
#include "harness/placement_probe.h"

#ifndef MAPSLA_VERSION
#define MAPSLA_VERSION "0.0.0"
#endif
#ifndef MAPSLA_GIT_SHA
#define MAPSLA_GIT_SHA "unknown"
#endif

namespace mapsla {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string cpuinfo_field(const std::string& field, bool* hypervisor) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, value;
  while (std::getline(in, line)) {
    if (value.empty() && line.rfind(field, 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) value = line.substr(colon + 2);
    }
    if (line.rfind("flags", 0) == 0 && line.find(" hypervisor") != std::string::npos)
      *hypervisor = true;
  }
  return value;
}

}  // namespace

Environment collect_environment(const KernelFeatures& features) {
  Environment env;
  utsname u{};
  if (::uname(&u) == 0) env.kernel = std::string(u.release);
  bool hypervisor = false;
  env.cpu_model = cpuinfo_field("model name", &hypervisor);
  env.cores = online_cpus();
  env.numa_nodes = features.numa_nodes;
  if (hypervisor) {
    std::string vendor = read_line("/sys/class/dmi/id/sys_vendor");
    std::string product = read_line("/sys/class/dmi/id/product_name");
    env.virtualization = "vm";
    if (!vendor.empty() || !product.empty())
      env.virtualization += " (" + vendor + " " + product + ")";
  } else {
    env.virtualization = "none";
  }
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) env.hostname = host;
  env.mapsla_version = MAPSLA_VERSION;
  env.git_sha = MAPSLA_GIT_SHA;
  for (const auto& [name, state] : features.named())
    env.features.push_back({name, state->available, state->detail,
                            state->error ? errno_name(state->error) : std::string(),
                            state->verifier});
  env.features.push_back({"numa_nodes", features.numa_nodes > 1,
                          std::to_string(features.numa_nodes) + " configured NUMA node(s)"});
  set_placement(env, detect_placement(read_placement_probe(features.numa_nodes)));
  return env;
}

}  // namespace mapsla
