#include "reports/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "harness/gnuplot_renderer.h"
#include "reports/decision.h"
#include "reports/gnuplot.h"
#include "reports/html_plots.h"
#include "reports/report_tables.h"
#include "tests/unit/sample_report.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

fs::path require_gnuplot() {
  const auto gnuplot = find_gnuplot();
  if (!gnuplot) ADD_FAILURE() << "gnuplot not on PATH (ci/bootstrap.sh installs gnuplot-nox)";
  return gnuplot.value_or("/nonexistent/gnuplot");
}

// Points TMPDIR at a fresh directory for the test, so that leftovers of
// gnuplot's private directories can be seen.
class PrivateTmpdir {
 public:
  PrivateTmpdir() : dir_(fs::temp_directory_path() / ("mapsla_tmp_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
    const char* old = std::getenv("TMPDIR");
    if (old) old_ = old;
    ::setenv("TMPDIR", dir_.c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (old_)
      ::setenv("TMPDIR", old_->c_str(), 1);
    else
      ::unsetenv("TMPDIR");
    fs::remove_all(dir_);
  }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
  std::optional<std::string> old_;
};

TEST(HtmlReport, WithoutGnuplotSaysSoAndKeepsEveryTable) {
  const std::string html = render_html(testing::sample_report(), nullptr);
  EXPECT_THAT(html, HasSubstr("plots unavailable: gnuplot not found"));
  EXPECT_EQ(count(html, "<svg"), 0u);
  for (const char* section :
       {"Summary", "Cells", "Anomalies", "Cells not ok", "Environment", "Kernel feature probe"})
    EXPECT_THAT(html, HasSubstr(std::string("<h2>") + section + "</h2>")) << section;
  EXPECT_THAT(html, HasSubstr("<td>naive keys</td>"));
  EXPECT_THAT(html, HasSubstr("mmap needs an array | with BPF_F_MMAPABLE"));
}

TEST(HtmlReport, IsOneSelfContainedPageWithEveryPlotDrawn) {
  const GnuplotRenderer gnuplot(require_gnuplot());
  PrivateTmpdir tmp;
  const std::string html = render_html(testing::sample_report(), &gnuplot);
  // The decision first (a cost/correctness scatter per condition: 2), then
  // P99 bars, one CDF per condition (2), anomaly rates; phases has a note.
  EXPECT_EQ(count(html, "<figure class=\"plot"), 6u);
  EXPECT_EQ(count(html, "<svg"), 6u);
  EXPECT_EQ(count(html, "</svg>"), 6u);
  EXPECT_LT(html.find("<h2>Which reader to ship</h2>"), html.find("<h2>Summary</h2>"));
  EXPECT_THAT(html, HasSubstr("Cost and correctness · "));
  EXPECT_THAT(html, Not(HasSubstr("plot failed")));
  EXPECT_THAT(html, HasSubstr("No per-phase data in this report"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<?xml")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  // Plots share no ids (each gnuplot SVG defines the same ones).
  std::map<std::string, size_t> owner;  // id -> the plot that defines it
  const std::regex id_re(R"re(\bid=["']([^"']+)["'])re");
  size_t plot = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++plot;
    const std::string svg = html.substr(at, html.find("</svg>", at) - at);
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), id_re);
         it != std::sregex_iterator(); ++it) {
      const auto [entry, inserted] = owner.emplace((*it)[1], plot);
      EXPECT_EQ(entry->second, plot)
          << "id " << (*it)[1] << " in plots " << entry->second << " and " << plot;
    }
  }
  // Curves and bars carry the readers' and classes' names.
  EXPECT_THAT(html, HasSubstr(">naive keys<"));
  EXPECT_THAT(html, HasSubstr(">duplicate<"));
  // gnuplot's private directories are gone.
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(HtmlReport, AReportWithoutAnomaliesSaysThereIsNothingToPlot) {
  Report report = testing::sample_report();
  for (auto& cell : report.cells)
    for (auto& r : cell.repetitions)
      r.anomalies = {};
  const GnuplotRenderer gnuplot(require_gnuplot());
  const std::string html = render_html(report, &gnuplot);
  EXPECT_THAT(html, HasSubstr("No anomalies in any cell: nothing to plot"));
  EXPECT_EQ(count(html, "<figure class=\"plot"), 5u);  // 2 decision scatters, P99, 2 CDFs
}

TEST(HtmlReport, FaultScenariosGetAPerPhasePlotAndTable) {
  const GnuplotRenderer gnuplot(require_gnuplot());
  const std::string html = render_html(testing::sample_report_with_phases(), &gnuplot);
  EXPECT_THAT(html, HasSubstr("<h2>Fault phases</h2>"));
  EXPECT_THAT(html, HasSubstr("Op-latency P99 per phase · loss-5pct"));
  EXPECT_THAT(html, Not(HasSubstr("No per-phase data")));
  // Three decision scatters, P99 bars, three CDFs (baseline, replace,
  // loss-5pct), anomalies, phases.
  EXPECT_EQ(count(html, "<figure class=\"plot"), 9u);
  EXPECT_THAT(html, Not(HasSubstr("plot failed")));
}

TEST(HtmlPlots, LatencySpanningDecadesIsOnALogAxisAndNoLegendSitsOnTheData) {
  const Report report = testing::sample_report();
  for (const PlotSpec& plot : report_plots(report, build_matrix(report.cells))) {
    if (!plot.job) continue;
    EXPECT_THAT(plot.job->script, HasSubstr("set key outside")) << plot.id;
    if (plot.id == "p99") {
      EXPECT_THAT(plot.job->script, HasSubstr("set logscale y")) << plot.job->script;
      EXPECT_THAT(plot.job->script, HasSubstr("lt 1 fs solid")) << "series styled by index";
    }
  }
  // The decision scatters label their points directly: no legend to decode.
  const auto decision = to_json(decide(report.cells, nullptr));
  const auto plots = decision_plots(decision);
  ASSERT_FALSE(plots.empty());
  for (const PlotSpec& plot : plots) {
    if (!plot.job) continue;
    EXPECT_THAT(plot.job->script, HasSubstr("with labels")) << plot.id;
    EXPECT_THAT(plot.job->script, HasSubstr("set logscale xy")) << plot.id;
  }
}

TEST(Gnuplot, EverySeriesIndexHasItsOwnStyleUpTo36) {
  const std::string styles = Gnuplot::kSeriesStyles;
  std::set<std::string> seen;
  for (int lt = 1; lt <= 36; ++lt) {
    const std::string key = fmt::format("set linetype {} ", lt);
    const auto at = styles.find(key);
    ASSERT_NE(at, std::string::npos) << lt;
    const std::string style =
        styles.substr(at + key.size(), styles.find('\n', at) - at - key.size());
    EXPECT_TRUE(seen.insert(style).second) << "linetype " << lt << " repeats " << style;
  }
}

TEST(Gnuplot, AFailingScriptComesBackAsAnErrorWithGnuplotsMessage) {
  PrivateTmpdir tmp;
  PlotJob job;
  job.script = "plot 'no-such-file.dat' using 1:2\n";
  const PlotResult result = GnuplotRenderer(require_gnuplot()).render(job);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, HasSubstr("gnuplot exited"));
  EXPECT_THAT(result.error, HasSubstr("no-such-file.dat"));
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(Gnuplot, AMissingExecutableIsAnErrorNotACrash) {
  PlotJob job;
  job.script = "plot x\n";
  const PlotResult result = GnuplotRenderer("/nonexistent/gnuplot").render(job);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, HasSubstr("/nonexistent/gnuplot"));
}

TEST(Gnuplot, DataFileNamesCannotEscapeThePrivateDirectory) {
  PlotJob job;
  job.data.emplace_back("../evil.dat", "1 2\n");
  job.script = "plot x\n";
  const PlotResult result = GnuplotRenderer(require_gnuplot()).render(job);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.error, HasSubstr("bad plot data file name"));
}

TEST(Gnuplot, QuoteDoublesSingleQuotes) {
  EXPECT_EQ(Gnuplot::quote("it's"), "'it''s'");
  EXPECT_EQ(Gnuplot::quote("a\nb"), "'a b'");
}

TEST(InlineSvg, DropsNamespacesAndPrefixesIdsAndReferences) {
  const std::string svg =
      "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 10 10\"\n xmlns=\"http://www.w3.org/2000/svg\"\n"
      " xmlns:xlink=\"http://www.w3.org/1999/xlink\"\n>\n<title>Gnuplot</title>"
      "<g id=\"gnuplot_canvas\"><path id='gpPt0'/><use xlink:href='#gpPt0'/>"
      "<text filter='url(#textbox)'>label</text></g></svg>";
  const std::string out = inline_svg(svg, "p1_");
  EXPECT_EQ(out.rfind("<svg", 0), 0u);
  EXPECT_THAT(out, Not(HasSubstr("http")));
  EXPECT_THAT(out, Not(HasSubstr("<title>")));
  EXPECT_THAT(out, HasSubstr("id=\"p1_gnuplot_canvas\""));
  EXPECT_THAT(out, HasSubstr("id='p1_gpPt0'"));
  EXPECT_THAT(out, HasSubstr("xlink:href='#p1_gpPt0'"));
  EXPECT_THAT(out, HasSubstr("url(#p1_textbox)"));
}

}  // namespace
}  // namespace mapsla
