#include "reports/merge_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "reports/atomic_file.h"
#include "reports/html_report.h"
#include "reports/markdown_report.h"
#include "reports/markup_escape.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

const char* metric_word(FleetMetric m) {
  switch (m) {
    case FleetMetric::op_p50:
      return "op p50";
    case FleetMetric::op_p99:
      return "op p99";
    case FleetMetric::anomalies_per_million:
      return "anomalies";
  }
  return "";
}

std::string status_text(const InputCell& c) {
  return c.present ? to_string(c.status) : "absent";
}

std::string ns_text(const std::optional<double>& ns) {
  return ns ? format_ns(*ns) : "—";
}

std::string rate_text(const InputCell& c) {
  if (!c.anomalies_per_million) return "—";
  if (c.anomalies == 0) return "0";
  return fmt::format("{:.3g}/M ({})", *c.anomalies_per_million, c.anomalies);
}

std::string classes_text(const InputCell& c) {
  if (c.classes.empty()) return c.measured() ? "none" : "";
  std::string out;
  for (const auto& [name, n] : c.classes)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, n);
  return out;
}

std::string worst_text(const FleetCell& cell, size_t input) {
  std::string out;
  for (FleetMetric m : kFleetMetrics)
    if (cell.worst_of(m) == input)
      out += fmt::format("{}{}", out.empty() ? "" : ", ", metric_word(m));
  return out;
}

// The plots' and the per-condition labels of a cell: "naive keys", with its
// scenario when several scenarios share the condition.
std::string reader_text(const FleetCell& cell) {
  std::string out = cell.key.reader + " " + cell.key.mode;
  if (cell.key.occurrence > 0) out += fmt::format(" #{}", cell.key.occurrence + 1);
  return out;
}

// Aligned columns in code points, right-aligned where the table says numeric.
void print_aligned(std::ostream& out, const Table& t) {
  std::vector<std::vector<std::string>> rows = {t.header};
  rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  const auto width = [](const std::string& s) {
    size_t w = 0;
    for (unsigned char ch : s)
      w += (ch & 0xC0) != 0x80;
    return w;
  };
  std::vector<size_t> widths(t.header.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      const std::string pad(widths[i] - width(row[i]), ' ');
      const bool right = i < t.numeric.size() && t.numeric[i];
      line += right ? pad + row[i] : row[i] + pad;
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  }
}

std::string headline(const Fleet& fleet) {
  size_t incomplete = 0;
  for (const FleetCell& c : fleet.cells)
    incomplete += c.incomplete();
  return fmt::format("{} input{} · {} cell{} · {} not measured on every input", fleet.inputs.size(),
                     fleet.inputs.size() == 1 ? "" : "s", fleet.cells.size(),
                     fleet.cells.size() == 1 ? "" : "s", incomplete);
}

constexpr const char* kFigures =
    "Op P50 and P99 are the median across repetitions of each repetition's percentile (the SLA "
    "gate's rule); anomalies are counted over all repetitions, per million reads. The worst "
    "input per metric is the one with the highest figure among the inputs that measured the "
    "cell, when they differ.";

// Clustered bars, one cluster per cell of the condition and one bar per
// input, on a log axis; inputs with no figure at all are left out.
PlotSpec bars(const Fleet& fleet, const std::vector<const FleetCell*>& cells, PlotSpec spec,
              const std::string& ylabel, double scale, FleetMetric metric,
              const std::string& nothing) {
  ClusteredBars b;
  b.file = "bars.dat";
  b.category_header = "cell";
  for (const FleetInput& input : fleet.inputs)
    b.series.push_back(input.label);
  for (const FleetCell* cell : cells) {
    b.categories.push_back(reader_text(*cell));
    auto& values = b.values.emplace_back();
    for (const InputCell& c : cell->inputs) {
      const std::optional<double> v = !c.measured()                   ? std::nullopt
                                      : metric == FleetMetric::op_p99 ? c.op_p99_ns
                                      : metric == FleetMetric::op_p50 ? c.op_p50_ns
                                                                      : c.anomalies_per_million;
      values.push_back(v ? std::optional<double>(*v / scale) : std::nullopt);
    }
  }
  b.ylabel = ylabel;
  b.nothing = nothing;
  return clustered_bars(std::move(spec), b);
}

}  // namespace

Table fleet_inputs_table(const Fleet& fleet) {
  Table t{{"input", "host", "kernel", "placement", "run", "started", "file"}, {}, {}};
  for (const FleetInput& in : fleet.inputs)
    t.rows.push_back(
        {in.label, in.hostname, in.kernel, in.placement, in.run_id, in.started_at, in.file});
  return t;
}

Table fleet_cells_table(const Fleet& fleet) {
  Table t{{"scenario", "reader", "mode", "input", "status", "op p50", "op p99", "anomalies",
           "classes", "worst of"},
          {false, false, false, false, false, true, true, true, false, false},
          {}};
  for (const FleetCell& cell : fleet.cells)
    for (size_t i = 0; i < cell.inputs.size(); ++i) {
      const InputCell& c = cell.inputs[i];
      const bool first = i == 0;
      const std::string mode = cell.key.occurrence
                                   ? fmt::format("{} #{}", cell.key.mode, cell.key.occurrence + 1)
                                   : cell.key.mode;
      t.rows.push_back({first ? cell.key.scenario : "", first ? cell.key.reader : "",
                        first ? mode : "", fleet.inputs[i].label, status_text(c),
                        c.measured() ? ns_text(c.op_p50_ns) : "",
                        c.measured() ? ns_text(c.op_p99_ns) : "", c.measured() ? rate_text(c) : "",
                        classes_text(c), worst_text(cell, i)});
    }
  return t;
}

Table fleet_worst_table(const Fleet& fleet) {
  Table t{{"input", "worst op p50", "worst op p99", "worst anomalies", "measured"},
          {false, true, true, true, true},
          {}};
  for (size_t i = 0; i < fleet.inputs.size(); ++i) {
    size_t counts[3] = {0, 0, 0}, measured = 0;
    for (const FleetCell& cell : fleet.cells) {
      measured += cell.inputs[i].measured();
      for (FleetMetric m : kFleetMetrics)
        counts[static_cast<size_t>(m)] += cell.worst_of(m) == i;
    }
    t.rows.push_back({fleet.inputs[i].label, std::to_string(counts[0]), std::to_string(counts[1]),
                      std::to_string(counts[2]),
                      fmt::format("{} of {}", measured, fleet.cells.size())});
  }
  return t;
}

std::vector<std::string> fleet_not_run(const Fleet& fleet) {
  std::vector<std::string> out;
  for (const FleetCell& cell : fleet.cells)
    for (size_t i = 0; i < cell.inputs.size(); ++i) {
      const InputCell& c = cell.inputs[i];
      if (c.present && c.status == CellStatus::ok) continue;
      out.push_back(fmt::format("{} on {}: {}{}{}", cell_key_label(cell.key), fleet.inputs[i].label,
                                status_text(c), c.reason.empty() ? "" : ": ", c.reason));
    }
  return out;
}

std::vector<PlotSpec> fleet_plots(const Fleet& fleet) {
  std::vector<std::string> conditions;
  for (const FleetCell& cell : fleet.cells)
    if (std::find(conditions.begin(), conditions.end(), cell.condition) == conditions.end())
      conditions.push_back(cell.condition);
  std::vector<PlotSpec> out;
  for (size_t k = 0; k < conditions.size(); ++k) {
    std::vector<const FleetCell*> cells;
    for (const FleetCell& cell : fleet.cells)
      if (cell.condition == conditions[k]) cells.push_back(&cell);
    const std::string id = fmt::format("{}-{}", k, id_safe(conditions[k]));
    out.push_back(bars(fleet, cells,
                       {"p99-" + id, "Op P99 by input · " + conditions[k], std::nullopt, ""},
                       "op P99 (µs, log)", 1e3, FleetMetric::op_p99,
                       "No input measured a cell of this condition."));
    out.push_back(
        bars(fleet, cells,
             {"anomalies-" + id, "Anomalies per million reads by input · " + conditions[k],
              std::nullopt, ""},
             "anomalies per million reads (log)", 1.0, FleetMetric::anomalies_per_million,
             "No anomalies on any input in this condition: nothing to plot."));
  }
  return out;
}

void print_fleet(const Fleet& fleet, std::ostream& out) {
  out << "mapsla merge · " << headline(fleet) << "\n\n";
  print_aligned(out, fleet_inputs_table(fleet));
  out << '\n';
  print_aligned(out, fleet_cells_table(fleet));
  out << "\nworst input per metric (cells):\n";
  print_aligned(out, fleet_worst_table(fleet));
  if (const auto lines = fleet_not_run(fleet); !lines.empty()) {
    out << "\nnot measured on every input:\n";
    for (const auto& line : lines)
      out << "  " << line << '\n';
  }
  for (const auto& note : fleet.notes)
    out << "\nnote: " << note << '\n';
}

std::string render_fleet_markdown(const Fleet& fleet) {
  std::string out = "# mapsla merge\n\n" + headline(fleet) + ".\n\n## Inputs\n\n";
  markdown_table(out, fleet_inputs_table(fleet));
  out += fmt::format("\n## Cells\n\n{}\n\n", kFigures);
  markdown_table(out, fleet_cells_table(fleet));
  out += "\n## Worst input per metric\n\nIn how many cells each input is the worst.\n\n";
  markdown_table(out, fleet_worst_table(fleet));
  if (const auto lines = fleet_not_run(fleet); !lines.empty()) {
    out += "\n## Not measured on every input\n\n";
    for (const auto& line : lines)
      out += "- " + markdown_escape(line) + "\n";
  }
  if (!fleet.notes.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& note : fleet.notes)
      out += "- " + markdown_escape(note) + "\n";
  }
  return out;
}

std::string render_fleet_html(const Fleet& fleet, const PlotRenderer* plots) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<title>mapsla merge</title>\n<style>" + html_css() + "</style></head><body>\n";
  out += "<h1>mapsla merge</h1>\n<p class=\"meta\">" + markup_escape(headline(fleet)) + "</p>\n";
  out += "<h2>Inputs</h2>\n";
  html_table(out, fleet_inputs_table(fleet));
  out += "<h2>Plots</h2>\n";
  html_plot_grid(out, fleet_plots(fleet), plots, 0);
  out += "<h2>Cells</h2>\n<p>" + markup_escape(kFigures) + "</p>\n";
  html_table(out, fleet_cells_table(fleet));
  out += "<h2>Worst input per metric</h2>\n<p>In how many cells each input is the worst.</p>\n";
  html_table(out, fleet_worst_table(fleet));
  if (const auto lines = fleet_not_run(fleet); !lines.empty()) {
    out += "<h2>Not measured on every input</h2>\n<ul class=\"reasons\">\n";
    for (const auto& line : lines)
      out += "<li>" + markup_escape(line) + "</li>\n";
    out += "</ul>\n";
  }
  if (!fleet.notes.empty()) {
    out += "<h2>Notes</h2>\n<ul class=\"reasons\">\n";
    for (const auto& note : fleet.notes)
      out += "<li>" + markup_escape(note) + "</li>\n";
    out += "</ul>\n";
  }
  out += "</body></html>\n";
  return out;
}

std::vector<std::filesystem::path> write_fleet(const Fleet& fleet,
                                               const std::filesystem::path& out_dir,
                                               const PlotRenderer* plots) {
  std::filesystem::create_directories(out_dir);
  const auto json_path = out_dir / "report.json";
  const auto md_path = out_dir / "report.md";
  const auto html_path = out_dir / "report.html";
  write_file_atomically(json_path, to_json(fleet).dump(2) + "\n");
  write_file_atomically(md_path, render_fleet_markdown(fleet));
  write_file_atomically(html_path, render_fleet_html(fleet, plots));
  return {json_path, md_path, html_path};
}

}  // namespace mapsla
