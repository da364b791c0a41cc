#include "reports/sla.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include <fmt/format.h>

#include "cli/sla_gate.h"
#include "harness/exit_codes.h"
#include "harness/scenario_parser.h"
#include "model/sla_parser.h"
#include "tests/unit/gate_fixtures.h"

namespace mapsla {
namespace {

using testing::cell;
using ::testing::HasSubstr;
using testing::repetition;

// op P99s 100, 300, 200 ns (median 200, largest 300); per entry 120, 150,
// 100 (median 120); 20 000 reads each; 10/20/30 ops: min_samples 10 000.
CellResult three_repetitions() {
  CellResult c = cell(
      "s", "naive", "keys",
      {repetition(0, 100, 10'000, 20'000, 2'400'000), repetition(1, 300, 20'000, 20'000, 3'000'000),
       repetition(2, 200, 30'000, 20'000, 2'000'000)});
  c.repetitions[0].anomalies.torn = 2;
  c.repetitions[2].anomalies.torn = 1;
  c.repetitions[1].anomalies.errors["EINTR"] = 3;
  return c;
}

SlaSpec spec(const std::string& yaml) {
  return parse_sla_text(yaml, "sla.yaml");
}

const SlaCheck& only_check(const SlaResult& r) {
  EXPECT_EQ(r.checks.size(), 1u);
  return r.checks.at(0);
}

SlaCheck check_one(const std::string& yaml, const CellResult& c = three_repetitions()) {
  const SlaSpec s = spec(yaml);
  return only_check(evaluate_sla(s, {c}));
}

TEST(SlaEvaluator, LatencyIsTheMedianOfRepetitionsAndHoldsAtTheLimit) {
  const SlaCheck at = check_one("sla: {op_p99: 200ns}");
  EXPECT_EQ(at.outcome, SlaOutcome::held);
  EXPECT_EQ(at.measured, 200);
  EXPECT_EQ(at.name(), "op_p99 <= 200ns");
  EXPECT_EQ(at.cell_name(), "s.naive.keys");
  const SlaCheck over = check_one("sla: {op_p99: 199ns}");
  EXPECT_EQ(over.outcome, SlaOutcome::violated);
  EXPECT_EQ(over.measured_text, "200ns (median of 3 repetitions)");
  EXPECT_EQ(over.origin, "sla.yaml:1");
}

TEST(SlaEvaluator, MaxIsTheLargestOfAnyRepetition) {
  EXPECT_EQ(check_one("sla: {op_max: 300ns}").outcome, SlaOutcome::held);
  const SlaCheck c = check_one("sla: {op_max: 299ns}");
  EXPECT_EQ(c.outcome, SlaOutcome::violated);
  EXPECT_THAT(c.measured_text, HasSubstr("largest of 3"));
}

TEST(SlaEvaluator, PassLatencyAndPerEntry) {
  // Pass latencies are op_ns * 1000 + 0..9: the medians are 200 µs + a few ns.
  EXPECT_EQ(check_one("sla: {pass_p50: 201us}").outcome, SlaOutcome::held);
  EXPECT_EQ(check_one("sla: {pass_p50: 199us}").outcome, SlaOutcome::violated);
  EXPECT_EQ(check_one("sla: {per_entry: 120ns}").outcome, SlaOutcome::held);
  EXPECT_EQ(check_one("sla: {per_entry: 119ns}").measured, 120);
}

TEST(SlaEvaluator, AnomalyCountsArePooledOverRepetitions) {
  EXPECT_EQ(check_one("sla: {torn: 3}").outcome, SlaOutcome::held);
  const SlaCheck c = check_one("sla: {torn: 2}");
  EXPECT_EQ(c.outcome, SlaOutcome::violated);
  EXPECT_EQ(c.measured, 3);
  EXPECT_EQ(check_one("sla: {error: 2}").measured, 3);
  EXPECT_EQ(check_one("sla: {anomalies: 6}").outcome, SlaOutcome::held);  // 3 torn + 3 EINTR
  EXPECT_EQ(check_one("sla: {anomalies: 5}").outcome, SlaOutcome::violated);
  EXPECT_EQ(check_one("sla: {missing: 0}").outcome, SlaOutcome::held);
}

TEST(SlaEvaluator, AnomalyRatesArePooledCountsPerMillionReads) {
  // 3 torn in 60 000 reads = 50 per million.
  const SlaCheck c = check_one("sla: {torn_per_million: 50}");
  EXPECT_EQ(c.outcome, SlaOutcome::held);
  EXPECT_DOUBLE_EQ(c.measured, 50);
  EXPECT_EQ(check_one("sla: {torn_per_million: 49.9}").outcome, SlaOutcome::violated);
  EXPECT_EQ(check_one("sla: {anomalies_per_million: 100}").outcome, SlaOutcome::held);
}

TEST(SlaEvaluator, LowerLimitsHoldAtTheLimitAndFailBelow) {
  // entries/s per repetition: 20 000 / 2.4 ms, / 3 ms, / 2 ms; median 1e9/120.
  const double median_rate = 20'000 / 2.4e-3;
  const SlaCheck at = check_one(fmt::format("sla: {{min_entries_per_s: {:.6f}}}", median_rate - 1));
  EXPECT_EQ(at.outcome, SlaOutcome::held);
  EXPECT_EQ(at.name().substr(0, 20), "min_entries_per_s >=");
  EXPECT_EQ(check_one("sla: {min_entries_per_s: 8.4M}").outcome, SlaOutcome::violated);
  EXPECT_EQ(check_one("sla: {min_samples: 10k}").outcome, SlaOutcome::held);  // smallest: 10 000
  const SlaCheck few = check_one("sla: {min_samples: 10001}");
  EXPECT_EQ(few.outcome, SlaOutcome::violated);
  EXPECT_EQ(few.measured, 10'000);
}

TEST(SlaEvaluator, TheMostSpecificRuleWinsAndTiesGoToTheLaterRule) {
  const SlaSpec s = spec(R"(sla:
  - op_p99: 1ns
  - reader: naive
    op_p99: 1ms
  - reader: naive
    mode: keys
    op_p99: 150ns
  - mode: keys
    reader: naive
    op_p99: 250ns
  - op_p99: 2ns
)");
  const SlaCheck c = only_check(evaluate_sla(s, {three_repetitions()}));
  EXPECT_EQ(c.limit, 250);
  EXPECT_EQ(c.outcome, SlaOutcome::held);
  EXPECT_EQ(c.origin, "sla.yaml:10");
}

TEST(SlaEvaluator, SkippedCellsAreNotEvaluatedAndFailedCellsViolate) {
  const SlaSpec s = spec("sla: {op_p99: 1ms, torn: 0}");
  const CellResult skipped =
      cell("numa", "naive", "keys", {}, CellStatus::skipped, "numa: host has 1 NUMA node");
  const CellResult na = cell("s", "mmap", "keys", {}, CellStatus::not_applicable, "needs array");
  const CellResult failed = cell("s", "naive", "dump", {}, CellStatus::failed, "read: EINVAL");

  const SlaResult only_skipped = evaluate_sla(s, {skipped, na});
  EXPECT_EQ(only_skipped.count(SlaOutcome::not_evaluated), 4u);
  EXPECT_EQ(only_skipped.verdict(), SlaVerdict::not_evaluated);
  EXPECT_THAT(only_skipped.checks[0].measured_text, HasSubstr("skipped: numa: host has 1"));

  CellResult ok = three_repetitions();
  ok.repetitions[0].anomalies.torn = 0;
  ok.repetitions[2].anomalies.torn = 0;
  const SlaResult mixed = evaluate_sla(s, {skipped, ok});
  EXPECT_EQ(mixed.verdict(), SlaVerdict::held);  // evaluated checks held; skipped ones noted
  EXPECT_EQ(mixed.count(SlaOutcome::held), 2u);

  const SlaResult with_failed = evaluate_sla(s, {ok, failed});
  EXPECT_EQ(with_failed.verdict(), SlaVerdict::violated);
  EXPECT_EQ(with_failed.count(SlaOutcome::violated), 2u);
  EXPECT_THAT(with_failed.checks[2].measured_text, HasSubstr("the cell failed: read: EINVAL"));
}

TEST(SlaEvaluator, ARuleThatSelectsNoCellIsReported) {
  const SlaSpec s = spec("sla:\n  - {reader: naiv, op_p99: 1ms}\n  - {op_p50: 1ms}\n");
  const SlaResult r = evaluate_sla(s, {three_repetitions()});
  ASSERT_EQ(r.unmatched.size(), 1u);
  EXPECT_EQ(r.unmatched[0]->describe(), "reader naiv");
  EXPECT_EQ(r.unmatched[0]->origin, "sla.yaml:2");
}

TEST(SlaEvaluator, PrintsEachViolationWithCellMetricMeasuredAndLimit) {
  const SlaSpec s = spec("sla: {op_p99: 100ns, torn: 10}");
  std::ostringstream out;
  print_sla(evaluate_sla(s, {three_repetitions()}), out);
  EXPECT_EQ(out.str(),
            "  FAIL  s.naive.keys  op_p99: measured 200ns (median of 3 repetitions), limit <= "
            "100ns  [sla.yaml:1]\n"
            "SLA VIOLATED: 2 checks: 1 held, 1 violated, 0 not evaluated\n");
}

// The gate's exit codes, as `run --sla` and `check` return them.
TEST(SlaGate, ExitCodes) {
  const Report held = testing::report({three_repetitions()});
  std::ostringstream out, err;
  EXPECT_EQ(cli::apply_sla_gate(spec("sla: {op_p99: 1ms}"), held, std::nullopt, out, err),
            exit_code::kOk);
  EXPECT_EQ(cli::apply_sla_gate(spec("sla: {op_p99: 1ns}"), held, std::nullopt, out, err),
            exit_code::kSlaViolated);
  EXPECT_EQ(
      cli::apply_sla_gate(spec("sla: {reader: nope, op_p99: 1ms}"), held, std::nullopt, out, err),
      exit_code::kBadInput);
  EXPECT_THAT(err.str(), HasSubstr("sla.yaml:1: field 'sla': the rule for reader nope selects no"));
  const Report skipped = testing::report(
      {cell("numa", "naive", "keys", {}, CellStatus::skipped, "needs 2 NUMA nodes")});
  EXPECT_EQ(cli::apply_sla_gate(spec("sla: {op_p99: 1ms}"), skipped, std::nullopt, out, err),
            exit_code::kEnvironment);
}

std::string parse_error(const std::string& yaml) {
  try {
    parse_sla_text(yaml, "sla.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << yaml;
  return "";
}

TEST(SlaParser, ParsesEveryKindOfThresholdWithUnits) {
  const SlaSpec s = spec(R"(description: our agent's reader SLA
sla:
  - op_p99: 5us
    op_p50: 2µs
    pass_max: 1.5ms
    per_entry: 800ns
    torn: 0
    missing_per_million: 10
    min_entries_per_s: 1.5M
    min_samples: 10k
  - scenario: quiet
    reader: naive
    mode: dump
    duplicate: 0
)");
  ASSERT_EQ(s.rules.size(), 2u);
  const auto& t = s.rules[0].thresholds;
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].metric, "op_p99");
  EXPECT_EQ(t[0].limit, 5000);
  EXPECT_EQ(t[1].limit, 2000);
  EXPECT_EQ(t[2].limit, 1.5e6);
  EXPECT_EQ(t[3].limit, 800);
  EXPECT_EQ(t[4].limit, 0);
  EXPECT_EQ(t[5].limit, 10);
  EXPECT_EQ(t[6].limit, 1.5e6);
  EXPECT_EQ(t[7].limit, 10'000);
  EXPECT_EQ(t[5].origin, "sla.yaml:8");
  EXPECT_EQ(s.rules[0].specificity(), 0);
  EXPECT_EQ(s.rules[1].specificity(), 3);
  EXPECT_EQ(s.rules[1].describe(), "scenario quiet, reader naive, mode dump");
}

TEST(SlaParser, MistakesNameFileLineAndField) {
  EXPECT_EQ(parse_error("sla:\n  - op_p99: 5\n"),
            "sla.yaml:2: field 'sla[0].op_p99': '5' needs a unit (e.g. 5us, 800ns, 2ms)");
  EXPECT_EQ(parse_error("sla:\n  op_p99: soon\n"),
            "sla.yaml:2: field 'sla.op_p99': 'soon' is not a latency (e.g. 5us, 800ns, 2ms)");
  EXPECT_THAT(parse_error("sla:\n  - op_99: 5us\n"),
              HasSubstr("sla.yaml:2: field 'sla[0].op_99': is not an SLA metric or selector "
                        "(did you mean 'op_p99'?)"));
  EXPECT_THAT(parse_error("sla:\n  - torn: -1\n"), HasSubstr("sla.yaml:2: field 'sla[0].torn'"));
  EXPECT_THAT(parse_error("sla:\n  - missing_per_million: lots\n"),
              HasSubstr("field 'sla[0].missing_per_million': expected a number"));
  EXPECT_THAT(parse_error("sla:\n  - min_samples: 1.5\n"),
              HasSubstr("expected a non-negative integer"));
  EXPECT_THAT(parse_error("sla:\n  - reader: naive\n"),
              HasSubstr("sla.yaml:2: field 'sla[0]': a rule needs at least one threshold"));
  EXPECT_THAT(parse_error("sla: []\n"), HasSubstr("field 'sla': needs at least one rule"));
  EXPECT_THAT(parse_error("rules: []\n"), HasSubstr("field 'sla': is required"));
  EXPECT_THAT(parse_error("sla: 5us\n"), HasSubstr("expected a rule (a mapping) or a list"));
  EXPECT_THAT(parse_error("sla: [\n"), HasSubstr("sla.yaml:"));
}

TEST(SlaParser, EveryMistakeOfEveryRuleIsReportedInOrder) {
  try {
    parse_sla_text("sla:\n  - op_p99: 5\n    torn: -1\n  - reader: naive\n    op_99: 5us\n",
                   "sla.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 3u) << ::testing::PrintToString(lines);
    EXPECT_THAT(lines[0], HasSubstr("sla.yaml:2: field 'sla[0].op_p99': '5' needs a unit"));
    EXPECT_THAT(lines[1], HasSubstr("sla.yaml:3: field 'sla[0].torn'"));
    EXPECT_THAT(lines[2], HasSubstr("sla.yaml:5: field 'sla[1].op_99': is not an SLA metric"));
  }
}

// Keys that are not strings are ConfigErrors, not yaml-cpp bad-conversion exceptions (the
// class of input tests/fuzz/scenario_fuzz.cpp found; sla_fuzz.cpp covers this file's loader).
TEST(SlaParser, KeysThatAreNotStringsAreConfigErrors) {
  EXPECT_THAT(parse_error("sla:\n  - [op_p99]: 5us\n"),
              HasSubstr("sla.yaml:2: field 'sla[0]': a field name must be a string"));
  EXPECT_THAT(parse_error("sla: {op_p99: 5us}\n{a: 1}: 2\n"),
              HasSubstr("field '(document)': a field name must be a string"));
  EXPECT_THAT(parse_error("sla: {op_p99: 5us, ~: 1}\n"),
              HasSubstr("a field name must be a string"));
}

TEST(SlaParser, ScenarioSectionSelectsItsOwnScenario) {
  const char* yaml = R"(name: quiet
map: {kind: hash, entries: 1024}
writer: {driver: none}
readers:
  - {reader: naive, mode: keys}
sla:
  op_p99: 5us
  torn: 0
)";
  const auto scenarios = parse_scenarios(yaml, "q.yaml");
  ASSERT_EQ(scenarios.size(), 1u);
  EXPECT_EQ(scenarios[0].run.repetitions, 3);  // the default
  ASSERT_EQ(scenarios[0].sla.rules.size(), 1u);
  EXPECT_EQ(scenarios[0].sla.rules[0].scenario, "quiet");
  EXPECT_EQ(scenarios[0].sla.rules[0].thresholds[0].origin, "q.yaml:7");

  std::string wrong = yaml;
  wrong += "  scenario: other\n";
  try {
    parse_scenarios(wrong, "q.yaml");
    ADD_FAILURE() << "a scenario's SLA selected another scenario";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("q.yaml:9: field 'sla.scenario': an SLA inside scenario "
                                    "'quiet' can only select that scenario"));
  }
  // The scenario's rules come first, so a file's rule wins a tie.
  const SlaSpec combined =
      cli::combined_sla(scenarios, spec("sla: {scenario: quiet, op_p99: 1ms}"));
  ASSERT_EQ(combined.rules.size(), 2u);
  EXPECT_EQ(combined.rules[1].thresholds[0].limit, 1e6);
  EXPECT_FALSE(cli::unmatched_in_plan(combined, scenarios));
  const auto missing = cli::unmatched_in_plan(spec("sla: {mode: dump, op_p99: 1ms}"), scenarios);
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing,
            "sla.yaml:1: field 'sla': the rule for mode dump selects none of the cells to run "
            "(quiet naive keys)");
}

}  // namespace
}  // namespace mapsla
