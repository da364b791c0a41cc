#include "readers/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mapsla {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

// Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes,
// so eight bytes fold in with eight independent lookups.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1u) ? kPolyReflected : 0u);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b)
    for (size_t k = 1; k < 8; ++k)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}

constexpr auto kTables = make_tables();

uint64_t load_le64(const std::byte* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;  // x86-64 and every other target mapsla builds for is little-endian
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42_impl(const std::byte* p, size_t n,
                                                             uint32_t crc) {
  uint64_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8)
    c = _mm_crc32_u64(c, load_le64(p));
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n; --n, ++p)
    c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p));
  return ~c32;
}
#endif

using Impl = uint32_t (*)(std::span<const std::byte>, uint32_t) noexcept;

Impl pick() {
  return crc32c_hardware_available() ? &crc32c_sse42 : &crc32c_portable;
}

}  // namespace

bool crc32c_hardware_available() noexcept {
#if defined(__x86_64__)
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
#else
  return false;
#endif
}

uint32_t crc32c_portable(std::span<const std::byte> data, uint32_t crc) noexcept {
  const std::byte* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    const uint64_t word = load_le64(p) ^ c;
    c = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^ kTables[5][(word >> 16) & 0xFF] ^
        kTables[4][(word >> 24) & 0xFF] ^ kTables[3][(word >> 32) & 0xFF] ^
        kTables[2][(word >> 40) & 0xFF] ^ kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
  }
  for (; n; --n, ++p)
    c = (c >> 8) ^ kTables[0][(c ^ static_cast<uint8_t>(*p)) & 0xFF];
  return ~c;
}

uint32_t crc32c_sse42(std::span<const std::byte> data, uint32_t crc) noexcept {
#if defined(__x86_64__)
  return crc32c_sse42_impl(data.data(), data.size(), crc);
#else
  return crc32c_portable(data, crc);
#endif
}

uint32_t crc32c(std::span<const std::byte> data, uint32_t crc) noexcept {
  static const Impl impl = pick();
  return impl(data, crc);
}

std::string_view crc32c_implementation() noexcept {
  return crc32c_hardware_available() ? "sse4.2" : "table";
}

}  // namespace mapsla
