#include "reports/markdown_report.h"

#include <fmt/format.h>

#include "reports/atomic_file.h"
#include "reports/decision.h"
#include "reports/markup_escape.h"
#include "reports/open_loop_table.h"
#include "reports/report_tables.h"

namespace mapsla {
namespace {

std::string escape(const std::string& text) {
  return markdown_escape(text);
}

}  // namespace

void markdown_table(std::string& out, const Table& t) {
  out += '|';
  for (const auto& h : t.header)
    out += ' ' + (h.empty() ? std::string(" ") : escape(h)) + " |";
  out += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i)
    out += i < t.numeric.size() && t.numeric[i] ? " ---: |" : " --- |";
  out += '\n';
  for (const auto& row : t.rows) {
    out += '|';
    for (const auto& field : row)
      out += ' ' + escape(field) + " |";
    out += '\n';
  }
}

std::string render_markdown(const Report& report) {
  const Environment& env = report.environment;
  std::string out = fmt::format("# mapsla report · run {}\n\n", escape(report.run_id));
  out +=
      fmt::format("{} → {} · kernel {} · {} · {} cores · {} NUMA node{}\n\n",
                  escape(report.started_at), escape(report.finished_at), escape(env.kernel),
                  escape(env.cpu_model), env.cores, env.numa_nodes, env.numa_nodes == 1 ? "" : "s");

  out += decision_markdown(report.decision.is_null() ? to_json(decide(report.cells, nullptr))
                                                     : report.decision);
  const Matrix matrix = build_matrix(report.cells);
  out += "## Summary\n\n";
  out += "Op-latency P99 by reader and condition (median across repetitions)";
  out += matrix.has_baseline
             ? ", its ratio to the same reader under `baseline` (×), and the anomalies counted "
               "over all repetitions.\n\n"
             : " and the anomalies counted over all repetitions; no condition is named "
               "`baseline`, so there are no ratios.\n\n";
  markdown_table(out, summary_table(matrix, report.cells));

  out +=
      "\n## Cells\n\nOp percentiles are the median of the repetitions' figures (the SLA "
      "gate's rule), the P99 with its bootstrap 95 % interval; P99.9 only where every "
      "repetition has 100 000 samples; max is the largest op of any repetition.\n\n";
  markdown_table(out, cells_table(report));

  if (const Table phases = phase_table(report); !phases.rows.empty()) {
    out +=
        "\n## Fault phases\n\nOp P99 before, during and after each fault; recovery is when "
        "the op P99 over 100 ms came back within 1.2× the before phase's.\n\n";
    markdown_table(out, phases);
  }

  if (const Table open_loop = open_loop_table(report); !open_loop.rows.empty()) {
    out += fmt::format("\n## Open loop\n\n{}\n\n", kOpenLoopExplanation);
    markdown_table(out, open_loop);
  }

  out += "\n## Anomalies\n\nCount over all repetitions, with the rate per million reads.\n\n";
  const Table anomalies = anomaly_table(report);
  if (anomalies.rows.empty())
    out += "No cell has measurements.\n";
  else
    markdown_table(out, anomalies);

  const auto reasons = cell_reasons(report);
  if (!reasons.empty()) {
    out += "\n## Cells not ok\n\n";
    for (const auto& line : reasons)
      out += "- " + escape(line) + '\n';
  }
  const auto warnings = measurement_warnings(report);
  if (!warnings.empty()) {
    out += "\n## Measurement warnings\n\n";
    for (const auto& line : warnings)
      out += "- " + escape(line) + '\n';
  }

  out += "\n## Environment\n\n";
  markdown_table(out, environment_table(report));
  out += "\n## Kernel feature probe\n\n";
  const Table features = feature_table(env);
  if (features.rows.empty())
    out += "No probe recorded.\n";
  else
    markdown_table(out, features);
  return out;
}

std::vector<std::filesystem::path> MarkdownReporter::write(const Report& report,
                                                           const std::filesystem::path& out_dir,
                                                           std::ostream&) {
  const auto path = out_dir / "report.md";
  write_file_atomically(path, render_markdown(report));
  return {path};
}

}  // namespace mapsla
