// Running iproute2 (`ip`, `tc`) for the network objects mapsla creates.
//
// Commands run through the core process layer (core/util/process.h):
// without a shell, in their own process group (so a Ctrl-C at the terminal
// reaches mapsla, which then undoes its objects in order, and not a
// half-finished `ip netns del`), and are always reaped before the call
// returns. stdout and stderr are captured separately.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/process.h"

namespace mapsla {

// A command that failed: names the command line, the exit code and its stderr.
class CommandError : public std::runtime_error {
 public:
  CommandError(const std::vector<std::string>& argv, const CommandResult& result);
  const CommandResult& result() const { return result_; }

 private:
  CommandResult result_;
};

// Runs argv (argv[0] resolved with find_executable, $PATH then the system
// directories) with mapsla's environment. Never throws for a non-zero exit or
// a missing program (exit 127, the reason in err).
CommandResult run_command(const std::vector<std::string>& argv);

// Runs argv and throws CommandError unless it exits 0; returns its stdout.
std::string run_checked(const std::vector<std::string>& argv);

// "ip -n NS link del X" as one string, for messages.
std::string join_command(const std::vector<std::string>& argv);

}  // namespace mapsla
