// Running iproute2 (`ip`, `tc`) for the network objects mapsla creates.
//
// Commands run without a shell, in their own process group (so a Ctrl-C at
// the terminal reaches mapsla, which then undoes its objects in order, and
// not a half-finished `ip netns del`), and are always reaped before the call
// returns. stdout and stderr are captured separately.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mapsla {

struct CommandResult {
  int exit_code = -1;  // 128 + N when killed by signal N; 127 when it could not start
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// A command that failed: names the command line, the exit code and its stderr.
class CommandError : public std::runtime_error {
 public:
  CommandError(const std::vector<std::string>& argv, const CommandResult& result);
  const CommandResult& result() const { return result_; }

 private:
  CommandResult result_;
};

// Finds `tool` on PATH, then in /usr/sbin, /sbin, /usr/bin, /bin (root's
// PATH under some sudo setups lacks the sbin directories). Returns the bare
// name when nothing is found, so the error names the missing tool.
std::string find_tool(const std::string& tool);

// Runs argv (argv[0] resolved with find_tool). Never throws for a non-zero
// exit; throws std::system_error only when pipes cannot be created.
CommandResult run_command(const std::vector<std::string>& argv);

// Runs argv and throws CommandError unless it exits 0; returns its stdout.
std::string run_checked(const std::vector<std::string>& argv);

// "ip -n NS link del X" as one string, for messages.
std::string join_command(const std::vector<std::string>& argv);

}  // namespace mapsla
