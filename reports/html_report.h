// report.html: one self-contained page (inline CSS and SVG, no scripts, no
// URL of any kind) with the tables of report.md and the plots of
// reports/html_plots.h rendered by gnuplot. Without gnuplot the page says
// "plots unavailable: gnuplot not found" and keeps every table; a plot that
// gnuplot fails to draw is replaced by its error. Never a silent blank.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "reports/reporter.h"

namespace mapsla {

// Every plot sits in a <figure class="plot"> framed in this colour and used
// nowhere else on the page, so that a screenshot test can find the plots.
inline constexpr const char* kPlotFrameColor = "#3d6ea8";

// `gnuplot`: the executable, or nullopt when there is none.
std::string render_html(const Report& report, const std::optional<std::filesystem::path>& gnuplot);

class HtmlReporter final : public Reporter {
 public:
  explicit HtmlReporter(std::optional<std::filesystem::path> gnuplot)
      : gnuplot_(std::move(gnuplot)) {}
  std::string name() const override { return "html"; }
  // Writes out_dir/report.html (through a temporary file and a rename).
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;

 private:
  std::optional<std::filesystem::path> gnuplot_;
};

}  // namespace mapsla
