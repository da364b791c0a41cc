#include "harness/measure_window.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "harness/live_counters.h"
#include "harness/open_loop.h"
#include "harness/util/affinity.h"
#include "harness/util/clock.h"
#include "harness/util/signals.h"

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

}  // namespace

WindowResult measure_window(Reader& reader, Oracle& oracle, const std::vector<int>& cpus,
                            const RunSpec& run, const VersionBoard& board, int index,
                            const WindowPhases* phases,
                            const std::function<void(const WindowProgress&)>& on_progress) {
  const bool phased = phases != nullptr;
  const uint64_t planned_ns =
      ns(run.warmup) + (phased ? ns(phases->durations.total()) : ns(run.duration));
  WindowResult out;
  std::exception_ptr error;
  std::exception_ptr fault_error;
  LiveCounters live;
  std::atomic<uint64_t> measured_start{0};  // 0 while warming up
  std::atomic<uint64_t> updates_before_window{0};
  std::atomic<int> phase{kBefore};
  std::atomic<uint64_t> after_began{0};
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::vector<RepetitionResult> phase_results(phased ? 3 : 0);
  LatencySeries series;
  uint64_t after_observed_ns = 0;
  const uint64_t window_began = now_ns();

  std::thread worker([&] {
    struct Done {
      std::mutex& mutex;
      std::condition_variable& cv;
      bool& done;
      Oracle& oracle;
      ~Done() {
        oracle.set_live(nullptr);
        oracle.set_flush_observer({});
        const std::lock_guard lock(mutex);
        done = true;
        cv.notify_all();
      }
    } signal_done{done_mutex, done_cv, done, oracle};
    try {
      pin_current_thread(cpus);
      out.reader_cpus = current_thread_cpus();
      const uint64_t warmup_end = now_ns() + ns(run.warmup);
      uint64_t end = warmup_end + ns(run.duration);
      reader.begin_window(phased ? warmup_end + ns(phases->durations.total()) + kPhaseSlackNs
                                 : end);
      struct EndWindow {
        Reader& reader;
        ~EndWindow() { reader.end_window(); }
      } end_window{reader};
      while (now_ns() < warmup_end && !stop_requested()) {
        oracle.begin_pass();
        reader.read_pass(oracle);
        oracle.end_pass();
      }
      oracle.reset_results();
      const uint64_t updates_before = board.updates_made();
      const uint64_t start = now_ns();
      if (on_progress) {
        oracle.set_live(&live);
        updates_before_window.store(updates_before, std::memory_order_relaxed);
      }
      measured_start.store(start, std::memory_order_release);
      // A warm-up pass that ran long (a slow reader on a loaded machine) must
      // not eat the measured window: less than half of it left, and the
      // window is measured in full from here.
      if (start + ns(run.duration) / 2 > end) end = start + ns(run.duration);

      int current = kBefore;
      std::array<uint64_t, 3> phase_began = {start, 0, 0};
      std::array<uint64_t, 3> phase_updates = {updates_before, 0, 0};
      const auto close_phase = [&](RepetitionResult result, uint64_t now) {
        result.wall_s = static_cast<double>(now - phase_began[current]) / 1e9;
        result.writer_updates = board.updates_made() - phase_updates[current];
        result.index = index;
        phase_results[current] = std::move(result);
      };
      const auto switch_phase = [&] {
        const int next = phase.load(std::memory_order_acquire);
        if (next == current || next == kDone) return;
        const uint64_t now = now_ns();
        close_phase(oracle.split_results(), now);
        current = next;
        phase_began[current] = now;
        phase_updates[current] = board.updates_made();
        if (current == kAfter) series.reset(after_began.load(std::memory_order_acquire));
      };
      if (phased)
        oracle.set_flush_observer([&](const ReadBlock& block) {
          switch_phase();           // the block goes to the phase it ended in
          if (current == kAfter) {  // recovery series: ops by the time they ended
            uint64_t end_ns = now_ns() - block.elapsed();
            for (size_t i = 0; i < block.ops(); ++i) {
              end_ns += block.op_latency(i);
              series.record(end_ns, block.op_latency(i));
            }
          }
        });
      std::optional<OpenLoopSchedule> schedule;
      if (run.interval) schedule.emplace(ns(*run.interval), start);
      const auto window_over = [&] {
        if (stop_requested()) return true;
        if (phased) return phase.load(std::memory_order_acquire) == kDone;
        return now_ns() >= end;
      };
      while (!stop_requested()) {
        if (phased) {
          if (phase.load(std::memory_order_acquire) == kDone) break;
          switch_phase();
        } else if (now_ns() >= end) {
          break;
        }
        if (schedule) {
          // A pass due after the end of an unphased window never starts.
          if (!phased && schedule->next_due() >= end) break;
          if (!wait_until_due(schedule->next_due(), window_over)) break;
        }
        oracle.begin_pass();
        reader.read_pass(oracle);
        oracle.end_pass();
        if (schedule) {
          if (const auto pass_ns = oracle.last_pass_ns()) {
            const OpenLoopSchedule::Pass p = schedule->complete(*pass_ns);
            oracle.record_open_loop_pass(p.corrected_ns, p.late);
          }
        }
      }
      oracle.set_flush_observer({});
      oracle.set_live(nullptr);
      const uint64_t finish = now_ns();
      if (phased) {
        close_phase(oracle.take_results(), finish);
        if (current == kAfter)
          after_observed_ns = finish - after_began.load(std::memory_order_acquire);
      } else {
        out.result = oracle.take_results();
        out.result.wall_s = static_cast<double>(finish - start) / 1e9;
        out.result.writer_updates = board.updates_made() - updates_before;
      }
    } catch (...) {
      error = std::current_exception();
    }
  });

  const auto progress = [&] {
    WindowProgress p{index, now_ns() - window_began, planned_ns};
    if (const uint64_t start = measured_start.load(std::memory_order_acquire);
        start && on_progress) {
      p.warming_up = false;
      p.measured_ns = now_ns() - start;
      p.writer_updates =
          board.updates_made() - updates_before_window.load(std::memory_order_relaxed);
      p.live = live.snapshot();
    }
    return p;
  };

  // Drives the phases and reports progress until the reader thread is done.
  int drive = kBefore;
  bool faults_on = false;
  uint64_t during_began = 0;
  uint64_t after_start = 0;
  const auto stop_faults = [&] {
    if (!faults_on) return;
    faults_on = false;
    phases->stop();
  };
  {
    struct Finish {  // on every path: faults off, reader released, thread joined
      const std::function<void()> stop_faults;
      std::atomic<int>& phase;
      std::thread& thread;
      ~Finish() {
        stop_faults();
        phase.store(kDone, std::memory_order_release);
        thread.join();
      }
    } finish{stop_faults, phase, worker};
    const uint64_t interval =
        static_cast<uint64_t>(std::chrono::nanoseconds(RunObserver::kProgressInterval).count());
    uint64_t next_progress = now_ns() + interval;
    std::unique_lock lock(done_mutex);
    while (!done) {
      const uint64_t now = now_ns();
      uint64_t wake = on_progress ? next_progress : std::numeric_limits<uint64_t>::max();
      if (phased && drive != kDone) {
        wake = std::min(wake, now + kStopPollNs);
        if (drive == kBefore) {
          const uint64_t start = measured_start.load(std::memory_order_acquire);
          if (start) wake = std::min(wake, start + ns(phases->durations.before));
        } else if (drive == kDuring) {
          wake = std::min(wake, during_began + ns(phases->durations.during));
        } else {
          wake = std::min(wake, after_start + ns(phases->durations.after));
        }
      }
      if (wake > now) {
        if (wake == std::numeric_limits<uint64_t>::max())
          done_cv.wait(lock, [&] { return done; });
        else
          done_cv.wait_for(lock, std::chrono::nanoseconds(wake - now), [&] { return done; });
      }
      if (done) break;
      lock.unlock();
      const uint64_t t = now_ns();
      if (phased && drive != kDone) {
        if (stop_requested()) {
          stop_faults();
          phase.store(kDone, std::memory_order_release);
          drive = kDone;
        } else if (drive == kBefore) {
          const uint64_t start = measured_start.load(std::memory_order_acquire);
          if (start && t >= start + ns(phases->durations.before)) {
            try {
              faults_on = true;
              phases->start();
              during_began = now_ns();
              phase.store(kDuring, std::memory_order_release);
              drive = kDuring;
              phases->verify();
            } catch (...) {
              fault_error = std::current_exception();
              stop_faults();
              phase.store(kDone, std::memory_order_release);
              drive = kDone;
            }
          }
        } else if (drive == kDuring && t >= during_began + ns(phases->durations.during)) {
          stop_faults();
          after_start = now_ns();
          after_began.store(after_start, std::memory_order_release);
          phase.store(kAfter, std::memory_order_release);
          drive = kAfter;
        } else if (drive == kAfter && t >= after_start + ns(phases->durations.after)) {
          phase.store(kDone, std::memory_order_release);
          drive = kDone;
        }
      }
      if (on_progress && now_ns() >= next_progress) {
        on_progress(progress());
        next_progress = now_ns() + interval;
      }
      lock.lock();
    }
  }
  if (error) std::rethrow_exception(error);
  if (fault_error) std::rethrow_exception(fault_error);
  if (phased) {
    out.result = phase_results[kDuring];
    if (after_observed_ns)
      out.recovery = compute_recovery(series, phase_results[kBefore].op_latency.percentile(99),
                                      after_observed_ns);
    if (out.recovery) out.recovery->index = index;
    out.phases = std::move(phase_results);
  }
  // One last report with the window's final counts, so that observers that
  // sum deltas (live metrics) end at exactly the window's totals.
  if (on_progress) {
    WindowProgress last = progress();
    if (!phased) {
      last.measured_ns = static_cast<uint64_t>(out.result.wall_s * 1e9);
      last.writer_updates = out.result.writer_updates;
    }
    on_progress(last);
  }
  out.result.index = index;
  return out;
}

}  // namespace mapsla
