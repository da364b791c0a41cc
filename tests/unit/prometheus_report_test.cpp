#include "reports/prometheus_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "tests/unit/sample_report.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusTextfile, MatchesGoldenFile) {
  const std::string actual = render_textfile(testing::sample_report());
  EXPECT_EQ(actual, testing::golden("metrics.prom", actual))
      << "rerun with MAPSLA_UPDATE_GOLDEN=1 to accept, then review the diff";
}

TEST(PrometheusTextfile, FollowsPrometheusNaming) {
  const std::string text = render_textfile(testing::sample_report());
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  const std::regex label(R"re(([a-zA-Z_]+)=")re");
  const std::set<std::string> allowed = {"scenario", "reader", "mode", "class", "le"};
  std::istringstream lines(text);
  size_t samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
    ++samples;
    const std::string name = m[1];
    EXPECT_EQ(name.rfind("mapsla_", 0), 0u) << name;
    EXPECT_THAT(name, Not(HasSubstr("_ns"))) << "base units are seconds: " << name;
    const std::string labels = m[2];
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label);
         it != std::sregex_iterator(); ++it)
      EXPECT_TRUE(allowed.count((*it)[1])) << "label " << (*it)[1] << " in " << line;
  }
  EXPECT_GT(samples, 50u);
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_reads_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_anomalies_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_op_latency_seconds histogram"));
}

TEST(PrometheusTextfile, CarriesTheReportsFigures) {
  const Report report = testing::sample_report();
  const std::string text = render_textfile(report);
  const RepetitionResult keys = report.cells[1].pooled();
  EXPECT_THAT(text, HasSubstr(fmt::format(
                        "mapsla_reads_total{{mode=\"keys\",reader=\"naive\",scenario=\"hash-"
                        "replace\"}} {}\n",
                        keys.reads)));
  EXPECT_THAT(text, HasSubstr("mapsla_anomalies_total{class=\"missing\",mode=\"keys\",reader="
                              "\"naive\",scenario=\"hash-replace\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("mapsla_anomalies_total{class=\"error\",mode=\"dump\",reader="
                              "\"naive\",scenario=\"hash-replace\"} 2\n"));
  // Every op lands in the histogram, in the +Inf bucket at least.
  EXPECT_THAT(text, HasSubstr(fmt::format("mapsla_op_latency_seconds_count{{mode=\"keys\",reader="
                                          "\"naive\",scenario=\"hash-replace\"}} {}\n",
                                          keys.op_latency.count())));
  EXPECT_THAT(text, HasSubstr("mapsla_cell_failed{mode=\"batch\",reader=\"batched\",scenario="
                              "\"hash-replace\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mapsla_last_run_timestamp_seconds 1795312218\n"));
}

TEST(PrometheusTextfile, IsWrittenAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("mapsla_prom_" + std::to_string(::getpid()));
  const fs::path path = dir / "mapsla.prom";
  write_textfile(testing::sample_report(), path);
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}),
            render_textfile(testing::sample_report()));
  EXPECT_FALSE(fs::exists(dir / "mapsla.prom.tmp"));
  fs::remove_all(dir);
}

TEST(PrometheusPushed, AddsHowTheRunEnded) {
  const std::string ok = render_pushed_metrics(testing::sample_report(), 0);
  EXPECT_EQ(ok.rfind(render_textfile(testing::sample_report()), 0), 0u);
  EXPECT_THAT(ok, HasSubstr("# TYPE mapsla_run_success gauge\nmapsla_run_success 1\n"));
  EXPECT_THAT(ok, HasSubstr("# TYPE mapsla_run_exit_code gauge\nmapsla_run_exit_code 0\n"));
  const std::string failed = render_pushed_metrics(Report{}, 143);
  EXPECT_THAT(failed, HasSubstr("mapsla_run_success 0\n"));
  EXPECT_THAT(failed, HasSubstr("mapsla_run_exit_code 143\n"));
}

}  // namespace
}  // namespace mapsla
