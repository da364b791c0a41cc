// A minimal PNG decoder for screenshot tests: 8-bit RGB or RGBA, not
// interlaced (what Chromium's --screenshot writes), inflated with zlib.
// Anything else is rejected with a message rather than misread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mapsla::testing {

struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint32_t> pixels;  // 0xRRGGBB, row-major, alpha dropped

  uint32_t at(uint32_t x, uint32_t y) const { return pixels[size_t{y} * width + x]; }
};

// Throws std::runtime_error naming what is wrong with the file.
Image read_png(const std::filesystem::path& path);

}  // namespace mapsla::testing
