// Hostile scenario and SLA files through the real binary: each must end with
// exit 2 and FILE:LINE within a second and bounded memory (tests/bad_input.h).
// No privileges needed: `run` reads its files before anything else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "tests/bad_input.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using testing::expect_bad_input;
using ::testing::HasSubstr;
using testing::run_mapsla_bounded;

constexpr const char* kQuiet = MAPSLA_SOURCE_DIR "/scenarios/quiet.yaml";
constexpr const char* kTail = "writer: {driver: none}\nreaders: all\n";

// A billion laughs: ten anchors, each a list of nine aliases of the one
// before, so `j` would expand to 9^9 strings.
std::string laughs(const std::string& use) {
  std::string text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    text += fmt::format("{}: &{} [", c, c);
    for (int i = 0; i < 9; ++i)
      text += fmt::format("{}*{}", i ? ", " : "", static_cast<char>(c - 1));
    text += "]\n";
  }
  return text + use;
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mapsla_bad_input_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // `mapsla run FILE` (or `run quiet.yaml --sla FILE`) is refused within the
  // bounds; returns the output for further checks.
  std::string expect_refused(const std::string& name, const std::string& path, bool sla = false) {
    SCOPED_TRACE(name);
    const testing::BoundedOutcome o = sla ? run_mapsla_bounded({"run", kQuiet, "--sla", path})
                                          : run_mapsla_bounded({"run", path});
    expect_bad_input(o, path);
    std::cout << "[bounded] " << name << ": exit " << o.status << " in " << o.elapsed.count()
              << " ms, peak RSS " << o.max_rss_kb << " KiB\n";
    return o.output;
  }

  fs::path dir_;
};

TEST_F(BadInput, AFiftyMegabyteFileIsRefusedUnread) {
  const std::string path =
      file("big.yaml", "description: \"" + std::string(50 << 20, 'x') + "\"\n");
  EXPECT_THAT(expect_refused("50 MB scenario", path), HasSubstr(":1: field '(file)': is larger"));
  EXPECT_THAT(expect_refused("50 MB SLA", path, true), HasSubstr(":1: field '(file)': is larger"));
  EXPECT_THAT(expect_refused("/dev/zero", "/dev/zero"), HasSubstr("is larger than 64 KiB"));
}

TEST_F(BadInput, TenThousandLevelsOfNestingAreRefused) {
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  EXPECT_THAT(expect_refused("10 000 [", file("deep.yaml", "map: " + deep + "\n")),
              HasSubstr(":1: field '(yaml)': nested deeper than 2000 levels"));
  EXPECT_THAT(
      expect_refused("10 000 [ in an SLA", file("deep-sla.yaml", "sla: " + deep + "\n"), true),
      HasSubstr("nested deeper than 2000 levels"));
}

TEST_F(BadInput, AnAliasBombIsNeverExpanded) {
  EXPECT_THAT(expect_refused("billion laughs as the map",
                             file("laughs.yaml", laughs("map: *j\n" + std::string(kTail)))),
              HasSubstr("field 'a': unknown field"));
  EXPECT_THAT(expect_refused("billion laughs as readers and CPUs",
                             file("laughs-readers.yaml",
                                  laughs("map: {kind: hash, entries: 64}\nwriter: {driver: none, "
                                         "cpus: *j}\nreaders: *j\n"))),
              HasSubstr("field 'a': unknown field"));
  EXPECT_THAT(expect_refused("billion laughs in an SLA",
                             file("laughs-sla.yaml", laughs("sla: *j\n")), true),
              HasSubstr("field 'a': unknown field"));
}

TEST_F(BadInput, AVeryLongLineIsQuotedShortly) {
  const std::string path =
      file("long.yaml", "map: {kind: hash, entries: 64, value_size: " + std::string(60'000, '7') +
                            "}\n" + kTail);
  EXPECT_THAT(expect_refused("60 000-character line", path),
              ::testing::ContainsRegex(":1: field 'map.value_size': 7+…\\(600[0-9][0-9] "
                                       "bytes\\)…7+ is out of range \\[64, 1024\\]\n$"));
}

TEST_F(BadInput, BytesThatAreNotUtf8AreRefusedWithTheirLine) {
  EXPECT_THAT(expect_refused(
                  "non-UTF-8 scenario",
                  file("latin1.yaml", "name: x\ndescription: caf\xe9\n" +
                                          std::string("map: {kind: hash, entries: 64}\n") + kTail)),
              HasSubstr(":2: field '(file)': byte 0xe9 at column 17 is not UTF-8"));
  EXPECT_THAT(
      expect_refused("non-UTF-8 SLA", file("latin1-sla.yaml", "sla:\n  - {torn: \xff}\n"), true),
      HasSubstr(":2: field '(file)': byte 0xff"));
}

TEST_F(BadInput, HugeNegativeAndOverflowingNumbersAreRefused) {
  const std::string out = expect_refused(
      "numbers", file("numbers.yaml",
                      "map: {kind: hash, entries: 1e99, keys: -1, value_size: "
                      "18446744073709551616}\n"
                      "writer: {driver: test_run, cpus: \"0-2000000000\", rate: -5, keys_per_run: "
                      "99999999999999999999999999}\nreaders: all\n"
                      "run: {duration: 1e99s, repetitions: -3}\n"));
  EXPECT_THAT(out, HasSubstr("field 'map.entries': expected an integer, got '1e99'"));
  EXPECT_THAT(out, HasSubstr("field 'map.keys': -1 is out of range"));
  EXPECT_THAT(out, HasSubstr("field 'map.value_size': 18446744073709551616 is out of range"));
  EXPECT_THAT(out, HasSubstr("field 'writer.cpus': expected a CPU list"));
  EXPECT_THAT(out, HasSubstr("field 'writer.rate': -5 is out of range"));
  EXPECT_THAT(out, HasSubstr("field 'run.duration': '1e99s' is not a duration"));
  EXPECT_THAT(out, HasSubstr("field 'run.repetitions': -3 is out of range"));
}

// Thousands of unknown fields in one mapping: each is found by an index, not
// by comparing it with every other key (n² for yaml-cpp's own lookup), and
// only the first 20 are printed.
TEST_F(BadInput, ThousandsOfMistakesAreCountedNotPrinted) {
  const auto keys = [](const std::string& indent) {
    std::string text;
    for (int i = 0; text.size() < 40'000; ++i)
      text += fmt::format("{}k{}: {}\n", indent, i, i);
    return text;
  };
  for (const auto& [name, text, sla] :
       {std::tuple{"thousands of unknown top-level fields", keys(""), false},
        std::tuple{"thousands of unknown map fields", "map:\n" + keys("  "), false},
        std::tuple{"thousands of unknown fields in an SLA rule", "sla:\n- torn: 0\n" + keys("  "),
                   true}}) {
    const std::string out = expect_refused(name, file("many.yaml", text), sla);
    EXPECT_THAT(out, HasSubstr("more mistakes (the first 20 are shown)"));
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 21) << name;
  }
}

}  // namespace
}  // namespace mapsla
