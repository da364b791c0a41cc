// CRC32C against the RFC 3720 (iSCSI) test vectors, for both implementations,
// and the two implementations against each other on every length and
// alignment a value can have.
#include "readers/crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

namespace mapsla {
namespace {

using Impl = uint32_t (*)(std::span<const std::byte>, uint32_t) noexcept;

struct Vector {
  const char* name;
  std::array<uint8_t, 32> bytes;
  uint32_t crc;
};

std::array<uint8_t, 32> filled(uint8_t value) {
  std::array<uint8_t, 32> a;
  a.fill(value);
  return a;
}

std::array<uint8_t, 32> ascending() {
  std::array<uint8_t, 32> a;
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<uint8_t>(i);
  return a;
}

std::array<uint8_t, 32> descending() {
  std::array<uint8_t, 32> a;
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<uint8_t>(31 - i);
  return a;
}

// RFC 3720, appendix B.4 "CRC Examples".
const Vector kRfc3720[] = {
    {"32 bytes of zeros", filled(0x00), 0x8A9136AAu},
    {"32 bytes of 0xFF", filled(0xFF), 0x62A8AB43u},
    {"32 bytes ascending 0..31", ascending(), 0x46DD794Eu},
    {"32 bytes descending 31..0", descending(), 0x113FDB5Cu},
};

std::span<const std::byte> bytes_of(const std::array<uint8_t, 32>& a) {
  return std::as_bytes(std::span(a));
}

void expect_rfc3720(Impl impl) {
  for (const Vector& v : kRfc3720)
    EXPECT_EQ(impl(bytes_of(v.bytes), 0), v.crc) << v.name;
}

TEST(Crc32c, PortableMatchesRfc3720Vectors) {
  expect_rfc3720(&crc32c_portable);
}

TEST(Crc32c, Sse42MatchesRfc3720Vectors) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "this CPU has no SSE4.2 crc32 instruction";
  expect_rfc3720(&crc32c_sse42);
}

TEST(Crc32c, DispatchMatchesRfc3720Vectors) {
  expect_rfc3720(&crc32c);
  EXPECT_EQ(crc32c_implementation(), crc32c_hardware_available() ? "sse4.2" : "table");
}

TEST(Crc32c, CheckValueOfAsciiDigits) {
  // The catalogue "check" value of CRC-32C: crc of "123456789".
  const std::string_view digits = "123456789";
  const auto data = std::as_bytes(std::span(digits.data(), digits.size()));
  EXPECT_EQ(crc32c_portable(data), 0xE3069283u);
  EXPECT_EQ(crc32c(data), 0xE3069283u);
}

TEST(Crc32c, ImplementationsAgreeOnEveryLengthAndAlignment) {
  std::vector<std::byte> buffer(1024 + 16);
  uint64_t x = 0x0123456789abcdefull;
  for (auto& b : buffer) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    b = static_cast<std::byte>(x >> 56);
  }
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len <= 1024; len += (len < 80 ? 1 : 61)) {
      const std::span<const std::byte> data(buffer.data() + offset, len);
      const uint32_t portable = crc32c_portable(data);
      EXPECT_EQ(crc32c(data), portable) << "offset " << offset << " len " << len;
      if (crc32c_hardware_available()) {
        EXPECT_EQ(crc32c_sse42(data), portable) << "offset " << offset << " len " << len;
      }
    }
  }
}

TEST(Crc32c, ContinuesAcrossSplits) {
  const auto digits = std::as_bytes(std::span("123456789", 9));
  for (size_t split = 0; split <= digits.size(); ++split) {
    const uint32_t head = crc32c_portable(digits.first(split));
    EXPECT_EQ(crc32c_portable(digits.subspan(split), head), 0xE3069283u) << split;
    EXPECT_EQ(crc32c(digits.subspan(split), crc32c(digits.first(split))), 0xE3069283u) << split;
  }
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::array<uint8_t, 32> a = ascending();
  const uint32_t before = crc32c(bytes_of(a));
  a[17] ^= 0x10;
  EXPECT_NE(crc32c(bytes_of(a)), before);
}

}  // namespace
}  // namespace mapsla
