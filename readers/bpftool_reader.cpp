#include "readers/bpftool_reader.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/affinity.h"
#include "core/util/clock.h"
#include "core/util/process.h"
#include "core/util/signals.h"

extern char** environ;

namespace mapsla {
namespace {

using Json = nlohmann::json;
constexpr uint32_t kKeySize = 4;

// bpftool reports a failed lookup with strerror's text only.
int errno_from_text(const std::string& text) {
  static const std::map<std::string, int> by_text = [] {
    std::map<std::string, int> m;
    for (int e = 1; e < 134; ++e)
      if (const char* desc = strerrordesc_np(e)) m.emplace(desc, e);
    return m;
  }();
  const auto it = by_text.find(text);
  return it == by_text.end() ? EIO : it->second;
}

// Streams `bpftool map dump -j` into the sink without building a DOM: an
// array of entry objects whose "key"/"value"/"values[].value" are arrays of
// "0xNN" strings. Anything else (such as "formatted") is skipped.
class DumpParser final : public nlohmann::json_sax<Json> {
 public:
  DumpParser(PassSink& sink, uint64_t op_start, uint32_t value_size, uint32_t cpu_slots,
             bool percpu)
      : sink_(sink),
        block_(sink.block()),
        op_start_(op_start),
        value_size_(value_size),
        cpu_slots_(cpu_slots),
        step_(percpu ? (value_size + 7u) & ~7u : value_size),
        percpu_(percpu) {}

  size_t entries() const { return entries_; }
  bool saw_array() const { return saw_array_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override {
    if (!skip_ && top() == Ctx::cpu_entry && field_ == "cpu") cpu_ = v;
    return true;
  }
  bool number_unsigned(number_unsigned_t v) override {
    return number_integer(static_cast<number_integer_t>(v));
  }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }

  bool string(string_t& s) override {
    if (skip_) return true;
    switch (top()) {
      case Ctx::key_bytes:
        if (key_len_ == kKeySize) fail("key has more than 4 bytes");
        key_[key_len_++] = hex_byte(s);
        break;
      case Ctx::value_bytes:
        if (bytes_ == value_size_) fail(fmt::format("value has more than {} bytes", value_size_));
        block_.value_slot()[offset_ + bytes_++] = static_cast<std::byte>(hex_byte(s));
        break;
      case Ctx::value_error:
        if (field_ == "error") status_ = errno_from_text(s);
        break;
      default:
        break;
    }
    return true;
  }

  bool key(string_t& k) override {
    if (!skip_) field_ = k;
    return true;
  }

  bool start_object(std::size_t) override {
    if (skip_) return ++skip_, true;
    if (stack_.empty()) fail("expected an array of entries, got an object");
    if (top() == Ctx::top) {
      if (block_.full()) {
        sink_.flush();
        block_.start(op_start_);
      }
      std::memset(block_.value_slot(), 0, block_.value_stride());
      key_len_ = 0;
      status_ = 0;
      have_value_ = false;
      stack_.push_back(Ctx::entry);
    } else if (top() == Ctx::entry && field_ == "value") {
      stack_.push_back(Ctx::value_error);
    } else if (top() == Ctx::cpu_values) {
      cpu_ = -1;
      stack_.push_back(Ctx::cpu_entry);
    } else {
      skip_ = 1;
    }
    return true;
  }

  bool end_object() override {
    if (skip_) return --skip_, true;
    const Ctx ctx = top();
    stack_.pop_back();
    if (ctx == Ctx::entry) {
      if (key_len_ != kKeySize) fail(fmt::format("key has {} bytes, want 4", key_len_));
      if (!have_value_ && status_ == 0) fail("entry has neither a value nor an error");
      uint32_t key;
      std::memcpy(&key, key_, sizeof key);
      block_.add(key, status_);
      ++entries_;
    } else if (ctx == Ctx::value_error && status_ == 0) {
      status_ = EIO;  // an error object without a text bpftool would print
    }
    return true;
  }

  bool start_array(std::size_t) override {
    if (skip_) return ++skip_, true;
    if (stack_.empty()) {
      saw_array_ = true;
      stack_.push_back(Ctx::top);
    } else if (top() == Ctx::entry && field_ == "key") {
      stack_.push_back(Ctx::key_bytes);
    } else if (top() == Ctx::entry && field_ == "value" && !percpu_) {
      begin_value(0);
    } else if (top() == Ctx::entry && field_ == "values" && percpu_) {
      stack_.push_back(Ctx::cpu_values);
    } else if (top() == Ctx::cpu_entry && field_ == "value") {
      if (cpu_ < 0 || cpu_ >= static_cast<int64_t>(cpu_slots_))
        fail(fmt::format("per-CPU value for CPU {} of {} possible", cpu_, cpu_slots_));
      begin_value(static_cast<size_t>(cpu_) * step_);
    } else {
      skip_ = 1;
    }
    return true;
  }

  bool end_array() override {
    if (skip_) return --skip_, true;
    const Ctx ctx = top();
    stack_.pop_back();
    if (ctx == Ctx::value_bytes) {
      if (bytes_ != value_size_)
        fail(fmt::format("value has {} bytes, want {}", bytes_, value_size_));
      have_value_ = true;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    throw std::runtime_error(
        fmt::format("bpftool output is not JSON at byte {}: {}", position, e.what()));
  }

 private:
  enum class Ctx { top, entry, key_bytes, value_bytes, value_error, cpu_values, cpu_entry };

  Ctx top() const { return stack_.back(); }
  void begin_value(size_t offset) {
    offset_ = offset;
    bytes_ = 0;
    stack_.push_back(Ctx::value_bytes);
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(fmt::format("bpftool output, entry {}: {}", entries_, why));
  }
  uint8_t hex_byte(const std::string& s) const {
    const auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s.size() != 4 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || digit(s[2]) < 0 ||
        digit(s[3]) < 0)
      fail(fmt::format("'{}' is not a byte in 0xNN form", s));
    return static_cast<uint8_t>(digit(s[2]) * 16 + digit(s[3]));
  }

  PassSink& sink_;
  ReadBlock& block_;
  uint64_t op_start_;
  uint32_t value_size_;
  uint32_t cpu_slots_;
  size_t step_;
  bool percpu_;
  std::vector<Ctx> stack_;
  std::string field_;
  int skip_ = 0;  // nesting depth inside a skipped value
  uint8_t key_[kKeySize] = {};
  uint32_t key_len_ = 0;
  int status_ = 0;
  bool have_value_ = false;
  int64_t cpu_ = -1;
  size_t offset_ = 0;
  uint32_t bytes_ = 0;
  size_t entries_ = 0;
  bool saw_array_ = false;
};

}  // namespace

size_t parse_bpftool_dump(const std::string& json, PassSink& sink, uint64_t op_start,
                          uint32_t value_size, uint32_t cpu_slots, bool percpu) {
  DumpParser parser(sink, op_start, value_size, cpu_slots, percpu);
  Json::sax_parse(json, &parser);
  if (!parser.saw_array()) throw std::runtime_error("bpftool output is not an array of entries");
  return parser.entries();
}

namespace {

std::string error_text(const std::string& json, const OutputTail& err) {
  try {
    const Json doc = Json::parse(json);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_string())
      return doc["error"].get<std::string>();
  } catch (const std::exception&) {
  }
  const std::string text = err.one_line();
  return text.empty() ? "no output" : text;
}

}  // namespace

BpftoolReader::BpftoolReader(std::string bpftool_path, Options options)
    : bpftool_(std::move(bpftool_path)), timeout_(options.timeout) {}

ReaderDescriptor BpftoolReader::descriptor() {
  return {"bpftool",
          "`bpftool map dump pinned PIN -j` per pass; one op is the whole process run",
          {"dump"},
          [](const std::string&, Fields& fields) {
            using namespace std::chrono_literals;
            Options o;
            o.timeout = fields.duration("timeout", 10ms, std::chrono::hours(1), o.timeout);
            return hold_reader_options(o);
          },
          [](const std::string&, const ReaderOptions& options) {
            return std::make_unique<BpftoolReader>(find_executable("bpftool"),
                                                   reader_options_as<Options>(options));
          },
          {},
          /*times_itself=*/true};
}

Applicability BpftoolReader::applies_to(const TargetSpec&) const {
  if (bpftool_.empty())
    return Applicability::no(
        "bpftool not found in PATH, /usr/sbin, /usr/local/sbin or /sbin (Debian: apt-get install "
        "bpftool)");
  return Applicability::yes();
}

void BpftoolReader::attach(const ReadTarget& target) {
  if (target.pin_path.empty())
    throw std::runtime_error("bpftool reads the map through its pin, and this run pins nothing");
  pin_path_ = target.pin_path;
  value_size_ = target.map.info().value_size;
  percpu_ = is_percpu(target.map.info().kind);
  cpu_slots_ = percpu_ ? possible_cpus() : 1;
}

void BpftoolReader::read_pass(PassSink& sink) {
  LaunchSpec spec;
  spec.argv = {bpftool_, "map", "dump", "pinned", pin_path_, "-j"};
  for (char** e = environ; *e; ++e)
    spec.env.emplace_back(*e);
  if (std::string tag = run_tag_for_pin(pin_path_); !tag.empty()) spec.env.push_back(tag);
  spec.cpus = current_thread_cpus();
  spec.mem_nodes = memory_nodes_of_cpus(spec.cpus);
  const uint64_t limit = std::max(deadline_ns_, now_ns()) + static_cast<uint64_t>(timeout_.count());
  json_.clear();
  OutputTail err;
  char buf[1 << 16];

  const uint64_t start = now_ns();
  ChildProcess child = ChildProcess::launch(spec);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? child.stdout_fd() : -1, POLLIN, 0},
                     {err_open ? child.stderr_fd() : -1, POLLIN, 0}};
    const uint64_t now = now_ns();
    if (now >= limit || stop_requested()) break;
    if (::poll(fds, 2, static_cast<int>(std::min<uint64_t>((limit - now) / 1'000'000 + 1, 100))) <=
        0)
      continue;
    if (fds[0].revents) {
      const ssize_t n = ::read(fds[0].fd, buf, sizeof buf);
      if (n > 0)
        json_.append(buf, static_cast<size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        out_open = false;
    }
    if (fds[1].revents) err_open = drain_into(fds[1].fd, err);
  }
  const bool exited = !out_open && !err_open && child.wait_exit(limit);
  const uint64_t end = now_ns();
  if (!exited) {
    child.reap();  // SIGKILLs the group
    if (stop_requested()) return;
    throw std::runtime_error(fmt::format(
        "timeout: bpftool did not finish by {:.3g}s after the window's deadline; killed (SIGKILL)",
        static_cast<double>(timeout_.count()) / 1e9));
  }
  const ExitStatus status = child.reap();
  if (!status.ok())
    throw std::runtime_error(
        fmt::format("bpftool {}: {}", status.describe(), error_text(json_, err)));

  ReadBlock& block = sink.block();
  block.start(start);
  parse_bpftool_dump(json_, sink, start, value_size_, cpu_slots_, percpu_);
  block.end_op(end);
  sink.flush();
}

std::vector<std::pair<std::string, std::string>> BpftoolReader::settings() const {
  return {{"command", fmt::format("{} map dump pinned PIN -j", bpftool_)},
          {"run_as", "privileged (bpftool opens the pin)"},
          {"timeout", fmt::format("{:.3g}s", static_cast<double>(timeout_.count()) / 1e9)}};
}

}  // namespace mapsla
