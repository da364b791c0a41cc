#include "tests/integration/png_reader.h"

#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace mapsla::testing {
namespace {

uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

std::vector<uint8_t> inflate_all(const std::vector<uint8_t>& in, size_t expected) {
  std::vector<uint8_t> out(expected);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) throw std::runtime_error("png: inflateInit failed");
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const size_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != expected)
    throw std::runtime_error("png: image data does not inflate to the expected size");
  return out;
}

}  // namespace

Image read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), {});
  static constexpr std::array<uint8_t, 8> kSignature = {0x89, 'P',  'N',  'G',
                                                        '\r', '\n', 0x1a, '\n'};
  if (file.size() < 8 || std::memcmp(file.data(), kSignature.data(), 8) != 0)
    throw std::runtime_error("png: " + path.string() + " is not a PNG file");
  Image image;
  int channels = 0;
  std::vector<uint8_t> compressed;
  for (size_t pos = 8; pos + 12 <= file.size();) {
    const uint32_t length = be32(&file[pos]);
    if (pos + 12 + length > file.size()) throw std::runtime_error("png: truncated chunk");
    const std::string type(reinterpret_cast<const char*>(&file[pos + 4]), 4);
    const uint8_t* data = &file[pos + 8];
    if (type == "IHDR") {
      image.width = be32(data);
      image.height = be32(data + 4);
      const uint8_t depth = data[8], color = data[9], interlace = data[12];
      if (depth != 8 || (color != 2 && color != 6) || interlace != 0)
        throw std::runtime_error("png: only 8-bit RGB/RGBA, non-interlaced images are supported");
      channels = color == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      compressed.insert(compressed.end(), data, data + length);
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + length;
  }
  if (channels == 0 || image.width == 0 || image.height == 0)
    throw std::runtime_error("png: no image header");
  const size_t stride = size_t{image.width} * static_cast<size_t>(channels);
  std::vector<uint8_t> raw = inflate_all(compressed, (stride + 1) * image.height);

  std::vector<uint8_t> previous(stride, 0), row(stride);
  image.pixels.resize(size_t{image.width} * image.height);
  for (uint32_t y = 0; y < image.height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* src = &raw[y * (stride + 1) + 1];
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<size_t>(channels) ? row[i - static_cast<size_t>(channels)] : 0;
      const int b = previous[i];
      const int c =
          i >= static_cast<size_t>(channels) ? previous[i - static_cast<size_t>(channels)] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw std::runtime_error("png: bad filter type " + std::to_string(filter));
      }
      row[i] = static_cast<uint8_t>(src[i] + predictor);
    }
    for (uint32_t x = 0; x < image.width; ++x) {
      const uint8_t* p = &row[size_t{x} * static_cast<size_t>(channels)];
      image.pixels[size_t{y} * image.width + x] = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
    }
    std::swap(previous, row);
  }
  return image;
}

}  // namespace mapsla::testing
