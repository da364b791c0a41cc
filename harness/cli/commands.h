// The subcommands of `mapsla` (run, env, list, cleanup).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace mapsla::cli {

std::string version_string();
void register_commands(CLI::App& app, int argc, char** argv);
// Exit status of the subcommand that ran.
int exit_status();

}  // namespace mapsla::cli
