#include "harness/writers/test_run_writer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/bpf/error.h"
#include "harness/util/affinity.h"
#include "harness/util/clock.h"

namespace mapsla {
namespace {

void sleep_until_ns(uint64_t deadline) {
  timespec ts{static_cast<time_t>(deadline / 1'000'000'000ull),
              static_cast<long>(deadline % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

WriterDescriptor TestRunWriter::descriptor() {
  return {
      "test_run",
      "threads pinned to writer CPUs run a SEC(\"syscall\") writer via BPF_PROG_TEST_RUN",
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
        return options;
      },
      [](const WriterContext& context) { return std::make_unique<TestRunWriter>(context); },
      [](const Scenario& scenario, const KernelFeatures& features) -> std::string {
        // The most basic missing piece first: it is the one to fix.
        for (const FeatureState* needed :
             {&features.syscall_prog, &features.bpf_loop, &features.test_run_writer})
          if (!needed->available) return needed->detail;
        if (scenario.writer.pattern == WriterPattern::locked && !features.map_lock.available)
          return "pattern locked: " + features.map_lock.detail;
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
      {"runs", "updates", "failed_updates"}};
}

TestRunWriter::TestRunWriter(const WriterContext& context)
    : spec_(context.scenario.writer), keys_(context.scenario.map.keys), board_(context.board) {
  if (auto* options = dynamic_cast<const Options*>(spec_.options.get())) options_ = *options;
  // An LRU update allocates a node and may evict another key.
  if (context.scenario.map.kind == MapKind::lru_hash &&
      (spec_.pattern == WriterPattern::replace || spec_.pattern == WriterPattern::churn))
    board_.set_keys_stay_present(false);
  if (spec_.pattern == WriterPattern::locked) {
    load_locked(context);
    return;
  }
  skeleton_.reset(mapsla_writer__open());
  if (!skeleton_) throw BpfError("open", "mapsla_writer skeleton", errno);
  skeleton_->rodata->pattern = static_cast<uint32_t>(spec_.pattern);
  skeleton_->rodata->payload_words = payload_words(context.scenario.map.value_size);
  check_libbpf(bpf_map__reuse_fd(skeleton_->maps.target, context.target.fd()), "bpf_map__reuse_fd",
               "writer target");
  check_libbpf(mapsla_writer__load(skeleton_.get()), "load", "mapsla_writer (writer.bpf.c)");
  prog_fd_ = bpf_program__fd(skeleton_->progs.write_range);
}

void TestRunWriter::load_locked(const WriterContext& context) {
  locked_skeleton_.reset(mapsla_locked_writer__open());
  if (!locked_skeleton_) throw BpfError("open", "mapsla_locked_writer skeleton", errno);
  locked_skeleton_->rodata->payload_words =
      payload_words(context.scenario.map.value_size - record_offset(WriterPattern::locked));
  check_libbpf(bpf_map__reuse_fd(locked_skeleton_->maps.target, context.target.fd()),
               "bpf_map__reuse_fd", "locked writer target");
  check_libbpf(mapsla_locked_writer__load(locked_skeleton_.get()), "load",
               "mapsla_locked_writer (locked_writer.bpf.c; the target needs spin-lock BTF)");
  prog_fd_ = bpf_program__fd(locked_skeleton_->progs.write_range);
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
          {"pattern", std::string(to_string(spec_.pattern))},
          {"cpus", spec_.cpus},
          {"rate", spec_.rate},
          {"keys_per_run", options_.keys_per_run},
          {"runs", runs_.load()},
          {"updates", board_.updates_made()},
          {"failed_updates", failed_updates_.load()},
          {"last_update_error", last ? errno_name(last) : ""}};
}

void TestRunWriter::write_loop(int cpu, uint32_t first_key, uint32_t key_count, double runs_per_s) {
  pin_current_thread({cpu});
  // Versions start above the prefill's 1 and only grow: one writer per key.
  uint64_t version = 1;
  const uint64_t interval_ns = runs_per_s > 0 ? static_cast<uint64_t>(1e9 / runs_per_s) : 0;
  uint64_t next_run = now_ns();
  uint32_t offset = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    const uint32_t count = std::min(options_.keys_per_run, key_count - offset);
    mapsla_writer_args args{};
    args.key_start = first_key + offset;
    args.key_count = count;
    args.version = ++version;
    args.writer_cpu = static_cast<uint32_t>(cpu);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
    if (int err = errno_of(bpf_prog_test_run_opts(prog_fd_, &opts)))
      throw BpfError("BPF_PROG_TEST_RUN", "writer on CPU " + std::to_string(cpu), err);
    // A run with a failed update does not say which key failed: publish
    // nothing for it rather than claim a version that may not be there.
    if (!args.failed) board_.publish_range(args.key_start, count, args.version);
    board_.updates().fetch_add(args.updated, std::memory_order_relaxed);
    runs_.fetch_add(1, std::memory_order_relaxed);
    if (args.failed) {
      failed_updates_.fetch_add(args.failed, std::memory_order_relaxed);
      last_update_errno_.store(-args.last_error, std::memory_order_relaxed);
    }
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

}  // namespace mapsla
