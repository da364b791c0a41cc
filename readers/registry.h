// Reader strategies by name. Adding a strategy means one file pair in
// readers/ and one line in builtin_readers() (registry.cpp); nothing else changes.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/util/yaml_fields.h"
#include "readers/reader.h"

namespace mapsla {

// A strategy's own options (batch_size, max_attempts, an external program's
// command, …), read from the scenario entry once, when the file is loaded,
// into the strategy's typed struct. The scenario model holds them (ReaderSpec),
// and the registry builds readers from them without reading YAML again.
struct ReaderOptions {
  virtual ~ReaderOptions() = default;
};

// The holder of one strategy's options struct.
template <typename T>
struct ReaderOptionsOf final : ReaderOptions {
  explicit ReaderOptionsOf(T v) : value(std::move(v)) {}
  T value;
};

template <typename T>
std::shared_ptr<const ReaderOptions> hold_reader_options(T options) {
  return std::make_shared<const ReaderOptionsOf<T>>(std::move(options));
}

// The struct `options` holds; std::logic_error when it is another strategy's.
template <typename T>
const T& reader_options_as(const ReaderOptions& options) {
  const auto* typed = dynamic_cast<const ReaderOptionsOf<T>*>(&options);
  if (!typed) throw std::logic_error("reader options of another strategy");
  return typed->value;
}

struct ReaderDescriptor {
  std::string name;
  std::string summary;  // one line for `mapsla list`
  // First is the default. Empty: any mode string (the strategy interprets
  // it), and `readers: all` leaves the strategy out.
  std::vector<std::string> modes;
  // Reads the strategy's own fields of the scenario entry under `mode`, when
  // the file is loaded: each field on its own (Fields::check), so every
  // mistake is reported with its line; unknown fields are the caller's
  // (Fields::done). Absent fields take their defaults (an empty mapping
  // gives the defaults, as for `readers: all`).
  std::function<std::shared_ptr<const ReaderOptions>(const std::string& mode, Fields& fields)>
      parse;
  // Builds the reader from what parse() returned for the same mode.
  std::function<std::unique_ptr<Reader>(const std::string& mode, const ReaderOptions& options)>
      create;
  // Optional: checks the parsed options against the scenario's map when the
  // file is loaded (e.g. buffer_bytes holds one frame), reporting at the
  // field in `fields`, so such an error is FILE:LINE too. `map` has kind,
  // value_size and entries set.
  std::function<void(const ReaderOptions& options, Fields& fields, const TargetSpec& map)> check;
  // The strategy is another program that times its own ops (frames, a
  // process run): harness-side knobs on op timing do not apply to it.
  bool times_itself = false;

  // The options of an entry that names none of the strategy's fields.
  std::shared_ptr<const ReaderOptions> default_options(const std::string& mode) const;
};

class ReaderRegistry {
 public:
  void add(ReaderDescriptor descriptor);
  const ReaderDescriptor* find(const std::string& name) const;
  const std::vector<ReaderDescriptor>& all() const { return descriptors_; }
  std::vector<std::string> names() const;

 private:
  std::vector<ReaderDescriptor> descriptors_;
};

// The registry with every strategy shipped in readers/.
const ReaderRegistry& builtin_readers();

}  // namespace mapsla
