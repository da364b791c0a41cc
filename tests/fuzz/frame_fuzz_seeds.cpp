// Writes the seed corpus for frame_fuzz into <dir>/seeds (and creates the empty
// <dir>/corpus libFuzzer adds to). Seeds carry the two-byte prefix frame_fuzz
// expects: limits selector, chunk size.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "readers/external/frame.h"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes frame(std::uint32_t value_size, std::uint32_t entries, bool latency,
            std::int32_t pass_status) {
  mapsla::external::FrameWriter w(4, value_size, latency);
  w.begin(1'000'000);
  Bytes value(value_size);
  for (std::uint32_t k = 0; k < entries; ++k) {
    for (std::uint32_t i = 0; i < value_size; ++i)
      value[i] = static_cast<std::uint8_t>(k + i);
    if (k % 4 == 3)
      w.add(k, ENOENT, {}, 100 + k);
    else
      w.add(k, 0, value, 100 + k);
  }
  const auto out = w.finish(2'000'000 + entries, pass_status);
  return Bytes(out.begin(), out.end());
}

void write_seed(const fs::path& dir, int& n, std::uint8_t config, std::uint8_t chunk,
                const Bytes& stream) {
  Bytes data = {config, chunk};
  data.insert(data.end(), stream.begin(), stream.end());
  std::ofstream(dir / ("seed-" + std::to_string(n++)), std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  const fs::path seeds = fs::path(argv[1]) / "seeds";
  fs::create_directories(seeds);
  fs::create_directories(fs::path(argv[1]) / "corpus");
  int n = 0;
  for (std::uint8_t config = 0; config < 8; ++config) {
    const std::uint32_t value_size = (config & 1) ? 64 : 8;
    const std::uint32_t max_entries = (config & 2) ? 16 : 4;
    for (bool latency : {false, true}) {
      for (std::uint32_t entries : {0u, 1u, max_entries}) {
        const Bytes one = frame(value_size, entries, latency, entries == 1 ? ECANCELED : 0);
        write_seed(seeds, n, config, 0, one);
        write_seed(seeds, n, config, 3, one);
        Bytes two = one;
        const Bytes other = frame(value_size, max_entries / 2, !latency, 0);
        two.insert(two.end(), other.begin(), other.end());
        write_seed(seeds, n, config, 1, two);
        write_seed(seeds, n, config, 0, Bytes(one.begin(), one.end() - 1));  // truncated
      }
    }
  }
  std::printf("wrote %d seeds to %s\n", n, seeds.c_str());
  return 0;
}
