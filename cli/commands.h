// The subcommands of `mapsla`. Each lives in its own <name>_command.cpp and
// registers itself from register_commands(); main.cpp maps the result to the
// documented exit codes (harness/exit_codes.h).
#pragma once

#include "core/util/yaml_fields.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace mapsla::cli {

std::string version_string();
void register_commands(CLI::App& app, int argc, char** argv);
// Exit status of the subcommand that ran.
int exit_status();
void set_exit_status(int status);
// Prints every mistake of a configuration file, one `mapsla: FILE:LINE: …`
// line each, and returns the bad-input exit code.
int report_config_error(const ConfigError& error);

// One registration function per subcommand file.
void add_run_command(CLI::App& app, const std::vector<std::string>& command);
void add_pushgateway_delete_command(CLI::App& app);  // in run_command.cpp
void add_info_commands(CLI::App& app);               // env, list, cleanup
void add_check_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_merge_command(CLI::App& app, const std::vector<std::string>& command);
void add_reproduce_command(CLI::App& app, const std::vector<std::string>& command);  // + vm

}  // namespace mapsla::cli
