// `mapsla reproduce REPORT.json [--vm] [--out DIR]`: runs again the scenarios
// a report recorded (their embedded YAML, seeds and command-line overrides;
// harness/reproduce.h), in this process like `mapsla run`, or with --vm in a
// throw-away QEMU VM through vagrant/qemu/mapsla-vm, copying the report back.
// `mapsla vm ARGS…` runs that script with ARGS (`mapsla vm image --kernel K`
// builds the image of one guest kernel; the script checks K).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_command.h"
#include "core/util/clock.h"
#include "core/util/process.h"
#include "core/util/signals.h"
#include "harness/exit_codes.h"
#include "harness/reproduce.h"
#include "harness/vm_kernels.h"
#include "readers/external_reader.h"
#include "readers/registry.h"
#include "reports/report_reader.h"

extern char** environ;

namespace mapsla::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ReproduceArgs {
  std::string report;
  std::string out;
  bool json_only = false;  // --json-only: report.json only (also in the guest)
  bool vm = false;
  bool quiet = false;
  std::vector<std::string> only;  // --scenario NAME
  int vm_numa_nodes = 2;
  int vm_cpus = 2;
  std::string vm_memory = "2G";
  std::string vm_accel = "auto";
  int vm_timeout = 1800;
  std::string vm_kernel{kDefaultVmKernel};  // mapsla-vm --kernel
  std::string vm_script;
  bool allow_commands = false;
};

// What a report would make this host execute: its external readers'
// commands ("scenario s: reader 2: external `python3 r.py` (privileged)").
// A report is data someone handed over; running it must not run its
// commands unless asked to.
std::vector<std::string> embedded_commands(const std::vector<RecordedScenario>& recorded) {
  std::vector<std::string> out;
  for (const RecordedScenario& r : recorded) {
    const Scenario s = load_recorded(r);
    for (size_t i = 0; i < s.readers.size(); ++i) {
      const ReaderSpec& reader = s.readers[i];
      if (reader.reader != "external" || !reader.options) continue;
      const auto& config = reader_options_as<ExternalConfig>(*reader.options);
      const std::string command = fmt::format("{}", fmt::join(config.command, " "));
      const bool privileged = config.privileged;
      out.push_back(fmt::format("scenario {}: readers[{}]: external `{}`{}", s.name, i, command,
                                privileged ? " (privileged: true, runs as root)" : ""));
    }
  }
  return out;
}

// A report's run_id becomes part of a path (reproduce-RUN_ID-vm): it must be
// a plain name.
bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

json read_json_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ReportError(file, "(file)", "cannot be read");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw ReportError(file, "(document)", fmt::format("not JSON: {}", e.what()));
  }
}

std::vector<RecordedScenario> selected(std::vector<RecordedScenario> all,
                                       const std::vector<std::string>& only,
                                       const std::string& file) {
  if (only.empty()) return all;
  std::vector<RecordedScenario> out;
  for (const auto& name : only) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const RecordedScenario& r) { return r.name == name; });
    if (it == all.end())
      throw ReportError(file, "scenarios", fmt::format("no scenario named '{}'", name));
    out.push_back(*it);
  }
  return out;
}

std::string describe_overrides(const ScenarioOverrides& o) {
  const json j = to_json(o);
  return j.empty() ? "none" : j.dump();
}

int reproduce_here(const ReproduceArgs& args, const json& report,
                   const std::vector<RecordedScenario>& recorded,
                   const std::vector<std::string>& command) {
  LoadedRun run;
  run.out = args.out;
  run.quiet = args.quiet;
  run.json_only = args.json_only;
  try {
    for (const auto& r : recorded) {
      Scenario s = load_recorded(r);
      const auto differences = config_differences(r.config, scenario_config(s, r.overrides));
      if (!differences.empty())
        std::cerr << fmt::format(
            "mapsla: warning: {}: rebuilt here, the scenario differs from the recorded one in "
            "{} (another mapsla version or machine?)\n",
            r.name, fmt::join(differences, ", "));
      const auto seeds = recorded_seeds(r.config);
      std::cerr << fmt::format("mapsla reproduce: {} ({}{}; overrides {}; seeds {})\n", s.name,
                               r.file, r.yaml.empty() ? ", read from disk" : ", embedded text",
                               describe_overrides(r.overrides),
                               seeds.empty() ? "none" : fmt::format("{}", fmt::join(seeds, " ")));
      run.scenarios.push_back(std::move(s));
    }
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
  // One `mapsla run` applied one set of overrides to all its scenarios.
  run.overrides = recorded.front().overrides;
  std::cerr << fmt::format("mapsla reproduce: run {} of {}\n", report.value("run_id", "?"),
                           report.value("started_at", "?"));
  return run_loaded(run, command);
}

// mapsla-vm is found from an explicit option or variable, or relative to
// the running binary (a build tree or an installed prefix); never through the
// current directory or $PATH, which a hostile checkout could plant it in.
std::optional<fs::path> find_vm_script(const std::string& given) {
  if (!given.empty()) return fs::path(given);
  if (const char* env = std::getenv("MAPSLA_VM_SCRIPT"); env && *env) return fs::path(env);
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  // build/<dir>/mapsla in a checkout, or an installed bin/ next to share/
  for (const fs::path& candidate :
       {exe_dir / "../../vagrant/qemu/mapsla-vm", exe_dir / "../vagrant/qemu/mapsla-vm",
        exe_dir / "../share/mapsla/vagrant/qemu/mapsla-vm"})
    if (fs::exists(candidate, ec)) return fs::weakly_canonical(candidate, ec);
  return std::nullopt;
}

// Runs argv and waits; a Ctrl-C or SIGTERM to mapsla alone is passed on as
// SIGTERM (mapsla-vm then kills and reaps its QEMU before it exits). Returns
// the wait status, or -1 when the program could not be started.
int run_and_wait(const std::vector<std::string>& argv) {
  install_stop_signals();
  LaunchSpec spec;
  spec.argv = argv;
  for (char** e = environ; e && *e; ++e)
    spec.env.emplace_back(*e);
  spec.out = {Output::inherit, {}};
  spec.err = {Output::inherit, {}};
  // Should mapsla die without forwarding, the script still stops its VM.
  spec.death_signal = SIGTERM;
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildProcess::launch(spec));
  } catch (const std::exception& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return -1;
  }
  bool forwarded = false;
  while (!child->wait_exit(now_ns() + 100'000'000)) {
    if (stop_requested() && !forwarded) {
      child->signal_leader(SIGTERM);
      forwarded = true;
    }
  }
  const ExitStatus status = child->reap();
  return status.signaled ? status.code : (status.code & 0xff) << 8;  // a wait(2) status
}

// mapsla-vm's exit status → mapsla's documented codes.
int exit_code_of_vm(int status) {
  if (status < 0) return exit_code::kEnvironment;
  if (WIFSIGNALED(status)) return exit_code::kInterruptedBase + WTERMSIG(status);
  const int code = WEXITSTATUS(status);
  switch (code) {
    case 124:  // --timeout expired
      std::cerr << "mapsla: the VM run timed out (mapsla-vm --timeout); QEMU was stopped\n";
      return exit_code::kRunFailed;
    case 125:  // no image, QEMU failed, guest died
    case 126:
    case 127:
      std::cerr << "mapsla: the VM could not run the reproduction (mapsla-vm exit " << code
                << "; see vm-console.log in the output directory)\n";
      return exit_code::kEnvironment;
    default:
      return code;
  }
}

int reproduce_in_vm(const ReproduceArgs& args, const json& report) {
  const auto script = find_vm_script(args.vm_script);
  if (!script) {
    std::cerr << "mapsla: --vm: vagrant/qemu/mapsla-vm not found (set MAPSLA_VM_SCRIPT or pass "
                 "--vm-script PATH)\n";
    return exit_code::kEnvironment;
  }
  if (geteuid() != 0) {
    std::cerr << "mapsla: --vm: mapsla-vm needs root (debootstrap and QEMU); run with sudo\n";
    return exit_code::kNoPrivileges;
  }
  const fs::path out = args.out.empty()
                           ? fs::path("mapsla-results") /
                                 fmt::format("reproduce-{}-vm", report.value("run_id", "report"))
                           : fs::path(args.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::cerr << "mapsla: --out " << out.string() << ": " << ec.message() << '\n';
    return exit_code::kBadInput;
  }

  // The payload the guest sees read-only at /mapsla: this binary, the report
  // and, when built, the Go reader (a static binary).
  char tmpl[] = "/tmp/mapsla-reproduce.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "mapsla: mkdtemp: " << std::strerror(errno) << '\n';
    return exit_code::kEnvironment;
  }
  const fs::path payload = tmpl;
  struct Remove {
    fs::path dir;
    ~Remove() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_payload{payload};
  std::vector<std::string> guest_env;
  try {
    // External readers run as `nobody` in the guest: the share must be
    // traversable (mkdtemp made it 0700).
    fs::permissions(payload, fs::perms(0755));
    fs::create_directories(payload / "bin");
    fs::copy_file("/proc/self/exe", payload / "bin/mapsla");
    fs::permissions(payload / "bin/mapsla", fs::perms(0755));
    fs::copy_file(args.report, payload / "report.json");
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
    const char* go_env = std::getenv("MAPSLA_GO_READER");
    const fs::path go_reader = go_env && *go_env
                                   ? fs::path(go_env)
                                   : exe_dir / "readers/external/go-cilium/mapsla-go-reader";
    if (fs::exists(go_reader, ec)) {
      fs::copy_file(go_reader, payload / "bin/mapsla-go-reader");
      fs::permissions(payload / "bin/mapsla-go-reader", fs::perms(0755));
      guest_env.push_back("MAPSLA_GO_READER=/mapsla/bin/mapsla-go-reader");
    }
  } catch (const fs::filesystem_error& e) {
    std::cerr << "mapsla: --vm payload: " << e.what() << '\n';
    return exit_code::kEnvironment;
  }

  // Builds the image once (minutes); a cached image is reused at once.
  const int image = run_and_wait({script->string(), "image", "--kernel", args.vm_kernel});
  if (image != 0) {
    std::cerr << "mapsla: --vm: `mapsla-vm image` failed\n";
    return exit_code_of_vm(image);
  }
  std::vector<std::string> argv = {script->string(), "run",
                                   "--kernel",       args.vm_kernel,
                                   "--numa-nodes",   std::to_string(args.vm_numa_nodes),
                                   "--cpus",         std::to_string(args.vm_cpus),
                                   "--memory",       args.vm_memory,
                                   "--accel",        args.vm_accel,
                                   "--timeout",      std::to_string(args.vm_timeout),
                                   "--payload",      payload.string(),
                                   "--out",          out.string()};
  if (args.quiet) argv.push_back("--quiet");
  for (const auto& kv : guest_env) {
    argv.push_back("--env");
    argv.push_back(kv);
  }
  argv.insert(argv.end(),
              {"--", "/mapsla/bin/mapsla", "reproduce", "/mapsla/report.json", "--out", "/out"});
  for (const auto& name : args.only) {
    argv.push_back("--scenario");
    argv.push_back(name);
  }
  if (args.quiet) argv.push_back("--quiet");
  if (args.json_only) argv.push_back("--json-only");
  std::cerr << fmt::format(
      "mapsla reproduce --vm: run {} in a {}-node VM ({} CPUs, {}, kernel {})\n",
      report.value("run_id", "?"), args.vm_numa_nodes, args.vm_cpus, args.vm_memory,
      args.vm_kernel);
  const int code = exit_code_of_vm(run_and_wait(argv));
  if (fs::exists(out / "report.json", ec))
    std::cout << "report: " << (out / "report.json").string() << '\n';
  else
    std::cerr << "mapsla: --vm: no report came back (see " << (out / "vm-console.log").string()
              << ")\n";
  if (fs::exists(out / "vm.json", ec)) std::cout << "vm: " << (out / "vm.json").string() << '\n';
  return code;
}

int reproduce_command(const ReproduceArgs& args, const std::vector<std::string>& command) {
  json report;
  std::vector<RecordedScenario> recorded;
  try {
    report = read_json_file(args.report);
    recorded = selected(recorded_scenarios(report, args.report), args.only, args.report);
    if (report.contains("run_id") &&
        (!report["run_id"].is_string() || !valid_run_id(report["run_id"].get<std::string>())))
      throw ReportError(
          args.report, "run_id",
          fmt::format("{} is not a run id (letters, digits, '-', '_')", report["run_id"].dump()));
  } catch (const ReportError& e) {
    std::cerr << "mapsla: " << e.what() << '\n';
    return exit_code::kBadInput;
  }
  try {
    const std::vector<std::string> commands = embedded_commands(recorded);
    if (!commands.empty() && !args.allow_commands) {
      std::cerr << fmt::format(
          "mapsla: {}: the report's scenarios would run {} command(s) on this host; a report "
          "is data, so they run only with --allow-commands:\n",
          args.report, commands.size());
      for (const auto& line : commands)
        std::cerr << "  " << line << '\n';
      return exit_code::kBadInput;
    }
  } catch (const ConfigError& e) {
    return report_config_error(e);
  }
  return args.vm ? reproduce_in_vm(args, report) : reproduce_here(args, report, recorded, command);
}

}  // namespace

void add_reproduce_command(CLI::App& app, const std::vector<std::string>& command) {
  auto args = std::make_shared<ReproduceArgs>();
  CLI::App* sub = app.add_subcommand(
      "reproduce", "Run again the scenarios, seeds and overrides a report recorded");
  sub->add_option("report", args->report, "report.json written by mapsla run")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--out", args->out,
                  "Report directory (default mapsla-results/RUN_ID; with --vm "
                  "mapsla-results/reproduce-RUN_ID-vm)");
  sub->add_option("--scenario", args->only, "Only this recorded scenario (repeatable)");
  sub->add_flag("--quiet", args->quiet, "No progress lines");
  sub->add_flag("--json-only", args->json_only,
                "Write report.json only, not report.md and report.html (with --vm: in the guest; "
                "writing them takes about a minute under QEMU TCG)");
  CLI::Option* vm_flag = sub->add_flag(
      "--vm", args->vm, "Run inside a QEMU VM (vagrant/qemu/mapsla-vm): two NUMA nodes, sch_netem");
  sub->add_option("--kernel", args->vm_kernel,
                  fmt::format("Guest kernel of the VM (mapsla-vm --kernel): {} (default {})",
                              fmt::join(kVmKernels, ", "), kDefaultVmKernel))
      ->check(CLI::IsMember(vm_kernel_choices()))
      ->needs(vm_flag);
  sub->add_option("--vm-numa-nodes", args->vm_numa_nodes, "VM NUMA nodes")
      ->check(CLI::Range(1, 64));
  sub->add_option("--vm-cpus", args->vm_cpus, "VM CPUs")->check(CLI::Range(1, 256));
  sub->add_option("--vm-memory", args->vm_memory, "VM memory (e.g. 2G)");
  sub->add_option("--vm-accel", args->vm_accel, "auto, kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  sub->add_option("--vm-timeout", args->vm_timeout, "Seconds for boot + run + poweroff")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--vm-script", args->vm_script,
                  "Path of mapsla-vm (default: $MAPSLA_VM_SCRIPT, else next to the mapsla "
                  "binary's tree; never the current directory)");
  sub->add_flag("--allow-commands", args->allow_commands,
                "Run the external readers' commands the report embeds (listed otherwise, exit 2)");
  sub->callback([args, command] { set_exit_status(reproduce_command(*args, command)); });

  auto vm_args = std::make_shared<std::vector<std::string>>();
  CLI::App* vm = app.add_subcommand(
      "vm", "Run vagrant/qemu/mapsla-vm (image, run, info; see `mapsla vm --help`)");
  vm->prefix_command();
  vm->set_help_flag();  // --help goes to the script
  vm->callback([vm] {
    const auto script = find_vm_script("");
    if (!script) {
      std::cerr << "mapsla: vagrant/qemu/mapsla-vm not found (set MAPSLA_VM_SCRIPT)\n";
      set_exit_status(exit_code::kEnvironment);
      return;
    }
    std::vector<std::string> argv = {script->string()};
    for (const auto& a : vm->remaining())
      argv.push_back(a);
    const int status = run_and_wait(argv);
    // The script's own status (its documented codes), not mapsla's mapping.
    set_exit_status(status < 0            ? exit_code::kEnvironment
                    : WIFSIGNALED(status) ? exit_code::kInterruptedBase + WTERMSIG(status)
                                          : WEXITSTATUS(status));
  });
}

}  // namespace mapsla::cli
