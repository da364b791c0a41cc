// Strict reading of YAML mappings for scenarios and reader options.
//
// Every error is one line, `FILE:LINE: field 'PATH': why`, raised as
// ConfigError; the CLI maps it to exit code 2. A Fields object remembers which
// keys were read so that `done()` can reject unknown ones (a typo must not be
// silently ignored).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mapsla {

class ConfigError : public std::runtime_error {
 public:
  // `absent`: the field is missing, so `line` is only its parent's.
  ConfigError(std::string file, int line, std::string field, std::string why, bool absent = false);
  // Several mistakes of one file at once, in document order (by line, and
  // missing fields, which have no line of their own, after the rest; the
  // first becomes this error's own file, line, field and what()).
  static ConfigError several(std::vector<ConfigError> errors);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& why() const { return why_; }
  // Every mistake, one line each; just this one when it was found alone.
  std::vector<std::string> lines() const;

 private:
  std::string file_;
  int line_;
  std::string field_;
  std::string why_;
  bool absent_ = false;
  std::vector<std::string> more_;  // the others' what(), in document order
};

// Collects the mistakes of independent parts of a file, so that a user sees
// every one of them (up to kMaxErrors) in document order, not just the first.
class ConfigErrors {
 public:
  static constexpr size_t kMaxErrors = 20;
  // Runs `part`; a ConfigError it throws is kept. False when it threw.
  template <typename Part>
  bool attempt(Part&& part) {
    try {
      part();
      return true;
    } catch (const ConfigError& e) {
      add(e);
      return false;
    }
  }
  void add(const ConfigError& e) {
    if (errors_.size() < kMaxErrors) errors_.push_back(e);
  }
  bool empty() const { return errors_.empty(); }
  // Throws ConfigError::several of everything collected, if anything was.
  void throw_if_any() const;

 private:
  std::vector<ConfigError> errors_;
};

// "2s", "250ms", "1.5s", "1m", "100us", "500ns"; a bare number is seconds.
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);
// "0-3,6" or "2".
std::optional<std::vector<int>> parse_cpu_list(const std::string& text);

class Fields {
 public:
  // `path` is the dotted location of `node` ("" for the document root).
  Fields(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);

  bool has(const std::string& key) const;
  // The raw node (marks the key as used); throws if absent.
  YAML::Node node(const std::string& key);
  Fields child(const std::string& key);
  std::vector<Fields> child_list(const std::string& key);

  std::string string(const std::string& key);
  std::string string_or(const std::string& key, std::string fallback);
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed,
                     std::optional<std::string> fallback = std::nullopt);
  uint64_t integer(const std::string& key, uint64_t min, uint64_t max,
                   std::optional<uint64_t> fallback = std::nullopt);
  double number(const std::string& key, double min, double max,
                std::optional<double> fallback = std::nullopt);
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt);
  std::chrono::nanoseconds duration(
      const std::string& key, std::chrono::nanoseconds min, std::chrono::nanoseconds max,
      std::optional<std::chrono::nanoseconds> fallback = std::nullopt);
  // A YAML list of ints or a "0-3,6" string.
  std::vector<int> cpu_list(const std::string& key, std::optional<std::vector<int>> fallback);

  // Accepts `key` as known without reading it (an optional section that is
  // absent, or one read through node()).
  void mark_known(const std::string& key) { used_.insert(key); }

  // Throws for the first key that was never read.
  void done() const;

  // The name of a key of this mapping (or of a mapping nested in it): a key that is not a
  // string (`[0]: x`, `{a: 1}: x`, `~: x`) is a ConfigError, never a YAML exception.
  std::string key_name(const YAML::Node& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& why) const;
  [[noreturn]] void fail_here(const std::string& why) const;
  int line_of(const std::string& key) const;
  std::string field_path(const std::string& key) const;
  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }
  const YAML::Node& yaml() const { return node_; }

 private:
  YAML::Node require(const std::string& key);
  std::string scalar(const std::string& key, const char* expected);

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace mapsla
