// Bad input to the real `mapsla` binary, bounded: every case runs as a child
// under an address-space limit and a wall-clock deadline, and must exit 2
// with FILE:LINE within both. A parser that recursed, expanded aliases,
// quoted a 50 MB value or built an 8 GB CPU list would fail here, not hang
// the test run or the machine.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/child_process.h"

namespace mapsla::testing {

// What a bad-input case may take: the whole process, start to exit.
inline constexpr std::chrono::milliseconds kBadInputDeadline{1000};
// RLIMIT_AS of the child (the binary maps ~100 MB of libraries and arenas
// before it reads anything), and the peak RSS a case may reach.
inline constexpr rlim_t kBadInputAddressSpace = rlim_t{512} << 20;
inline constexpr long kBadInputMaxRssKb = 64 * 1024;

struct BoundedOutcome {
  bool finished = false;  // exited within the deadline
  int status = -1;
  std::string output;  // stdout and stderr
  std::chrono::milliseconds elapsed{0};
  long max_rss_kb = 0;
};

inline BoundedOutcome run_mapsla_bounded(const std::vector<std::string>& args,
                                         std::chrono::milliseconds deadline = kBadInputDeadline) {
  const std::filesystem::path log = unique_temp_log("mapsla_bounded");
  std::vector<std::string> argv = {MAPSLA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  BoundedOutcome out;
  {
    const auto start = std::chrono::steady_clock::now();
    ChildProcess child(argv, log, ChildLimits{kBadInputAddressSpace});
    const std::optional<int> status = child.wait_for(deadline);
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    out.finished = status.has_value();
    out.status = status ? *status : child.stop();
    out.max_rss_kb = child.max_rss_kb().value_or(0);
    out.output = child.log();
  }
  std::filesystem::remove(log);
  return out;
}

// Exit 2 within the deadline and the memory bound.
inline void expect_refused_within_bounds(const BoundedOutcome& o) {
  EXPECT_TRUE(o.finished) << "still running after " << kBadInputDeadline.count() << " ms";
  EXPECT_EQ(o.status, 2) << o.output.substr(0, 2000);
  EXPECT_LE(o.elapsed, kBadInputDeadline);
  EXPECT_GT(o.max_rss_kb, 0);
  EXPECT_LE(o.max_rss_kb, kBadInputMaxRssKb);
}

// Exit 2 within the deadline and the memory bound, the first line naming
// `file` and a line number.
inline void expect_bad_input(const BoundedOutcome& o, const std::string& file) {
  expect_refused_within_bounds(o);
  const std::string first = o.output.substr(0, o.output.find('\n'));
  EXPECT_TRUE(first.starts_with("mapsla: " + file + ":")) << first.substr(0, 2000);
  EXPECT_TRUE(std::regex_search(first, std::regex("^mapsla: [^ ]*:[0-9]+: ")))
      << first.substr(0, 2000);
  EXPECT_LE(first.size(), 1000u) << "a bad-input line quotes too much of the input";
}

}  // namespace mapsla::testing
