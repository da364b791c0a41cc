#include "readers/naive_reader.h"

#include <cerrno>

#include "core/util/clock.h"

namespace mapsla {

ReaderDescriptor NaiveReader::descriptor() {
  return {"naive",
          "bpf_map_lookup_elem per known key (keys) or get_next_key + lookup (dump)",
          {"keys", "dump"},
          [](const std::string& mode, Fields& fields) {
            Options o;
            if (fields.has("max_steps")) {
              if (mode != "dump") fields.fail("max_steps", "applies to mode dump only");
              o.max_steps = fields.integer("max_steps", 1, uint64_t{1} << 40);
            }
            return hold_reader_options(o);
          },
          [](const std::string& mode, const ReaderOptions& options) {
            return std::make_unique<NaiveReader>(mode == "dump" ? Mode::dump : Mode::keys,
                                                 reader_options_as<Options>(options));
          }};
}

Applicability NaiveReader::applies_to(const TargetSpec&) const {
  return Applicability::yes();
}

void NaiveReader::attach(const ReadTarget& target) {
  map_ = target.map;
  key_count_ = target.key_count;
}

void NaiveReader::read_pass(PassSink& sink) {
  if (mode_ == Mode::keys)
    read_keys(sink);
  else
    read_dump(sink);
}

void NaiveReader::read_keys(PassSink& sink) {
  ReadBlock& block = sink.block();
  block.start(now_ns());
  for (uint32_t key = 0; key < key_count_; ++key) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    const int err = map_.lookup(&key, block.value_slot());
    block.add(key, err);
    block.end_op(now_ns());
  }
  sink.flush();
}

void NaiveReader::read_dump(PassSink& sink) {
  ReadBlock& block = sink.block();
  const uint64_t cap = max_steps_
                           ? max_steps_
                           : static_cast<uint64_t>(map_.info().max_entries) * kIterationCapFactor;
  uint32_t cursor = 0;
  bool first = true;
  block.start(now_ns());
  for (uint64_t steps = 0;; ++steps) {
    if (block.full()) {
      sink.flush();
      block.start(now_ns());
    }
    if (steps == cap) {
      block.add(ReadBlock::kNoKey, E2BIG);
      block.end_op(now_ns());
      break;
    }
    uint32_t next = 0;
    int err = map_.get_next_key(first ? nullptr : &cursor, &next);
    if (err == ENOENT) {  // the end of the map, not an anomaly
      block.end_op(now_ns());
      break;
    }
    if (err != 0) {
      block.add(ReadBlock::kNoKey, err);
      block.end_op(now_ns());
      break;
    }
    // ENOENT here is a key deleted between the two calls: it is recorded,
    // and the oracle decides whether that key should have existed.
    err = map_.lookup(&next, block.value_slot());
    block.add(next, err);
    block.end_op(now_ns());
    cursor = next;
    first = false;
  }
  sink.flush();
}

}  // namespace mapsla
