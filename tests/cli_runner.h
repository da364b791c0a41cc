// Runs the real mapsla binary (MAPSLA_BINARY) for CLI tests: its exit status
// and what it printed. One helper for every test that runs the binary to its
// end; a test that signals a run while it runs starts it as a ChildProcess.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/child_process.h"

namespace mapsla::testing {

struct CliOutcome {
  // The exit status (128 + N when signal N ended it); -1 when it was still
  // running at the deadline, or could not be waited for.
  int status = -1;
  std::string output;  // stdout and stderr
};

// `args` is appended to the binary's path and run by /bin/sh (as popen
// would), with no deadline.
inline CliOutcome run_mapsla(const std::string& args) {
  const std::filesystem::path log = unique_temp_log("mapsla_cli");
  CliOutcome out;
  {
    ChildProcess child({"/bin/sh", "-c", std::string(MAPSLA_BINARY) + " " + args}, log);
    out.status = child.wait();
    out.output = child.log();
  }
  std::filesystem::remove(log);
  return out;
}

// `args` as the binary's arguments (no shell), its output written to `log`
// as it runs; stopped (status -1) when still running after `deadline`.
inline CliOutcome run_mapsla(const std::vector<std::string>& args, const std::filesystem::path& log,
                             std::chrono::milliseconds deadline) {
  std::vector<std::string> argv = {MAPSLA_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, log);
  const std::optional<int> status = child.wait_for(deadline);
  return {status ? *status : -1, child.log()};
}

// A test (of kind Base) with a folder of its own, dir_, made before the test
// and removed after it, for the files and reports of the runs it makes.
template <typename Base = ::testing::Test>
class TempDirTest : public Base {
 protected:
  void SetUp() override {
    Base::SetUp();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("mapsla_" + std::string(info ? info->test_suite_name() : "test") + "_" +
            std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    Base::TearDown();
  }
  // Writes `text` to dir_/name; its path.
  std::string file(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

}  // namespace mapsla::testing
