#include "readers/mmap_reader.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/bpf/oracle_record.h"
#include "core/util/clock.h"

namespace mapsla {
namespace {

constexpr const char* kModeNames[] = {"seqlock", "double_read", "none"};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// The seq word is read with the __atomic builtins rather than
// std::atomic_ref: the mapping is PROT_READ, and C++20 has no
// atomic_ref<const T>, while __atomic_load_n takes a const pointer. An
// aligned 8-byte acquire load is a plain load plus a compiler barrier on
// x86-64 (ldar on arm64), and it pairs with the writer's atomic adds (full
// barriers on every BPF JIT).
inline uint64_t load_seq_acquire(const uint64_t* seq) {
  return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

}  // namespace

ReaderDescriptor MmapReader::descriptor() {
  return {"mmap",
          "direct reads of a BPF_F_MMAPABLE array: seqlock-validated, double-read or plain copies",
          {"seqlock", "double_read", "none"},
          [](const std::string&, Fields& options) {
            Options o;
            options.check([&] {
              o.entries_per_op = static_cast<uint32_t>(
                  options.integer("entries_per_op", 1, 4096, kDefaultEntriesPerOp));
            });
            options.check([&] {
              o.max_attempts = static_cast<uint32_t>(
                  options.integer("max_attempts", 1, UINT16_MAX, kDefaultMaxAttempts));
            });
            return hold_reader_options(o);
          },
          [](const std::string& mode, const ReaderOptions& options) {
            const Mode m = mode == "double_read" ? Mode::double_read
                           : mode == "none"      ? Mode::none
                                                 : Mode::seqlock;
            return std::make_unique<MmapReader>(m, reader_options_as<Options>(options));
          }};
}

std::string_view MmapReader::mode() const {
  return kModeNames[static_cast<int>(mode_)];
}

Applicability MmapReader::applies_to(const TargetSpec& target) const {
  if (target.kind != MapKind::array)
    return Applicability::no(fmt::format(
        "mmap reads BPF_F_MMAPABLE arrays only; a {} cannot be mapped", to_string(target.kind)));
  if (target.pattern == WriterPattern::locked)
    return Applicability::no(
        "the locked pattern's array holds a bpf_spin_lock, which the kernel refuses in an "
        "mmapable array");
  if (target.features && !target.features->mmapable_array.available)
    return Applicability::no("the kernel cannot mmap arrays: " +
                             target.features->mmapable_array.detail);
  if (mode_ == Mode::seqlock && target.writer_running && target.pattern != WriterPattern::seqlock)
    return Applicability::no(fmt::format(
        "seqlock validation needs the seqlock writer pattern; the {} writer never makes seq odd, "
        "so the check would prove nothing",
        to_string(target.pattern)));
  return Applicability::yes();
}

void MmapReader::attach(const ReadTarget& target) {
  values_ = MappedValues(target.map);
  if (target.key_count > values_.entries())
    throw std::invalid_argument(fmt::format("mmap: {} keys but the array has {} entries",
                                            target.key_count, values_.entries()));
  key_count_ = target.key_count;
  value_size_ = target.map.info().value_size;
  second_copy_.assign(value_size_, std::byte{0});
}

void MmapReader::detach() {
  values_ = MappedValues();
}

size_t MmapReader::entries_per_block() const {
  return std::max<size_t>(4096, entries_per_op_);
}

std::vector<std::pair<std::string, std::string>> MmapReader::settings() const {
  return {{"validation", std::string(mode())},
          {"entries_per_op", std::to_string(entries_per_op_)},
          {"max_attempts", std::to_string(max_attempts_)}};
}

// A copy of a size known at compile time is inlined as a few vector moves;
// a run-time size calls memcpy, which costs as much as the copy itself.
template <MmapReader::Mode M>
void MmapReader::read_sized(PassSink& sink) {
  switch (value_size_) {
    case MAPSLA_VALUE_SIZE_SMALL:
      return read_keys<M, MAPSLA_VALUE_SIZE_SMALL>(sink);
    case MAPSLA_VALUE_SIZE_MEDIUM:
      return read_keys<M, MAPSLA_VALUE_SIZE_MEDIUM>(sink);
    case MAPSLA_VALUE_SIZE_LARGE:
      return read_keys<M, MAPSLA_VALUE_SIZE_LARGE>(sink);
    default:
      return read_keys<M, 0>(sink);
  }
}

void MmapReader::read_pass(PassSink& sink) {
  switch (mode_) {
    case Mode::seqlock:
      return read_sized<Mode::seqlock>(sink);
    case Mode::double_read:
      return read_sized<Mode::double_read>(sink);
    case Mode::none:
      return read_sized<Mode::none>(sink);
  }
}

template <MmapReader::Mode M, uint32_t kSize>
void MmapReader::read_keys(PassSink& sink) {
  ReadBlock& block = sink.block();
  const size_t size = kSize ? kSize : value_size_;
  block.start(now_ns());
  for (uint32_t key = 0; key < key_count_;) {
    const uint32_t group = std::min(entries_per_op_, key_count_ - key);
    if (block.room() < group) {
      sink.flush();
      block.start(now_ns());
    }
    for (const uint32_t end = key + group; key < end; ++key) {
      const std::byte* src = values_.value(key);
      std::byte* dst = block.value_slot();
      if constexpr (M == Mode::none) {
        std::memcpy(dst, src, size);
        block.add(key, 0);
      } else if constexpr (M == Mode::double_read) {
        uint32_t attempts = 0;
        int status = EAGAIN;
        while (attempts < max_attempts_) {
          ++attempts;
          std::memcpy(dst, src, size);
          std::memcpy(second_copy_.data(), src, size);
          if (std::memcmp(dst, second_copy_.data(), size) == 0) {
            status = 0;
            break;
          }
        }
        block.add(key, status, static_cast<uint16_t>(attempts));
      } else {
        const auto* seq =
            reinterpret_cast<const uint64_t*>(src + offsetof(mapsla_record_head, seq));
        uint32_t attempts = 0;
        int status = EAGAIN;
        while (attempts < max_attempts_) {
          ++attempts;
          const uint64_t before = load_seq_acquire(seq);
          if (before & 1) {  // a write is in progress
            cpu_relax();
            continue;
          }
          std::memcpy(dst, src, size);
          // The fence keeps the copy's loads before the second seq load (a
          // plain memcpy has no ordering of its own); equal even values
          // around the copy mean no write overlapped it.
          std::atomic_thread_fence(std::memory_order_acquire);
          if (__atomic_load_n(seq, __ATOMIC_RELAXED) == before) {
            status = 0;
            break;
          }
        }
        block.add(key, status, static_cast<uint16_t>(attempts));
      }
    }
    block.end_op(now_ns());
  }
  sink.flush();
}

}  // namespace mapsla
