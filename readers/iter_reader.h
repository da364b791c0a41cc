// iter: a map-element BPF iterator (bpf/map_iter.bpf.c through
// core/bpf/map_iterator.h) streams the map as (key, value) frames
// through a seq_file; one pass is one bpf_iter_create() and read()s of the
// iterator fd until it returns 0.
//
// One op is one read() into a `buffer_bytes` buffer (default 64 KiB); the
// frames it returned are copied into the block. A read() returns at most the
// kernel's seq_file buffer (8 pages, 32 KiB with 4 KiB pages), so larger
// buffers change nothing; the first op of a pass includes bpf_iter_create()
// and the last one the read() that returns 0 and the close().
//
// Contract: the program copies each value without any lock while writers
// write, so values written in place can be torn, exactly as with a plain
// lookup. A hash is walked bucket by bucket: keys deleted and re-inserted
// during the pass can be missed or returned twice; an array returns every
// index once. Per-CPU maps are read whole: the frame's value holds every
// possible CPU's slot, laid out as a per-CPU lookup returns it. A read()
// error is recorded with its errno and ends the pass; a frame cut short at
// the end of the stream is recorded as EPROTO. Not applicable when the
// feature probe could not load, attach and read the iterator program (a
// kernel without BPF tracing programs, or before 5.9), with the probe's reason.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/bpf/map_iterator.h"
#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class IterReader final : public Reader {
 public:
  static constexpr uint32_t kDefaultBufferBytes = 64 * 1024;

  struct Options {
    uint32_t buffer_bytes = kDefaultBufferBytes;  // one read() of the iterator fd
  };

  explicit IterReader(Options options) : buffer_bytes_(options.buffer_bytes) {}
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "iter"; }
  std::string_view mode() const override { return "dump"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  void detach() override;
  size_t entries_per_block() const override;
  std::vector<std::pair<std::string, std::string>> settings() const override;

 private:
  uint32_t buffer_bytes_;
  std::unique_ptr<MapIterator> iterator_;
  std::vector<std::byte> buffer_;
  size_t frame_bytes_ = 0;
  size_t frames_per_read_ = 0;  // most frames one read() can return
};

}  // namespace mapsla
