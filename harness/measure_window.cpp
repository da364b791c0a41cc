#include "harness/measure_window.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "core/bpf/error.h"
#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "core/util/signals.h"
#include "harness/floor_probe.h"
#include "harness/live_counters.h"
#include "harness/open_loop.h"

namespace mapsla {
namespace {

constexpr int kBefore = 0, kDuring = 1, kAfter = 2, kDone = 3;
// The stop flag is set by a signal handler, which cannot wake a condition
// variable: the driving thread polls it this often.
constexpr uint64_t kStopPollNs = 20'000'000;
// Extra time an external reader is given beyond the planned window: fault
// start, verification and stop take time of their own.
constexpr uint64_t kPhaseSlackNs = 10'000'000'000;

uint64_t ns(std::chrono::nanoseconds d) {
  return static_cast<uint64_t>(d.count());
}

// Sleeps until `due` in slices short enough to notice `over()`; false when
// over() became true first.
template <typename Over>
bool wait_until_due(uint64_t due, Over over) {
  for (uint64_t now = now_ns(); now < due; now = now_ns()) {
    if (over()) return false;
    const uint64_t slice = std::min(due - now, kStopPollNs);
    std::this_thread::sleep_for(std::chrono::nanoseconds(slice));
  }
  return !over();
}

// One window. Two threads share it: the reader thread (read_window and the
// steps below it) runs passes and files their results by phase; the
// calling thread (drive) moves the phases along on time, runs the faults'
// start/verify/stop and reports progress. They share only the atomics and
// the done flag; everything else belongs to one side.
class Window {
 public:
  Window(Reader& reader, Oracle& oracle, const std::vector<int>& cpus, const RunSpec& run,
         const VersionBoard& board, int index, const WindowPhases* phases,
         const std::function<void(const WindowProgress&)>& on_progress)
      : reader_(reader),
        oracle_(oracle),
        cpus_(cpus),
        run_(run),
        board_(board),
        index_(index),
        phases_(phases),
        on_progress_(on_progress),
        phased_(phases != nullptr),
        phase_results_(phased_ ? 3 : 0),
        planned_ns_(ns(run.warmup) + (phased_ ? ns(phases->durations.total()) : ns(run.duration))),
        began_(now_ns()) {}

  WindowResult run() {
    std::thread worker([this] { read_window(); });
    drive(worker);
    if (reader_error_) std::rethrow_exception(reader_error_);
    if (fault_error_) std::rethrow_exception(fault_error_);
    return assemble();
  }

 private:
  // ---- reader thread -------------------------------------------------------

  void read_window() {
    struct SignalDone {  // on every path, so drive() stops waiting
      Window& w;
      ~SignalDone() {
        w.oracle_.set_live(nullptr);
        w.oracle_.set_flush_observer({});
        const std::lock_guard lock(w.done_mutex_);
        w.done_ = true;
        w.done_cv_.notify_all();
      }
    } signal_done{*this};
    try {
      pin_current_thread(cpus_);
      out_.reader_cpus = current_thread_cpus();
      const uint64_t warmup_end = now_ns() + ns(run_.warmup);
      uint64_t end = warmup_end + ns(run_.duration);
      reader_.begin_window(phased_ ? warmup_end + ns(phases_->durations.total()) + kPhaseSlackNs
                                   : end);
      struct EndWindow {
        Reader& reader;
        ~EndWindow() { reader.end_window(); }
      } end_window{reader_};
      open_floor_probe();
      warm_up(warmup_end);
      const uint64_t start = begin_measuring();
      // A warm-up pass that ran long (a slow reader on a loaded machine) must
      // not eat the measured window: less than half of it left, and the
      // window is measured in full from here.
      if (start + ns(run_.duration) / 2 > end) end = start + ns(run_.duration);
      if (phased_) file_blocks_by_phase();
      read_passes(start, end);
      close_window(start);
    } catch (...) {
      reader_error_ = std::current_exception();
    }
  }

  // Best effort: a window whose reference map cannot be created (no room
  // left under a memlock limit) is measured without a floor, and compare
  // judges its raw latency.
  void open_floor_probe() {
    try {
      floor_.emplace();
    } catch (const BpfError&) {
      floor_.reset();
    }
  }

  void attach_floor(RepetitionResult& result) {
    if (!floor_) return;
    const FloorProbe::Sample s = floor_->take();
    result.floor_bursts = s.bursts;
    result.floor_median_sum_ns = s.median_sum_ns;
  }

  // Passes judged and then discarded: caches, page tables and the map's
  // buckets settle before anything is recorded.
  void warm_up(uint64_t warmup_end) {
    while (now_ns() < warmup_end && !stop_requested()) {
      one_pass();
      if (floor_)
        if (const auto pass_ns = oracle_.last_pass_ns()) floor_->warmup_pass(*pass_ns);
    }
  }

  uint64_t begin_measuring() {
    oracle_.reset_results();
    if (floor_) floor_->take();
    updates_before_ = board_.updates_made();
    const uint64_t start = now_ns();
    if (on_progress_) {
      oracle_.set_live(&live_);
      updates_before_window_.store(updates_before_, std::memory_order_relaxed);
    }
    phase_began_ = {start, 0, 0};
    phase_updates_ = {updates_before_, 0, 0};
    measured_start_.store(start, std::memory_order_release);
    return start;
  }

  // Phased: each block goes to the phase it ended in; in `after`, its ops
  // also go to the recovery series by the time they ended.
  void file_blocks_by_phase() {
    oracle_.set_flush_observer([this](const ReadBlock& block) {
      switch_phase();
      if (current_ != kAfter) return;
      uint64_t end_ns = now_ns() - block.elapsed();
      for (size_t i = 0; i < block.ops(); ++i) {
        end_ns += block.op_latency(i);
        series_.record(end_ns, block.op_latency(i));
      }
    });
  }

  void read_passes(uint64_t start, uint64_t end) {
    std::optional<OpenLoopSchedule> schedule;
    if (run_.interval) schedule.emplace(ns(*run_.interval), start);
    const auto over = [&] {
      if (stop_requested()) return true;
      if (phased_) return phase_.load(std::memory_order_acquire) == kDone;
      return now_ns() >= end;
    };
    while (!over()) {
      if (phased_) switch_phase();
      if (schedule) {
        // A pass due after the end of an unphased window never starts.
        if (!phased_ && schedule->next_due() >= end) break;
        if (!wait_until_due(schedule->next_due(), over)) break;
      }
      one_pass();
      if (floor_)
        if (const auto pass_ns = oracle_.last_pass_ns()) floor_->after_pass(*pass_ns);
      if (schedule)
        if (const auto pass_ns = oracle_.last_pass_ns()) {
          const OpenLoopSchedule::Pass p = schedule->complete(*pass_ns);
          oracle_.record_open_loop_pass(p.corrected_ns, p.late);
        }
    }
  }

  void one_pass() {
    oracle_.begin_pass();
    reader_.read_pass(oracle_);
    oracle_.end_pass();
  }

  void close_window(uint64_t start) {
    oracle_.set_flush_observer({});
    oracle_.set_live(nullptr);
    const uint64_t finish = now_ns();
    if (phased_) {
      close_phase(oracle_.take_results(), finish);
      if (current_ == kAfter)
        after_observed_ns_ = finish - after_began_.load(std::memory_order_acquire);
      return;
    }
    out_.result = oracle_.take_results();
    if (out_.result.passes == 0 && !stop_requested()) throw_measured_nothing(finish - start);
    attach_floor(out_.result);
    out_.result.wall_s = static_cast<double>(finish - start) / 1e9;
    out_.result.writer_updates = board_.updates_made() - updates_before_;
  }

  // A window without one judged pass has no figures: "0 anomalies" would be
  // a verdict on nothing. A built-in reader always completes the pass it
  // began; an external program may deliver none that began inside the window
  // (too slow for it, as under QEMU's emulation), which then fails the cell.
  [[noreturn]] void throw_measured_nothing(uint64_t window_ns) const {
    std::string figures;
    for (const auto& [name, value] : reader_.figures())
      figures += fmt::format(", {} {}", name, value);
    throw std::runtime_error(fmt::format(
        "measured nothing: no pass of {} began and ended inside the {:.3g} s measured window "
        "(lengthen run.duration, or --duration){}",
        reader_.name(), static_cast<double>(window_ns) / 1e9,
        figures.empty() ? "" : "; so far" + figures.substr(1)));
  }

  void close_phase(RepetitionResult result, uint64_t now) {
    attach_floor(result);
    result.wall_s = static_cast<double>(now - phase_began_[current_]) / 1e9;
    result.writer_updates = board_.updates_made() - phase_updates_[current_];
    result.index = index_;
    phase_results_[current_] = std::move(result);
  }

  // Follows the phase drive() set: the results so far belong to the phase
  // that just ended.
  void switch_phase() {
    const int next = phase_.load(std::memory_order_acquire);
    if (next == current_ || next == kDone) return;
    const uint64_t now = now_ns();
    close_phase(oracle_.split_results(), now);
    current_ = next;
    phase_began_[current_] = now;
    phase_updates_[current_] = board_.updates_made();
    if (current_ == kAfter) series_.reset(after_began_.load(std::memory_order_acquire));
  }

  // ---- calling thread ------------------------------------------------------

  // Until the reader thread is done: wake for the next phase change, stop
  // poll or progress report, whichever is first. On every path the faults
  // are stopped and the reader thread is released and joined.
  void drive(std::thread& worker) {
    struct Finish {
      Window& w;
      std::thread& thread;
      ~Finish() {
        w.stop_faults();
        w.phase_.store(kDone, std::memory_order_release);
        thread.join();
      }
    } finish{*this, worker};
    const uint64_t interval = ns(kWindowProgressInterval);
    uint64_t next_progress = now_ns() + interval;
    std::unique_lock lock(done_mutex_);
    while (!done_) {
      const uint64_t now = now_ns();
      const uint64_t wake = next_wake(now, next_progress);
      if (wake > now) {
        if (wake == std::numeric_limits<uint64_t>::max())
          done_cv_.wait(lock, [&] { return done_; });
        else
          done_cv_.wait_for(lock, std::chrono::nanoseconds(wake - now), [&] { return done_; });
      }
      if (done_) break;
      lock.unlock();
      if (phased_ && drive_ != kDone) advance_phase(now_ns());
      if (on_progress_ && now_ns() >= next_progress) {
        on_progress_(progress());
        next_progress = now_ns() + interval;
      }
      lock.lock();
    }
  }

  uint64_t next_wake(uint64_t now, uint64_t next_progress) const {
    uint64_t wake = on_progress_ ? next_progress : std::numeric_limits<uint64_t>::max();
    if (!phased_ || drive_ == kDone) return wake;
    wake = std::min(wake, now + kStopPollNs);
    if (drive_ == kBefore) {
      if (const uint64_t start = measured_start_.load(std::memory_order_acquire))
        wake = std::min(wake, start + ns(phases_->durations.before));
    } else if (drive_ == kDuring) {
      wake = std::min(wake, during_began_ + ns(phases_->durations.during));
    } else {
      wake = std::min(wake, after_start_ + ns(phases_->durations.after));
    }
    return wake;
  }

  void advance_phase(uint64_t t) {
    if (stop_requested()) {
      end_phases();
    } else if (drive_ == kBefore) {
      const uint64_t start = measured_start_.load(std::memory_order_acquire);
      if (start && t >= start + ns(phases_->durations.before)) start_faults();
    } else if (drive_ == kDuring && t >= during_began_ + ns(phases_->durations.during)) {
      stop_faults();
      after_start_ = now_ns();
      after_began_.store(after_start_, std::memory_order_release);
      set_phase(kAfter);
    } else if (drive_ == kAfter && t >= after_start_ + ns(phases_->durations.after)) {
      set_phase(kDone);
    }
  }

  // Faults on, `during` begins, then verify (its time counts in `during`).
  // A fault that fails to start or verify ends the window.
  void start_faults() {
    try {
      faults_on_ = true;
      phases_->start();
      during_began_ = now_ns();
      set_phase(kDuring);
      phases_->verify();
    } catch (...) {
      fault_error_ = std::current_exception();
      end_phases();
    }
  }

  void stop_faults() {
    if (!faults_on_) return;
    faults_on_ = false;
    phases_->stop();
  }

  void end_phases() {
    stop_faults();
    set_phase(kDone);
  }

  void set_phase(int next) {
    phase_.store(next, std::memory_order_release);
    drive_ = next;
  }

  WindowProgress progress() const {
    WindowProgress p{index_, now_ns() - began_, planned_ns_};
    if (const uint64_t start = measured_start_.load(std::memory_order_acquire);
        start && on_progress_) {
      p.warming_up = false;
      p.measured_ns = now_ns() - start;
      p.writer_updates =
          board_.updates_made() - updates_before_window_.load(std::memory_order_relaxed);
      p.live = live_.snapshot();
    }
    return p;
  }

  // After both threads are done: the during phase is the window's result,
  // the recovery comes from the after phase's series.
  WindowResult assemble() {
    if (phased_) {
      out_.result = phase_results_[kDuring];
      if (after_observed_ns_)
        out_.recovery = compute_recovery(series_, phase_results_[kBefore].op_latency.percentile(99),
                                         after_observed_ns_);
      if (out_.recovery) out_.recovery->index = index_;
      out_.phases = std::move(phase_results_);
    }
    // One last report with the window's final counts, so that observers that
    // sum deltas (live metrics) end at exactly the window's totals.
    if (on_progress_) {
      WindowProgress last = progress();
      if (!phased_) {
        last.measured_ns = static_cast<uint64_t>(out_.result.wall_s * 1e9);
        last.writer_updates = out_.result.writer_updates;
      }
      on_progress_(last);
    }
    out_.result.index = index_;
    return std::move(out_);
  }

  Reader& reader_;
  Oracle& oracle_;
  const std::vector<int>& cpus_;
  const RunSpec& run_;
  const VersionBoard& board_;
  const int index_;
  const WindowPhases* phases_;
  const std::function<void(const WindowProgress&)>& on_progress_;
  const bool phased_;

  // Shared between the threads.
  std::atomic<uint64_t> measured_start_{0};  // 0 while warming up
  std::atomic<uint64_t> updates_before_window_{0};
  std::atomic<int> phase_{kBefore};
  std::atomic<uint64_t> after_began_{0};
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  LiveCounters live_;

  // Reader thread (read by assemble() after the join).
  WindowResult out_;
  std::exception_ptr reader_error_;
  int current_ = kBefore;
  std::array<uint64_t, 3> phase_began_{};
  std::array<uint64_t, 3> phase_updates_{};
  uint64_t updates_before_ = 0;
  std::vector<RepetitionResult> phase_results_;
  LatencySeries series_;
  uint64_t after_observed_ns_ = 0;
  std::optional<FloorProbe> floor_;

  // Calling thread.
  std::exception_ptr fault_error_;
  int drive_ = kBefore;
  bool faults_on_ = false;
  uint64_t during_began_ = 0;
  uint64_t after_start_ = 0;
  const uint64_t planned_ns_;
  const uint64_t began_;
};

}  // namespace

WindowResult measure_window(Reader& reader, Oracle& oracle, const std::vector<int>& cpus,
                            const RunSpec& run, const VersionBoard& board, int index,
                            const WindowPhases* phases,
                            const std::function<void(const WindowProgress&)>& on_progress) {
  return Window(reader, oracle, cpus, run, board, index, phases, on_progress).run();
}

}  // namespace mapsla
