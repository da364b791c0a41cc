// report.html: one self-contained page (inline CSS and SVG, no scripts, no
// URL of any kind) with the tables of report.md and the plots of
// reports/html_plots.h rendered by gnuplot. Without gnuplot the page says
// "plots unavailable: gnuplot not found" and keeps every table; a plot that
// gnuplot fails to draw is replaced by its error. Never a silent blank.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "reports/gnuplot.h"
#include "reports/html_plots.h"
#include "reports/report_tables.h"
#include "reports/reporter.h"

namespace mapsla {

// Every plot sits in a <figure class="plot"> framed in this colour and used
// nowhere else on the page, so that a screenshot test can find the plots.
inline constexpr const char* kPlotFrameColor = "#3d6ea8";

// `plots`: what draws the plots (harness/gnuplot_renderer.h), or null when
// there is nothing to draw them with.
std::string render_html(const Report& report, const PlotRenderer* plots);

// The pieces of report.html, for other pages in the same style (the fleet
// report of reports/merge_report.h).
// The page's style sheet (the contents of its <style> element).
std::string html_css();
// A table that scrolls inside its own box; `numeric` columns right-aligned.
void html_table(std::string& out, const Table& table, const char* css_class = "");
// `plots` as a grid of figures, each rendered by `renderer` (null: a
// warning that plots are unavailable); `first_index` keeps SVG ids unique
// in the page.
void html_plot_grid(std::string& out, const std::vector<PlotSpec>& plots,
                    const PlotRenderer* renderer, int first_index);

class HtmlReporter final : public Reporter {
 public:
  explicit HtmlReporter(const PlotRenderer* plots) : plots_(plots) {}
  std::string name() const override { return "html"; }
  // Writes out_dir/report.html (through a temporary file and a rename).
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;

 private:
  const PlotRenderer* plots_;
};

}  // namespace mapsla
