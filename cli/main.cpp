// mapsla: the command-line entry point. Subcommands live in commands.cpp;
// this file only maps outcomes to the documented exit codes.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "harness/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"mapsla: fault-injection testbed and reliability benchmark for eBPF map readers",
               "mapsla"};
  app.require_subcommand(1);
  app.set_version_flag("--version", mapsla::cli::version_string());
  mapsla::cli::register_commands(app, argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return mapsla::exit_code::kBadInput;
  }
  return mapsla::cli::exit_status();
}
