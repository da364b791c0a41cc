#include "harness/writers/test_run_writer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/util/affinity.h"
#include "core/util/clock.h"

namespace mapsla {
namespace {

void sleep_until_ns(uint64_t deadline) {
  timespec ts{static_cast<time_t>(deadline / 1'000'000'000ull),
              static_cast<long>(deadline % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

nlohmann::json TestRunWriter::Options::to_json() const {
  return {{"keys_per_run", keys_per_run},
          {"program", program ? std::string(to_string(*program)) : std::string("auto")},
          {"repeat", repeat}};
}

std::variant<WriterProgram, std::string> TestRunWriter::choose_program(
    std::optional<WriterProgram> requested, WriterPattern pattern, const KernelFeatures& features) {
  const bool locked = pattern == WriterPattern::locked;
  // The most basic missing piece first: it is the one to fix.
  auto syscall_missing = [&]() -> std::string {
    for (const FeatureState* needed :
         {&features.syscall_prog, &features.bpf_loop, &features.test_run_writer})
      if (!needed->available) return needed->detail;
    return {};
  };
  auto xdp_missing = [&]() -> std::string {
    if (!features.test_run_writer_xdp.available) return features.test_run_writer_xdp.detail;
    if (locked && !features.locked_writer_xdp.available) return features.locked_writer_xdp.detail;
    return {};
  };
  if (locked && !features.map_lock.available) return "pattern locked: " + features.map_lock.detail;
  if (requested == WriterProgram::syscall) {
    if (std::string why = syscall_missing(); !why.empty()) return "program syscall: " + why;
    return WriterProgram::syscall;
  }
  if (requested == WriterProgram::xdp) {
    if (std::string why = xdp_missing(); !why.empty()) return "program xdp: " + why;
    return WriterProgram::xdp;
  }
  const std::string syscall_why = syscall_missing();
  if (syscall_why.empty()) return WriterProgram::syscall;
  const std::string xdp_why = xdp_missing();
  if (xdp_why.empty()) return WriterProgram::xdp;
  return fmt::format("{}; the xdp fallback: {}", syscall_why, xdp_why);
}

WriterDescriptor TestRunWriter::descriptor() {
  return {
      "test_run",
      "threads pinned to writer CPUs run a writer program via BPF_PROG_TEST_RUN "
      "(SEC(\"syscall\") with bpf_loop, or XDP with a bounded loop before Linux 5.17)",
      {WriterPattern::inplace, WriterPattern::replace, WriterPattern::churn, WriterPattern::seqlock,
       WriterPattern::locked, WriterPattern::percpu},
      {MapKind::hash, MapKind::lru_hash, MapKind::array, MapKind::percpu_hash,
       MapKind::percpu_array},
      [](Fields& fields, const WriterSpec&,
         const MapSpec&) -> std::shared_ptr<const WriterOptions> {
        auto options = std::make_shared<Options>();
        // Each field and rule on its own (Fields::check): all mistakes are reported.
        fields.check([&] {
          options->keys_per_run =
              static_cast<uint32_t>(fields.integer("keys_per_run", 1, 1u << 20, 64));
        });
        fields.check([&] {
          const std::string program =
              fields.one_of("program", {"auto", "syscall", "xdp"}, std::string("auto"));
          options->program = writer_program_from_string(program);
        });
        fields.check([&] {
          options->repeat = static_cast<uint32_t>(fields.integer("repeat", 0, 1u << 20, 0));
        });
        return options;
      },
      [](const WriterContext& context) { return std::make_unique<TestRunWriter>(context); },
      [](const Scenario& scenario, const KernelFeatures& features) -> std::string {
        const auto* options = dynamic_cast<const Options*>(scenario.writer.options.get());
        auto choice = choose_program(options ? options->program : std::nullopt,
                                     scenario.writer.pattern, features);
        if (auto* why = std::get_if<std::string>(&choice)) return *why;
        return {};
      },
      [](Fields& fields, const WriterSpec& spec, const MapSpec& map) {
        fields.check([&] {
          if (spec.pattern == WriterPattern::churn && is_array(map.kind))
            fields.fail("pattern", "churn deletes keys, which an array cannot do; use a hash map");
          if (spec.pattern == WriterPattern::locked && map.kind != MapKind::hash &&
              map.kind != MapKind::array)
            fields.fail("pattern", fmt::format("locked values hold a bpf_spin_lock, which a {} "
                                               "cannot; use a hash or an array",
                                               to_string(map.kind)));
          if (spec.pattern == WriterPattern::percpu && !is_percpu(map.kind))
            fields.fail("pattern", fmt::format("percpu writes this CPU's slot of a per-CPU map; "
                                               "a {} has none (use percpu_hash or percpu_array)",
                                               to_string(map.kind)));
        });
        fields.check([&] {
          if (spec.cpus.size() > map.keys) fields.fail("cpus", "more writer CPUs than keys");
        });
      },
      {"runs", "updates", "failed_updates", "test_runs"}};
}

TestRunWriter::TestRunWriter(const WriterContext& context)
    : spec_(context.scenario.writer), keys_(context.scenario.map.keys), board_(context.board) {
  if (auto* options = dynamic_cast<const Options*>(spec_.options.get())) options_ = *options;
  // An LRU update allocates a node and may evict another key.
  if (context.scenario.map.kind == MapKind::lru_hash &&
      (spec_.pattern == WriterPattern::replace || spec_.pattern == WriterPattern::churn))
    board_.set_keys_stay_present(false);
  auto choice = choose_program(options_.program, spec_.pattern, context.features);
  if (auto* why = std::get_if<std::string>(&choice))
    throw std::runtime_error("test_run writer: " + *why);
  program_ = std::get<WriterProgram>(choice);
  prog_fd_ = program_ == WriterProgram::syscall ? load_syscall(context) : load_xdp(context);
}

int TestRunWriter::load_syscall(const WriterContext& context) {
  const uint32_t words =
      payload_words(context.scenario.map.value_size - record_offset(spec_.pattern));
  if (spec_.pattern == WriterPattern::locked) {
    locked_skeleton_.reset(mapsla_locked_writer__open());
    if (!locked_skeleton_) throw BpfError("open", "mapsla_locked_writer skeleton", errno);
    locked_skeleton_->rodata->payload_words = words;
    check_libbpf(bpf_map__reuse_fd(locked_skeleton_->maps.target, context.target.fd()),
                 "bpf_map__reuse_fd", "locked writer target");
    check_libbpf(mapsla_locked_writer__load(locked_skeleton_.get()), "load",
                 "mapsla_locked_writer (locked_writer.bpf.c; the target needs spin-lock BTF)");
    return bpf_program__fd(locked_skeleton_->progs.write_range);
  }
  skeleton_.reset(mapsla_writer__open());
  if (!skeleton_) throw BpfError("open", "mapsla_writer skeleton", errno);
  skeleton_->rodata->pattern = static_cast<uint32_t>(spec_.pattern);
  skeleton_->rodata->payload_words = words;
  check_libbpf(bpf_map__reuse_fd(skeleton_->maps.target, context.target.fd()), "bpf_map__reuse_fd",
               "writer target");
  check_libbpf(mapsla_writer__load(skeleton_.get()), "load", "mapsla_writer (writer.bpf.c)");
  return bpf_program__fd(skeleton_->progs.write_range);
}

int TestRunWriter::load_xdp(const WriterContext& context) {
  // The verifier walks each iteration of the program's key loop; should a
  // kernel find the loop too large (E2BIG), fewer keys per run still work.
  for (uint32_t keys = legacy_writer_keys(context.scenario.map.value_size);; keys /= 2) {
    try {
      const int fd = load_xdp_once(context, keys);
      keys_per_test_run_ = keys;
      return fd;
    } catch (const BpfError& e) {
      if (e.error_number() != E2BIG || keys == 1) throw;
    }
  }
}

int TestRunWriter::load_xdp_once(const WriterContext& context, uint32_t max_keys) {
  const uint32_t words =
      payload_words(context.scenario.map.value_size - record_offset(spec_.pattern));
  if (spec_.pattern == WriterPattern::locked) {
    legacy_locked_skeleton_.reset(mapsla_legacy_locked_writer__open());
    if (!legacy_locked_skeleton_)
      throw BpfError("open", "mapsla_legacy_locked_writer skeleton", errno);
    legacy_locked_skeleton_->rodata->payload_words = words;
    legacy_locked_skeleton_->rodata->max_keys = max_keys;
    check_libbpf(bpf_map__reuse_fd(legacy_locked_skeleton_->maps.target, context.target.fd()),
                 "bpf_map__reuse_fd", "legacy locked writer target");
    check_libbpf(mapsla_legacy_locked_writer__load(legacy_locked_skeleton_.get()), "load",
                 "mapsla_legacy_locked_writer (legacy_locked_writer.bpf.c; the target needs "
                 "spin-lock BTF)");
    return bpf_program__fd(legacy_locked_skeleton_->progs.write_range);
  }
  legacy_skeleton_.reset(mapsla_legacy_writer__open());
  if (!legacy_skeleton_) throw BpfError("open", "mapsla_legacy_writer skeleton", errno);
  legacy_skeleton_->rodata->pattern = static_cast<uint32_t>(spec_.pattern);
  legacy_skeleton_->rodata->payload_words = words;
  legacy_skeleton_->rodata->max_keys = max_keys;
  check_libbpf(bpf_map__reuse_fd(legacy_skeleton_->maps.target, context.target.fd()),
               "bpf_map__reuse_fd", "legacy writer target");
  check_libbpf(mapsla_legacy_writer__load(legacy_skeleton_.get()), "load",
               "mapsla_legacy_writer (legacy_writer.bpf.c)");
  return bpf_program__fd(legacy_skeleton_->progs.write_range);
}

TestRunWriter::~TestRunWriter() {
  stop();
}

void TestRunWriter::start() {
  stop_.store(false);
  const auto& cpus = spec_.cpus;
  const double runs_per_s =
      spec_.rate ? static_cast<double>(spec_.rate) / options_.keys_per_run / cpus.size() : 0.0;
  for (size_t i = 0; i < cpus.size(); ++i) {
    const uint32_t first = static_cast<uint32_t>(uint64_t{keys_} * i / cpus.size());
    const uint32_t last = static_cast<uint32_t>(uint64_t{keys_} * (i + 1) / cpus.size());
    threads_.emplace_back([this, cpu = cpus[i], first, last, runs_per_s] {
      try {
        write_loop(cpu, first, last - first, runs_per_s);
      } catch (const std::exception& e) {
        fail(e.what());
      }
    });
  }
}

void TestRunWriter::stop() {
  stop_.store(true);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void TestRunWriter::fail(std::string why) {
  std::lock_guard lock(failure_mutex_);
  if (failure_.empty()) failure_ = std::move(why);
}

std::string TestRunWriter::failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_;
}

nlohmann::json TestRunWriter::stats() const {
  const int last = last_update_errno_.load();
  return {{"driver", "test_run"},
          {"program", std::string(to_string(program_))},
          {"pattern", std::string(to_string(spec_.pattern))},
          {"cpus", spec_.cpus},
          {"rate", spec_.rate},
          {"keys_per_run", options_.keys_per_run},
          {"runs", runs_.load()},
          {"test_runs", test_runs_.load()},
          {"keys_per_test_run", keys_per_test_run_ ? keys_per_test_run_ : options_.keys_per_run},
          {"repeat", repeat_.load()},
          {"test_run_overhead_ns", call_overhead_ns_.load()},
          {"updates", board_.updates_made()},
          {"failed_updates", failed_updates_.load()},
          {"last_update_error", last ? errno_name(last) : ""}};
}

void TestRunWriter::write_loop(int cpu, uint32_t first_key, uint32_t key_count, double runs_per_s) {
  pin_current_thread({cpu});
  // Versions start above the prefill's 1 and only grow: one writer per key.
  uint64_t version = 1;
  const uint64_t interval_ns = runs_per_s > 0 ? static_cast<uint64_t>(1e9 / runs_per_s) : 0;
  if (program_ == WriterProgram::xdp && !interval_ns && options_.repeat != 1) {
    write_repeated(cpu, first_key, key_count);
    return;
  }
  uint64_t next_run = now_ns();
  uint32_t offset = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    const uint32_t count = std::min(options_.keys_per_run, key_count - offset);
    run_range(cpu, first_key + offset, count, ++version);
    runs_.fetch_add(1, std::memory_order_relaxed);
    offset = offset + count >= key_count ? 0 : offset + count;
    if (interval_ns) {
      next_run += interval_ns;
      const uint64_t now = now_ns();
      if (next_run < now)
        next_run = now;  // fell behind: do not burst to catch up
      else
        sleep_until_ns(next_run);
    }
  }
}

// The xdp program with test_run's `repeat` over [first_key, + key_count),
// until stop_.
void TestRunWriter::write_repeated(int cpu, uint32_t first_key, uint32_t key_count) {
  mapsla_legacy_writer_args packet{};
  packet.args.key_start = first_key;
  packet.args.key_count = std::min(options_.keys_per_run, keys_per_test_run_);
  packet.args.version = 2;
  packet.args.writer_cpu = static_cast<uint32_t>(cpu);
  packet.range_keys = key_count;
  const bool automatic = options_.repeat == 0;
  uint32_t repeat = automatic ? 1 : options_.repeat;
  // auto: while calls run one repetition, the cost beyond it of the last
  // kProbeCalls calls; once the least of them is dear, batches for good.
  std::array<uint64_t, kProbeCalls> recent;
  recent.fill(UINT64_MAX);
  uint64_t calls = 0;
  double overhead = 0;  // batching: smoothed ns per call beyond the repetitions' own time
  while (!stop_.load(std::memory_order_relaxed)) {
    const mapsla_legacy_writer_args start = packet;
    packet.args.updated = 0;
    packet.args.failed = 0;
    packet.args.last_error = 0;
    uint32_t run_ns = 0;
    const uint64_t t0 = now_ns();
    const int err = run_xdp_writer(prog_fd_, packet, repeat, run_ns);
    const uint64_t wall = now_ns() - t0;
    if (err == EINTR) {
      // A signal ended the call after an unknown number of repetitions and
      // the kernel returned nothing: publish nothing, and go on above every
      // version those repetitions may have written.
      packet = start;
      packet.args.version += repeat;
      continue;
    }
    if (err)
      throw BpfError("BPF_PROG_TEST_RUN",
                     fmt::format("xdp writer on CPU {} (repeat {})", cpu, repeat), err);
    test_runs_.fetch_add(1, std::memory_order_relaxed);
    runs_.fetch_add(repeat, std::memory_order_relaxed);
    repeat_.store(repeat, std::memory_order_relaxed);
    // A call with a failed update does not say which key failed: publish
    // nothing for it rather than claim a version that may not be there.
    if (!packet.args.failed) publish_repetitions(start, repeat);
    board_.updates().fetch_add(packet.args.updated, std::memory_order_relaxed);
    if (packet.args.failed) {
      failed_updates_.fetch_add(packet.args.failed, std::memory_order_relaxed);
      last_update_errno_.store(-packet.args.last_error, std::memory_order_relaxed);
    }
    if (!automatic) continue;
    const uint64_t work = uint64_t{run_ns} * repeat;
    const uint64_t spent = wall > work ? wall - work : 0;
    if (repeat == 1) {
      // One slow call may be a preemption; the dispatcher update makes
      // every call slow (and slower still once readers keep the other CPUs
      // busy, which may start after the first calls).
      recent[calls++ % kProbeCalls] = spent;
      const uint64_t least = *std::min_element(recent.begin(), recent.end());
      if (least == UINT64_MAX) continue;
      call_overhead_ns_.store(least, std::memory_order_relaxed);
      if (least < kBatchAboveNs) continue;
      overhead = static_cast<double>(least);
    } else {
      overhead = 0.75 * overhead + 0.25 * static_cast<double>(spent);
    }
    const double target = std::min(4 * overhead, static_cast<double>(kMaxCallNs));
    repeat = static_cast<uint32_t>(
        std::clamp(target / std::max<uint32_t>(run_ns, 1), 2.0, static_cast<double>(1u << 20)));
  }
}

// Repetition j of a call that started at `start` wrote the slice after
// repetition j-1's at version start.version + j (cursors are multiples of
// the slice: every pass starts at 0); only the last pass over the range can
// still be in the map, so only it is published, oldest first.
void TestRunWriter::publish_repetitions(const mapsla_legacy_writer_args& start, uint32_t repeat) {
  const uint32_t slice = start.args.key_count;
  const uint32_t range = start.range_keys;
  const uint64_t per_pass = (uint64_t{range} + slice - 1) / slice;
  const uint64_t first = repeat > per_pass ? repeat - per_pass : 0;
  for (uint64_t j = first; j < repeat; ++j) {
    const uint64_t cursor = (start.cursor / slice + j) % per_pass * slice;
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(slice, range - cursor));
    board_.publish_range(start.args.key_start + static_cast<uint32_t>(cursor), count,
                         start.args.version + j);
  }
}

// One run: the whole range in one BPF_PROG_TEST_RUN, or for the xdp program
// in slices of its max_keys, each published when its call returns (so the
// board never claims a key a call has not written yet).
void TestRunWriter::run_range(int cpu, uint32_t key_start, uint32_t key_count, uint64_t version) {
  const uint32_t slice = keys_per_test_run_ ? keys_per_test_run_ : key_count;
  for (uint32_t done = 0; done < key_count;) {
    mapsla_writer_args args{};
    args.key_start = key_start + done;
    args.key_count = std::min(slice, key_count - done);
    args.version = version;
    args.writer_cpu = static_cast<uint32_t>(cpu);
    if (int err = run_writer_program(prog_fd_, program_, args))
      throw BpfError("BPF_PROG_TEST_RUN",
                     fmt::format("{} writer on CPU {}", to_string(program_), cpu), err);
    test_runs_.fetch_add(1, std::memory_order_relaxed);
    // A call with a failed update does not say which key failed: publish
    // nothing for it rather than claim a version that may not be there.
    if (!args.failed) board_.publish_range(args.key_start, args.key_count, args.version);
    board_.updates().fetch_add(args.updated, std::memory_order_relaxed);
    if (args.failed) {
      failed_updates_.fetch_add(args.failed, std::memory_order_relaxed);
      last_update_errno_.store(-args.last_error, std::memory_order_relaxed);
    }
    done += args.key_count;
  }
}

}  // namespace mapsla
