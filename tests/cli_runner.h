// Runs the real mapsla binary (MAPSLA_BINARY) for CLI tests: its exit status
// and what it printed. One helper for every test that runs the binary.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/child_process.h"

namespace mapsla::testing {

struct CliOutcome {
  int status = -1;     // the exit status; -1 when it did not exit (a signal, a deadline)
  std::string output;  // stdout and stderr
};

// `args` is appended to the binary's path and run by the shell.
inline CliOutcome run_mapsla(const std::string& args) {
  const std::string command = std::string(MAPSLA_BINARY) + " " + args + " 2>&1";
  CliOutcome out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe))
    out.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

// Starts `argv` (argv[0] an absolute path) in the background, stdout and
// stderr into `log`; its pid, for signals and wait_exit().
inline pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`: its exit status, or 128 + the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The whole text of `path` ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
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
