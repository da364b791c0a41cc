#include "cli/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace mapsla::cli {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

struct Fixture {
  Scenario scenario;
  CellResult cell{"quiet", "naive", "keys"};
  Fixture() {
    scenario.name = "quiet";
    scenario.run.warmup = 200ms;
    scenario.run.duration = 2s;
    scenario.run.repetitions = 3;
  }
  static WindowProgress at(uint64_t elapsed_ms, uint64_t reads, uint64_t torn) {
    WindowProgress p{1, elapsed_ms * 1'000'000, 2'200'000'000};
    if (elapsed_ms > 200) {
      p.warming_up = false;
      p.measured_ns = (elapsed_ms - 200) * 1'000'000;
      p.live.reads = reads;
      p.live.anomalies[0] = torn;
    }
    return p;
  }
  RepetitionResult finished() const {
    RepetitionResult r;
    r.index = 1;
    r.reads = 1'500'000;
    r.wall_s = 2.0;
    r.anomalies.torn = 3;
    return r;
  }
};

TEST(ProgressLine, SaysWhereTheWindowStandsAndHowFastItReads) {
  Fixture f;
  EXPECT_EQ(ProgressPrinter::progress_line(f.scenario, f.cell, Fixture::at(100, 0, 0)),
            "  quiet · naive keys · rep 2/3 · 0.1s/2.2s · warming up");
  EXPECT_EQ(ProgressPrinter::progress_line(f.scenario, f.cell, Fixture::at(1200, 800'000, 2)),
            "  quiet · naive keys · rep 2/3 · 1.2s/2.2s · 800.0k reads/s · 2 anomalies");
  EXPECT_EQ(ProgressPrinter::finished_line(f.scenario, f.cell, f.finished()),
            "  quiet · naive keys · rep 2/3 · 1.50M reads in 2.00s · 750.0k reads/s · 3 anomalies");
}

TEST(ProgressPrinter, OnATerminalRewritesOneLinePerWindowInPlace) {
  Fixture f;
  std::ostringstream out;
  {
    ProgressPrinter printer(out, ProgressPrinter::Style::live, 5s, 200);
    printer.window_started(f.scenario, f.cell, 1);
    printer.window_progress(f.scenario, f.cell, Fixture::at(600, 100'000, 0));
    printer.window_progress(f.scenario, f.cell, Fixture::at(1200, 800'000, 2));
    printer.window_finished(f.scenario, f.cell, f.finished());
  }
  const std::string text = out.str();
  // Four rewrites of the same line and one newline, at the end.
  size_t rewrites = 0;
  for (size_t at = text.find("\r\033[K"); at != std::string::npos;
       at = text.find("\r\033[K", at + 1))
    ++rewrites;
  EXPECT_EQ(rewrites, 4u);
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_THAT(text, HasSubstr("800.0k reads/s · 2 anomalies"));
  EXPECT_THAT(text, HasSubstr("1.50M reads in 2.00s"));
}

TEST(ProgressPrinter, ALiveLineNeverWrapsTheTerminal) {
  Fixture f;
  std::ostringstream out;
  ProgressPrinter printer(out, ProgressPrinter::Style::live, 5s, 30);
  printer.window_progress(f.scenario, f.cell, Fixture::at(1200, 800'000, 2));
  std::string line = out.str().substr(4);  // after "\r\033[K"
  size_t points = 0;
  for (unsigned char c : line)
    points += (c & 0xC0) != 0x80;
  EXPECT_LT(points, 30u);
}

TEST(ProgressPrinter, WithoutATerminalPrintsPlainLinesEveryInterval) {
  Fixture f;
  std::ostringstream out;
  {
    ProgressPrinter printer(out, ProgressPrinter::Style::plain, 1s);
    printer.window_started(f.scenario, f.cell, 1);
    for (uint64_t ms = 250; ms <= 2200; ms += 250)  // every kProgressInterval
      printer.window_progress(f.scenario, f.cell, Fixture::at(ms, ms * 100, 0));
    printer.window_finished(f.scenario, f.cell, f.finished());
  }
  const std::string text = out.str();
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_THAT(text, Not(HasSubstr("\033")));
  size_t lines = 0;
  for (char c : text)
    lines += c == '\n';
  EXPECT_EQ(lines, 4u) << text;  // started, at 1.0 s and 2.0 s, finished
  EXPECT_THAT(text, HasSubstr("1.0s/2.2s"));
  EXPECT_THAT(text, HasSubstr("2.0s/2.2s"));
}

TEST(ProgressPrinter, QuietPrintsNothing) {
  Fixture f;
  std::ostringstream out;
  {
    ProgressPrinter printer(out, ProgressPrinter::Style::quiet);
    printer.window_started(f.scenario, f.cell, 0);
    printer.window_progress(f.scenario, f.cell, Fixture::at(1200, 1, 1));
    printer.window_finished(f.scenario, f.cell, f.finished());
  }
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(ProgressPrinter::style_for(1, true), ProgressPrinter::Style::quiet);
}

TEST(ObserverFanout, HandsEveryCallToEachObserver) {
  struct Counting : RunObserver {
    int started = 0, progress = 0, finished = 0;
    void window_started(const Scenario&, const CellResult&, int) override { ++started; }
    void window_progress(const Scenario&, const CellResult&, const WindowProgress&) override {
      ++progress;
    }
    void window_finished(const Scenario&, const CellResult&, const RepetitionResult&) override {
      ++finished;
    }
  } a, b;
  ObserverFanout fanout;
  fanout.add(&a);
  fanout.add(nullptr);
  fanout.add(&b);
  Fixture f;
  fanout.window_started(f.scenario, f.cell, 0);
  fanout.window_progress(f.scenario, f.cell, Fixture::at(300, 1, 0));
  fanout.window_finished(f.scenario, f.cell, f.finished());
  for (const Counting* c : {&a, &b}) {
    EXPECT_EQ(c->started, 1);
    EXPECT_EQ(c->progress, 1);
    EXPECT_EQ(c->finished, 1);
  }
}

}  // namespace
}  // namespace mapsla::cli
