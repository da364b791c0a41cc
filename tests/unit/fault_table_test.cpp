// The fault evidence table (reports/report_tables.h) and what the terminal
// report prints of it, of P99.9 and of the run's duration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "reports/report_tables.h"
#include "reports/terminal_report.h"
#include "sample_report.h"

namespace mapsla {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

json loss_window(int rep, uint64_t n, uint64_t dropped, bool within) {
  return {{"repetition", rep},
          {"active", {{"impl", "ebpf"}, {"in_effect", true}}},
          {"gone",
           {{"impl", "ebpf"},
            {"impl_reason", "the kernel has no sch_netem"},
            {"gone", true},
            {"ratio_while_active",
             {{"requested", 0.02},
              {"observed", static_cast<double>(dropped) / static_cast<double>(n)},
              {"n", n},
              {"dropped", dropped},
              {"tolerance", 0.004},
              {"within_tolerance", within}}}}}};
}

json stress_window(int rep, double load, double bogo) {
  return {{"repetition", rep},
          {"active", {{"cpus", {0}}, {"load_observed_percent", load}}},
          {"gone",
           {{"stopped_by", "SIGINT"},
            {"processes_left", 0},
            {"metrics", {{{"stressor", "cpu"}, {"bogo_ops", bogo}}}}}}};
}

CellResult fault_cell(const std::string& scenario, const std::string& mode, const json& faults) {
  CellResult c = testing::sample_report().cells.front();
  c.scenario = scenario;
  c.mode = mode;
  c.details["faults"] = faults;
  c.details["writer"] = {{"driver", "traffic"}, {"reconciled", true}};
  return c;
}

Report fault_report() {
  Report r = testing::sample_report();
  r.cells.clear();
  r.scenarios = {
      {"loss", "loss.yaml", {{"name", "loss"}, {"faults", {{{"kind", "packet_loss"}}}}}},
      {"stress", "stress.yaml", {{"name", "stress"}, {"faults", {{{"kind", "cpu_stress"}}}}}},
      {"numa", "numa.yaml", {{"name", "numa"}, {"faults", {{{"kind", "cross_numa"}}}}}},
      {"quiet", "quiet.yaml", {{"name", "quiet"}, {"faults", json::array()}}}};
  const json loss_a = {
      {{"kind", "packet_loss"},
       {"windows", {loss_window(0, 10'000, 200, true), loss_window(1, 10'000, 210, true)}}}};
  const json loss_b = {
      {{"kind", "packet_loss"}, {"windows", {loss_window(0, 20'000, 900, false)}}}};
  r.cells.push_back(fault_cell("loss", "keys", loss_a));
  r.cells.push_back(fault_cell("loss", "dump", loss_b));
  r.cells.push_back(
      fault_cell("stress", "keys",
                 {{{"kind", "cpu_stress"},
                   {"windows", {stress_window(0, 97, 1000), stress_window(1, 99, 500)}}}}));
  CellResult skipped{"numa", "naive", "keys"};
  skipped.status = CellStatus::skipped;
  skipped.reason = "cross_numa: host has 1 NUMA node";
  r.cells.push_back(skipped);
  return r;
}

TEST(FaultTable, SumsPacketLossEvidenceOverEveryWindowOfTheScenario) {
  const Table t = fault_table(fault_report());
  ASSERT_EQ(t.rows.size(), 3u);  // the quiet scenario has no fault
  EXPECT_EQ(t.rows[0][0], "loss");
  EXPECT_EQ(t.rows[0][1], "packet_loss");
  const std::string& loss = t.rows[0][2];
  EXPECT_THAT(loss, HasSubstr("ebpf (the kernel has no sch_netem)"));
  EXPECT_THAT(loss, HasSubstr("3 windows"));
  EXPECT_THAT(loss, HasSubstr("dropped 1.3k of 40.0k packets = 3.28 %"));
  EXPECT_THAT(loss, HasSubstr("(requested 2.00 %"));
  EXPECT_THAT(loss, HasSubstr("2/3 windows within tolerance"));
  EXPECT_THAT(loss, HasSubstr("injector removed 3/3"));
  EXPECT_THAT(loss, HasSubstr("flows reconciled"));
}

TEST(FaultTable, SaysWhatStressNgDidAndWhyASkippedFaultDidNotRun) {
  const Table t = fault_table(fault_report());
  ASSERT_EQ(t.rows.size(), 3u);
  const std::string& stress = t.rows[1][2];
  EXPECT_THAT(stress, HasSubstr("stress-ng cpu on CPUs [0]"));
  EXPECT_THAT(stress, HasSubstr("2 windows"));
  EXPECT_THAT(stress, HasSubstr("load observed 97–99 %"));
  EXPECT_THAT(stress, HasSubstr("1.5k bogo-ops"));
  EXPECT_THAT(stress, HasSubstr("stopped by SIGINT 2×"));
  EXPECT_THAT(stress, HasSubstr("0 processes left"));
  EXPECT_EQ(t.rows[2][1], "cross_numa");
  EXPECT_EQ(t.rows[2][2], "skipped: cross_numa: host has 1 NUMA node");
}

TEST(FaultTable, ReconcileFailureIsSaid) {
  Report r = fault_report();
  r.cells[1].details["writer"]["reconciled"] = false;
  EXPECT_THAT(fault_table(r).rows[0][2], HasSubstr("flows NOT reconciled"));
}

TEST(FaultTable, MapPressureCountsComeFromTheCountersAtStop) {
  Report r = testing::sample_report();
  r.scenarios = {{"lru", "lru.yaml", {{"name", "lru"}, {"faults", {{{"kind", "map_pressure"}}}}}}};
  const json at_stop = {{"inserts", 1500},
                        {"evictions", 400},
                        {"evictions_kernel", nullptr},
                        {"evictions_source", "observed by the fault (a lower bound)"},
                        {"failures", {{"E2BIG", 3}}}};
  const json window = {
      {"repetition", 0}, {"active", {{"inserts", 10}}}, {"gone", {{"counters_at_stop", at_stop}}}};
  r.cells = {
      fault_cell("lru", "keys", {{{"kind", "map_pressure"}, {"windows", {window, window}}}})};
  const Table t = fault_table(r);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(
      t.rows[0][2],
      "2 windows · 3.0k inserts · failures: E2BIG 6 · 800 evictions (observed, a lower bound)");
}

TEST(TerminalReport, PrintsP999OnlyWithEnoughSamplesAndTheFaultEvidence) {
  Report r = fault_report();
  // 100 100 samples per repetition: enough for a P99.9.
  CellResult many = testing::sample_report().cells.front();
  many.scenario = "quiet";
  many.reader = "batched";
  many.mode = "batch";
  r.cells.push_back(many);
  std::ostringstream out;
  TerminalReporter().write(r, "", out);
  const std::string text = out.str();
  // The loss cells hold 100 001 samples per repetition too; make one short.
  EXPECT_THAT(text, HasSubstr("fault evidence"));
  EXPECT_THAT(text, HasSubstr("skipped: cross_numa: host has 1 NUMA node"));
  EXPECT_THAT(text, HasSubstr("run took 17 s"));

  Report few = r;
  for (auto& rep : few.cells[0].repetitions) {
    rep.op_latency = LatencyHistogram();
    for (int i = 0; i < 5000; ++i)
      rep.op_latency.record(1000);
  }
  std::ostringstream short_out;
  TerminalReporter().write(few, "", short_out);
  const std::string short_text = short_out.str();
  EXPECT_THAT(short_text, HasSubstr("op p99 rests on 5,000 samples"));
  EXPECT_THAT(short_text, Not(HasSubstr("op p99.9 rests on 5,000")));
  EXPECT_THAT(short_text, HasSubstr("op p99.9 is shown only where every repetition has at least"));
  EXPECT_THAT(text, Not(HasSubstr("op p99.9 is shown only where")));
}

}  // namespace
}  // namespace mapsla
