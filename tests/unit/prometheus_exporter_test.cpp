// The live exporter served over loopback and scraped like Prometheus would.
#include "cli/prometheus_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "tests/loopback_http.h"

namespace mapsla::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value of the one sample `series` (name and labels as exposed).
std::optional<double> sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

struct Window {
  Scenario scenario;
  CellResult cell{"quiet", "naive", "keys"};
  Window() { scenario.name = "quiet"; }
};

WindowProgress measured(uint64_t reads, uint64_t torn, uint64_t fast_ops, uint64_t updates) {
  WindowProgress p;
  p.warming_up = false;
  p.live.reads = reads;
  p.live.ops = fast_ops;
  p.live.op_time_ns = fast_ops * 900;
  p.live.anomalies[0] = torn;
  p.live.op_latency[latency_bucket_of(900)] = fast_ops;
  p.writer_updates = updates;
  return p;
}

TEST(LiveExporter, ServesCountersThatEndAtTheWindowsTotals) {
  LiveExporter exporter("127.0.0.1:0");
  ASSERT_FALSE(exporter.ports().empty());
  const int port = exporter.ports().front();
  Window w;
  const std::string labels = R"({mode="keys",reader="naive",scenario="quiet"})";

  exporter.window_started(w.scenario, w.cell, 0);
  WindowProgress warming;  // warming up: nothing counted yet
  warming.live.reads = 999;
  exporter.window_progress(w.scenario, w.cell, warming);
  exporter.window_progress(w.scenario, w.cell, measured(1000, 1, 1000, 50));
  auto text = testing::http_get(port, "/metrics");
  ASSERT_TRUE(text);
  EXPECT_EQ(sample(*text, "mapsla_reads_total" + labels), 1000);
  EXPECT_EQ(sample(*text, "mapsla_current_cell_info" + labels), 1);

  exporter.window_progress(w.scenario, w.cell, measured(2500, 3, 2500, 80));
  exporter.window_finished(w.scenario, w.cell, RepetitionResult{});
  text = testing::http_get(port, "/metrics");
  ASSERT_TRUE(text);
  EXPECT_EQ(sample(*text, "mapsla_reads_total" + labels), 2500);
  EXPECT_EQ(sample(*text, R"(mapsla_anomalies_total{class="torn",mode="keys",reader="naive",)"
                          R"(scenario="quiet"})"),
            3);
  EXPECT_EQ(sample(*text, "mapsla_op_latency_seconds_count" + labels), 2500);
  EXPECT_NEAR(*sample(*text, "mapsla_op_latency_seconds_sum" + labels), 2500 * 900e-9, 1e-9);
  EXPECT_EQ(sample(*text, R"(mapsla_op_latency_seconds_bucket{mode="keys",reader="naive",)"
                          R"(scenario="quiet",le="1e-06"})"),
            2500);
  EXPECT_EQ(sample(*text, R"(mapsla_op_latency_seconds_bucket{mode="keys",reader="naive",)"
                          R"(scenario="quiet",le="5e-07"})"),
            0);
  EXPECT_EQ(sample(*text, "mapsla_writer_updates_total" + labels), 80);
  EXPECT_EQ(sample(*text, "mapsla_windows_total" + labels), 1);
  EXPECT_THAT(*text, Not(HasSubstr("mapsla_current_cell_info{")));  // between windows

  // The next window of the same cell adds to the counters.
  exporter.window_started(w.scenario, w.cell, 1);
  exporter.window_progress(w.scenario, w.cell, measured(100, 0, 100, 5));
  text = testing::http_get(port, "/metrics");
  ASSERT_TRUE(text);
  EXPECT_EQ(sample(*text, "mapsla_reads_total" + labels), 2600);
}

TEST(LiveExporter, AnAddressItCannotListenOnIsAnErrorNamingIt) {
  LiveExporter first("127.0.0.1:0");
  const std::string taken = "127.0.0.1:" + std::to_string(first.ports().front());
  try {
    LiveExporter second(taken);
    FAIL() << "listening twice on " << taken << " succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(taken));
  }
}

}  // namespace
}  // namespace mapsla::cli
