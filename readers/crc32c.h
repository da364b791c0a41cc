// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as used by iSCSI
// (RFC 3720), ext4 and SSE4.2's crc32 instruction.
//
// crc32c() picks the implementation once per process: the SSE4.2 `crc32`
// instruction when the CPU has it (checked at run time, so the binary still
// runs on CPUs without SSE4.2), otherwise a portable table-driven loop. Both
// give identical results; tests/unit/crc32c_test.cpp checks both against the
// RFC 3720 vectors. All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mapsla {

// CRC of `data`, continuing from `crc` (the result of a previous call over
// the bytes before it; 0 to start). Standard pre- and post-inversion, so
// crc32c of 32 zero bytes is 0x8A9136AA.
uint32_t crc32c(std::span<const std::byte> data, uint32_t crc = 0) noexcept;

// The two implementations, for tests and benchmarks.
uint32_t crc32c_portable(std::span<const std::byte> data, uint32_t crc = 0) noexcept;
// Only valid when crc32c_hardware_available(); undefined behaviour otherwise.
uint32_t crc32c_sse42(std::span<const std::byte> data, uint32_t crc = 0) noexcept;
bool crc32c_hardware_available() noexcept;

// "sse4.2" or "table": what crc32c() uses on this CPU.
std::string_view crc32c_implementation() noexcept;

}  // namespace mapsla
