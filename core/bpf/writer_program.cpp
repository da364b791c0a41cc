#include "core/bpf/writer_program.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>

#include "core/bpf/error.h"

namespace mapsla {

std::string_view to_string(WriterProgram program) {
  switch (program) {
    case WriterProgram::syscall:
      return "syscall";
    case WriterProgram::xdp:
      return "xdp";
  }
  return "?";
}

std::optional<WriterProgram> writer_program_from_string(std::string_view text) {
  if (text == "syscall") return WriterProgram::syscall;
  if (text == "xdp") return WriterProgram::xdp;
  return std::nullopt;
}

int run_writer_program(int prog_fd, WriterProgram program, mapsla_writer_args& args) {
  if (program == WriterProgram::syscall) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
    return errno_of(bpf_prog_test_run_opts(prog_fd, &opts));
  }
  // The packet is the arguments with a cursor over exactly their range; the
  // program writes its counts into it and the kernel copies it back out.
  mapsla_legacy_writer_args packet{};
  packet.args = args;
  packet.args.updated = 0;
  packet.args.failed = 0;
  packet.args.last_error = 0;
  packet.range_keys = args.key_count;
  uint32_t run_ns = 0;
  if (int err = run_xdp_writer(prog_fd, packet, 1, run_ns)) return err;
  args.updated = packet.args.updated;
  args.failed = packet.args.failed;
  args.last_error = packet.args.last_error;
  return 0;
}

int run_xdp_writer(int prog_fd, mapsla_legacy_writer_args& packet, uint32_t repeat,
                   uint32_t& run_ns) {
  mapsla_legacy_writer_args out{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &packet, .data_out = &out,
              .data_size_in = sizeof(packet), .data_size_out = sizeof(out),
              .repeat = static_cast<int>(repeat));
  if (int err = errno_of(bpf_prog_test_run_opts(prog_fd, &opts))) return err;
  if (opts.retval != XDP_PASS || opts.data_size_out < sizeof(out)) return EPROTO;
  packet = out;
  run_ns = opts.duration;
  return 0;
}

}  // namespace mapsla
