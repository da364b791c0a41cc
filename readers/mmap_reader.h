// mmap: reads a BPF_F_MMAPABLE array straight from a read-only mapping of
// its values (core/bpf/mapped_values.h): no system call per entry, one
// copy of value_size bytes into the block per key of the key set.
//
// Modes choose how a copy is validated:
//   seqlock      loads the record's `seq` word (acquire) before the copy and
//                again after it (behind an acquire fence), and copies again
//                while seq was odd or changed. Against writers that all
//                follow the seqlock pattern (seq odd during every write) an
//                accepted copy is never torn; against any other writer the
//                check proves nothing, so this mode applies only to the
//                `seqlock` pattern (or a map nobody writes).
//   double_read  copies twice and copies again until both copies are
//                byte-equal. Catches most copies that overlap a write, but a
//                writer paused in the middle of one write across both copies
//                yields two equal torn copies: rarer tears, not none.
//   none         one plain copy: torn whenever it overlaps a write. It exists
//                to show what the validation buys.
// A key still unvalidated after `max_attempts` copies is recorded as EAGAIN
// (an error, its bytes not judged); the attempts of every read are reported.
//
// Contract: `seqlock` never hands over a value torn by a seqlock writer;
// `double_read` makes tears rarer, not impossible; `none` promises nothing.
// Each value is copied at its own moment: nothing is consistent across keys.
//
// Timing: a copy takes a few nanoseconds, about a tenth of a clock read, so
// one op is a group of `entries_per_op` consecutive keys (default 64) timed
// together; op latencies are per group, per-entry cost is op time / entries.
// Not applicable to other map kinds, to the `locked` pattern (its array
// holds a bpf_spin_lock, so it is created without BPF_F_MMAPABLE), or when
// the kernel cannot mmap arrays.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/bpf/mapped_values.h"
#include "readers/reader.h"
#include "readers/registry.h"

namespace mapsla {

class MmapReader final : public Reader {
 public:
  enum class Mode { seqlock, double_read, none };
  static constexpr uint32_t kDefaultEntriesPerOp = 64;
  static constexpr uint32_t kDefaultMaxAttempts = 1000;

  struct Options {
    uint32_t entries_per_op = kDefaultEntriesPerOp;
    uint32_t max_attempts = kDefaultMaxAttempts;
  };

  MmapReader(Mode mode, Options options)
      : mode_(mode), entries_per_op_(options.entries_per_op), max_attempts_(options.max_attempts) {}
  static ReaderDescriptor descriptor();

  std::string_view name() const override { return "mmap"; }
  std::string_view mode() const override;
  Applicability applies_to(const TargetSpec& target) const override;
  void attach(const ReadTarget& target) override;
  void read_pass(PassSink& sink) override;
  void detach() override;
  size_t entries_per_block() const override;
  std::vector<std::pair<std::string, std::string>> settings() const override;

 private:
  template <Mode M>
  void read_sized(PassSink& sink);
  template <Mode M, uint32_t kSize>  // kSize 0: value_size_ at run time
  void read_keys(PassSink& sink);

  Mode mode_;
  uint32_t entries_per_op_;
  uint32_t max_attempts_;
  MappedValues values_;
  uint32_t key_count_ = 0;
  uint32_t value_size_ = 0;
  std::vector<std::byte> second_copy_;  // double_read's comparison copy
};

}  // namespace mapsla
