#include "reports/html_report.h"

#include <fmt/format.h>

#include "reports/atomic_file.h"
#include "reports/decision.h"
#include "reports/gnuplot.h"
#include "reports/html_plots.h"
#include "reports/markup_escape.h"
#include "reports/open_loop_table.h"
#include "reports/report_tables.h"

namespace mapsla {

void html_table(std::string& out, const Table& t, const char* css_class) {
  // Wide tables scroll inside their own box, never past the page's edge.
  out += fmt::format("<div class=\"table-wrap\"><table class=\"{}\"><thead><tr>", css_class);
  for (const auto& h : t.header)
    out += "<th>" + markup_escape(h) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const bool numeric = i < t.numeric.size() && t.numeric[i];
      out += (numeric ? "<td class=\"num\">" : "<td>") + markup_escape(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

std::string html_css() {
  return fmt::format(R"(
body {{ font: 14px/1.45 "DejaVu Sans", "Liberation Sans", sans-serif; margin: 24px;
        color: #1f2328; background: #ffffff; max-width: 1360px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 18px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 28px; }}
p.meta {{ color: #57606a; margin: 0 0 12px; }}
div.table-wrap {{ max-width: 100%; overflow-x: auto; }}
table {{ border-collapse: collapse; margin: 8px 0; }}
p.recommendation {{ font-size: 16px; background: #ddf4ff; border: 1px solid #54aeff;
                    padding: 8px 12px; }}
th, td {{ border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; }}
th {{ background: #f6f8fa; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
table.summary td {{ white-space: nowrap; }}
.plots {{ display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }}
figure.plot {{ margin: 0; border: 2px solid {}; background: #ffffff; padding: 4px; }}
figure.plot.wide {{ grid-column: 1 / -1; }}
figure.plot svg {{ display: block; width: 100%; height: auto; }}
figcaption {{ font-weight: 600; margin: 2px 4px 6px; }}
div.plot-note {{ border: 1px dashed #d0d7de; padding: 8px 12px; color: #57606a; }}
div.plot-note b {{ color: #1f2328; }}
p.warning {{ background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; }}
ul.reasons li {{ margin: 2px 0; }}
)",
                     kPlotFrameColor);
}

void html_plot_grid(std::string& out, const std::vector<PlotSpec>& plots,
                    const PlotRenderer* renderer, int first_index) {
  if (!renderer) {
    out +=
        "<p class=\"warning\">plots unavailable: gnuplot not found (install gnuplot-nox); "
        "every table below is complete.</p>\n";
    return;
  }
  out += "<div class=\"plots\">\n";
  int index = first_index;
  for (const PlotSpec& plot : plots) {
    ++index;
    if (!plot.job) {
      out +=
          fmt::format("<div class=\"plot-note\" id=\"{}\"><b>{}</b><br>{}</div>\n",
                      markup_escape(plot.id), markup_escape(plot.title), markup_escape(plot.note));
      continue;
    }
    const PlotResult result = renderer->render(*plot.job);
    if (!result.ok) {
      out += fmt::format("<div class=\"plot-note\" id=\"{}\"><b>{}</b><br>plot failed: {}</div>\n",
                         markup_escape(plot.id), markup_escape(plot.title),
                         markup_escape(result.error));
      continue;
    }
    out += fmt::format(
        "<figure class=\"plot{}\" id=\"{}\"><figcaption>{}</figcaption>\n{}\n"
        "</figure>\n",
        plot.job->width > 700 ? " wide" : "", markup_escape(plot.id), markup_escape(plot.title),
        inline_svg(result.svg, fmt::format("p{}_", index)));
  }
  out += "</div>\n";
}

namespace {

void table(std::string& out, const Table& t, const char* css_class = "") {
  html_table(out, t, css_class);
}

void plot_grid(std::string& out, const std::vector<PlotSpec>& plots, const PlotRenderer* renderer,
               int first_index) {
  html_plot_grid(out, plots, renderer, first_index);
}

void plots_section(std::string& out, const Report& report, const Matrix& matrix,
                   const PlotRenderer* gnuplot) {
  out += "<h2>Plots</h2>\n";
  plot_grid(out, report_plots(report, matrix), gnuplot, 0);
}

// Which reader to ship: the recommendation, then per condition the cost /
// correctness scatter and the ranked table (reports/decision.h).
void decision_section(std::string& out, const nlohmann::json& decision,
                      const PlotRenderer* gnuplot) {
  out += "<h2>Which reader to ship</h2>\n";
  out += "<p class=\"recommendation\"><b>" +
         markup_escape(decision.value("recommendation", std::string())) + "</b></p>\n";
  if (const auto it = decision.find("explanation"); it != decision.end() && !it->empty()) {
    out += "<ul class=\"reasons\">\n";
    for (const auto& line : *it)
      out += "<li>" + markup_escape(line.get<std::string>()) + "</li>\n";
    out += "</ul>\n";
  }
  plot_grid(out, decision_plots(decision), gnuplot, 1000);
  for (const auto& condition : decision.value("conditions", nlohmann::json::array())) {
    if (!condition.value("judged", false)) continue;
    const auto cheapest = condition.find("cheapest");
    out += "<h3>" + markup_escape(condition.value("condition", std::string())) +
           ": cheapest that meets the bar: " +
           markup_escape(cheapest != condition.end() && cheapest->is_string()
                             ? cheapest->get<std::string>()
                             : std::string("none")) +
           "</h3>\n";
    Table t{{"rank", "reader", "per entry (ns)", "anomalies / M", "Pareto", "verdict"},
            {true, false, true, true, false, false},
            {}};
    int rank = 0;
    for (const auto& p : condition["points"]) {
      const bool ok = p.value("status", "") == "ok";
      std::string verdict = ok ? (p.value("meets", false) ? "meets" : "misses")
                               : p.value("status", "") + ": " + p.value("reason", "");
      if (ok && !p.value("meets", false) && !p["misses"].empty())
        verdict += ": " + p["misses"][0].get<std::string>();
      t.rows.push_back({ok ? std::to_string(++rank) : "–", p.value("candidate", ""),
                        ok ? fmt::format("{:.4g}", p.value("per_entry_ns", 0.0)) : "",
                        ok ? fmt::format("{:.4g}", p.value("anomalies_per_million", 0.0)) : "",
                        p.value("pareto", false) ? "●" : "", verdict});
    }
    table(out, t);
  }
}

}  // namespace

std::string render_html(const Report& report, const PlotRenderer* gnuplot) {
  const Environment& env = report.environment;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<title>mapsla report · run " + markup_escape(report.run_id) + "</title>\n";
  out += "<style>" + html_css() + "</style></head><body>\n";
  out += "<h1>mapsla report · run " + markup_escape(report.run_id) + "</h1>\n";
  out += "<p class=\"meta\">" +
         markup_escape(fmt::format("{} → {} · kernel {} · {} · {} cores · {} NUMA node{}",
                                   report.started_at, report.finished_at, env.kernel, env.cpu_model,
                                   env.cores, env.numa_nodes, env.numa_nodes == 1 ? "" : "s")) +
         "</p>\n";

  const Matrix matrix = build_matrix(report.cells);
  decision_section(
      out, report.decision.is_null() ? to_json(decide(report.cells, nullptr)) : report.decision,
      gnuplot);
  out +=
      "<h2>Summary</h2>\n<p>Op-latency P99 by reader and condition (median across "
      "repetitions)";
  out += matrix.has_baseline ? ", its ratio to the same reader under <code>baseline</code> (×), "
                               "and the anomalies counted over all repetitions.</p>\n"
                             : " and the anomalies counted over all repetitions; no condition "
                               "is named <code>baseline</code>, so there are no ratios.</p>\n";
  table(out, summary_table(matrix, report.cells), "summary");

  plots_section(out, report, matrix, gnuplot);

  out +=
      "<h2>Cells</h2>\n<p>Op percentiles are the median of the repetitions' figures (the SLA "
      "gate's rule), the P99 with its bootstrap 95 % interval; P99.9 only where every "
      "repetition has 100 000 samples; max is the largest op of any repetition.</p>\n";
  table(out, cells_table(report));

  if (const Table phases = phase_table(report); !phases.rows.empty()) {
    out +=
        "<h2>Fault phases</h2>\n<p>Op P99 before, during and after each fault; recovery is "
        "when the op P99 over 100 ms came back within 1.2× the before phase's.</p>\n";
    table(out, phases);
  }

  if (const Table open_loop = open_loop_table(report); !open_loop.rows.empty()) {
    out += fmt::format("<h2>Open loop</h2>\n<p>{}</p>\n", kOpenLoopExplanation);
    table(out, open_loop);
  }

  out +=
      "<h2>Anomalies</h2>\n<p>Count over all repetitions, with the rate per million "
      "reads.</p>\n";
  if (const Table anomalies = anomaly_table(report); anomalies.rows.empty())
    out += "<p>No cell has measurements.</p>\n";
  else
    table(out, anomalies);

  if (const auto reasons = cell_reasons(report); !reasons.empty()) {
    out += "<h2>Cells not ok</h2>\n<ul class=\"reasons\">\n";
    for (const auto& line : reasons)
      out += "<li>" + markup_escape(line) + "</li>\n";
    out += "</ul>\n";
  }
  if (const auto warnings = measurement_warnings(report); !warnings.empty()) {
    out += "<h2>Measurement warnings</h2>\n<ul class=\"reasons\">\n";
    for (const auto& line : warnings)
      out += "<li>" + markup_escape(line) + "</li>\n";
    out += "</ul>\n";
  }

  out += "<h2>Environment</h2>\n";
  table(out, environment_table(report));
  out += "<h2>Kernel feature probe</h2>\n";
  if (const Table features = feature_table(env); features.rows.empty())
    out += "<p>No probe recorded.</p>\n";
  else
    table(out, features);
  out += "</body></html>\n";
  return out;
}

std::vector<std::filesystem::path> HtmlReporter::write(const Report& report,
                                                       const std::filesystem::path& out_dir,
                                                       std::ostream&) {
  const auto path = out_dir / "report.html";
  write_file_atomically(path, render_html(report, plots_));
  return {path};
}

}  // namespace mapsla
