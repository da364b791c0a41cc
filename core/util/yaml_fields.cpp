#include "core/util/yaml_fields.h"

#include <algorithm>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/depthguard.h>

namespace mapsla {
namespace {

int line_of_node(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// A field path or message of at most about 280 bytes: a value quoted from a
// hostile file may be as long as the file. A longer one keeps its head and its
// tail (where a message says what is wrong), cut at UTF-8 character
// boundaries, and says how long it was.
std::string shortened(std::string text) {
  constexpr size_t kHead = 150, kTail = 90;
  // Up to 280 bytes are kept whole, so shortening a shortened text keeps it.
  if (text.size() <= 280) return text;
  const auto continuation = [&](size_t at) {
    return (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
  };
  size_t head = kHead, tail = text.size() - kTail;
  while (head > 0 && continuation(head))
    --head;
  while (tail < text.size() && continuation(tail))
    ++tail;
  return fmt::format("{}…({} bytes)…{}", text.substr(0, head), text.size(), text.substr(tail));
}

// The offset of the first byte that does not belong to well-formed UTF-8
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), or npos.
size_t first_invalid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80)
      len = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (s[i + k] < min || s[i + k] > max) return i;
    }
    i += len;
  }
  return std::string::npos;
}

}  // namespace

std::string read_config_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string(), 0, "(file)", "cannot be read");
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError(file.string(), 0, "(file)", "cannot be read");
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

YAML::Node load_config_yaml(const std::string& text, const std::string& file) {
  if (text.size() > kMaxConfigBytes)
    throw ConfigError(file, 1, "(file)",
                      fmt::format("is larger than {} KiB, the limit of a scenario or SLA file "
                                  "(docs/scenarios.md, \"Limits\")",
                                  kMaxConfigBytes / 1024));
  if (const size_t bad = first_invalid_utf8(text); bad != std::string::npos) {
    const size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const size_t column = line_start == std::string::npos || bad == 0 ? bad + 1 : bad - line_start;
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + bad, '\n'));
    throw ConfigError(file, line, "(file)",
                      fmt::format("byte 0x{:02x} at column {} is not UTF-8 (a scenario or SLA "
                                  "file is UTF-8 text)",
                                  static_cast<unsigned char>(text[bad]), column));
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(file, e.mark.line + 1, "(yaml)",
                      fmt::format("nested deeper than {} levels", kMaxConfigDepth));
  } catch (const YAML::Exception& e) {
    throw ConfigError(file, e.mark.is_null() ? 1 : e.mark.line + 1, "(yaml)", e.msg);
  }
}

ConfigError::ConfigError(std::string file, int line, std::string field, std::string why,
                         bool absent)
    : std::runtime_error(
          fmt::format("{}:{}: field '{}': {}", file, line, shortened(field), shortened(why))),
      file_(file),
      line_(line),
      field_(shortened(std::move(field))),
      why_(shortened(std::move(why))),
      mistakes_{{std::move(file), line, field_, why_, absent}} {}

ConfigError ConfigError::several(std::vector<ConfigError> errors) {
  std::vector<Mistake> all;
  size_t uncounted = 0;
  for (ConfigError& e : errors) {
    uncounted += e.uncounted_;
    for (Mistake& m : e.mistakes_)
      if (all.size() < kMaxKept)
        all.push_back(std::move(m));
      else
        ++uncounted;
  }
  std::stable_sort(all.begin(), all.end(), [](const Mistake& a, const Mistake& b) {
    return std::pair(a.absent, a.line) < std::pair(b.absent, b.line);
  });
  const Mistake& m = all.front();
  ConfigError first(m.file, m.line, m.field, m.why, m.absent);
  first.mistakes_ = std::move(all);
  first.uncounted_ = uncounted;
  return first;
}

std::vector<std::string> ConfigError::lines() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < mistakes_.size() && i < kMaxShown; ++i) {
    const Mistake& m = mistakes_[i];
    out.push_back(fmt::format("{}:{}: field '{}': {}", m.file, m.line, m.field, m.why));
  }
  if (count() > kMaxShown)
    out.push_back(fmt::format("… and {} more mistakes (the first {} are shown)",
                              count() - kMaxShown, kMaxShown));
  return out;
}

void ConfigErrors::add(const ConfigError& e) {
  count_ += e.count();
  if (errors_.size() < ConfigError::kMaxKept) errors_.push_back(e);
}

void ConfigErrors::throw_if_any() const {
  if (errors_.empty()) return;
  if (errors_.size() == 1 && count_ == 1) throw errors_.front();
  ConfigError all = ConfigError::several(errors_);
  throw all;
}

std::optional<std::chrono::nanoseconds> parse_duration(const std::string& raw) {
  const std::string text = trim(raw);
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || errno != 0 || !std::isfinite(value) || value < 0) return std::nullopt;
  const std::string unit = trim(end);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ns")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60e9;
  else
    return std::nullopt;
  const double ns = value * scale;
  if (ns > 1e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

std::optional<std::vector<int>> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  size_t pos = 0;
  const std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string part =
        trim(s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    int lo = 0, hi = 0;
    size_t dash = part.find('-');
    auto parse = [](const std::string& p, int& out) {
      auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), out);
      return ec == std::errc() && ptr == p.data() + p.size() && out >= 0;
    };
    if (dash == std::string::npos) {
      if (!parse(part, lo)) return std::nullopt;
      hi = lo;
    } else if (!parse(trim(part.substr(0, dash)), lo) || !parse(trim(part.substr(dash + 1)), hi) ||
               hi < lo) {
      return std::nullopt;
    }
    // A CPU above the largest any kernel has is a mistake, and "0-2000000000" would otherwise
    // cost 8 GB before anyone looked at it.
    if (hi > kMaxCpu) return std::nullopt;
    for (int cpu = lo; cpu <= hi; ++cpu)
      cpus.push_back(cpu);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return cpus;
}

Fields::Fields(YAML::Node node, std::shared_ptr<const std::string> file, std::string path)
    : Fields(std::move(node), std::move(file), std::move(path), std::make_shared<ConfigErrors>()) {}

Fields::Fields(YAML::Node node, std::shared_ptr<const std::string> file, std::string path,
               std::shared_ptr<ConfigErrors> errors)
    : node_(std::move(node)),
      file_(std::move(file)),
      path_(std::move(path)),
      errors_(std::move(errors)) {
  if (!node_.IsMap()) fail_here("expected a mapping of fields");
  // yaml-cpp finds a key by comparing it with every key of the mapping, which
  // made a mapping of n unknown keys cost n² comparisons.
  auto index = std::make_shared<std::map<std::string, YAML::Node>>();
  for (const auto& entry : node_)
    if (entry.first.IsScalar()) index->emplace(entry.first.Scalar(), entry.second);
  index_ = std::move(index);
}

const YAML::Node* Fields::find(const std::string& key) const {
  const auto it = index_->find(key);
  return it == index_->end() ? nullptr : &it->second;
}

Fields Fields::detached() const {
  Fields copy = *this;
  copy.errors_ = std::make_shared<ConfigErrors>();
  return copy;
}

std::string Fields::field_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

int Fields::line_of(const std::string& key) const {
  if (const YAML::Node* n = find(key)) return line_of_node(*n);
  return line_of_node(node_);
}

std::string Fields::key_name(const YAML::Node& key) const {
  if (!key.IsScalar())
    throw ConfigError(*file_, line_of_node(key), path_.empty() ? "(document)" : path_,
                      "a field name must be a string, not a list, mapping or null");
  return key.Scalar();
}

void Fields::fail(const std::string& key, const std::string& why) const {
  throw ConfigError(*file_, line_of(key), field_path(key), why, find(key) == nullptr);
}

void Fields::fail_here(const std::string& why) const {
  throw ConfigError(*file_, line_of_node(node_), path_.empty() ? "(document)" : path_, why);
}

bool Fields::has(const std::string& key) const {
  const YAML::Node* n = find(key);
  return n && n->IsDefined() && !n->IsNull();
}

YAML::Node Fields::require(const std::string& key) {
  used_.insert(key);
  const YAML::Node* n = find(key);
  if (!n || !n->IsDefined() || n->IsNull()) fail(key, "is required");
  return *n;
}

YAML::Node Fields::node(const std::string& key) {
  return require(key);
}

Fields Fields::child(const std::string& key) {
  YAML::Node n = require(key);
  if (!n.IsMap()) fail(key, "expected a mapping");
  return Fields(n, file_, field_path(key), errors_);
}

std::vector<Fields> Fields::child_list(const std::string& key) {
  YAML::Node n = require(key);
  if (!n.IsSequence()) fail(key, "expected a list");
  std::vector<Fields> items;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string item_path = fmt::format("{}[{}]", field_path(key), i);
    // A wrong item is kept with the file's mistakes; its siblings are still read.
    if (!n[i].IsMap())
      errors_->add(ConfigError(*file_, line_of_node(n[i]), item_path, "expected a mapping"));
    else
      items.push_back(Fields(n[i], file_, item_path, errors_));
  }
  return items;
}

std::string Fields::scalar(const std::string& key, const char* expected) {
  YAML::Node n = require(key);
  if (!n.IsScalar()) fail(key, fmt::format("expected {}", expected));
  return n.Scalar();
}

std::string Fields::string(const std::string& key) {
  return scalar(key, "a string");
}

std::string Fields::string_or(const std::string& key, std::string fallback) {
  if (!has(key)) {
    used_.insert(key);
    return fallback;
  }
  return string(key);
}

std::string Fields::one_of(const std::string& key, const std::vector<std::string>& allowed,
                           std::optional<std::string> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  std::string value = scalar(key, "a string");
  for (const auto& a : allowed)
    if (a == value) return value;
  fail(key, fmt::format("'{}' is not one of: {}", value, fmt::join(allowed, ", ")));
}

uint64_t Fields::integer(const std::string& key, uint64_t min, uint64_t max,
                         std::optional<uint64_t> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  const std::string text = scalar(key, "an integer");
  uint64_t value = 0;
  const bool negative = text.size() > 1 && text[0] == '-';
  const char* digits = text.data() + (negative ? 1 : 0);
  auto [ptr, ec] = std::from_chars(digits, text.data() + text.size(), value);
  if (ptr != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range))
    fail(key, fmt::format("expected an integer, got '{}'", text));
  if (negative || ec == std::errc::result_out_of_range)
    fail(key, fmt::format("{} is out of range [{}, {}]", text, min, max));
  if (value < min || value > max)
    fail(key, fmt::format("{} is out of range [{}, {}]", value, min, max));
  return value;
}

double Fields::number(const std::string& key, double min, double max,
                      std::optional<double> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  const std::string text = scalar(key, "a number");
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || errno != 0 || !std::isfinite(value))
    fail(key, fmt::format("expected a number, got '{}'", text));
  if (value < min || value > max)
    fail(key, fmt::format("{} is out of range [{}, {}]", text, min, max));
  return value;
}

bool Fields::boolean(const std::string& key, std::optional<bool> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  const std::string text = scalar(key, "true or false");
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(key, fmt::format("expected true or false, got '{}'", text));
}

std::chrono::nanoseconds Fields::duration(const std::string& key, std::chrono::nanoseconds min,
                                          std::chrono::nanoseconds max,
                                          std::optional<std::chrono::nanoseconds> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  const std::string text = scalar(key, "a duration");
  auto value = parse_duration(text);
  if (!value) fail(key, fmt::format("'{}' is not a duration (use e.g. 2s, 500ms, 1m)", text));
  if (*value < min || *value > max)
    fail(key, fmt::format("{} is out of range [{}ms, {}ms]", text, min.count() / 1'000'000,
                          max.count() / 1'000'000));
  return *value;
}

std::vector<int> Fields::cpu_list(const std::string& key,
                                  std::optional<std::vector<int>> fallback) {
  if (!has(key) && fallback) {
    used_.insert(key);
    return *fallback;
  }
  YAML::Node n = require(key);
  std::optional<std::vector<int>> cpus;
  if (n.IsScalar()) {
    cpus = parse_cpu_list(n.Scalar());
  } else if (n.IsSequence()) {
    cpus.emplace();
    for (const auto& item : n) {
      auto one = item.IsScalar() ? parse_cpu_list(item.Scalar()) : std::nullopt;
      if (!one) {
        cpus.reset();
        break;
      }
      cpus->insert(cpus->end(), one->begin(), one->end());
    }
  }
  if (!cpus || cpus->empty())
    fail(key, fmt::format("expected a CPU list such as [0, 1] or \"0-3\" (CPUs 0…{})", kMaxCpu));
  return *cpus;
}

void Fields::done() const {
  ConfigErrors unknown;
  for (const auto& entry : node_)
    unknown.attempt([&] {
      const std::string key = key_name(entry.first);
      if (!used_.count(key))
        // Every known field has been read (defaults included), so used_ is the
        // list of what would have been accepted here.
        throw ConfigError(*file_, line_of_node(entry.first), field_path(key),
                          fmt::format("unknown field (known here: {})", fmt::join(used_, ", ")));
    });
  unknown.throw_if_any();
}

}  // namespace mapsla
