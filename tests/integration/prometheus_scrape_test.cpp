// A real Prometheus server (Debian prometheus) on loopback scrapes
// `mapsla run --prometheus-listen` every second; mapsla's series must arrive,
// as seen through Prometheus's own HTTP API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/child_process.h"
#include "tests/integration/privileged.h"
#include "tests/loopback_http.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PrometheusScrapeTest : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    dir_ = fs::temp_directory_path() / ("mapsla_prom_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    testing::PrivilegedTest::TearDown();
  }
  fs::path dir_;
};

// The instant-query result of `query`, or an empty array when Prometheus
// does not answer (yet).
nlohmann::json query(int port, const std::string& promql) {
  const auto body = testing::http_get(port, "/api/v1/query?query=" + testing::url_encode(promql));
  if (!body) return nlohmann::json::array();
  const auto reply = nlohmann::json::parse(*body, nullptr, false);
  if (reply.is_discarded() || reply.value("status", "") != "success")
    return nlohmann::json::array();
  return reply["data"]["result"];
}

double value_of(const nlohmann::json& sample) {
  return std::stod(sample["value"][1].get<std::string>());
}

TEST_F(PrometheusScrapeTest, MapslasLiveSeriesReachARealPrometheus) {
  const fs::path prometheus = "/usr/bin/prometheus";
  if (::access(prometheus.c_str(), X_OK) != 0)
    MAPSLA_SKIP_OR_FAIL("prometheus not installed (Debian prometheus)");
  MAPSLA_REQUIRE_TEST_RUN_WRITER();

  const int mapsla_port = testing::free_loopback_port();
  const int prom_port = testing::free_loopback_port();
  ASSERT_GT(mapsla_port, 0);
  ASSERT_GT(prom_port, 0);
  std::ofstream(dir_ / "prometheus.yml") << "global:\n"
                                            "  scrape_interval: 1s\n"
                                            "  evaluation_interval: 1s\n"
                                            "scrape_configs:\n"
                                            "  - job_name: mapsla\n"
                                            "    static_configs:\n"
                                            "      - targets: ['127.0.0.1:"
                                         << mapsla_port << "']\n";
  testing::ChildProcess server(
      {prometheus.string(), "--config.file=" + (dir_ / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (dir_ / "data").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
      dir_ / "prometheus.log");
  // The run is started at once: Prometheus starts scraping when it is ready.
  // A small quiet hash, one reader: its first passes end within milliseconds.
  // The window outlasts the test, which stops mapsla once the series are in.
  std::ofstream(dir_ / "quiet.yaml") << "name: quiet\n"
                                        "map: {kind: hash, entries: 4096, value_size: 64}\n"
                                        "writer: {driver: none}\n"
                                        "readers:\n  - {reader: naive, mode: keys, cpus: [0]}\n"
                                        "run: {warmup: 50ms, duration: 30s, repetitions: 1}\n";
  testing::ChildProcess run(
      {MAPSLA_BINARY, "run", (dir_ / "quiet.yaml").string(), "--quiet", "--prometheus-listen",
       "127.0.0.1:" + std::to_string(mapsla_port), "--out", (dir_ / "out").string()},
      dir_ / "run.log");

  // Poll Prometheus until a scrape with reads has been stored.
  double reads = 0;
  nlohmann::json series = nlohmann::json::array();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    series = query(prom_port, "mapsla_reads_total");
    for (const auto& s : series)
      reads = std::max(reads, value_of(s));
    if (reads > 0) break;
    ASSERT_FALSE(run.wait_for(0ms).has_value()) << "mapsla ended first: " << run.log();
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_GT(reads, 0) << "no mapsla_reads_total > 0 in Prometheus; prometheus log:\n"
                      << server.log() << "\nmapsla log:\n"
                      << run.log();
  const auto& labels = series[0]["metric"];
  EXPECT_EQ(labels["job"], "mapsla");
  EXPECT_EQ(labels["scenario"], "quiet");
  EXPECT_EQ(labels["reader"], "naive");
  EXPECT_EQ(labels["mode"], "keys");

  // The other families arrived with the same scrapes.
  EXPECT_FALSE(query(prom_port, "mapsla_op_latency_seconds_bucket").empty());
  EXPECT_EQ(query(prom_port, "mapsla_anomalies_total").size(), 7u)
      << "one series per anomaly class for the running cell";
  EXPECT_FALSE(query(prom_port, "mapsla_current_cell_info == 1").empty());
  const auto up = query(prom_port, "up{job=\"mapsla\"}");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(value_of(up[0]), 1.0);

  // Both end on every path through ChildProcess; here mapsla is stopped
  // early (the series are in) and must still stop cleanly, exporter and all.
  EXPECT_EQ(run.stop(5s), 128 + SIGTERM) << run.log();
  server.stop(5s);
}

}  // namespace
}  // namespace mapsla
