// A well-behaved external reader whose passes end early on purpose: it dumps
// the map (get_next_key + lookup) but stops each pass after STEPS entries and
// reports pass_status ERRNO, as a library that abandons an iteration does
// (cilium/ebpf's ErrIterationAborted is ECANCELED). The keys it did not reach
// must count as unreached, never as skipped.
//
// usage: mapsla-early-end-reader STEPS ERRNO
#include <bpf/bpf.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) _exit(2);
  return std::strtoull(v, nullptr, 10);
}

template <typename T>
void put(std::vector<unsigned char>& out, T v) {
  unsigned char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);  // x86 and arm64: little-endian already
  out.insert(out.end(), bytes, bytes + sizeof v);
}

bool write_all(int fd, const std::vector<unsigned char>& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const uint64_t steps = std::strtoull(argv[1], nullptr, 10);
  const int32_t status = static_cast<int32_t>(std::strtol(argv[2], nullptr, 10));
  const int map_fd = static_cast<int>(env("MAPSLA_MAP_FD"));
  const int out_fd = static_cast<int>(env("MAPSLA_OUT_FD"));
  const uint32_t value_size = static_cast<uint32_t>(env("MAPSLA_VALUE_SIZE"));
  const uint64_t deadline = env("MAPSLA_DEADLINE_NS");
  std::vector<unsigned char> value(value_size);
  while (now_ns() < deadline) {
    std::vector<unsigned char> entries;
    uint32_t count = 0, cursor = 0, next = 0;
    bool first = true, ended_early = false;
    const uint64_t start = now_ns();
    while (bpf_map_get_next_key(map_fd, first ? nullptr : &cursor, &next) == 0) {
      if (count == steps) {
        ended_early = true;
        break;
      }
      int32_t err = 0;
      if (bpf_map_lookup_elem(map_fd, &next, value.data()) != 0) {
        err = errno;
        std::fill(value.begin(), value.end(), 0);
      }
      put(entries, next);
      put(entries, err);
      entries.insert(entries.end(), value.begin(), value.end());
      ++count;
      cursor = next;
      first = false;
    }
    const uint64_t end = now_ns();
    std::vector<unsigned char> frame = {'M', 'S', 'L', 'F'};
    put(frame, uint16_t{1});  // version
    put(frame, uint16_t{0});  // flags: no latencies
    put(frame, uint32_t{4});  // key size
    put(frame, value_size);
    put(frame, start);
    put(frame, end);
    put(frame, count);
    put(frame, ended_early ? status : int32_t{0});
    frame.insert(frame.end(), entries.begin(), entries.end());
    if (!write_all(out_fd, frame)) return 1;
  }
  return 0;
}
