// Reader strategies by name. Adding a strategy means one file pair in
// readers/ and one line in builtin_readers() (registry.cpp); nothing else changes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/util/yaml_fields.h"
#include "readers/reader.h"

namespace mapsla {

struct ReaderDescriptor {
  std::string name;
  std::string summary;  // one line for `mapsla list`
  // First is the default. Empty: any mode string (the strategy interprets
  // it), and `readers: all` leaves the strategy out.
  std::vector<std::string> modes;
  // `options` holds the strategy's own fields of the scenario entry; the
  // factory reads them strictly (unknown fields are errors).
  std::function<std::unique_ptr<Reader>(const std::string& mode, Fields& options)> create;
  // Optional: re-reads the options against the scenario's map when the file
  // is loaded (e.g. batch_size ≤ max_entries), so such an error is reported
  // as FILE:LINE too. `map` has kind, value_size and entries set.
  std::function<void(Fields& options, const TargetSpec& map)> check;
  // The strategy is another program that times its own ops (frames, a
  // process run): harness-side knobs on op timing do not apply to it.
  bool times_itself = false;
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
