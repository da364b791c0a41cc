// bpftool: the baseline many users know, `bpftool map dump pinned PIN -j`.
//
// Each pass runs bpftool once (fork, exec, read its JSON, wait for its exit)
// and that whole process run is the pass's one timed op; the JSON is parsed
// afterwards, outside the timed region, and every entry goes to the oracle.
// bpftool prints raw bytes as hex strings ("key": ["0x00", …], "value": […]
// or, for per-CPU kinds, "values": [{"cpu": N, "value": […]}, …]), plus a
// "formatted" object when the map has BTF (mapsla's maps have none; it is
// ignored). An entry whose lookup failed comes as "value": {"error":
// strerror text}, mapped back to its errno (ENOENT: missing).
//
// Contract: bpftool's dump loop, which is the naive dump's: get_next_key then
// lookup per key, no cap on restarts, so concurrent deletes make it repeat and
// skip keys and can report ENOENT for keys that exist.
//
// bpftool runs with mapsla's privileges (it opens the pin, in a 0700
// directory), on the reader's CPUs with its memory bound to their NUMA nodes. It must exit within
// the window's deadline + `timeout` (default 5 s), else its process group is killed and read_pass
// throws "timeout: …"; a non-zero exit throws with bpftool's error text. Not applicable when no
// bpftool executable is found in PATH, /usr/sbin, /usr/local/sbin or /sbin.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class BpftoolReader final : public Reader {
 public:
  static constexpr std::chrono::nanoseconds kDefaultTimeout = std::chrono::seconds(5);

  struct Options {
    std::chrono::nanoseconds timeout = kDefaultTimeout;  // per bpftool run
  };

  BpftoolReader(std::string bpftool_path, Options options);
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "bpftool"; }
  std::string_view mode() const override { return "dump"; }
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void begin_window(uint64_t deadline_ns) override { deadline_ns_ = deadline_ns; }
  void read_pass(PassSink& sink) override;
  std::vector<std::pair<std::string, std::string>> settings() const override;

 private:
  std::string bpftool_;
  std::chrono::nanoseconds timeout_;
  std::string pin_path_;
  uint32_t value_size_ = 0;
  uint32_t cpu_slots_ = 1;  // possible CPUs for per-CPU kinds
  bool percpu_ = false;
  uint64_t deadline_ns_ = 0;
  std::vector<int> cpus_;
  std::string json_;  // stdout of the last run, reused across passes
};

// Hands every entry of `bpftool map dump -j` output to the sink's current
// block (which the caller has started at `op_start`; a full block is flushed
// and restarted there), key, errno and value bytes, per-CPU values at
// round_up(value_size, 8) × cpu. Returns the number of entries. Throws
// std::runtime_error naming the entry and what is wrong for output it cannot
// read (not JSON, a key that is not 4 bytes, a value of the wrong size…).
size_t parse_bpftool_dump(const std::string& json, PassSink& sink, uint64_t op_start,
                          uint32_t value_size, uint32_t cpu_slots, bool percpu);

}  // namespace mapsla
