#include "core/bpf/features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <numa.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "core/bpf/bpffs.h"
#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "core/bpf/fd.h"
#include "core/bpf/program_probes.h"
#include "core/util/clock.h"
#include "core/util/process.h"

namespace mapsla {
namespace {

FeatureState yes(std::string detail) {
  return {true, std::move(detail), 0, {}};
}
FeatureState no(std::string detail) {
  return {false, std::move(detail), 0, {}};
}
FeatureState no_errno(std::string_view what, int err) {
  return {false, fmt::format("{}: {}", what, probes::describe_refusal(err)), err, {}};
}

UniqueFd create_map(bpf_map_type type, uint32_t key_size, uint32_t value_size, uint32_t entries,
                    const bpf_map_create_opts* opts, int* err) {
  int fd = bpf_map_create(type, "mapsla_probe", key_size, value_size, entries, opts);
  *err = errno_of(fd);
  return UniqueFd(fd < 0 ? -1 : fd);
}

// Unprivileged BPF (kernel.unprivileged_bpf_disabled=0) lets anyone create a
// map, but not load the writer programs: ask for CAP_BPF/CAP_SYS_ADMIN too.
// A refusal while they are held is the kernel's, and says so.
FeatureState probe_privileges() {
  const uint64_t caps = effective_capabilities();
  if (!holds(caps, needs::kBpf))
    return {false,
            fmt::format("this process lacks CAP_BPF and CAP_SYS_ADMIN (missing: {}); run as root "
                        "or grant CAP_BPF and CAP_PERFMON",
                        missing_capabilities(caps)),
            EPERM,
            {}};
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, nullptr, &err);
  if (fd.valid()) return yes("bpf_map_create succeeded");
  return no_errno("bpf_map_create", err);
}

FeatureState probe_batch_ops() {
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_HASH, 4, 8, 4, nullptr, &err);
  if (!fd.valid()) return no_errno("bpf_map_create", err);
  uint32_t key = 1;
  uint64_t value = 7;
  bpf_map_update_elem(fd.get(), &key, &value, BPF_ANY);
  uint32_t keys[4], out_batch = 0, count = 4;
  uint64_t values[4];
  err =
      errno_of(bpf_map_lookup_batch(fd.get(), nullptr, &out_batch, keys, values, &count, nullptr));
  // ENOENT with count == 1 is the normal "map ended after a partial batch".
  if ((err == 0 || err == ENOENT) && count == 1) return yes("BPF_MAP_LOOKUP_BATCH on a hash");
  return no_errno("BPF_MAP_LOOKUP_BATCH (Linux 5.6+)", err);
}

FeatureState probe_mmapable_array() {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_ARRAY, 4, 64, 64, &opts, &err);
  if (!fd.valid()) return no_errno("bpf_map_create(BPF_F_MMAPABLE) (Linux 5.5+)", err);
  void* mem = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (mem == MAP_FAILED) return no_errno("mmap of an mmapable array", errno);
  ::munmap(mem, 4096);
  return yes("BPF_F_MMAPABLE array mapped");
}

FeatureState probe_numa_map() {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NUMA_NODE, .numa_node = 0);
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_HASH, 4, 8, 4, &opts, &err);
  if (!fd.valid()) return no_errno("bpf_map_create(BPF_F_NUMA_NODE, node 0)", err);
  return yes("bpf_map_create(BPF_F_NUMA_NODE, node 0) succeeded");
}

// BPF_F_LOCK needs a value whose BTF holds a struct bpf_spin_lock.
FeatureState probe_map_lock() {
  std::unique_ptr<btf, decltype(&btf__free)> types(btf__new_empty(), btf__free);
  if (!types) return no_errno("btf__new_empty", errno);
  int int_id = btf__add_int(types.get(), "int", 4, BTF_INT_SIGNED);
  int lock_id = btf__add_struct(types.get(), "bpf_spin_lock", 4);
  btf__add_field(types.get(), "val", int_id, 0, 0);
  int value_id = btf__add_struct(types.get(), "mapsla_probe_value", 8);
  btf__add_field(types.get(), "lock", lock_id, 0, 0);
  btf__add_field(types.get(), "data", int_id, 32, 0);
  if (int err = errno_of(btf__load_into_kernel(types.get()))) return no_errno("BTF load", err);
  LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = static_cast<__u32>(btf__fd(types.get())),
              .btf_key_type_id = static_cast<__u32>(int_id),
              .btf_value_type_id = static_cast<__u32>(value_id));
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_HASH, 4, 8, 1, &opts, &err);
  if (!fd.valid()) return no_errno("bpf_map_create(spin-locked value)", err);
  int key = 0;
  uint64_t value = 0;
  bpf_map_update_elem(fd.get(), &key, &value, BPF_F_LOCK);
  err = errno_of(bpf_map_lookup_elem_flags(fd.get(), &key, &value, BPF_F_LOCK));
  if (err) return no_errno("lookup with BPF_F_LOCK (Linux 5.1+)", err);
  return yes("BPF_F_LOCK lookup of a bpf_spin_lock value");
}

// What an external reader meets: its descriptor of the map is inherited, its
// privileges dropped to nobody's with launch()'s own steps. Its first calls
// are the map's info (cilium/ebpf's NewMapFromFD) and a lookup.
struct GivenMap {
  int fd;
};
constexpr int kLookupRefused = 64;  // + errno; below it: the info call's errno

int read_given_map(void* arg) {
  const int fd = static_cast<GivenMap*>(arg)->fd;
  bpf_map_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return std::clamp(errno, 1, kLookupRefused - 1);
  uint32_t key = 0;
  uint64_t value = 0;
  if (bpf_map_lookup_elem(fd, &key, &value) != 0)
    return kLookupRefused + std::clamp(errno, 1, 126 - kLookupRefused);
  return 0;
}

std::string sysctl_value(const char* path) {
  std::ifstream in(path);
  std::string value;
  return in >> value ? value : "unreadable";
}

FeatureState probe_unprivileged_map_read() {
  int err = 0;
  UniqueFd map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, nullptr, &err);
  if (!map.valid()) return no_errno("bpf_map_create", err);
  const Credentials nobody = nobody_credentials();
  GivenMap given{map.get()};
  int result = 0;
  try {
    result = run_with_dropped_privileges(nobody, read_given_map, &given);
  } catch (const std::exception& e) {
    return no(fmt::format("not probed: {}", e.what()));
  }
  const std::string who =
      ::geteuid() == 0
          ? fmt::format("a process with no capability (uid {}, gid {})", nobody.uid, nobody.gid)
          : std::string("a process with no capability");
  if (result == 0) return yes(who + " read a map through a descriptor it was given");
  const bool lookup = result >= kLookupRefused;
  const int refused = lookup ? result - kLookupRefused : result;
  // Not no_errno(): its words on EPERM are about mapsla's own capabilities,
  // and these were dropped on purpose.
  std::string detail =
      fmt::format("{} cannot read a map through a descriptor it was given: {}: {}", who,
                  lookup ? "BPF_MAP_LOOKUP_ELEM" : "BPF_OBJ_GET_INFO_BY_FD", errno_name(refused));
  if (refused == EPERM)
    detail += fmt::format(
        " (kernel.unprivileged_bpf_disabled={}; before Linux 5.19 that refuses every bpf() "
        "command without CAP_BPF)",
        sysctl_value("/proc/sys/kernel/unprivileged_bpf_disabled"));
  FeatureState state = no(std::move(detail));
  state.error = refused;
  return state;
}

// Runs argv inside a private network namespace made by util-linux's
// unshare(1), through the core process layer: the namespace and anything
// made in it die with the child.
CommandResult in_private_netns(std::vector<std::string> argv) {
  const std::string unshare = find_executable("unshare");
  if (unshare.empty()) return {127, "", "unshare (util-linux) not found"};
  LaunchSpec spec;
  spec.argv = {unshare, "--net", "--"};
  for (std::string& arg : argv)
    spec.argv.push_back(std::move(arg));
  spec.env = {std::string("PATH=") + kSystemPath, "LC_ALL=C"};
  return run_to_completion(std::move(spec), now_ns() + 10'000'000'000ull);
}

FeatureState probe_net_namespaces() {
  const std::string truth = find_executable("true");
  const CommandResult r = in_private_netns({truth.empty() ? "/bin/true" : truth});
  if (r.ok()) return yes("unshare --net succeeded");
  return {false,
          "cannot create a network namespace (unshare --net: " + r.err + ")",
          r.err.find("Operation not permitted") != std::string::npos ? EPERM : 0,
          {}};
}

// Creating a netem qdisc is the only test that cannot be fooled (module
// autoload, built-in, blacklisted): try it on loopback in a private network
// namespace, so nothing of it outlives the probe.
FeatureState probe_sch_netem(const FeatureState& net_namespaces) {
  if (!net_namespaces.available)
    return no("not probed: needs a private network namespace (" + net_namespaces.detail + ")");
  const std::string tc = find_executable("tc");
  if (tc.empty()) return no("tc (iproute2) not found");
  const CommandResult r =
      in_private_netns({tc, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"});
  if (r.ok()) return yes("tc qdisc add … netem succeeded in a private netns");
  return no("kernel has no sch_netem (tc qdisc add dev lo root netem in a private netns: " + r.err +
            ")");
}

FeatureState probe_jit() {
  std::ifstream in("/proc/sys/net/core/bpf_jit_enable");
  int value = -1;
  if (!(in >> value)) return no("/proc/sys/net/core/bpf_jit_enable unreadable");
  return value > 0 ? yes(fmt::format("bpf_jit_enable={}", value))
                   : no("bpf_jit_enable=0 (interpreter)");
}

}  // namespace

std::vector<std::pair<std::string, const FeatureState*>> KernelFeatures::named() const {
  return {{"privileges", &privileges},
          {"bpffs", &bpffs},
          {"btf_vmlinux", &btf_vmlinux},
          {"jit", &jit},
          {"syscall_prog", &syscall_prog},
          {"bpf_loop", &bpf_loop},
          {"test_run_writer", &test_run_writer},
          {"test_run_writer_xdp", &test_run_writer_xdp},
          {"locked_writer_xdp", &locked_writer_xdp},
          {"batch_ops", &batch_ops},
          {"mmapable_array", &mmapable_array},
          {"map_lock", &map_lock},
          {"numa_map", &numa_map},
          {"map_elem_iter", &map_elem_iter},
          {"cls_bpf", &cls_bpf},
          {"traffic_counter", &traffic_counter},
          {"traffic_counter_locked", &traffic_counter_locked},
          {"net_namespaces", &net_namespaces},
          {"sch_netem", &sch_netem},
          {"unprivileged_map_read", &unprivileged_map_read}};
}

const FeatureState* KernelFeatures::find(const std::string& name) const {
  for (const auto& [n, state] : named())
    if (n == name) return state;
  return nullptr;
}

KernelFeatures probe_kernel_features() {
  KernelFeatures f;
  f.privileges = probe_privileges();
  f.bpffs = bpffs_mounted() ? yes("bpf filesystem at /sys/fs/bpf")
                            : no("/sys/fs/bpf is not a bpf filesystem (mapsla mounts it)");
  f.btf_vmlinux = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0
                      ? yes("/sys/kernel/btf/vmlinux")
                      : no("/sys/kernel/btf/vmlinux missing (CONFIG_DEBUG_INFO_BTF)");
  f.jit = probe_jit();
  f.net_namespaces = probe_net_namespaces();
  if (f.privileges.available) {
    f.syscall_prog = probes::syscall_program();
    f.bpf_loop = probes::bpf_loop_helper();
    f.test_run_writer = probes::test_run_writer();
    f.test_run_writer_xdp = probes::test_run_writer_xdp();
    f.locked_writer_xdp = probes::locked_writer_xdp();
    f.batch_ops = probe_batch_ops();
    f.mmapable_array = probe_mmapable_array();
    f.map_lock = probe_map_lock();
    f.numa_map = probe_numa_map();
    f.map_elem_iter = probes::map_elem_iterator();
    f.cls_bpf = probes::program_type(BPF_PROG_TYPE_SCHED_CLS, "BPF_PROG_TYPE_SCHED_CLS");
    f.traffic_counter = probes::traffic_counter();
    f.traffic_counter_locked = probes::traffic_counter_locked();
    f.sch_netem = probe_sch_netem(f.net_namespaces);
    f.unprivileged_map_read = probe_unprivileged_map_read();
  } else {
    for (FeatureState* s :
         {&f.syscall_prog, &f.bpf_loop, &f.test_run_writer, &f.test_run_writer_xdp,
          &f.locked_writer_xdp, &f.batch_ops, &f.mmapable_array, &f.map_lock, &f.numa_map,
          &f.map_elem_iter, &f.cls_bpf, &f.traffic_counter, &f.traffic_counter_locked, &f.sch_netem,
          &f.unprivileged_map_read})
      *s = no("not probed: " + f.privileges.detail);
  }
  f.numa_nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
  return f;
}

}  // namespace mapsla
