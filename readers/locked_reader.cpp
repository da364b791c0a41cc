#include "readers/locked_reader.h"

#include <fmt/format.h>

#include "core/util/clock.h"

namespace mapsla {

ReaderDescriptor LockedReader::descriptor() {
  return {
      "locked",
      "bpf_map_lookup_elem with BPF_F_LOCK per key: copies under the value's bpf_spin_lock",
      {"keys"},
      [](const std::string&, Fields&) { return hold_reader_options(Options{}); },
      [](const std::string&, const ReaderOptions&) { return std::make_unique<LockedReader>(); }};
}

Applicability LockedReader::applies_to(const TargetSpec& target) const {
  if (target.pattern != WriterPattern::locked)
    return Applicability::no(fmt::format(
        "BPF_F_LOCK needs values that hold a bpf_spin_lock (the locked pattern), not {}",
        to_string(target.pattern)));
  if (target.kind != MapKind::hash && target.kind != MapKind::array)
    return Applicability::no(
        fmt::format("spin-locked values are supported on hash and plain array maps, not {}",
                    to_string(target.kind)));
  if (target.features && !target.features->map_lock.available)
    return Applicability::no("the kernel lacks BPF_F_LOCK lookups: " +
                             target.features->map_lock.detail);
  return Applicability::yes();
}

void LockedReader::attach(const ReadTarget& target) {
  map_ = target.map;
  key_count_ = target.key_count;
}

void LockedReader::read_pass(PassSink& sink) {
  ReadBlock& block = sink.block();
  block.start(now_ns());
  for (uint32_t key = 0; key < key_count_; ++key) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    const int err = map_.lookup_flags(&key, block.value_slot(), BPF_F_LOCK);
    block.add(key, err);
    block.end_op(now_ns());
  }
  sink.flush();
}

}  // namespace mapsla
