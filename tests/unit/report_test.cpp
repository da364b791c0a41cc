#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "reports/json_report.h"
#include "reports/terminal_report.h"

namespace mapsla {
namespace {

Report sample_report() {
  Report report;
  report.run_id = "abcd1234";
  report.environment.kernel = "6.1.0";
  report.environment.cpu_model = "Test CPU";
  report.environment.cores = 2;
  report.environment.numa_nodes = 1;
  report.environment.features = {{"bpf_loop", true, "ok"}, {"sch_netem", false, "absent"}};
  CellResult cell{"baseline", "naive", "keys"};
  RepetitionResult rep;
  rep.index = 0;
  rep.reads = 2'000'000;
  rep.ops = 2'000'000;
  rep.passes = 30;
  rep.read_time_ns = 900'000'000;
  rep.writer_updates = 12345;
  rep.anomalies.torn = 4;
  rep.anomalies.errors["EPERM"] = 2;
  for (int i = 0; i < 1000; ++i)
    rep.op_latency.record(400 + i);
  rep.pass_latency.record(30'000'000);
  cell.repetitions = {rep, rep};
  report.cells.push_back(cell);
  CellResult na{"baseline", "mmap", "seqlock"};
  na.status = CellStatus::not_applicable;
  na.reason = "mmap needs an array";
  report.cells.push_back(na);
  return report;
}

TEST(JsonReport, HasEveryContractField) {
  const nlohmann::json j = to_json(sample_report());
  EXPECT_EQ(j["schema"], "mapsla.report/v1");
  for (const char* key :
       {"kernel", "cpu_model", "cores", "numa_nodes", "features", "mapsla_version", "git_sha"})
    EXPECT_TRUE(j["environment"].contains(key)) << key;
  EXPECT_EQ(j["environment"]["features"]["sch_netem"]["available"], false);
  ASSERT_EQ(j["cells"].size(), 2u);
  const auto& cell = j["cells"][0];
  for (const char* key :
       {"scenario", "reader", "mode", "status", "reason", "repetitions", "summary"})
    EXPECT_TRUE(cell.contains(key)) << key;
  EXPECT_EQ(cell["repetitions"].size(), 2u);
  const auto& s = cell["summary"];
  for (const char* lat : {"op_latency_ns", "pass_latency_ns"})
    for (const char* key : {"p50", "p90", "p99", "p999", "max", "mean", "count"})
      EXPECT_TRUE(s[lat].contains(key)) << lat << "." << key;
  for (const char* key : {"per_entry_ns", "reads", "entries_per_s", "writer_updates", "anomalies"})
    EXPECT_TRUE(s.contains(key)) << key;
  for (const char* key : {"torn", "missing", "skipped", "duplicate", "stale", "non_monotonic",
                          "error", "per_million"})
    EXPECT_TRUE(s["anomalies"].contains(key)) << key;
  EXPECT_EQ(s["reads"], 4'000'000);
  EXPECT_EQ(s["anomalies"]["torn"], 8);
  EXPECT_EQ(s["anomalies"]["error"], 4);
  EXPECT_DOUBLE_EQ(s["anomalies"]["per_million"]["torn"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(s["per_entry_ns"].get<double>(), 450.0);
  EXPECT_EQ(s["op_latency_ns"]["count"], 2000);
  EXPECT_EQ(j["cells"][1]["status"], "not_applicable");
  EXPECT_EQ(j["cells"][1]["reason"], "mmap needs an array");
}

TEST(TerminalReport, ShowsEachCellAndReasons) {
  std::ostringstream out;
  TerminalReporter().write(sample_report(), "", out);
  const std::string text = out.str();
  EXPECT_THAT(text, ::testing::HasSubstr("baseline"));
  EXPECT_THAT(text, ::testing::HasSubstr("not_applicable"));
  EXPECT_THAT(text, ::testing::HasSubstr("mmap needs an array"));
  EXPECT_THAT(text, ::testing::HasSubstr("4.00M"));  // reads
}

TEST(Formatting, HumanUnits) {
  EXPECT_EQ(format_ns(431), "431ns");
  EXPECT_EQ(format_ns(1240), "1.24µs");
  EXPECT_EQ(format_ns(3.1e6), "3.10ms");
  EXPECT_EQ(format_count(950), "950");
  EXPECT_EQ(format_count(12345), "12.3k");
}

}  // namespace
}  // namespace mapsla
