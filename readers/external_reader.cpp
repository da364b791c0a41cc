#include "readers/external_reader.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "core/util/signals.h"

extern char** environ;

namespace mapsla {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kPollSliceNs = 100'000'000;  // how often a wait looks at stop_requested()
constexpr size_t kReadChunk = 1 << 20;

uint64_t ns(std::chrono::nanoseconds d) {
  return static_cast<uint64_t>(d.count());
}

std::string format_seconds(uint64_t nanoseconds) {
  return fmt::format("{:.3g}s", static_cast<double>(nanoseconds) / 1e9);
}

Credentials user_credentials(Fields& fields, const std::string& key, const std::string& user) {
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) fields.fail(key, fmt::format("no user '{}' on this host", user));
  return {pw->pw_uid, pw->pw_gid};
}

// `capabilities: [CAP_BPF, …]` under run_as: what the program may keep, as
// the agent it stands for has them (CAP_BPF reads maps on 5.10–5.18 with
// unprivileged BPF disabled).
constexpr Capability kKeepable[] = {Capability::bpf, Capability::perfmon, Capability::net_admin,
                                    Capability::sys_admin};

std::string capability_names(uint64_t mask) {
  std::vector<std::string> names;
  for (Capability c : kKeepable)
    if (mask & (1ull << static_cast<int>(c))) names.push_back(to_string(c));
  return fmt::format("{}", fmt::join(names, ", "));
}

uint64_t read_capabilities(Fields& r) {
  const YAML::Node node = r.node("capabilities");
  if (!node.IsSequence()) r.fail("capabilities", "expected a list, e.g. [CAP_BPF]");
  uint64_t mask = 0;
  for (const auto& item : node) {
    const std::string name = item.IsScalar() ? item.Scalar() : "";
    const auto* cap =
        std::ranges::find_if(kKeepable, [&](Capability c) { return to_string(c) == name; });
    if (cap == std::end(kKeepable))
      r.fail("capabilities",
             fmt::format("'{}' is not one a reader may keep ({})", name, capability_names(~0ull)));
    mask |= 1ull << static_cast<int>(*cap);
  }
  return mask;
}

std::vector<std::string> read_command(Fields& f) {
  std::vector<std::string> argv;
  const YAML::Node node = f.node("command");
  if (node.IsScalar()) {
    argv.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar()) f.fail("command", "expected a list of strings: [path, args…]");
      argv.push_back(item.Scalar());
    }
  }
  if (argv.empty() || argv.front().empty())
    f.fail("command", "expected the program and its arguments: [path, args…]");
  // A relative path is relative to the scenario file, so a scenario can ship
  // next to its reader.
  std::string& program = argv.front();
  if (program.find('/') != std::string::npos && program.front() != '/') {
    const fs::path base = fs::path(f.file()).parent_path();
    program = fs::absolute(base / program).lexically_normal().string();
  }
  const std::string found = find_executable(program);
  if (found.empty())
    f.fail("command", fmt::format("'{}' is not an executable file{}", program,
                                  program.find('/') == std::string::npos ? " in PATH" : ""));
  program = found;
  return argv;
}

std::vector<std::pair<std::string, std::string>> read_env(Fields& f) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!f.has("env")) return out;
  const YAML::Node node = f.node("env");
  if (!node.IsMap()) f.fail("env", "expected a mapping of NAME: value");
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  for (const auto& item : node) {
    const std::string name = f.key_name(item.first);
    if (!std::regex_match(name, name_re))
      f.fail("env", fmt::format("'{}' is not a variable name", name));
    if (name.rfind("MAPSLA_", 0) == 0)
      f.fail("env",
             fmt::format("'{}': MAPSLA_* variables are the protocol's, set by mapsla", name));
    if (!item.second.IsScalar()) f.fail("env", fmt::format("'{}': expected a string value", name));
    out.emplace_back(name, item.second.Scalar());
  }
  return out;
}

}  // namespace

std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& extra, char** parent_env) {
  std::vector<std::string> env = {std::string("PATH=") + kSystemPath};
  for (char** e = parent_env; e && *e; ++e) {
    const std::string var = *e;
    if (var.rfind("LANG=", 0) == 0 || var.rfind("LANGUAGE=", 0) == 0 || var.rfind("LC_", 0) == 0 ||
        var.rfind("TZ=", 0) == 0)
      env.push_back(var);
  }
  for (const auto& [name, value] : extra) {
    const std::string prefix = name + "=";
    std::erase_if(env, [&](const std::string& v) { return v.rfind(prefix, 0) == 0; });
    env.push_back(prefix + value);
  }
  return env;
}

std::string not_executable_by(const std::string& path, const std::optional<Credentials>& as) {
  const uid_t uid = as ? as->uid : ::geteuid();
  const gid_t gid = as ? as->gid : ::getegid();
  // Root (with mapsla's capabilities) passes permission checks on its own.
  if (uid == 0 && !as) return ::access(path.c_str(), X_OK) == 0 ? "" : std::strerror(errno);
  const auto allowed = [&](const struct stat& st, mode_t user, mode_t group, mode_t other) {
    if (st.st_uid == uid) return (st.st_mode & user) != 0;
    if (st.st_gid == gid) return (st.st_mode & group) != 0;
    return (st.st_mode & other) != 0;
  };
  const std::string who = as ? fmt::format("uid {}", uid) : "mapsla's user";
  fs::path dir;
  for (const auto& part : fs::path(path).parent_path()) {
    dir /= part;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
      return fmt::format("{}: {}", dir.string(), std::strerror(errno));
    if (!allowed(st, S_IXUSR, S_IXGRP, S_IXOTH))
      return fmt::format("{} cannot enter {} (mode {:o})", who, dir.string(), st.st_mode & 07777);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  if (!allowed(st, S_IXUSR, S_IXGRP, S_IXOTH))
    return fmt::format("{} cannot execute {} (mode {:o}, owner {}:{})", who, path,
                       st.st_mode & 07777, st.st_uid, st.st_gid);
  return {};
}

ExternalReader::ExternalReader(ExternalConfig config) : config_(std::move(config)) {}

ExternalReader::~ExternalReader() {
  end_window();
}

// Each field on its own (Fields::check): every mistake is reported.
void ExternalReader::parse_options(Fields& f, ExternalConfig& c) {
  f.check(
      [&] { c.batch_size = static_cast<uint32_t>(f.integer("batch_size", 1, 1u << 24, 4096)); });
  f.check([&] { c.privileged = f.boolean("privileged", false); });
  if (f.has("run_as")) {
    f.check([&] { parse_run_as(f, c.privileged, c); });
  } else if (!c.privileged) {
    c.run_as = nobody_credentials();
    c.run_as_label = "nobody";
  }
  if (c.run_as)
    c.run_as_label = c.run_as->capabilities
                         ? fmt::format("{} ({}:{}) with {}", c.run_as_label, c.run_as->uid,
                                       c.run_as->gid, capability_names(c.run_as->capabilities))
                         : fmt::format("{} ({}:{})", c.run_as_label, c.run_as->uid, c.run_as->gid);
  else
    c.run_as_label = "privileged (mapsla's uid and capabilities)";
  f.check([&] {
    if (f.has("timeout")) c.timeout = f.duration("timeout", 10ms, std::chrono::hours(1));
  });
  f.check([&] { c.env = read_env(f); });
  // Two external readers in one scenario are told apart by name in every
  // report, the SLA's `reader:` selector and the decision view.
  f.check([&] {
    if (!f.has("name")) return;
    static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    c.name = f.string("name");
    if (!std::regex_match(c.name, name_re))
      f.fail("name", fmt::format("'{}' is not a reader name (letters, digits, '.', '_', '-'; "
                                 "at most 32)",
                                 c.name));
  });
}

// `run_as:` (a user or a uid, optionally a gid); not with `privileged: true`.
void ExternalReader::parse_run_as(Fields& f, bool privileged, ExternalConfig& c) {
  {
    if (privileged) f.fail("run_as", "has no effect with privileged: true");
    Fields r = f.child("run_as");
    Credentials creds;
    if (r.has("user")) {
      if (r.has("uid")) r.fail("uid", "give either user or uid, not both");
      const std::string user = r.string("user");
      creds = user_credentials(r, "user", user);
      c.run_as_label = user;
    } else if (r.has("uid")) {
      creds.uid = static_cast<uid_t>(r.integer("uid", 0, 4'294'967'294u));
      creds.gid = static_cast<gid_t>(creds.uid);
      c.run_as_label = fmt::format("uid {}", creds.uid);
    } else {
      r.fail_here("needs `user: NAME` or `uid: N` (and optionally `gid: N`)");
    }
    if (r.has("gid")) creds.gid = static_cast<gid_t>(r.integer("gid", 0, 4'294'967'294u));
    if (r.has("capabilities")) creds.capabilities = read_capabilities(r);
    r.done();
    c.run_as = creds;
  }
}

ReaderDescriptor ExternalReader::descriptor() {
  return {
      "external",
      "your program reads the pinned map and writes a frame per pass "
      "(command: [path, args…]; any mode, passed as MAPSLA_MODE)",
      {},  // any mode; needs a command, so `readers: all` leaves it out
      [](const std::string& mode, Fields& options) {
        ExternalConfig config;
        config.mode = mode;
        const bool command_ok = options.check([&] { config.command = read_command(options); });
        parse_options(options, config);
        // Checked as the user the program will run as: a root-only script
        // passes a check as root and then fails at exec as nobody.
        if (command_ok && !config.command.empty())
          options.check([&] {
            if (const std::string why = not_executable_by(config.command.front(), config.run_as);
                !why.empty())
              options.fail("command", why + " (the reader runs as " + config.run_as_label + ")");
          });
        return hold_reader_options(std::move(config));
      },
      [](const std::string&, const ReaderOptions& options) {
        return std::make_unique<ExternalReader>(reader_options_as<ExternalConfig>(options));
      },
      {},
      /*times_itself=*/true};
}

Applicability ExternalReader::applies_to(const TargetSpec& target) const {
  if (!config_.unavailable.empty()) return Applicability::no(config_.unavailable);
  if (config_.check)
    if (std::string why = config_.check(target); !why.empty()) return Applicability::no(why);
  // A program without CAP_BPF: on a kernel that refuses such a process every
  // bpf() command (5.10–5.18 with unprivileged BPF disabled) it could not
  // read at all, which is not a verdict on the reader.
  const bool bpf_capable = !config_.run_as || holds(config_.run_as->capabilities, needs::kBpf);
  if (!bpf_capable && target.features && !target.features->unprivileged_map_read.available)
    return Applicability::no(fmt::format(
        "the reader runs as {}, and {}; `privileged: true` runs it with mapsla's "
        "privileges or `run_as: {{user: nobody, capabilities: [CAP_BPF]}}` keeps just that",
        config_.run_as_label, target.features->unprivileged_map_read.detail));
  return Applicability::yes();
}

void ExternalReader::attach(const ReadTarget& target) {
  key_count_ = target.key_count;
  value_size_ = static_cast<uint32_t>(target.map.value_buffer_size());
  kind_ = target.map.info().kind;
  pin_path_ = target.pin_path;
  // The program gets a descriptor that cannot write: BPF_F_RDONLY opens the
  // map file O_RDONLY, and the kernel checks FMODE_CAN_WRITE on updates.
  if (!pin_path_.empty()) {
    struct bpf_obj_get_opts opts {};
    opts.sz = sizeof opts;
    opts.file_flags = BPF_F_RDONLY;
    map_fd_.reset(static_cast<int>(check_libbpf(bpf_obj_get_opts(pin_path_.c_str(), &opts),
                                                "bpf_obj_get(BPF_F_RDONLY)", pin_path_)));
  } else {
    struct bpf_get_fd_by_id_opts opts {};
    opts.sz = sizeof opts;
    opts.open_flags = BPF_F_RDONLY;
    const uint32_t id = target.map.info().id;
    map_fd_.reset(static_cast<int>(check_libbpf(bpf_map_get_fd_by_id_opts(id, &opts),
                                                "bpf_map_get_fd_by_id(BPF_F_RDONLY)",
                                                fmt::format("map id {}", id))));
  }
}

void ExternalReader::detach() {
  end_window();
  map_fd_.reset();
}

uint64_t ExternalReader::grace_ns() const {
  if (config_.timeout) return ns(*config_.timeout);
  return std::max(ns(kDefaultTimeout), 2 * longest_pass_ns_);
}

std::string ExternalReader::label() const {
  return fs::path(config_.command.empty() ? config_.name : config_.command.front())
      .filename()
      .string();
}

std::string ExternalReader::output_suffix() const {
  const std::string out = output_.one_line();
  return out.empty() ? std::string(" (no output)") : "; output: " + out;
}

pid_t ExternalReader::child_pid() const {
  return child_ ? child_->pid() : -1;
}

void ExternalReader::begin_window(uint64_t deadline_ns) {
  end_window();
  if (!map_fd_.valid()) throw std::logic_error("external reader: begin_window before attach");
  deadline_ns_ = deadline_ns;
  frames_ = discarded_ = longest_pass_ns_ = 0;
  frames_eof_ = output_eof_ = exited_ = false;
  output_ = OutputTail();
  const uint32_t max_entries = key_count_ * kMaxEntriesFactor;
  // No key bound in the decoder: a key outside the key set is the oracle's
  // to judge, as for built-in readers (`foreign` while map_pressure keeps its
  // own keys in the map, `unexpected_key` otherwise), not a protocol error.
  decoder_ = std::make_unique<external::FrameDecoder>(external::FrameLimits{
      .key_size = 4, .value_size = value_size_, .max_entries = max_entries, .key_count = 0});
  buffer_.resize(kReadChunk);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("external reader: pipe: {}", std::strerror(errno)));
  frames_fd_.reset(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  ::fcntl(write_end.get(), F_SETPIPE_SZ, 1 << 20);  // best effort: pipe-max-size may be lower
  ::fcntl(frames_fd_.get(), F_SETFL, ::fcntl(frames_fd_.get(), F_GETFL) | O_NONBLOCK);

  LaunchSpec spec;
  spec.argv = config_.command;
  spec.env = child_environment(config_.env, environ);
  const std::pair<const char*, std::string> vars[] = {
      {"MAPSLA_MAP_FD", "3"},
      {"MAPSLA_OUT_FD", "4"},
      {"MAPSLA_MAP_PIN", pin_path_},
      {"MAPSLA_MAP_KIND", std::string(to_string(kind_))},
      {"MAPSLA_KEY_COUNT", std::to_string(key_count_)},
      {"MAPSLA_KEY_SIZE", "4"},
      {"MAPSLA_VALUE_SIZE", std::to_string(value_size_)},
      {"MAPSLA_DEADLINE_NS", std::to_string(deadline_ns)},
      {"MAPSLA_MODE", config_.mode},
      {"MAPSLA_BATCH_SIZE", std::to_string(config_.batch_size)},
      {"MAPSLA_MAX_ENTRIES_PER_PASS", std::to_string(max_entries)},
  };
  for (const auto& [name, value] : vars)
    spec.env.push_back(fmt::format("{}={}", name, value));
  if (std::string tag = run_tag_for_pin(pin_path_); !tag.empty()) spec.env.push_back(tag);
  spec.pass_fds = {map_fd_.get(), write_end.get()};
  spec.stdout_to_stderr = true;
  // The runner pinned this thread to the reader's CPUs (a cross_numa fault
  // moves them to its reader node); the program gets the same CPUs explicitly
  // rather than by inheritance, and its memory bound to their NUMA nodes, as
  // `numactl --cpunodebind --membind` would.
  spec.cpus = current_thread_cpus();
  spec.mem_nodes = memory_nodes_of_cpus(spec.cpus);
  spec.drop_to = config_.run_as;
  child_.emplace(ChildProcess::launch(spec));
}

void ExternalReader::pump(uint64_t until_ns, bool discard) {
  pollfd fds[3] = {{frames_eof_ ? -1 : frames_fd_.get(), POLLIN, 0},
                   {output_eof_ ? -1 : child_->stderr_fd(), POLLIN, 0},
                   {exited_ ? -1 : child_->exit_fd(), POLLIN, 0}};
  const uint64_t now = now_ns();
  const uint64_t wait_ns = until_ns > now ? std::min(until_ns - now, kPollSliceNs) : 0;
  if (::poll(fds, 3, static_cast<int>((wait_ns + 999'999) / 1'000'000)) <= 0) return;
  if (fds[1].revents) output_eof_ = !drain_into(fds[1].fd, output_);
  if (fds[2].revents) exited_ = true;
  if (fds[0].revents) read_frames(discard, false);
  // Once the program has exited, what is in the pipe is all it wrote; a
  // straggler of its process group holding the pipe open must not make us
  // wait for an end-of-file.
  if (exited_ && !frames_eof_) {
    read_frames(discard, true);
    frames_eof_ = true;
  }
}

void ExternalReader::read_frames(bool discard, bool until_empty) {
  do {
    const ssize_t n = ::read(frames_fd_.get(), buffer_.data(), buffer_.size());
    if (n > 0) {
      if (!discard)
        decoder_->feed(std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(n)));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      frames_eof_ = true;
      return;
    }
  } while (until_empty);
}

void ExternalReader::timeout() {
  child_->signal_group(SIGKILL);
  child_->reap();
  child_.reset();
  // Say what was seen: a program that never sent a frame is not one that
  // sent frames and then neither sent another nor exited.
  const std::string seen =
      frames_ == 0 ? fmt::format("sent no complete frame by {} after the window's deadline",
                                 format_seconds(grace_ns()))
                   : fmt::format(
                         "sent {} complete frame(s), then neither another frame nor an exit by {} "
                         "after the window's deadline",
                         frames_, format_seconds(grace_ns()));
  throw std::runtime_error(
      fmt::format("timeout: {} {}; killed (SIGKILL){}", label(), seen, output_suffix()));
}

void ExternalReader::finish_child() {
  decoder_->finish();  // FrameError when the stream ends inside a frame
  // The program closed its frame pipe; it should now exit.
  if (!exited_ && !child_->wait_exit(deadline_ns_ + grace_ns())) timeout();
  const uint64_t output_until = now_ns() + 200'000'000;
  while (!output_eof_ && now_ns() < output_until)
    pump(output_until, true);
  const ExitStatus status = child_->reap();
  child_.reset();
  if (status.signaled)
    throw std::runtime_error(fmt::format("{} {} after {} frame(s){}", label(), status.describe(),
                                         frames_, output_suffix()));
  if (status.code == kExitNotApplicable)
    throw ReaderNotApplicable(output_.first_line().empty()
                                  ? fmt::format("{} exited with status 3", label())
                                  : output_.first_line());
  if (status.code != 0)
    throw std::runtime_error(fmt::format("{} {} after {} frame(s){}", label(), status.describe(),
                                         frames_, output_suffix()));
  if (frames_ == 0 && now_ns() < deadline_ns_)
    throw std::runtime_error(
        fmt::format("{} exited with status 0 before the deadline without reporting a pass{}",
                    label(), output_suffix()));
}

void ExternalReader::idle_until_deadline() const {
  // In slices: the runner's own window may end before the deadline it gave.
  const uint64_t now = now_ns();
  if (!stop_requested() && now < deadline_ns_)
    std::this_thread::sleep_for(
        std::chrono::nanoseconds(std::min<uint64_t>(deadline_ns_ - now, kPollSliceNs)));
}

void ExternalReader::read_pass(PassSink& sink) {
  // The oracle snapshotted the committed versions before this call; a pass
  // that began earlier could read versions older than that snapshot
  // legitimately, so it is not judged.
  const uint64_t snapshot_before = now_ns();
  for (;;) {
    while (std::optional<external::Frame> frame = decoder_ ? decoder_->next() : std::nullopt) {
      ++frames_;
      ++total_frames_;
      longest_pass_ns_ = std::max(longest_pass_ns_, frame->pass_end_ns - frame->pass_start_ns);
      if (frame->pass_start_ns < snapshot_before) {
        ++discarded_;
        ++total_discarded_;
        continue;
      }
      deliver(*frame, sink);
      return;
    }
    if (!child_) {  // the program finished cleanly: nothing more this window
      idle_until_deadline();
      return;
    }
    if (frames_eof_) {
      finish_child();
      continue;
    }
    if (stop_requested()) return;
    const uint64_t limit = deadline_ns_ + grace_ns();
    if (now_ns() >= limit) timeout();
    pump(limit, false);
  }
}

void ExternalReader::deliver(const external::Frame& frame, PassSink& sink) const {
  ReadBlock& block = sink.block();
  uint64_t t = frame.pass_start_ns;
  block.start(t);
  for (const external::Entry& entry : frame.entries) {
    if (block.full()) {
      sink.flush();
      block.start(t);
    }
    std::memcpy(block.value_slot(), entry.value.data(), value_size_);
    block.add(entry.key, entry.status);
    if (frame.has_latency) {
      t += entry.latency_ns;
      block.end_op(t);
    }
  }
  // Without latencies (or entries) the pass is one op, so that an empty dump
  // still counts as a pass that skipped every key.
  if (!frame.has_latency || frame.entries.empty()) block.end_op(frame.pass_end_ns);
  if (frame.pass_status != 0) {
    if (block.full()) {
      sink.flush();
      block.start(t);
    }
    block.add(ReadBlock::kNoKey, frame.pass_status);
  }
  sink.flush();
}

void ExternalReader::end_window() {
  if (child_) {
    // The contract lets a pass running at the deadline finish (section 1,
    // step 3): once the deadline has passed, the program gets twice its
    // longest pass so far (at least kNaturalEndMinNs, at most the kill
    // grace) to exit on its own before SIGTERM; frames it still sends are
    // drained unjudged. A window that ends before the deadline (a phased
    // window, a stop) sends SIGTERM at once.
    const uint64_t now = now_ns();
    const uint64_t natural_end =
        now < deadline_ns_
            ? now
            : now + std::min(std::max(2 * longest_pass_ns_, kNaturalEndMinNs), ns(kMaxKillGrace));
    while (!exited_ && now_ns() < natural_end)
      pump(std::min(natural_end, now_ns() + 10'000'000), true);
    if (!exited_) child_->signal_group(SIGTERM);
    const uint64_t kill_at = now_ns() + std::min(grace_ns(), ns(kMaxKillGrace));
    // Drain both pipes so a program blocked writing can see SIGTERM and exit.
    while (!exited_ && now_ns() < kill_at)
      pump(std::min(kill_at, now_ns() + 10'000'000), true);
    child_->reap();  // SIGKILLs the group if anything is left
    child_.reset();
  }
  frames_fd_.reset();
  decoder_.reset();
}

std::vector<std::pair<std::string, std::string>> ExternalReader::settings() const {
  std::vector<std::pair<std::string, std::string>> out = {
      {"name", config_.name},
      {"command", fmt::format("{}", fmt::join(config_.command, " "))},
      {"run_as", config_.run_as_label},
      {"batch_size", std::to_string(config_.batch_size)},
      {"timeout", config_.timeout ? format_seconds(ns(*config_.timeout))
                                  : format_seconds(ns(kDefaultTimeout)) + " (or 2 × longest pass)"},
  };
  return out;
}

std::vector<std::pair<std::string, uint64_t>> ExternalReader::figures() const {
  return {{"frames", total_frames_}, {"discarded_passes", total_discarded_}};
}

}  // namespace mapsla
