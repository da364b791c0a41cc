// The two programs of the test_run writer and how one BPF_PROG_TEST_RUN call
// runs either over a key range (bpf/record.h, struct mapsla_writer_args):
//
//   syscall  bpf/writer.bpf.c, bpf/locked_writer.bpf.c: SEC("syscall") with
//            bpf_loop (Linux 5.17); the arguments are the program's context
//            (ctx_in/ctx_out) and any number of keys is written in one run.
//   xdp      bpf/legacy_writer.bpf.c, bpf/legacy_locked_writer.bpf.c: XDP with
//            a bounded loop (Linux 5.3; loads on 5.10); the arguments are the
//            packet (data_in/data_out) and one run writes at most the
//            program's max_keys (rodata, legacy_writer_keys()).
//
// Both write the same records in the same patterns (bpf/writer_ops.h,
// bpf/locked_writer_ops.h), so a range written by either reads the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bpf/legacy_writer.h"
#include "bpf/record.h"

namespace mapsla {

enum class WriterProgram { syscall, xdp };

static_assert(sizeof(mapsla_legacy_writer_args) == 48);

inline constexpr uint32_t kLegacyWriterMaxKeys = MAPSLA_LEGACY_WRITER_MAX_KEYS;

std::string_view to_string(WriterProgram program);
std::optional<WriterProgram> writer_program_from_string(std::string_view text);

// Keys one run of the XDP writer walks for values of `value_size` bytes: the
// verifier walks every iteration, and a 1 KiB record costs it about 16 K
// instructions per key on 6.18 (32 keys of 64 B: 35 K processed; 16 of
// 256 B: 71 K; 8 of 1 KiB: 125 K), far below 5.10's limit of a million.
constexpr uint32_t legacy_writer_keys(uint32_t value_size) {
  return value_size <= MAPSLA_VALUE_SIZE_SMALL    ? kLegacyWriterMaxKeys
         : value_size <= MAPSLA_VALUE_SIZE_MEDIUM ? kLegacyWriterMaxKeys / 2
                                                  : kLegacyWriterMaxKeys / 4;
}

// Runs the loaded writer program `prog_fd` once over args' range and copies
// what it reports back into args.updated, args.failed and args.last_error.
// Returns 0, or the errno of BPF_PROG_TEST_RUN; EPROTO when the XDP program
// refused the packet (XDP_ABORTED: key_count above its max_keys) or
// returned less than the arguments. Never throws: it is the writer's hot path.
int run_writer_program(int prog_fd, WriterProgram program, mapsla_writer_args& args);

// Runs the loaded XDP writer `repeat` times in one BPF_PROG_TEST_RUN over the
// packet `packet` (bpf/legacy_writer.h): each repetition writes the next
// slice from packet.cursor, one version higher than the last. On success the
// packet is what the last repetition left (cursor and version advanced,
// updated/failed summed over the repetitions) and `run_ns` the kernel's mean
// time per repetition. Returns 0 or an errno as run_writer_program does; on
// EINTR (a signal) the kernel returns nothing and an unknown number of
// repetitions ran. Never throws.
int run_xdp_writer(int prog_fd, mapsla_legacy_writer_args& packet, uint32_t repeat,
                   uint32_t& run_ns);

}  // namespace mapsla
