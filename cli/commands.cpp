#include "cli/commands.h"

#include <iostream>

#include "harness/exit_codes.h"

#ifndef MAPSLA_VERSION
#define MAPSLA_VERSION "0.0.0"
#endif

namespace mapsla::cli {
namespace {

int g_exit_status = exit_code::kOk;

}  // namespace

std::string version_string() {
  return MAPSLA_VERSION;
}
int exit_status() {
  return g_exit_status;
}
void set_exit_status(int status) {
  g_exit_status = status;
}

int report_config_error(const ConfigError& error) {
  for (const std::string& line : error.lines())
    std::cerr << "mapsla: " << line << '\n';
  return exit_code::kBadInput;
}

void register_commands(CLI::App& app, int argc, char** argv) {
  const std::vector<std::string> command(argv, argv + argc);
  add_run_command(app, command);
  add_pushgateway_delete_command(app);
  add_info_commands(app);
  add_check_command(app);
  add_compare_command(app);
  add_merge_command(app, command);
  add_reproduce_command(app, command);
}

}  // namespace mapsla::cli
