#include "harness/scenario_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "tests/unit/scenario_errors.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kValid = R"(name: t
description: a test
map:
  kind: hash
  entries: 1024
  value_size: 256
writer:
  driver: test_run
  pattern: replace
  cpus: [0]
  rate: 5000
  keys_per_run: 32
readers:
  - reader: naive
    mode: dump
    cpus: "0"
run:
  warmup: 100ms
  duration: 1.5s
  repetitions: 3
)";

// Replaces `from` in the valid scenario with `to`, parses, returns the error.
std::string error_for(const std::string& from, const std::string& to) {
  return testing::scenario_parse_error_replacing(kValid, from, to);
}

TEST(ScenarioParser, ParsesEveryField) {
  const auto scenarios = parse_scenarios(kValid, "s.yaml");
  ASSERT_EQ(scenarios.size(), 1u);
  const Scenario& s = scenarios[0];
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.map.kind, MapKind::hash);
  EXPECT_EQ(s.map.entries, 1024u);
  EXPECT_EQ(s.map.keys, 1024u);
  EXPECT_EQ(s.map.value_size, 256u);
  EXPECT_EQ(s.writer.pattern, WriterPattern::replace);
  EXPECT_EQ(s.writer.rate, 5000u);
  EXPECT_EQ(s.writer.options->to_json()["keys_per_run"], 32);
  ASSERT_EQ(s.readers.size(), 1u);
  EXPECT_EQ(s.readers[0].reader, "naive");
  EXPECT_EQ(s.readers[0].mode, "dump");
  EXPECT_EQ(s.run.warmup, 100ms);
  EXPECT_EQ(s.run.duration, 1500ms);
  EXPECT_EQ(s.run.repetitions, 3);
}

TEST(ScenarioParser, BadDurationNamesFileLineAndField) {
  EXPECT_EQ(error_for("duration: 1.5s", "duration: banana"),
            "s.yaml:19: field 'run.duration': 'banana' is not a duration (use e.g. 2s, 500ms, 1m)");
}

TEST(ScenarioParser, UnknownFieldIsRejectedWithTheKnownOnes) {
  const std::string e = error_for("  repetitions: 3", "  repetitions: 3\n  durration: 2s");
  EXPECT_THAT(e, HasSubstr("s.yaml:21: field 'run.durration': unknown field"));
  EXPECT_THAT(e, HasSubstr("duration"));
}

TEST(ScenarioParser, WrongTypeIsRejected) {
  EXPECT_EQ(error_for("entries: 1024", "entries: [1, 2]"),
            "s.yaml:5: field 'map.entries': expected an integer");
  EXPECT_THAT(error_for("entries: 1024", "entries: lots"),
              HasSubstr("s.yaml:5: field 'map.entries': expected an integer, got 'lots'"));
}

TEST(ScenarioParser, OutOfRangeValuesAreRejected) {
  EXPECT_THAT(error_for("repetitions: 3", "repetitions: 0"),
              HasSubstr("s.yaml:20: field 'run.repetitions': 0 is out of range [1, 1000]"));
  EXPECT_THAT(error_for("value_size: 256", "value_size: 100"),
              HasSubstr("s.yaml:6: field 'map.value_size': 100 is not one of 64, 256, 1024"));
  EXPECT_THAT(error_for("cpus: [0]", "cpus: [4096]"),
              HasSubstr("s.yaml:10: field 'writer.cpus': CPU 4096 does not exist here"));
  EXPECT_THAT(error_for("duration: 1.5s", "duration: 1ms"),
              HasSubstr("field 'run.duration': 1ms is out of range"));
}

TEST(ScenarioParser, UnknownReaderListsTheKnownOnes) {
  EXPECT_THAT(
      error_for("reader: naive", "reader: psychic"),
      HasSubstr("s.yaml:14: field 'readers[0].reader': unknown reader 'psychic' (known: naive"));
}

TEST(ScenarioParser, UnknownModeAndPatternAndKind) {
  EXPECT_THAT(error_for("mode: dump", "mode: sideways"),
              HasSubstr("field 'readers[0].mode': 'sideways' is not one of: keys, dump"));
  EXPECT_THAT(error_for("pattern: replace", "pattern: scribble"),
              HasSubstr("field 'writer.pattern': 'scribble' is not one of"));
  EXPECT_THAT(error_for("kind: hash", "kind: ringbuf"),
              HasSubstr("s.yaml:4: field 'map.kind': 'ringbuf' is not one of"));
}

TEST(ScenarioParser, TestRunWriterProgramIsAutoSyscallOrXdp) {
  const auto program_of = [](const std::string& text) {
    return parse_scenarios(text, "s.yaml").at(0).writer.options->to_json()["program"];
  };
  EXPECT_EQ(program_of(kValid), "auto");
  std::string text = kValid;
  const auto at = text.find("  keys_per_run: 32");
  EXPECT_EQ(program_of(std::string(text).insert(at, "  program: xdp\n")), "xdp");
  EXPECT_EQ(program_of(std::string(text).insert(at, "  program: syscall\n")), "syscall");
  EXPECT_EQ(program_of(std::string(text).insert(at, "  program: auto\n")), "auto");
  EXPECT_EQ(error_for("  keys_per_run: 32", "  keys_per_run: 32\n  program: tc"),
            "s.yaml:13: field 'writer.program': 'tc' is not one of: auto, syscall, xdp");
  EXPECT_EQ(error_for("  keys_per_run: 32", "  keys_per_run: 32\n  program: [xdp]"),
            "s.yaml:13: field 'writer.program': expected a string");
  // Only the test_run writer has programs to choose from.
  try {
    parse_scenarios(
        "name: n\nmap: {kind: hash, entries: 64}\n"
        "writer: {driver: none, program: xdp}\nreaders: [{reader: naive}]\n",
        "n.yaml");
    FAIL() << "program accepted for the none writer";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("n.yaml:3: field 'writer.program': unknown field"));
  }
}

TEST(ScenarioParser, ChurnOnAnArrayIsRejected) {
  EXPECT_NO_THROW(parse_scenarios(  // replace on an array is fine
      std::string(kValid).replace(std::string(kValid).find("kind: hash"), 10, "kind: array"),
      "s.yaml"));
  std::string text = kValid;
  text.replace(text.find("kind: hash"), 10, "kind: array");
  text.replace(text.find("pattern: replace"), 16, "pattern: churn");
  try {
    parse_scenarios(text, "s.yaml");
    FAIL() << "churn on an array accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("field 'writer.pattern': churn deletes keys"));
  }
}

TEST(ScenarioParser, MissingSectionIsRequired) {
  try {
    parse_scenarios("name: x\nreaders: all\nwriter:\n  driver: none\n", "m.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "m.yaml:1: field 'map': is required");
  }
}

TEST(ScenarioParser, TheFirstMistakeInTheDocumentIsReportedFirst) {
  // A misplaced run setting on line 2 comes before the missing map the
  // parser would otherwise stop at.
  try {
    parse_scenarios("name: x\nduration: banana\nreaders: all\n", "m.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("m.yaml:2: field 'duration': unknown field ('duration' "
                                    "belongs under run:)"));
  }
}

TEST(ScenarioParser, EveryMistakeIsReportedInDocumentOrder) {
  // Four independent mistakes: each on its own line, in document order, and
  // the missing writer (no line of its own) after them.
  try {
    parse_scenarios(
        "name: x\n"
        "map: {kind: hash, entries: 1024}\n"
        "readers:\n"
        "  - {reader: naive, mode: sideways}\n"
        "  - {reader: nosuch}\n"
        "faults:\n"
        "  - {kind: packet_loss, percent: 250}\n"
        "run: {duration: banana}\n",
        "e.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 5u) << ::testing::PrintToString(lines);
    EXPECT_THAT(lines[0], HasSubstr("e.yaml:4: field 'readers[0].mode'"));
    EXPECT_THAT(lines[1],
                HasSubstr("e.yaml:5: field 'readers[1].reader': unknown reader 'nosuch'"));
    EXPECT_THAT(lines[2], HasSubstr("e.yaml:7: field 'faults[0].percent'"));
    EXPECT_THAT(lines[3], HasSubstr("e.yaml:8: field 'run.duration'"));
    EXPECT_THAT(lines[4], HasSubstr("field 'writer': is required"));
    EXPECT_EQ(e.what(), lines[0]);
  }
}

TEST(ScenarioParser, AMistakeInTheMapDoesNotCascadeIntoTheReaders) {
  try {
    parse_scenarios(
        "name: x\nmap: {kind: hash, entries: 0}\nwriter: {driver: none}\n"
        "readers: [{reader: batched, batch_size: 4096}]\n",
        "c.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.lines().size(), 1u) << ::testing::PrintToString(e.lines());
    EXPECT_THAT(e.what(), HasSubstr("c.yaml:2: field 'map.entries'"));
  }
}

// Within one part, every field is checked on its own: a wrong value never
// hides a sibling's mistake, and all of them come in line order.
TEST(ScenarioParser, EveryMistakeOfOneReaderAndOfTheMapIsReportedInLineOrder) {
  try {
    parse_scenarios(
        "name: x\n"                                  // 1
        "map:\n"                                     // 2
        "  kind: heap\n"                             // 3
        "  entries: 1e99\n"                          // 4
        "  keys: -5\n"                               // 5
        "  value_size: 100\n"                        // 6
        "  colour: blue\n"                           // 7
        "writer: {driver: none}\n"                   // 8
        "readers:\n"                                 // 9
        "  - reader: naive\n"                        // 10
        "    mode: sideways\n"                       // 11
        "    cpus: \"0-2000000000\"\n"               // 12
        "    test_slowdown: 0.5\n"                   // 13
        "    flavour: salty\n"                       // 14
        "run:\n"                                     // 15
        "  duration: banana\n"                       // 16
        "  repetitions: 99999999999999999999999\n",  // 17
        "r.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    const std::vector<std::string> expected = {
        "r.yaml:3: field 'map.kind': 'heap' is not one of",
        "r.yaml:4: field 'map.entries': expected an integer, got '1e99'",
        "r.yaml:5: field 'map.keys': -5 is out of range [1, 16777216]",
        "r.yaml:6: field 'map.value_size': 100 is not one of 64, 256, 1024",
        "r.yaml:7: field 'map.colour': unknown field",
        "r.yaml:11: field 'readers[0].mode': 'sideways' is not one of",
        "r.yaml:12: field 'readers[0].cpus': expected a CPU list",
        "r.yaml:13: field 'readers[0].test_slowdown': 0.5 is out of range",
        "r.yaml:14: field 'readers[0].flavour': unknown field",
        "r.yaml:16: field 'run.duration': 'banana' is not a duration",
        "r.yaml:17: field 'run.repetitions': 99999999999999999999999 is out of range [1, 1000]",
    };
    ASSERT_EQ(lines.size(), expected.size()) << ::testing::PrintToString(lines);
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_THAT(lines[i], HasSubstr(expected[i])) << i;
    EXPECT_EQ(e.count(), expected.size());
  }
}

TEST(ScenarioParser, EveryMistakeInAReadersOwnOptionsIsReported) {
  try {
    parse_scenarios(
        "name: x\n"                                                                 // 1
        "map: {kind: hash, entries: 1024, value_size: 64}\n"                        // 2
        "writer: {driver: none}\n"                                                  // 3
        "readers:\n"                                                                // 4
        "  - reader: retry\n"                                                       // 5
        "    mode: keys\n"                                                          // 6
        "    max_attempts: 0\n"                                                     // 7
        "    base_backoff: soon\n"                                                  // 8
        "    widen: 0.5\n"                                                          // 9
        "  - {reader: batched, batch_size: 0, max_batch_size: -1}\n"                // 10
        "  - {reader: mmap, mode: seqlock, entries_per_op: 0, max_attempts: 0}\n",  // 11
        "r.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    const std::vector<std::string> expected = {
        "r.yaml:7: field 'readers[0].max_attempts'",
        "r.yaml:8: field 'readers[0].base_backoff'",
        "r.yaml:9: field 'readers[0].widen'",
        "r.yaml:10: field 'readers[1].batch_size'",
        "r.yaml:10: field 'readers[1].max_batch_size'",
        "r.yaml:11: field 'readers[2].entries_per_op'",
        "r.yaml:11: field 'readers[2].max_attempts'",
    };
    ASSERT_EQ(lines.size(), expected.size()) << ::testing::PrintToString(lines);
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_THAT(lines[i], HasSubstr(expected[i])) << i;
  }
}

TEST(ScenarioParser, EveryMistakeOfOneFaultAndOfTheWriterIsReported) {
  try {
    parse_scenarios(
        "map: {kind: hash, entries: 64}\n"
        "writer:\n"
        "  driver: traffic\n"
        "  cpus: [0]\n"
        "  pps: lots\n"
        "  payload_bytes: 9000\n"
        "readers: all\n"
        "faults:\n"
        "  - kind: packet_loss\n"
        "    percent: 101\n"
        "    correlation: 100\n"
        "    direction: sideways\n"
        "    impl: magic\n",
        "f.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);
    EXPECT_THAT(lines[0], HasSubstr("f.yaml:5: field 'writer.pps'"));
    EXPECT_THAT(lines[1], HasSubstr("f.yaml:6: field 'writer.payload_bytes'"));
    EXPECT_THAT(lines[2], HasSubstr("f.yaml:10: field 'faults[0].percent'"));
    EXPECT_THAT(lines[3], HasSubstr("f.yaml:11: field 'faults[0].correlation'"));
    EXPECT_THAT(lines[4], HasSubstr("f.yaml:12: field 'faults[0].direction'"));
    EXPECT_THAT(lines[5], HasSubstr("f.yaml:13: field 'faults[0].impl'"));
  }
}

TEST(ScenarioParser, MistakesBeyondTheLimitAreCountedInALastLine) {
  std::string text = "map:\n  kind: hash\n  entries: 64\n";
  for (int i = 0; i < 30; ++i)
    text += fmt::format("  typo{}: 1\n", i);
  text += "writer: {driver: none}\nreaders: all\n";
  try {
    parse_scenarios(text, "cap.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), ConfigError::kMaxShown + 1) << ::testing::PrintToString(lines);
    EXPECT_EQ(e.count(), 30u);
    // The first 20 by line: typo0 on line 4 … typo19 on line 23.
    for (size_t i = 0; i < ConfigError::kMaxShown; ++i)
      EXPECT_THAT(lines[i], HasSubstr(fmt::format("cap.yaml:{}: field 'map.typo{}'", i + 4, i)));
    EXPECT_EQ(lines.back(), "… and 10 more mistakes (the first 20 are shown)");
  }
}

// Rules across parts are checked when the file is loaded (exit 2 with the
// line), not left to fail a cell at run time.
TEST(ScenarioParser, FaultsThatCannotGoWithTheMapOrWriterAreRejectedAtParseTime) {
  try {
    parse_scenarios(
        "map: {kind: array, entries: 64}\nwriter: {driver: test_run}\nreaders: all\n"
        "faults:\n  - kind: map_pressure\n  - kind: packet_loss\n    percent: 2\n",
        "x.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
    EXPECT_THAT(lines[0], HasSubstr("x.yaml:5: field 'faults[0].kind': map_pressure needs a hash "
                                    "or lru_hash map (this scenario's is array)"));
    EXPECT_THAT(lines[1], HasSubstr("x.yaml:6: field 'faults[1].kind': packet_loss drops the "
                                    "traffic writer's packets"));
  }
}

TEST(ScenarioParser, HostileValuesAreRefusedQuicklyAndShortly) {
  const std::string long_value(50'000, 'x');  // under the 64 KiB limit
  const auto start = std::chrono::steady_clock::now();
  try {
    parse_scenarios("map: {kind: " + long_value +
                        ", entries: 64}\nwriter: {driver: none, cpus: \"0-2000000000\"}\n"
                        "readers: all\n",
                    "h.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::vector<std::string> lines = e.lines();
    ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
    EXPECT_THAT(lines[0], HasSubstr("h.yaml:1: field 'map.kind': 'xxx"));
    EXPECT_LT(lines[0].size(), 400u);  // the value is cut, with its length, keeping the reason
    EXPECT_THAT(lines[0], ::testing::ContainsRegex("bytes\\)…x+' is not one of: hash, lru_hash"));
    EXPECT_THAT(lines[1], HasSubstr("h.yaml:2: field 'writer.cpus': expected a CPU list"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(ScenarioParser, FilesBeyondTheLimitsAreRefusedBeforeParsing) {
  const auto error = [](const std::string& text) {
    try {
      parse_scenarios(text, "big.yaml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error("name: " + std::string(kMaxConfigBytes, 'x') + "\n"),
            "big.yaml:1: field '(file)': is larger than 64 KiB, the limit of a scenario or SLA "
            "file (docs/scenarios.md, \"Limits\")");
  EXPECT_EQ(error("name: x\ndescription: \"caf\xc3\"\n"),
            "big.yaml:2: field '(file)': byte 0xc3 at column 18 is not UTF-8 (a scenario or SLA "
            "file is UTF-8 text)");
  EXPECT_THAT(error("map: " + std::string(10'000, '[') + std::string(10'000, ']') + "\n"),
              HasSubstr("big.yaml:1: field '(yaml)': nested deeper than 2000 levels"));
}

TEST(ScenarioParser, KeysBeyondTheMapsEntriesAreRejectedAtParseTime) {
  try {
    parse_scenarios(
        "name: x\nmap: {kind: hash, entries: 1024, keys: 4096}\nwriter: {driver: none}\n"
        "readers: all\n",
        "k.yaml");
    FAIL() << "keys > entries accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("k.yaml:2: field 'map.keys': a hash of 1024 entries cannot "
                                    "hold 4096 keys"));
  }
}

TEST(ScenarioParser, MalformedYamlGivesTheLine) {
  try {
    parse_scenarios("name: x\nmap: {kind: hash\nwriter: 1\n", "bad.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.yaml:"));
    EXPECT_THAT(e.what(), HasSubstr("field '(yaml)'"));
  }
}

// Found by tests/fuzz/scenario_fuzz.cpp: a key that is not a string (a flow mapping's `cpus, [0]`
// makes `[0]` a key) escaped as a yaml-cpp bad-conversion exception instead of a ConfigError.
TEST(ScenarioParser, KeysThatAreNotStringsAreConfigErrors) {
  const std::string scenario =
      "map: {kind: hash, entries: 16}\nwriter: {driver: none}\nreaders: [{reader: naive}]\n";
  for (const std::string& yaml :
       {std::string("map: {kind: hash, entries: 16}\nwriter: {driver: none}\n"
                    "readers:\n  - {reader: naive, mode: keys, [0]: x}\n"),
        scenario + "[1, 2]: 3\n", scenario + "? {a: 1}\n: 3\n", scenario + "~: 3\n",
        std::string("map: {kind: hash, entries: 16, [x]: 1}\nwriter: {driver: none}\n"
                    "readers: [{reader: naive}]\n"),
        scenario + "sla: {[op_p99]: 5us}\n"}) {
    try {
      parse_scenarios(yaml, "k.yaml");
      ADD_FAILURE() << "no error for: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("k.yaml:"));
      EXPECT_THAT(e.what(), HasSubstr("a field name must be a string")) << yaml;
    }
  }
}

TEST(ScenarioParser, IncludeEntriesThatAreNotFileNamesAreConfigErrors) {
  for (const char* yaml : {"include: [{a: 1}]\n", "include: [~]\n", "include:\n  - [x]\n"}) {
    try {
      parse_scenarios(yaml, "suite.yaml");
      ADD_FAILURE() << "no error for: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("field 'include[0]': expected a file name")) << yaml;
    }
  }
}

TEST(ScenarioParser, ReadersAllExpandsEveryStrategyAndMode) {
  const auto s = parse_scenarios(
      "map: {kind: hash, entries: 16}\nwriter: {driver: none}\nreaders: all\n", "a.yaml");
  ASSERT_GE(s[0].readers.size(), 2u);
  EXPECT_EQ(s[0].name, "a");
}

TEST(ScenarioParser, SuiteIncludesScenariosRelativeToItself) {
  const auto dir = std::filesystem::temp_directory_path() / "mapsla_suite_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "one.yaml") << kValid;
  std::ofstream(dir / "suite.yaml") << "include:\n  - one.yaml\n  - one.yaml\n";
  std::ofstream(dir / "broken.yaml") << "include:\n  - nope.yaml\n";
  EXPECT_EQ(load_scenarios(dir / "suite.yaml").size(), 2u);
  try {
    load_scenarios(dir / "broken.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("broken.yaml:2: field 'include[0]'"));
  }
  std::filesystem::remove_all(dir);
}

TEST(ScenarioParser, EveryShippedScenarioParses) {
  for (const auto& entry : std::filesystem::directory_iterator(MAPSLA_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_scenarios(entry.path())) << entry.path();
  }
}

TEST(Durations, ParseUnits) {
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("1.5"), 1500ms);
  EXPECT_EQ(parse_duration("1m"), 60s);
  EXPECT_EQ(parse_duration("10us"), 10us);
  EXPECT_FALSE(parse_duration("banana"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("3 parsecs"));
}

TEST(CpuLists, ParseRangesAndLists) {
  EXPECT_EQ(parse_cpu_list("0-2,5"), (std::vector<int>{0, 1, 2, 5}));
  EXPECT_EQ(parse_cpu_list("1"), (std::vector<int>{1}));
  EXPECT_FALSE(parse_cpu_list("2-1"));
  EXPECT_FALSE(parse_cpu_list("x"));
  EXPECT_FALSE(parse_cpu_list("0-2000000000"));  // refused, not 8 GB of CPU numbers
  EXPECT_EQ(parse_cpu_list("8191")->size(), 1u);
}

}  // namespace
}  // namespace mapsla
