// mapsla-example-reader: the smallest useful external reader in C++.
//
// MAPSLA_MODE=lookup only: bpf_map_lookup_elem for keys 0..MAPSLA_KEY_COUNT-1,
// one frame per pass with per-op latency, until MAPSLA_DEADLINE_NS or SIGTERM.
// See docs/external-readers.md for the protocol and the exit statuses
// (0 done, 1 runtime error, 2 bad configuration).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "frame.h"

namespace {

volatile sig_atomic_t g_stop = 0;

void on_sigterm(int) {
  g_stop = 1;
}

std::uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000u + std::uint64_t(ts.tv_nsec);
}

[[noreturn]] void die(int code, const std::string& msg) {
  std::fprintf(stderr, "mapsla-example-reader: %s\n", msg.c_str());
  std::exit(code);
}

std::optional<std::uint64_t> env_u64(const char* name) {
  const char* s = std::getenv(name);
  if (s == nullptr || *s == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || *s == '-')
    die(2, std::string(name) + "=" + s + ": not a number");
  return v;
}

std::uint64_t env_required(const char* name) {
  auto v = env_u64(name);
  if (!v) die(2, std::string(name) + " is not set");
  return *v;
}

// libbpf >= 1.0 returns -errno; this is the one place that turns it positive.
int errno_of(int rc) {
  return rc < 0 ? -rc : 0;
}

void write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die(1, std::string("write MAPSLA_OUT_FD: ") + std::strerror(errno));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace

int main() {
  const char* mode = std::getenv("MAPSLA_MODE");
  if (mode != nullptr && std::strcmp(mode, "lookup") != 0)
    die(2, std::string("MAPSLA_MODE=") + mode + ": this example implements lookup only");

  int map_fd = -1;
  if (auto fd = env_u64("MAPSLA_MAP_FD")) {
    map_fd = static_cast<int>(*fd);
  } else if (const char* pin = std::getenv("MAPSLA_MAP_PIN")) {
    struct bpf_obj_get_opts opts {};
    opts.sz = sizeof opts;
    opts.file_flags = BPF_F_RDONLY;
    const int rc = bpf_obj_get_opts(pin, &opts);
    if (rc < 0) die(2, std::string("open ") + pin + ": " + std::strerror(errno_of(rc)));
    map_fd = rc;
  } else {
    die(2, "neither MAPSLA_MAP_FD nor MAPSLA_MAP_PIN is set");
  }
  const int out_fd = static_cast<int>(env_required("MAPSLA_OUT_FD"));
  const auto key_count = static_cast<std::uint32_t>(env_required("MAPSLA_KEY_COUNT"));
  const auto key_size = static_cast<std::uint32_t>(env_required("MAPSLA_KEY_SIZE"));
  const auto value_size = static_cast<std::uint32_t>(env_required("MAPSLA_VALUE_SIZE"));
  const std::uint64_t deadline = env_required("MAPSLA_DEADLINE_NS");
  const auto max_entries = static_cast<std::uint32_t>(env_required("MAPSLA_MAX_ENTRIES_PER_PASS"));
  if (key_size != 4) die(2, "MAPSLA_KEY_SIZE must be 4");
  if (key_count > max_entries) die(2, "MAPSLA_KEY_COUNT exceeds MAPSLA_MAX_ENTRIES_PER_PASS");

  bpf_map_info info{};
  std::uint32_t info_len = sizeof info;
  if (const int rc = bpf_obj_get_info_by_fd(map_fd, &info, &info_len); rc < 0)
    die(2, std::string("MAPSLA_MAP_FD: map info: ") + std::strerror(errno_of(rc)));
  std::uint32_t buffer_size = info.value_size;
  if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
      info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
    buffer_size =
        (info.value_size + 7) / 8 * 8 * static_cast<std::uint32_t>(libbpf_num_possible_cpus());
  if (info.key_size != key_size || buffer_size != value_size)
    die(2, "map key/value size " + std::to_string(info.key_size) + "/" +
               std::to_string(buffer_size) + " differ from MAPSLA_KEY_SIZE/MAPSLA_VALUE_SIZE");

  struct sigaction sa {};
  sa.sa_handler = on_sigterm;
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed pipe becomes EPIPE from write()

  mapsla::external::FrameWriter writer(key_size, value_size, /*has_latency=*/true);
  std::vector<std::uint8_t> value(value_size);
  while (!g_stop && mono_ns() < deadline) {
    writer.begin(mono_ns());
    std::uint64_t t0 = mono_ns();
    std::uint32_t key = 0;
    for (; key < key_count && !g_stop; ++key) {
      const int err = errno_of(bpf_map_lookup_elem(map_fd, &key, value.data()));
      const std::uint64_t t1 = mono_ns();
      writer.add(key, err,
                 err == 0 ? std::span<const std::uint8_t>(value) : std::span<const std::uint8_t>(),
                 t1 - t0);
      t0 = t1;
    }
    if (g_stop) break;  // an interrupted pass is not reported
    write_all(out_fd, writer.finish(mono_ns()));
  }
  close(out_fd);
  return 0;
}
