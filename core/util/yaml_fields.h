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
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mapsla {

class ConfigError : public std::runtime_error {
 public:
  // At most this many mistakes are printed (lines()); the rest are counted in a last line.
  static constexpr size_t kMaxShown = 20;
  // At most this many are kept to sort (a hostile file may hold millions); the rest are counted.
  static constexpr size_t kMaxKept = 10'000;

  // `absent`: the field is missing, so `line` is only its parent's.
  ConfigError(std::string file, int line, std::string field, std::string why, bool absent = false);
  // Several mistakes of one file at once, in document order (by line, and
  // missing fields, which have no line of their own, after the rest; the
  // first becomes this error's own file, line, field and what()). Each
  // error's own mistakes count, so merging merged errors stays flat.
  static ConfigError several(std::vector<ConfigError> errors);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& why() const { return why_; }
  // Every mistake, one line each, in document order: the first kMaxShown, then
  // "… and N more mistakes" when there were more.
  std::vector<std::string> lines() const;
  // How many mistakes this error stands for (1 when it was found alone).
  size_t count() const { return mistakes_.size() + uncounted_; }

 private:
  struct Mistake {
    std::string file;
    int line;
    std::string field;
    std::string why;
    bool absent;
  };
  std::string file_;
  int line_;
  std::string field_;
  std::string why_;
  std::vector<Mistake> mistakes_;  // this one first, then the others, in document order
  size_t uncounted_ = 0;           // mistakes beyond kMaxKept: counted, not kept
};

// Collects the mistakes of one file, so that a user sees every one of them (up
// to ConfigError::kMaxShown) in document order, not just the first. Parts and
// fields that do not depend on each other are each attempted on their own.
class ConfigErrors {
 public:
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
  void add(const ConfigError& e);
  bool empty() const { return count_ == 0; }
  // Mistakes collected so far (a part compares it before and after to learn whether it was
  // wrong).
  size_t count() const { return count_; }
  // Throws ConfigError::several of everything collected, if anything was.
  void throw_if_any() const;

 private:
  std::vector<ConfigError> errors_;
  size_t count_ = 0;
};

// Limits on a scenario or SLA file, so that bad or hostile input is refused
// at once with bounded memory (docs/scenarios.md, "Limits"): a file is read
// only up to kMaxConfigBytes + 1 bytes; yaml-cpp refuses nesting deeper than
// kMaxConfigDepth; aliases are never expanded (a node a file names twice is
// one node), so an alias bomb costs what its text costs.
constexpr size_t kMaxConfigBytes = 64 * 1024;
constexpr int kMaxConfigDepth = 2000;  // yaml-cpp's own DepthGuard

// The text of `file` (at most kMaxConfigBytes + 1 bytes are read, so a huge
// file or /dev/zero costs nothing). ConfigError when it cannot be read.
std::string read_config_file(const std::filesystem::path& file);
// Parses `text`, named `file` in errors. ConfigError (FILE:LINE, one line)
// when it is larger than kMaxConfigBytes, holds a byte sequence that is not
// UTF-8, nests deeper than kMaxConfigDepth or is not YAML.
YAML::Node load_config_yaml(const std::string& text, const std::string& file);

// "2s", "250ms", "1.5s", "1m", "100us", "500ns"; a bare number is seconds.
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);
// The largest CPU number a list may name (Linux's NR_CPUS is at most 8192).
constexpr int kMaxCpu = 8191;
// "0-3,6" or "2"; nullopt when malformed or naming a CPU above kMaxCpu.
std::optional<std::vector<int>> parse_cpu_list(const std::string& text);

class Fields {
 public:
  // `path` is the dotted location of `node` ("" for the document root). The
  // mistakes check() keeps go to a new collection, which child(),
  // child_list() and copies share.
  Fields(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);

  // Runs `read` (one field read, or one rule checked); a ConfigError it throws
  // is kept in the file's collection (errors()) and false is returned, so the
  // caller goes on with the next field: a wrong value never hides a sibling's
  // mistake. Code that needs the value of a field that failed skips its check.
  template <typename Read>
  bool check(Read&& read) {
    return errors_->attempt(std::forward<Read>(read));
  }
  ConfigErrors& errors() const { return *errors_; }
  // A copy whose check() keeps mistakes in a collection of its own (to try a
  // reading whose mistakes may not count).
  Fields detached() const;

  bool has(const std::string& key) const;
  // The raw node (marks the key as used); throws if absent.
  YAML::Node node(const std::string& key);
  Fields child(const std::string& key);
  // The list's mappings; an item that is not a mapping is kept as a mistake
  // (errors()) and left out.
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

  // Throws for every key that was never read (ConfigError::several).
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
  Fields(YAML::Node node, std::shared_ptr<const std::string> file, std::string path,
         std::shared_ptr<ConfigErrors> errors);
  YAML::Node require(const std::string& key);
  // The value of `key` (first of duplicates), or nullptr; by the index.
  const YAML::Node* find(const std::string& key) const;
  std::string scalar(const std::string& key, const char* expected);

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::set<std::string> used_;
  std::shared_ptr<ConfigErrors> errors_;
  std::shared_ptr<const std::map<std::string, YAML::Node>> index_;  // key → value
};

}  // namespace mapsla
