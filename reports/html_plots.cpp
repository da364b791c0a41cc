#include "reports/html_plots.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "reports/anomaly_classes.h"

namespace mapsla {
namespace {

constexpr const char* kPhaseNames[] = {"before", "during", "after"};

const char* decade_label(int exponent) {  // 10^exponent seconds
  static const char* labels[] = {"1 ns", "10 ns", "100 ns", "1 µs", "10 µs", "100 µs",
                                 "1 ms", "10 ms", "100 ms", "1 s",  "10 s",  "100 s"};
  return labels[std::clamp(exponent + 9, 0, 11)];
}

// x: the upper end of each histogram bucket (s); y: -log10(1 - F), so that
// 1, 2, 3 are the 90th, 99th and 99.9th percentiles. The last point, where F
// is 1, is drawn at log10(count), one "nine" past the resolution.
std::string cdf_data(const LatencyHistogram& h, double& min_s, double& max_s) {
  std::string out;
  const double total = static_cast<double>(h.count());
  double cumulative = 0;
  bool first = true;
  for (const auto& [lower, n] : h.buckets()) {
    const uint64_t upper = lower + LatencyHistogram::width_of(LatencyHistogram::index_of(lower));
    const double lo_s = static_cast<double>(std::max<uint64_t>(lower, 1)) / 1e9;
    const double hi_s = static_cast<double>(std::max<uint64_t>(upper, 1)) / 1e9;
    if (first) {
      out += fmt::format("{:.6e} 0\n", lo_s);
      min_s = std::min(min_s, lo_s);
      first = false;
    }
    cumulative += static_cast<double>(n);
    const double tail = std::max(1.0 - cumulative / total, 1.0 / total);
    out += fmt::format("{:.6e} {:.6f}\n", hi_s, -std::log10(tail));
    max_s = std::max(max_s, hi_s);
  }
  return out;
}

std::string row_label(const MatrixRow& row) {
  return row.mode.empty() ? row.reader : row.reader + " " + row.mode;
}

PlotSpec cdf_plot(const Report& report, const Matrix& m, const std::string& condition,
                  size_t index) {
  PlotSpec spec{fmt::format("cdf-{}-{}", index, id_safe(condition)),
                "Op-latency CDF · " + condition, std::nullopt, ""};
  PlotJob job;
  std::string plots;
  double min_s = 1e9, max_s = 0, max_nines = 1;
  for (const MatrixRow& row : m.rows) {
    const auto it = row.conditions.find(condition);
    if (it == row.conditions.end()) continue;
    const CellResult* cell = shown_cell(report.cells, row, it->second);
    if (!cell || cell->repetitions.empty()) continue;
    const RepetitionResult all = cell->pooled();
    if (all.op_latency.count() == 0) continue;
    const std::string file = fmt::format("cdf{}.dat", job.data.size());
    job.data.emplace_back(file, cdf_data(all.op_latency, min_s, max_s));
    max_nines = std::max(max_nines, std::log10(static_cast<double>(all.op_latency.count())));
    plots += fmt::format("{}'{}' using 1:2 with steps lt {} title {}", plots.empty() ? "" : ", ",
                         file, job.data.size(), Gnuplot::quote(row_label(row)));
  }
  if (job.data.empty()) {
    spec.note = "No cell of this condition has op-latency samples.";
    return spec;
  }
  job.width = 900;  // the key sits outside, right of the curves
  const int lo = static_cast<int>(std::floor(std::log10(min_s)));
  const int hi = std::max(lo + 1, static_cast<int>(std::ceil(std::log10(max_s))));
  std::string xtics;
  for (int e = lo; e <= hi; ++e)
    xtics += fmt::format("{}'{}' 1e{}", xtics.empty() ? "" : ", ", decade_label(e), e);
  job.script = fmt::format(
      "set logscale x\nset xrange [1e{}:1e{}]\nset xtics ({})\nset mxtics 10\n"
      "set yrange [0:{:.2f}]\n"
      // gnuplot reads tic labels as formats: %% is a percent sign.
      "set ytics ('0%%' 0, '90%%' 1, '99%%' 2, '99.9%%' 3, '99.99%%' 4, '99.999%%' 5, "
      "'99.9999%%' 6)\n"
      "set grid xtics ytics lc rgb '#d8d8d8'\nset xlabel 'op latency (log)'\n"
      "set ylabel 'fraction of ops at or below'\nset key outside right top box\n"
      "set title {}\nplot {}\n",
      lo, hi, xtics, std::ceil(max_nines * 4) / 4, Gnuplot::quote(spec.title), plots);
  spec.job = std::move(job);
  return spec;
}

PlotSpec p99_plot(const Matrix& m) {
  ClusteredBars bars;
  bars.file = "p99.dat";
  bars.category_header = "condition";
  bars.categories = display_conditions(m);
  for (const MatrixRow& row : m.rows)
    bars.series.push_back(row_label(row));
  for (const std::string& condition : bars.categories) {
    auto& values = bars.values.emplace_back();
    for (const MatrixRow& row : m.rows) {
      const auto it = row.conditions.find(condition);
      if (it != row.conditions.end() && it->second.samples && it->second.p99_ns)
        values.push_back(static_cast<double>(it->second.p99_ns) / 1e3);
      else
        values.push_back(std::nullopt);
    }
  }
  // Values span decades (2 ns mmap copies next to a 1 s bpftool dump): the
  // log axis keeps every bar visible.
  bars.value_format = "{:.4f}";
  bars.ylabel = "op P99 (µs, log)";
  bars.width_per_bar = 30;
  bars.height = 460;
  bars.nothing = "No cell has op-latency samples.";
  return clustered_bars({"p99", "Op-latency P99 by condition and reader", std::nullopt, ""}, bars);
}

PlotSpec anomaly_plot(const Report& report) {
  PlotSpec spec{"anomalies", "Anomalies per million reads, by class", std::nullopt, ""};
  struct Row {
    std::string label;
    std::array<double, kAnomalyClassCount> rates;
  };
  std::vector<Row> rows;
  std::array<bool, kAnomalyClassCount> seen{};
  double min_rate = 0;
  for (const auto& cell : report.cells) {
    if (cell.repetitions.empty()) continue;
    const RepetitionResult all = cell.pooled();
    if (all.reads == 0) continue;
    Row row{condition_of(cell) + " · " + reader_label(cell), {}};
    const auto counts = anomaly_class_counts(all.anomalies);
    for (size_t i = 0; i < kAnomalyClassCount; ++i) {
      row.rates[i] = static_cast<double>(counts[i]) * 1e6 / static_cast<double>(all.reads);
      if (!counts[i]) continue;
      seen[i] = true;
      if (min_rate == 0 || row.rates[i] < min_rate) min_rate = row.rates[i];
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    spec.note = "No cell has reads.";
    return spec;
  }
  if (min_rate == 0) {
    spec.note = "No anomalies in any cell: nothing to plot (every class read 0).";
    return spec;
  }
  // Classes no cell saw are left out (gnuplot refuses a column of NaN); the
  // anomaly table lists every class.
  std::string data = data_string("cell");
  size_t columns = 0;
  for (size_t i = 0; i < kAnomalyClassCount; ++i)
    if (seen[i]) {
      data += ' ' + data_string(kAnomalyClasses[i]);
      ++columns;
    }
  data += '\n';
  for (const Row& row : rows) {
    data += data_string(row.label);
    for (size_t i = 0; i < kAnomalyClassCount; ++i)
      if (seen[i]) data += row.rates[i] > 0 ? fmt::format(" {:.6g}", row.rates[i]) : " NaN";
    data += '\n';
  }
  PlotJob job;
  job.width = std::max(640, static_cast<int>(rows.size()) * 110);
  job.data.emplace_back("anomalies.dat", data);
  job.script = fmt::format(
      "set style data histogram\nset style histogram clustered gap 1\n"
      "set style fill solid 0.85 border -1\nset logscale y\nset yrange [{:g}:*]\n"
      "set grid ytics lc rgb '#d8d8d8'\nset ylabel 'per million reads (log)'\n"
      "set xtics rotate by -20\nset key outside right top box\n"
      "set title {}\nplot for [i=2:{}] 'anomalies.dat' using i:xtic(1) title columnheader(i)\n",
      std::pow(10.0, std::floor(std::log10(min_rate))), Gnuplot::quote(spec.title), columns + 1);
  spec.job = std::move(job);
  return spec;
}

// One plot per scenario with phased cells: op P99 before, during and after
// the fault, one line per reader.
std::vector<PlotSpec> phase_plots(const Report& report) {
  std::vector<PlotSpec> out;
  std::vector<std::string> scenarios;
  for (const auto& cell : report.cells)
    if (!cell.phases.empty() &&
        std::find(scenarios.begin(), scenarios.end(), cell.scenario) == scenarios.end())
      scenarios.push_back(cell.scenario);
  if (scenarios.empty())
    return {{"phases", "Per-phase timelines (before / during / after a fault)", std::nullopt,
             "No per-phase data in this report: no cell recorded before/during/after phases "
             "(only scenarios with window-scope faults have them)."}};
  for (size_t s = 0; s < scenarios.size(); ++s) {
    PlotSpec spec{fmt::format("phases-{}-{}", s, id_safe(scenarios[s])),
                  "Op-latency P99 per phase · " + scenarios[s], std::nullopt, ""};
    PlotJob job;
    std::string plots;
    for (const auto& cell : report.cells) {
      if (cell.scenario != scenarios[s] || cell.phases.empty()) continue;
      std::string data;
      for (int i = 0; i < 3; ++i) {
        const auto it = cell.phases.find(kPhaseNames[i]);
        if (it == cell.phases.end()) continue;
        RepetitionResult all;
        for (const auto& r : it->second)
          all.merge(r);
        if (all.op_latency.count())
          data += fmt::format("{} {:.4f}\n", i,
                              static_cast<double>(all.op_latency.percentile(99)) / 1e3);
      }
      if (data.empty()) continue;
      const std::string file = fmt::format("phase{}.dat", job.data.size());
      job.data.emplace_back(file, data);
      plots += fmt::format("{}'{}' using 1:2 with linespoints lw 2 pt 7 ps 1.2 title {}",
                           plots.empty() ? "" : ", ", file, Gnuplot::quote(reader_label(cell)));
    }
    if (job.data.empty()) {
      spec.note = "No phase of this scenario has op-latency samples.";
    } else {
      job.script = fmt::format(
          "set xrange [-0.3:2.3]\nset xtics ('before' 0, 'during' 1, 'after' 2)\n"
          "set yrange [0:*]\nset grid ytics lc rgb '#d8d8d8'\nset ylabel 'op P99 (µs)'\n"
          "set key outside right top box\nset title {}\nplot {}\n",
          Gnuplot::quote(spec.title), plots);
      job.width = 900;
      spec.job = std::move(job);
    }
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace

namespace {

// Log10 ranges of a decision scatter's axes.
struct Axes {
  double x_lo, x_hi, y_lo, y_hi;
};

// Places point labels so that none overlaps another: each label starts right
// of its point and moves up or down (zero-anomaly points: down, below the
// floor line) in steps of one text line until it is clear. Sizes are in
// pixels of the 900 × 460 plot (about 620 × 360 of plot area, 10-point text).
class LabelPlacer {
 public:
  explicit LabelPlacer(const Axes& axes)
      : axes_(axes),
        x_per_px_((axes.x_hi - axes.x_lo) / 620.0),
        y_per_px_((axes.y_hi - axes.y_lo) / 360.0) {}

  // The y (data units) to draw `label` at for the point (x, y).
  double place(double x, double y, const std::string& label, bool on_floor) {
    const double lx = std::log10(x) + 8 * x_per_px_;
    const double w = (6.2 * static_cast<double>(label.size()) + 6) * x_per_px_;
    const double h = 14 * y_per_px_;
    const double ly0 = std::log10(y);
    double chosen = on_floor ? ly0 - h * 1.2 : ly0;
    for (int step = 0; step < 24; ++step) {
      const int lane = on_floor ? -(step + 1) : (step % 2 ? -(step + 1) / 2 : step / 2);
      const double ly = ly0 + lane * h * 1.1;
      if (ly - h / 2 < axes_.y_lo || ly + h / 2 > axes_.y_hi) continue;
      if (std::none_of(placed_.begin(), placed_.end(), [&](const Box& b) {
            return lx < b.x1 && lx + w > b.x0 && ly - h / 2 < b.y1 && ly + h / 2 > b.y0;
          })) {
        chosen = ly;
        break;
      }
    }
    placed_.push_back({lx, lx + w, chosen - h / 2, chosen + h / 2});
    return std::pow(10.0, chosen);
  }

 private:
  struct Box {
    double x0, x1, y0, y1;
  };
  Axes axes_;
  double x_per_px_, y_per_px_;
  std::vector<Box> placed_;
};

}  // namespace

std::vector<PlotSpec> decision_plots(const nlohmann::json& decision) {
  std::vector<PlotSpec> out;
  if (!decision.is_object() || !decision.contains("conditions")) return out;
  size_t index = 0;
  for (const auto& condition : decision["conditions"]) {
    const std::string name = condition.value("condition", "");
    PlotSpec spec{fmt::format("decision-{}-{}", index++, id_safe(name)),
                  "Cost and correctness · " + name, std::nullopt, ""};
    if (!condition.value("judged", false)) {
      spec.note = "Not judged: " + condition.value("reason", std::string("every cell skipped"));
      out.push_back(std::move(spec));
      continue;
    }
    // y: anomalies per million reads, on a log axis whose floor stands for 0.
    double min_rate = 0, min_cost = 0, max_cost = 0;
    for (const auto& p : condition["points"]) {
      if (p.value("status", "") != "ok") continue;
      const double rate = p.value("anomalies_per_million", 0.0);
      const double cost = std::max(p.value("per_entry_ns", 0.0), 0.01);
      if (rate > 0 && (min_rate == 0 || rate < min_rate)) min_rate = rate;
      min_cost = min_cost == 0 ? cost : std::min(min_cost, cost);
      max_cost = std::max(max_cost, cost);
    }
    if (max_cost == 0) {
      spec.note = "No reader of this condition measured anything.";
      out.push_back(std::move(spec));
      continue;
    }
    const double floor_rate =
        min_rate > 0 ? std::pow(10.0, std::floor(std::log10(min_rate)) - 1) : 0.01;
    double max_rate = floor_rate;
    for (const auto& p : condition["points"])
      if (p.value("status", "") == "ok")
        max_rate = std::max(max_rate, p.value("anomalies_per_million", 0.0));
    const Axes axes{std::floor(std::log10(min_cost)), std::ceil(std::log10(max_cost)) + 0.5,
                    std::log10(floor_rate / 100), std::ceil(std::log10(max_rate)) + 0.3};
    // Every label is placed where it overlaps no other (column 4: its y), a
    // grey leader line ties it to its point; no legend to decode.
    LabelPlacer placer(axes);
    std::string front, others;
    for (const auto& p : condition["points"]) {
      if (p.value("status", "") != "ok") continue;
      const double rate = p.value("anomalies_per_million", 0.0);
      const double x = std::max(p.value("per_entry_ns", 0.0), 0.01);
      const double y = rate > 0 ? rate : floor_rate;
      const std::string label = p.value("candidate", "");
      const std::string line = fmt::format("{:.6g} {:.6g} {} {:.6g}\n", x, y, data_string(label),
                                           placer.place(x, y, label, rate == 0));
      (p.value("pareto", false) ? front : others) += line;
    }
    PlotJob job;
    job.width = 900;
    job.height = 460;
    std::string plot;
    if (!front.empty()) {
      job.data.emplace_back("front.dat", front);
      // The front as a line from cheapest to most correct, its points labelled.
      plot +=
          "'front.dat' using 1:2:(0):($4-$2) with vectors nohead lc rgb '#c8c8c8' notitle, "
          "'front.dat' using 1:2 with lines lt 4 dt 2 notitle, "
          "'front.dat' using 1:2 with points pt 7 ps 1.4 lc rgb '#d62728' "
          "title 'Pareto front', "
          "'front.dat' using 1:4:3 with labels offset char 0.8,0 left font 'sans,10' "
          "tc rgb '#d62728' notitle";
    }
    if (!others.empty()) {
      job.data.emplace_back("others.dat", others);
      plot += std::string(plot.empty() ? "" : ", ") +
              "'others.dat' using 1:2:(0):($4-$2) with vectors nohead lc rgb '#c8c8c8' notitle, "
              "'others.dat' using 1:2 with points pt 6 ps 1.2 lc rgb '#1f77b4' "
              "title 'dominated', "
              "'others.dat' using 1:4:3 with labels offset char 0.8,0 left font 'sans,10' "
              "tc rgb '#1f4f7f' notitle";
    }
    job.script = fmt::format(
        "set logscale xy\nset xrange [{:g}:{:g}]\nset yrange [{:g}:{:g}]\n"
        "set clip two\nset format y '%g'\nset ytics {:g},10\nset ytics add ('0' {:g})\n"
        "set grid xtics ytics lc rgb '#d8d8d8'\n"
        "set xlabel 'per-entry cost (ns, log; median across repetitions)'\n"
        "set ylabel 'anomalies per million reads (log; bottom line = 0)'\n"
        "set key outside right top box\nset title {}\nplot {}\n",
        std::pow(10.0, axes.x_lo), std::pow(10.0, axes.x_hi), std::pow(10.0, axes.y_lo),
        std::pow(10.0, axes.y_hi), floor_rate * 10, floor_rate, Gnuplot::quote(spec.title), plot);
    spec.job = std::move(job);
    out.push_back(std::move(spec));
  }
  return out;
}

std::string data_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text)
    out += c == '"' ? '\'' : (c == '\n' || c == '\r') ? ' ' : c;
  return out + "\"";
}

std::string id_safe(const std::string& text) {
  std::string out;
  for (char c : text)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

PlotSpec clustered_bars(PlotSpec spec, const ClusteredBars& bars) {
  const auto value = [&](size_t category, size_t series) -> std::optional<double> {
    const auto& v = bars.values[category][series];
    return v && *v > 0 ? v : std::nullopt;
  };
  std::vector<size_t> series;
  double smallest = 0;
  for (size_t s = 0; s < bars.series.size(); ++s) {
    bool any = false;
    for (size_t c = 0; c < bars.categories.size(); ++c)
      if (const auto v = value(c, s)) {
        any = true;
        if (smallest == 0 || *v < smallest) smallest = *v;
      }
    if (any) series.push_back(s);
  }
  if (series.empty()) {
    spec.note = bars.nothing;
    return spec;
  }
  std::string data = data_string(bars.category_header);
  for (size_t s : series)
    data += ' ' + data_string(bars.series[s]);
  data += '\n';
  for (size_t c = 0; c < bars.categories.size(); ++c) {
    data += data_string(bars.categories[c]);
    for (size_t s : series) {
      const auto v = value(c, s);
      data += v ? " " + fmt::format(fmt::runtime(bars.value_format), *v) : " NaN";
    }
    data += '\n';
  }
  std::string plot;
  for (size_t i = 0; i < series.size(); ++i)
    plot += fmt::format("{}'{}' using {}:xtic(1) title columnheader({}) lt {} fs {}", i ? ", " : "",
                        bars.file, i + 2, i + 2, i + 1,
                        i < 12 ? std::string("solid 0.85 border -1")
                               : fmt::format("pattern {} border -1", 1 + (i - 12) % 7));
  PlotJob job;
  job.width = std::max(
      900, bars.width_per_bar * static_cast<int>(bars.categories.size() * (series.size() + 1)));
  job.height = bars.height;
  job.data.emplace_back(bars.file, data);
  job.script = fmt::format(
      "set style data histogram\nset style histogram clustered gap 1\n"
      "set logscale y\nset yrange [{:g}:*]\nset grid ytics mytics lc rgb '#d8d8d8'\n"
      "set ylabel {}\nset xtics rotate by -20\nset key outside right top box\n"
      "set title {}\nplot {}\n",
      std::pow(10.0, std::floor(std::log10(smallest))), Gnuplot::quote(bars.ylabel),
      Gnuplot::quote(spec.title), plot);
  spec.job = std::move(job);
  return spec;
}

std::vector<PlotSpec> report_plots(const Report& report, const Matrix& matrix) {
  std::vector<PlotSpec> plots;
  plots.push_back(p99_plot(matrix));
  const std::vector<std::string> conditions = display_conditions(matrix);
  for (size_t c = 0; c < conditions.size(); ++c)
    plots.push_back(cdf_plot(report, matrix, conditions[c], c));
  plots.push_back(anomaly_plot(report));
  for (auto& plot : phase_plots(report))
    plots.push_back(std::move(plot));
  return plots;
}

}  // namespace mapsla
