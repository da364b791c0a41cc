// Progress of `mapsla run`, printed while the cells run (stderr by default).
//
// Three styles:
//   live   (stderr is a terminal) one line for the running window, rewritten
//          in place on every progress report: scenario, reader and mode,
//          repetition i/N, elapsed/total, reads/s and anomalies so far. When
//          the window ends its final figures replace the line, which stays.
//   plain  (no terminal: CI logs, pipes) a line when a window starts, one every
//          plain_interval while it runs, and one when it ends; no control
//          characters.
//   quiet  (--quiet) nothing.
// All calls come from the runner's thread (RunObserver); not thread-safe.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "harness/runner.h"

namespace mapsla::cli {

class ProgressPrinter final : public RunObserver {
 public:
  enum class Style { live, plain, quiet };
  // live when `fd` is a terminal, plain otherwise, quiet when asked.
  static Style style_for(int fd, bool quiet);

  ProgressPrinter(std::ostream& out, Style style,
                  std::chrono::milliseconds plain_interval = std::chrono::seconds(5),
                  size_t columns = 0);  // 0: ask the terminal (live only)
  ~ProgressPrinter() override;          // ends a line a failed window left open

  void window_started(const Scenario& scenario, const CellResult& cell, int repetition) override;
  void window_progress(const Scenario& scenario, const CellResult& cell,
                       const WindowProgress& progress) override;
  void window_finished(const Scenario& scenario, const CellResult& cell,
                       const RepetitionResult& result) override;

  // The text of a progress line (no newline, no control characters).
  static std::string progress_line(const Scenario& scenario, const CellResult& cell,
                                   const WindowProgress& progress);
  static std::string finished_line(const Scenario& scenario, const CellResult& cell,
                                   const RepetitionResult& result);

 private:
  void rewrite(const std::string& line);

  std::ostream& out_;
  Style style_;
  uint64_t plain_interval_ns_;
  size_t columns_;
  uint64_t last_plain_ns_ = 0;
  bool line_open_ = false;
};

// Hands every call to each observer in turn.
class ObserverFanout final : public RunObserver {
 public:
  void add(RunObserver* observer) {
    if (observer) observers_.push_back(observer);
  }
  void window_started(const Scenario& s, const CellResult& c, int repetition) override {
    for (auto* o : observers_)
      o->window_started(s, c, repetition);
  }
  void window_progress(const Scenario& s, const CellResult& c, const WindowProgress& p) override {
    for (auto* o : observers_)
      o->window_progress(s, c, p);
  }
  void window_finished(const Scenario& s, const CellResult& c, const RepetitionResult& r) override {
    for (auto* o : observers_)
      o->window_finished(s, c, r);
  }

 private:
  std::vector<RunObserver*> observers_;
};

}  // namespace mapsla::cli
