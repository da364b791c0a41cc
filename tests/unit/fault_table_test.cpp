// The fault evidence table (reports/report_tables.h) and what the terminal
// report prints of it, of P99.9 and of the run's duration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "harness/faults/cpu_stress.h"
#include "harness/faults/map_pressure.h"
#include "harness/faults/packet_loss.h"
#include "harness/writers/traffic_writer.h"
#include "reports/json_report.h"
#include "reports/report_reader.h"
#include "reports/report_tables.h"
#include "reports/terminal_report.h"
#include "sample_report.h"

namespace mapsla {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The evidence with the summary the fault's descriptor makes of it, as the runner stores it.
json summed_up(json evidence, const FaultDescriptor& fault) {
  evidence["summary"] = to_json(fault.summarize(evidence));
  return evidence;
}

json writer_stats(bool reconciled) {
  json stats = {{"driver", "traffic"}, {"reconciled", reconciled}};
  stats["summary"] = to_json(TrafficWriter::descriptor().summarize(stats));
  return stats;
}

json loss_window(int rep, uint64_t n, uint64_t dropped, bool within) {
  return summed_up({{"repetition", rep},
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
                        {"within_tolerance", within}}}}}},
                   PacketLossFault::descriptor());
}

json stress_window(int rep, double load, double bogo) {
  return summed_up({{"repetition", rep},
                    {"active", {{"cpus", {0}}, {"load_observed_percent", load}}},
                    {"gone",
                     {{"stopped_by", "SIGINT"},
                      {"processes_left", 0},
                      {"metrics", {{{"stressor", "cpu"}, {"bogo_ops", bogo}}}}}}},
                   CpuStressFault::descriptor());
}

CellResult fault_cell(const std::string& scenario, const std::string& mode, const json& faults) {
  CellResult c = testing::sample_report().cells.front();
  c.scenario = scenario;
  c.mode = mode;
  c.details["faults"] = faults;
  c.details["writer"] = writer_stats(true);
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
  EXPECT_THAT(loss, HasSubstr("requested 2.00 %"));
  EXPECT_THAT(loss, HasSubstr("tolerance ≤ 0.40 %"));
  EXPECT_THAT(loss, HasSubstr("within tolerance 2/3"));
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
  r.cells[1].details["writer"] = writer_stats(false);
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
  const json window = summed_up(
      {{"repetition", 0}, {"active", {{"inserts", 10}}}, {"gone", {{"counters_at_stop", at_stop}}}},
      MapPressureFault::descriptor());
  r.cells = {
      fault_cell("lru", "keys", {{{"kind", "map_pressure"}, {"windows", {window, window}}}})};
  const Table t = fault_table(r);
  ASSERT_EQ(t.rows.size(), 1u);
  // The writer's evidence (a traffic writer's flows) follows the fault's.
  EXPECT_EQ(t.rows[0][2],
            "2 windows · 3.0k inserts · failures: E2BIG 6 · 800 evictions (observed, a lower "
            "bound) · flows reconciled (sent − dropped = counted)");
}

TEST(FaultTable, AFaultWithoutASummaryPointsAtTheEvidence) {
  Report r = fault_report();
  for (json& w : r.cells[2].details["faults"][0]["windows"])
    w.erase("summary");
  EXPECT_EQ(fault_table(r).rows[1][2], "see details.faults in report.json");
}

TEST(EvidenceSummary, RoundTripsThroughJsonAndTheReportReaderRefusesABadOne) {
  const json window = stress_window(0, 97, 1000);
  const EvidenceSummary s = evidence_summary_from_json(window["summary"]);
  EXPECT_EQ(s.headline, "stress-ng cpu on CPUs [0]");
  ASSERT_EQ(s.figures.size(), 4u);
  EXPECT_EQ(s.figures[0].name, "load observed");
  EXPECT_EQ(s.figures[0].combine, EvidenceFigure::Combine::range);
  EXPECT_EQ(to_json(s), window["summary"]);

  Report r = fault_report();
  r.cells[2].details["faults"][0]["windows"][1]["summary"]["figures"][0]["combine"] = "median";
  try {
    report_from_json(to_json(r), "bad.json");
    ADD_FAILURE() << "a bad summary was read";
  } catch (const ReportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cells[2].details.faults[0].windows[1].summary"));
    EXPECT_THAT(e.what(), HasSubstr("figures[0].combine: unknown value \"median\""));
  }
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
