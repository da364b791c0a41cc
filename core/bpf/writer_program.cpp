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
  // The packet is the arguments; the program writes its counts into it and
  // the kernel copies the packet back out.
  mapsla_writer_args out{};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &args, .data_out = &out,
              .data_size_in = sizeof(args), .data_size_out = sizeof(out));
  if (int err = errno_of(bpf_prog_test_run_opts(prog_fd, &opts))) return err;
  if (opts.retval != XDP_PASS || opts.data_size_out < sizeof(out)) return EPROTO;
  args.updated = out.updated;
  args.failed = out.failed;
  args.last_error = out.last_error;
  return 0;
}

}  // namespace mapsla
