// The bpftool adapter's parser against the JSON forms `bpftool map dump -j`
// prints: raw hex bytes (maps without BTF), per-CPU "values", a lookup error
// object, and a "formatted" object (maps with BTF) that must be ignored.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "readers/bpftool_reader.h"

namespace mapsla {
namespace {

struct Got {
  uint32_t key;
  int status;
  std::vector<uint8_t> value;
};

// Keeps every entry of every flushed block; a small block forces flushes.
class RecordingSink final : public PassSink {
 public:
  RecordingSink(size_t capacity, size_t stride) : block_(capacity, stride) {}
  ReadBlock& block() override { return block_; }
  void flush() override {
    for (size_t i = 0; i < block_.entries(); ++i) {
      const auto v = block_.value(i);
      got.push_back({block_.key(i), block_.status(i),
                     std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(v.data()),
                                          reinterpret_cast<const uint8_t*>(v.data()) + v.size())});
    }
    ops += block_.ops();
    ++flushes;
    block_.clear();
  }
  std::vector<Got> got;
  size_t ops = 0;
  size_t flushes = 0;

 private:
  ReadBlock block_;
};

std::string hex_array(const std::vector<uint8_t>& bytes) {
  std::string out = "[";
  for (size_t i = 0; i < bytes.size(); ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\"0x%02x\"", bytes[i]);
    out += (i ? "," : "") + std::string(buf);
  }
  return out + "]";
}

std::vector<uint8_t> key_bytes(uint32_t key) {
  std::vector<uint8_t> b(4);
  std::memcpy(b.data(), &key, 4);
  return b;
}

std::vector<uint8_t> value_of(uint32_t key, size_t size) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i)
    v[i] = static_cast<uint8_t>(key * 7 + i);
  return v;
}

TEST(BpftoolDump, HexEntriesErrorsAndFormattedAcrossFlushes) {
  constexpr uint32_t kValue = 8;
  std::string json = "[";
  for (uint32_t k = 0; k < 5; ++k) {
    json += k ? "," : "";
    json += "{\"key\":" + hex_array(key_bytes(k * 1000));
    if (k == 3)
      json += ",\"value\":{\"error\":\"No such file or directory\"}}";
    else
      json += ",\"value\":" + hex_array(value_of(k, kValue)) +
              ",\"formatted\":{\"key\":1,\"value\":{\"a\":[1,2,{\"b\":\"0xzz\"}]}}}";
  }
  json += "]";
  RecordingSink sink(2, kValue);
  sink.block().start(100);
  EXPECT_EQ(parse_bpftool_dump(json, sink, 100, kValue, 1, false), 5u);
  sink.block().end_op(200);
  sink.flush();
  ASSERT_EQ(sink.got.size(), 5u);
  EXPECT_EQ(sink.ops, 1u);
  EXPECT_GE(sink.flushes, 3u);
  for (uint32_t k = 0; k < 5; ++k) {
    EXPECT_EQ(sink.got[k].key, k * 1000);
    if (k == 3) {
      EXPECT_EQ(sink.got[k].status, ENOENT);
      EXPECT_EQ(sink.got[k].value, std::vector<uint8_t>(kValue, 0));
    } else {
      EXPECT_EQ(sink.got[k].status, 0);
      EXPECT_EQ(sink.got[k].value, value_of(k, kValue));
    }
  }
}

TEST(BpftoolDump, PerCpuValuesLandAtTheirSlots) {
  constexpr uint32_t kValue = 12;  // rounded up to 16 per CPU
  constexpr uint32_t kCpus = 3;
  std::string json = "[{\"key\":" + hex_array(key_bytes(7)) + ",\"values\":[";
  for (uint32_t cpu = 0; cpu < kCpus; ++cpu)
    json += (cpu ? "," : "") + std::string("{\"cpu\":") + std::to_string(cpu) +
            ",\"value\":" + hex_array(value_of(cpu, kValue)) + "}";
  json += "]}]";
  RecordingSink sink(4, 16 * kCpus);
  sink.block().start(0);
  EXPECT_EQ(parse_bpftool_dump(json, sink, 0, kValue, kCpus, true), 1u);
  sink.flush();
  ASSERT_EQ(sink.got.size(), 1u);
  for (uint32_t cpu = 0; cpu < kCpus; ++cpu) {
    const auto& v = sink.got[0].value;
    EXPECT_EQ(std::vector<uint8_t>(v.begin() + cpu * 16, v.begin() + cpu * 16 + kValue),
              value_of(cpu, kValue));
    EXPECT_EQ(std::vector<uint8_t>(v.begin() + cpu * 16 + kValue, v.begin() + (cpu + 1) * 16),
              std::vector<uint8_t>(16 - kValue, 0));
  }
}

TEST(BpftoolDump, EmptyMapIsAnEmptyArray) {
  RecordingSink sink(4, 8);
  sink.block().start(0);
  EXPECT_EQ(parse_bpftool_dump("[]\n", sink, 0, 8, 1, false), 0u);
}

TEST(BpftoolDump, MalformedOutputNamesTheProblem) {
  const auto error_of = [](const std::string& json) {
    RecordingSink sink(4, 8);
    sink.block().start(0);
    try {
      parse_bpftool_dump(json, sink, 0, 8, 1, false);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string k = hex_array(key_bytes(1));
  EXPECT_NE(error_of("[{\"key\":" + k + ",\"value\":" + hex_array(value_of(1, 7)) + "}]")
                .find("value has 7 bytes, want 8"),
            std::string::npos);
  EXPECT_NE(error_of("[{\"key\":[\"0x01\"],\"value\":" + hex_array(value_of(1, 8)) + "}]")
                .find("key has 1 bytes, want 4"),
            std::string::npos);
  EXPECT_NE(error_of("[{\"key\":" + k + ",\"value\":[\"1\"]}]").find("not a byte"),
            std::string::npos);
  EXPECT_NE(error_of("[{\"key\":" + k + "}]").find("neither a value nor an error"),
            std::string::npos);
  EXPECT_NE(error_of("{\"error\":\"bpf obj get: Permission denied\"}")
                .find("expected an array of entries"),
            std::string::npos);
  EXPECT_NE(error_of("[{\"key\":").find("not JSON at byte"), std::string::npos);
}

}  // namespace
}  // namespace mapsla
