#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "reports/terminal_report.h"

namespace mapsla::cli {
namespace {

std::string cell_prefix(const Scenario& scenario, const CellResult& cell, int repetition) {
  return fmt::format("  {} · {} {} · rep {}/{}", scenario.name, cell.reader, cell.mode,
                     repetition + 1, scenario.run.repetitions);
}

double rate(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

// Cuts to `columns` code points so that a rewritten line never wraps (a
// wrapped line cannot be erased with \r).
std::string fit(const std::string& line, size_t columns) {
  if (columns == 0) return line;
  size_t points = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (++points == columns) return line.substr(0, i);
  }
  return line;
}

}  // namespace

ProgressPrinter::Style ProgressPrinter::style_for(int fd, bool quiet) {
  if (quiet) return Style::quiet;
  return ::isatty(fd) ? Style::live : Style::plain;
}

ProgressPrinter::ProgressPrinter(std::ostream& out, Style style,
                                 std::chrono::milliseconds plain_interval, size_t columns)
    : out_(out),
      style_(style),
      plain_interval_ns_(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(plain_interval).count())),
      columns_(columns) {
  if (style_ == Style::live && columns_ == 0) {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) columns_ = ws.ws_col;
  }
}

ProgressPrinter::~ProgressPrinter() {
  if (line_open_) out_ << '\n' << std::flush;
}

std::string ProgressPrinter::progress_line(const Scenario& scenario, const CellResult& cell,
                                           const WindowProgress& p) {
  std::string line =
      fmt::format("{} · {:.1f}s/{:.1f}s", cell_prefix(scenario, cell, p.repetition),
                  static_cast<double>(p.elapsed_ns) / 1e9, static_cast<double>(p.total_ns) / 1e9);
  if (p.warming_up) return line + " · warming up";
  const double seconds = static_cast<double>(p.measured_ns) / 1e9;
  return line + fmt::format(" · {} reads/s · {} anomalies",
                            format_count(rate(p.live.reads, seconds)), p.live.anomaly_total());
}

std::string ProgressPrinter::finished_line(const Scenario& scenario, const CellResult& cell,
                                           const RepetitionResult& r) {
  return fmt::format("{} · {} reads in {:.2f}s · {} reads/s · {} anomalies",
                     cell_prefix(scenario, cell, r.index),
                     format_count(static_cast<double>(r.reads)), r.wall_s,
                     format_count(rate(r.reads, r.wall_s)), r.anomalies.total());
}

void ProgressPrinter::rewrite(const std::string& line) {
  out_ << "\r\033[K" << fit(line, columns_) << std::flush;
  line_open_ = true;
}

void ProgressPrinter::window_started(const Scenario& scenario, const CellResult& cell,
                                     int repetition) {
  const WindowProgress start{
      repetition, 0, static_cast<uint64_t>((scenario.run.warmup + scenario.run.duration).count())};
  last_plain_ns_ = 0;
  switch (style_) {
    case Style::live:
      if (line_open_) out_ << '\n';  // the previous window failed: keep its last line
      rewrite(progress_line(scenario, cell, start));
      break;
    case Style::plain:
      out_ << progress_line(scenario, cell, start) << '\n' << std::flush;
      break;
    case Style::quiet:
      break;
  }
}

void ProgressPrinter::window_progress(const Scenario& scenario, const CellResult& cell,
                                      const WindowProgress& progress) {
  switch (style_) {
    case Style::live:
      rewrite(progress_line(scenario, cell, progress));
      break;
    case Style::plain:
      if (progress.elapsed_ns >= last_plain_ns_ + plain_interval_ns_) {
        last_plain_ns_ = progress.elapsed_ns;
        out_ << progress_line(scenario, cell, progress) << '\n' << std::flush;
      }
      break;
    case Style::quiet:
      break;
  }
}

void ProgressPrinter::window_finished(const Scenario& scenario, const CellResult& cell,
                                      const RepetitionResult& result) {
  switch (style_) {
    case Style::live:
      rewrite(finished_line(scenario, cell, result));
      out_ << '\n' << std::flush;
      line_open_ = false;
      break;
    case Style::plain:
      out_ << finished_line(scenario, cell, result) << '\n' << std::flush;
      break;
    case Style::quiet:
      break;
  }
}

}  // namespace mapsla::cli
