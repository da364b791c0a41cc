// naive: what most agents do.
//
// Mode `keys` looks up every key of the known key set with one
// bpf_map_lookup_elem each. Mode `dump` walks the map with
// bpf_map_get_next_key and looks up each key it returns.
//
// Contract: none beyond the syscall's. A value is copied without the writer's
// cooperation, so an in-place writer can tear it; a key replaced or deleted
// concurrently can read as ENOENT; a dump restarts from the first key when
// its cursor key disappears, so it can return keys twice and skip others. A
// dump stops after 4 × max_entries steps and records E2BIG (the iteration
// cap), so a pathological restart loop cannot run forever; `max_steps: N`
// sets another bound, as agents that cap their loops do (the keys the pass
// did not reach are then `unreached`, not skipped).
#pragma once

#include <memory>
#include <string>

#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class NaiveReader final : public Reader {
 public:
  enum class Mode { keys, dump };
  static constexpr uint32_t kIterationCapFactor = 4;

  struct Options {
    uint64_t max_steps = 0;  // dump only; 0: kIterationCapFactor × max_entries
  };

  explicit NaiveReader(Mode mode) : NaiveReader(mode, Options{}) {}
  NaiveReader(Mode mode, Options options) : mode_(mode), max_steps_(options.max_steps) {}
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "naive"; }
  std::string_view mode() const override { return mode_ == Mode::keys ? "keys" : "dump"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  std::vector<std::pair<std::string, std::string>> settings() const override {
    if (!max_steps_) return {};
    return {{"max_steps", std::to_string(max_steps_)}};
  }

 private:
  void read_keys(PassSink& sink);
  void read_dump(PassSink& sink);

  Mode mode_;
  uint64_t max_steps_;
  MapView map_;
  uint32_t key_count_ = 0;
};

}  // namespace mapsla
