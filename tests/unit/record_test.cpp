#include "core/bpf/oracle_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace mapsla {
namespace {

class RecordTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RecordTest, WrittenRecordValidatesWithItsKeyAndVersion) {
  std::vector<std::byte> value(GetParam());
  make_record(value, 1234, 99, 1);
  const RecordFacts facts = validate_record(value, 1234);
  EXPECT_EQ(facts.check, RecordCheck::ok);
  EXPECT_EQ(facts.key, 1234u);
  EXPECT_EQ(facts.version, 99u);
}

TEST_P(RecordTest, AnyChangedPayloadOrCheckWordIsTorn) {
  std::vector<std::byte> value(GetParam());
  make_record(value, 7, 3);
  for (size_t offset = MAPSLA_RECORD_HEADER_BYTES; offset < value.size(); offset += 8) {
    std::vector<std::byte> corrupt = value;
    corrupt[offset] ^= std::byte{1};
    EXPECT_EQ(validate_record(corrupt, 7).check, RecordCheck::torn) << "offset " << offset;
  }
}

TEST_P(RecordTest, HalfOfOneVersionAndHalfOfAnotherIsTorn) {
  std::vector<std::byte> older(GetParam()), newer(GetParam());
  make_record(older, 5, 10);
  make_record(newer, 5, 11);
  std::vector<std::byte> mixed = newer;
  std::memcpy(mixed.data() + mixed.size() / 2, older.data() + older.size() / 2, older.size() / 2);
  EXPECT_EQ(validate_record(mixed, 5).check, RecordCheck::torn);
  // The version field of one write with every other field of the previous.
  std::vector<std::byte> stale_body = older;
  std::memcpy(stale_body.data() + offsetof(mapsla_record_head, version),
              newer.data() + offsetof(mapsla_record_head, version), 8);
  EXPECT_EQ(validate_record(stale_body, 5).check, RecordCheck::torn);
}

TEST_P(RecordTest, AnotherKeysRecordIsRecognised) {
  std::vector<std::byte> value(GetParam());
  make_record(value, 8, 1);
  EXPECT_EQ(validate_record(value, 9).check, RecordCheck::wrong_key);
}

TEST_P(RecordTest, AllZeroIsUnwritten) {
  std::vector<std::byte> value(GetParam());
  EXPECT_EQ(validate_record(value, 0).check, RecordCheck::unwritten);
}

INSTANTIATE_TEST_SUITE_P(ValueSizes, RecordTest, ::testing::ValuesIn(kValueSizes));

TEST(Record, LayoutMatchesDesign) {
  EXPECT_EQ(payload_words(64), 4u);
  EXPECT_EQ(payload_words(256), 28u);
  EXPECT_EQ(payload_words(1024), 124u);
  EXPECT_EQ(offsetof(mapsla_record_head, version), 8u);
  EXPECT_EQ(offsetof(mapsla_record_head, seq), 16u);
}

TEST(Record, SeqWordIsNotPartOfTheCheck) {
  std::vector<std::byte> value(64);
  make_record(value, 1, 2);
  uint64_t seq = 5;
  std::memcpy(value.data() + offsetof(mapsla_record_head, seq), &seq, 8);
  EXPECT_EQ(validate_record(value, 1).check, RecordCheck::ok);
}

TEST(Record, PatternNamesRoundTrip) {
  for (auto p : {WriterPattern::inplace, WriterPattern::replace, WriterPattern::churn,
                 WriterPattern::seqlock, WriterPattern::locked, WriterPattern::percpu})
    EXPECT_EQ(writer_pattern_from_string(to_string(p)), p);
  EXPECT_FALSE(writer_pattern_from_string("sideways"));
}

}  // namespace
}  // namespace mapsla
