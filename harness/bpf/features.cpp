#include "harness/bpf/features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <numa.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "harness/bpf/bpffs.h"
#include "harness/bpf/error.h"
#include "harness/bpf/fd.h"

namespace mapsla {
namespace {

FeatureState yes(std::string detail) {
  return {true, std::move(detail)};
}
FeatureState no(std::string detail) {
  return {false, std::move(detail)};
}
FeatureState no_errno(std::string_view what, int err) {
  return {false, fmt::format("{}: {}", what, errno_name(err))};
}

UniqueFd create_map(bpf_map_type type, uint32_t key_size, uint32_t value_size, uint32_t entries,
                    const bpf_map_create_opts* opts, int* err) {
  int fd = bpf_map_create(type, "mapsla_probe", key_size, value_size, entries, opts);
  *err = errno_of(fd);
  return UniqueFd(fd < 0 ? -1 : fd);
}

uint64_t effective_capabilities() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

constexpr int kCapNetAdmin = 12, kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;

bool has_capability(uint64_t caps, int bit) {
  return (caps >> bit) & 1;
}

// Unprivileged BPF (kernel.unprivileged_bpf_disabled=0) lets anyone create a
// map, but not load the writer programs: ask for CAP_BPF/CAP_SYS_ADMIN too.
FeatureState probe_privileges() {
  const uint64_t caps = effective_capabilities();
  if (!has_capability(caps, kCapBpf) && !has_capability(caps, kCapSysAdmin))
    return no(fmt::format("needs CAP_BPF or CAP_SYS_ADMIN (missing: {})", missing_capabilities()));
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, nullptr, &err);
  if (fd.valid()) return yes("bpf_map_create succeeded");
  if (err == EPERM || err == EACCES)
    return no("bpf_map_create: EPERM: needs CAP_BPF (or CAP_SYS_ADMIN); run as root");
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
  return no_errno("BPF_MAP_LOOKUP_BATCH", err);
}

FeatureState probe_mmapable_array() {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  int err = 0;
  UniqueFd fd = create_map(BPF_MAP_TYPE_ARRAY, 4, 64, 64, &opts, &err);
  if (!fd.valid()) return no_errno("bpf_map_create(BPF_F_MMAPABLE)", err);
  void* mem = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (mem == MAP_FAILED) return no_errno("mmap of an mmapable array", errno);
  ::munmap(mem, 4096);
  return yes("BPF_F_MMAPABLE array mapped");
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
  if (err) return no_errno("lookup with BPF_F_LOCK", err);
  return yes("BPF_F_LOCK lookup of a bpf_spin_lock value");
}

FeatureState probe_map_elem_iter() {
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return no_errno("load vmlinux BTF", errno);
  if (btf__find_by_name_kind(vmlinux.get(), "bpf_iter__bpf_map_elem", BTF_KIND_STRUCT) < 0)
    return no("vmlinux BTF has no bpf_iter__bpf_map_elem");
  return yes("iter/bpf_map_elem in vmlinux BTF");
}

FeatureState probe_helper(bpf_prog_type type, bpf_func_id helper, const char* name) {
  int ret = libbpf_probe_bpf_helper(type, helper, nullptr);
  if (ret == 1) return yes(fmt::format("{} accepted by the verifier", name));
  if (ret == 0) return no(fmt::format("{} rejected by the verifier", name));
  return no_errno(name, errno_of(ret));
}

FeatureState probe_cls_bpf() {
  int ret = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, nullptr);
  if (ret == 1) return yes("BPF_PROG_TYPE_SCHED_CLS loads");
  return ret == 0 ? no("BPF_PROG_TYPE_SCHED_CLS not supported")
                  : no_errno("probe SCHED_CLS", errno_of(ret));
}

// Creating a netem qdisc is the only test that cannot be fooled (module
// autoload, built-in, blacklisted): try it on loopback in a private network
// namespace owned by a child, so nothing of it outlives the probe.
FeatureState probe_sch_netem() {
  pid_t child = ::fork();
  if (child < 0) return no_errno("fork", errno);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(3);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    ::execlp("tc", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
             static_cast<char*>(nullptr));
    ::_exit(4);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return no("netem probe did not finish");
  switch (WEXITSTATUS(status)) {
    case 0:
      return yes("tc qdisc add … netem succeeded in a private netns");
    case 3:
      return no("cannot create a network namespace to probe netem (needs CAP_SYS_ADMIN)");
    case 4:
      return no("tc (iproute2) not found");
    default:
      return no("kernel has no sch_netem (tc qdisc add … netem failed)");
  }
}

FeatureState probe_jit() {
  std::ifstream in("/proc/sys/net/core/bpf_jit_enable");
  int value = -1;
  if (!(in >> value)) return no("/proc/sys/net/core/bpf_jit_enable unreadable");
  return value > 0 ? yes(fmt::format("bpf_jit_enable={}", value))
                   : no("bpf_jit_enable=0 (interpreter)");
}

}  // namespace

std::string missing_capabilities() {
  const uint64_t caps = effective_capabilities();
  std::string out;
  for (const auto& [bit, name] :
       {std::pair{kCapBpf, "CAP_BPF"}, std::pair{kCapPerfmon, "CAP_PERFMON"},
        std::pair{kCapNetAdmin, "CAP_NET_ADMIN"}, std::pair{kCapSysAdmin, "CAP_SYS_ADMIN"}}) {
    if (has_capability(caps, bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::vector<std::pair<std::string, const FeatureState*>> KernelFeatures::named() const {
  return {{"privileges", &privileges},
          {"bpffs", &bpffs},
          {"btf_vmlinux", &btf_vmlinux},
          {"jit", &jit},
          {"bpf_loop", &bpf_loop},
          {"batch_ops", &batch_ops},
          {"mmapable_array", &mmapable_array},
          {"map_lock", &map_lock},
          {"map_elem_iter", &map_elem_iter},
          {"cls_bpf", &cls_bpf},
          {"sch_netem", &sch_netem}};
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
  f.map_elem_iter = probe_map_elem_iter();
  if (f.privileges.available) {
    f.bpf_loop = probe_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_loop, "bpf_loop");
    f.batch_ops = probe_batch_ops();
    f.mmapable_array = probe_mmapable_array();
    f.map_lock = probe_map_lock();
    f.cls_bpf = probe_cls_bpf();
    f.sch_netem = probe_sch_netem();
  } else {
    for (FeatureState* s :
         {&f.bpf_loop, &f.batch_ops, &f.mmapable_array, &f.map_lock, &f.cls_bpf, &f.sch_netem})
      *s = no("not probed: no BPF privileges");
  }
  f.numa_nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
  return f;
}

}  // namespace mapsla
