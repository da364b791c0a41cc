#include "core/net/command.h"

#include <fmt/format.h>

extern char** environ;

namespace mapsla {

CommandError::CommandError(const std::vector<std::string>& argv, const CommandResult& result)
    : std::runtime_error(fmt::format("`{}` failed (exit {}): {}", join_command(argv),
                                     result.exit_code,
                                     result.err.empty() ? result.out : result.err)),
      result_(result) {}

std::string join_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

CommandResult run_command(const std::vector<std::string>& argv) {
  if (argv.empty()) return {127, "", "empty command"};
  LaunchSpec spec;
  spec.argv = argv;
  spec.argv[0] = find_executable(argv[0]);
  if (spec.argv[0].empty()) return {127, "", fmt::format("cannot run {}: not found", argv[0])};
  for (char** e = environ; e && *e; ++e)
    spec.env.emplace_back(*e);
  return run_to_completion(std::move(spec));
}

std::string run_checked(const std::vector<std::string>& argv) {
  CommandResult result = run_command(argv);
  if (!result.ok()) throw CommandError(argv, result);
  return std::move(result.out);
}

}  // namespace mapsla
