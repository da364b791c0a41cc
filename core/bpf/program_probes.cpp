#include "core/bpf/program_probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <optional>
#include <span>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "core/bpf/fd.h"
#include "core/bpf/oracle_record.h"
#include "core/bpf/skeleton.h"
#include "core/bpf/value_btf.h"
#include "core/bpf/writer_program.h"
#include "mapsla_legacy_locked_writer.skel.h"
#include "mapsla_legacy_writer.skel.h"
#include "mapsla_map_iter.skel.h"
#include "mapsla_traffic_counter.skel.h"
#include "mapsla_writer.skel.h"

namespace mapsla::probes {
namespace {

FeatureState yes(std::string detail) {
  return {true, std::move(detail), 0, {}};
}

FeatureState refused(std::string what, int err, std::string verifier = {}) {
  std::string detail = fmt::format("{}: {}", what, describe_refusal(err));
  if (!verifier.empty()) detail += fmt::format(" (verifier: {})", verifier);
  return {false, std::move(detail), err, std::move(verifier)};
}

// The verifier's verdict: its last line, not counting the statistics it
// appends to every log ("processed N insns …", "verification time …").
std::string last_line(const std::string& log) {
  std::istringstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (line.rfind("processed ", 0) == 0 || line.rfind("verification time", 0) == 0 ||
        line.rfind("stack depth", 0) == 0)
      continue;
    last = line;
  }
  return last;
}

// libbpf prints a failed load's verifier log between two markers through its
// print callback; while probing, capture it instead of letting it reach stderr.
class LibbpfLogCapture {
 public:
  LibbpfLogCapture() {
    active_ = this;
    previous_ = libbpf_set_print(&LibbpfLogCapture::print);
  }
  ~LibbpfLogCapture() {
    libbpf_set_print(previous_);
    active_ = nullptr;
  }
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

  // The last line of the last verifier log libbpf printed, or "".
  std::string verifier_last_line() const {
    const auto end = text_.rfind("-- END PROG LOAD LOG --");
    if (end == std::string::npos) return {};
    const auto begin = text_.rfind("-- BEGIN PROG LOAD LOG --", end);
    const auto body = begin == std::string::npos ? begin : text_.find('\n', begin);
    if (body == std::string::npos || body > end) return {};
    return last_line(text_.substr(body + 1, end - body - 1));
  }

 private:
  static int print(libbpf_print_level, const char* format, va_list args) {
    if (!active_) return 0;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    if (n > 0)
      active_->text_.append(line, std::min<size_t>(static_cast<size_t>(n), sizeof(line) - 1));
    return n;
  }

  static inline LibbpfLogCapture* active_ = nullptr;
  libbpf_print_fn_t previous_ = nullptr;
  std::string text_;
};

struct LoadResult {
  UniqueFd fd;
  int err = 0;
  std::string verifier;
};

LoadResult load_minimal(bpf_prog_type type, uint32_t prog_flags) {
  // r0 = 0; exit
  const bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0}};
  std::vector<char> log(16 * 1024, '\0');
  // libbpf retries a failed load with log_level 1 when a buffer is given.
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = prog_flags,
              .log_size = static_cast<__u32>(log.size()), .log_buf = log.data());
  const int fd = bpf_prog_load(type, "mapsla_probe", "Dual BSD/GPL", insns, 2, &opts);
  LoadResult out;
  out.err = errno_of(fd);
  if (fd >= 0) out.fd.reset(fd);
  if (out.err) out.verifier = last_line(log.data());
  return out;
}

// One run of a loaded legacy (XDP) writer over key 0 of `map_fd`, whose
// values are `value_size` bytes with the record at `offset`: the run must
// report one update and key 0 must then hold a valid record of version 2.
FeatureState run_legacy_writer(int prog_fd, int map_fd, uint32_t value_size, uint32_t offset,
                               const std::string& what) {
  mapsla_writer_args args{};
  args.key_count = 1;
  args.version = 2;
  if (int err = run_writer_program(prog_fd, WriterProgram::xdp, args))
    return refused(fmt::format("BPF_PROG_TEST_RUN of {}", what), err);
  if (args.updated != 1 || args.failed != 0)
    return {false,
            fmt::format("{} ran but reported {} updates and {} failures (errno {}) for 1 key", what,
                        args.updated, args.failed, -args.last_error),
            0,
            {}};
  std::vector<std::byte> value(value_size);
  uint32_t key = 0;
  if (int err = errno_of(bpf_map_lookup_elem(map_fd, &key, value.data())))
    return refused(fmt::format("lookup of the key {} wrote", what), err);
  const RecordFacts facts = validate_record(std::span(value).subspan(offset), key);
  if (facts.check != RecordCheck::ok || facts.version != 2)
    return {
        false, fmt::format("{} wrote an invalid record (version {})", what, facts.version), 0, {}};
  return yes(fmt::format("{} loads and one BPF_PROG_TEST_RUN wrote a valid record", what));
}

}  // namespace

std::string describe_refusal(int err) {
  if (err == EPERM || err == EACCES)
    return fmt::format("{}; {}", errno_name(err), kernel_refusal_hint());
  return errno_name(err);
}

FeatureState program_type(bpf_prog_type type, const std::string& type_name, uint32_t prog_flags) {
  LoadResult load = load_minimal(type, prog_flags);
  if (load.err)
    return refused(fmt::format("kernel refuses {} programs", type_name), load.err, load.verifier);
  return yes(fmt::format("a {} program loads", type_name));
}

FeatureState syscall_program() {
  LoadResult load = load_minimal(BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE);
  if (load.err)
    return refused("kernel refuses BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+)", load.err,
                   load.verifier);
  LIBBPF_OPTS(bpf_test_run_opts, run);
  if (int err = errno_of(bpf_prog_test_run_opts(load.fd.get(), &run)))
    return refused("BPF_PROG_TEST_RUN of a SEC(\"syscall\") program", err);
  return yes("a sleepable SEC(\"syscall\") program loads and runs through BPF_PROG_TEST_RUN");
}

FeatureState bpf_loop_helper() {
  LibbpfLogCapture capture;
  const int ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_loop, nullptr);
  if (ret == 1) return yes("bpf_loop accepted by the verifier (Linux 5.17+)");
  if (ret == 0) return {false, "the verifier does not know bpf_loop (Linux 5.17+)", 0, {}};
  return refused("probe of bpf_loop", errno_of(ret));
}

FeatureState test_run_writer() {
  LibbpfLogCapture capture;
  SkeletonPtr<mapsla_writer> skeleton(mapsla_writer__open(), mapsla_writer__destroy);
  if (!skeleton) return refused("open the writer object (writer.bpf.c)", errno);
  if (int err = errno_of(mapsla_writer__load(skeleton.get()))) {
    std::string verifier = capture.verifier_last_line();
    return refused(
        "kernel refuses the test_run writer (writer.bpf.c: SEC(\"syscall\") with "
        "bpf_loop)",
        err, std::move(verifier));
  }
  return yes("writer.bpf.c (SEC(\"syscall\") + bpf_loop) loads");
}

FeatureState test_run_writer_xdp() {
  const std::string what = "legacy_writer.bpf.c (SEC(\"xdp\") + bounded loop)";
  LibbpfLogCapture capture;
  SkeletonPtr<mapsla_legacy_writer> skeleton(mapsla_legacy_writer__open(),
                                             mapsla_legacy_writer__destroy);
  if (!skeleton) return refused("open the legacy writer object (legacy_writer.bpf.c)", errno);
  if (int err = errno_of(mapsla_legacy_writer__load(skeleton.get())))
    return refused("kernel refuses " + what, err, capture.verifier_last_line());
  return run_legacy_writer(bpf_program__fd(skeleton->progs.write_range),
                           bpf_map__fd(skeleton->maps.target), MAPSLA_VALUE_SIZE_SMALL, 0, what);
}

FeatureState locked_writer_xdp() {
  const std::string what = "legacy_locked_writer.bpf.c (SEC(\"xdp\") + bpf_spin_lock)";
  LibbpfLogCapture capture;
  std::optional<LockedValueBtf> types;
  try {
    types.emplace(MAPSLA_VALUE_SIZE_SMALL);
  } catch (const BpfError& e) {
    return refused("BTF of a spin-locked value", e.error_number());
  }
  LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = static_cast<__u32>(types->fd()),
              .btf_key_type_id = types->key_type_id(), .btf_value_type_id = types->value_type_id());
  const int map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mapsla_probe", sizeof(uint32_t),
                                    MAPSLA_VALUE_SIZE_SMALL, 1, &opts);
  if (map_fd < 0) return refused("bpf_map_create(spin-locked value)", errno_of(map_fd));
  UniqueFd map(map_fd);
  SkeletonPtr<mapsla_legacy_locked_writer> skeleton(mapsla_legacy_locked_writer__open(),
                                                    mapsla_legacy_locked_writer__destroy);
  if (!skeleton) return refused("open the legacy locked writer object", errno);
  skeleton->rodata->payload_words =
      payload_words(MAPSLA_VALUE_SIZE_SMALL - MAPSLA_LOCK_HEADER_BYTES);
  if (int err = errno_of(bpf_map__reuse_fd(skeleton->maps.target, map.get())))
    return refused("bpf_map__reuse_fd for the legacy locked writer", err);
  if (int err = errno_of(mapsla_legacy_locked_writer__load(skeleton.get())))
    return refused("kernel refuses " + what, err, capture.verifier_last_line());
  return run_legacy_writer(bpf_program__fd(skeleton->progs.write_range), map.get(),
                           MAPSLA_VALUE_SIZE_SMALL, MAPSLA_LOCK_HEADER_BYTES, what);
}

FeatureState traffic_counter() {
  LibbpfLogCapture capture;
  SkeletonPtr<mapsla_traffic_counter> skeleton(mapsla_traffic_counter__open(),
                                               mapsla_traffic_counter__destroy);
  if (!skeleton) return refused("open the traffic counter object (traffic_counter.bpf.c)", errno);
  bpf_program__set_autoload(skeleton->progs.count_flow_locked, false);
  if (int err = errno_of(mapsla_traffic_counter__load(skeleton.get()))) {
    std::string verifier = capture.verifier_last_line();
    return refused(
        "kernel refuses the traffic counter (traffic_counter.bpf.c: cls_bpf with atomic "
        "fetch-and-add, Linux 5.12+)",
        err, std::move(verifier));
  }
  return yes("traffic_counter.bpf.c (cls_bpf, atomic fetch-and-add) loads");
}

FeatureState traffic_counter_locked() {
  LibbpfLogCapture capture;
  SkeletonPtr<mapsla_traffic_counter> skeleton(mapsla_traffic_counter__open(),
                                               mapsla_traffic_counter__destroy);
  if (!skeleton) return refused("open the traffic counter object (traffic_counter.bpf.c)", errno);
  bpf_program__set_autoload(skeleton->progs.count_flow, false);
  if (int err = errno_of(mapsla_traffic_counter__load(skeleton.get()))) {
    std::string verifier = capture.verifier_last_line();
    return refused(
        "kernel refuses the locked traffic counter (traffic_counter.bpf.c count_flow_locked: "
        "cls_bpf with bpf_spin_lock)",
        err, std::move(verifier));
  }
  return yes("traffic_counter.bpf.c count_flow_locked (cls_bpf, bpf_spin_lock) loads");
}

FeatureState map_elem_iterator() {
  LibbpfLogCapture capture;
  SkeletonPtr<mapsla_map_iter> skeleton(mapsla_map_iter__open(), mapsla_map_iter__destroy);
  if (!skeleton) return refused("open the iterator object (map_iter.bpf.c)", errno);
  skeleton->rodata->value_bytes = sizeof(uint64_t);
  if (int err = errno_of(mapsla_map_iter__load(skeleton.get())))
    return refused(
        "kernel refuses BPF_PROG_TYPE_TRACING programs (iter/bpf_map_elem, "
        "map_iter.bpf.c)",
        err, capture.verifier_last_line());

  const int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mapsla_probe", sizeof(uint32_t),
                                    sizeof(uint64_t), 2, nullptr);
  if (map_fd < 0) return refused("bpf_map_create for the iterator probe", errno_of(map_fd));
  UniqueFd map(map_fd);
  union bpf_iter_link_info info {};
  info.map.map_fd = static_cast<__u32>(map.get());
  LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
  std::unique_ptr<bpf_link, int (*)(bpf_link*)> link(
      bpf_program__attach_iter(skeleton->progs.emit_elem, &opts), bpf_link__destroy);
  if (!link) return refused("attach iter/bpf_map_elem to an array", errno);
  const int iter_fd = bpf_iter_create(bpf_link__fd(link.get()));
  if (iter_fd < 0) return refused("bpf_iter_create", errno_of(iter_fd));
  UniqueFd iter(iter_fd);
  char buffer[256];
  size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(iter.get(), buffer, sizeof(buffer));
    if (n < 0) return refused("read() of the map-element iterator", errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  constexpr size_t kExpected = 2 * (sizeof(uint32_t) + sizeof(uint64_t));
  if (total != kExpected)
    return {false,
            fmt::format("the map-element iterator returned {} bytes for 2 elements (expected {})",
                        total, kExpected),
            0,
            {}};
  return yes("iter/bpf_map_elem program loaded, attached to an array and read both elements");
}

}  // namespace mapsla::probes
