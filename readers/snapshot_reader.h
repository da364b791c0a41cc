// snapshot: read twice, accept only what did not change in between.
//
// Mode `value` looks each key up twice in a row and accepts the value when
// both lookups returned the same status and, for a value, the same CRC32C
// (readers/crc32c.h); otherwise it looks up again and compares the newest two
// copies, up to `max_attempts` comparisons. Mode `pass` looks up the whole
// key set once, then again, and accepts each key whose two snapshots agree
// (same status, same record version, same CRC32C); keys that changed are
// re-read and compared with their newest copy, within the same budget.
//
// Contract: a value handed over was seen identical in two consecutive copies,
// so a write in progress during either copy is caught, unless the writer held
// the value half-written across both copies or the budget ran out — then the
// newest copy is handed over as it is and the oracle judges it (torn values
// remain possible, and are reported). A key's value is not a point-in-time
// view of the map: in `pass` mode two keys can come from different moments.
//
// Attempts per entry are the comparisons it took (1 = the first pair agreed);
// the op latency covers all of that key's lookups (and, in `pass` mode, its
// share of both snapshots). `pass` keeps two copies of the key set in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class SnapshotReader final : public Reader {
 public:
  enum class Mode { value, pass };
  // `pass` mode holds two copies of the key set; beyond this it does not apply.
  static constexpr uint64_t kMaxPassBytes = 1ull << 30;

  struct Options {
    uint32_t max_attempts = 8;
  };

  SnapshotReader(Mode mode, Options options) : mode_(mode), max_attempts_(options.max_attempts) {}
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "snapshot"; }
  std::string_view mode() const override { return mode_ == Mode::value ? "value" : "pass"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void detach() override;
  void read_pass(PassSink& sink) override;
  std::vector<std::pair<std::string, std::string>> settings() const override;

 private:
  void read_values(PassSink& sink);
  void read_snapshots(PassSink& sink);
  uint32_t checksum(const std::byte* value) const;
  bool same_versions(const std::byte* a, const std::byte* b) const;
  std::byte* copy_a(uint32_t key) { return copies_a_.data() + key * stride_; }
  std::byte* copy_b(uint32_t key) { return copies_b_.data() + key * stride_; }

  Mode mode_;
  uint32_t max_attempts_;
  MapView map_;
  uint32_t key_count_ = 0;
  size_t stride_ = 0;  // bytes one lookup writes
  size_t slots_ = 1;
  size_t slot_stride_ = 0;
  std::vector<std::byte> scratch_;  // `value`: the second copy
  // `pass`: both snapshots, their statuses, and per key its time and attempts.
  std::vector<std::byte> copies_a_, copies_b_;
  std::vector<int32_t> status_a_, status_b_;
  std::vector<uint64_t> key_ns_;
  std::vector<uint16_t> attempts_;
  std::vector<uint32_t> changed_;
};

}  // namespace mapsla
