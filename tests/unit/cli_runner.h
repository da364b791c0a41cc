// Runs the real mapsla binary (MAPSLA_BINARY) for CLI tests that need no
// privileges: its exit status and what it printed.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace mapsla::testing {

struct CliOutcome {
  int status = -1;
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

}  // namespace mapsla::testing
