// lru_hash with the test_run writer: in-place writes never evict, so every
// key stays present and every record validates; whole-value replaces
// allocate a node per update and may evict other keys, so the board stops
// promising presence (missing keys are then not anomalies) and the writer
// never fails.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::run_yaml;

class LruHashTest : public testing::PrivilegedTest {};

TEST_F(LruHashTest, InPlaceWriterKeepsEveryKeyAndReplaceWriterRuns) {
  MAPSLA_REQUIRE_TEST_RUN_WRITER();
  for (const char* pattern : {"inplace", "replace"}) {
    SCOPED_TRACE(pattern);
    const auto cells = run_yaml(fmt::format(R"(
map: {{kind: lru_hash, entries: 2048, keys: 1024, value_size: 64}}
writer: {{driver: test_run, pattern: {}, cpus: [1]}}
readers: [{{reader: naive, mode: keys, cpus: [0]}}]
run: {{warmup: 0s, duration: 150ms}}
)",
                                            pattern));
    const CellResult& c = cell(cells, "naive", "keys");
    ASSERT_EQ(c.status, CellStatus::ok) << c.reason;
    const RepetitionResult r = c.pooled();
    EXPECT_GT(r.writer_updates, 0u);
    EXPECT_GE(r.reads, 1024u);
    EXPECT_EQ(c.details["writer"]["failed_updates"], 0) << c.details["writer"].dump();
    EXPECT_EQ(r.anomalies.missing, 0u);
    EXPECT_EQ(r.anomalies.error_total(), 0u);
    EXPECT_EQ(r.anomalies.non_monotonic + r.anomalies.stale, 0u);
  }
}

}  // namespace
}  // namespace mapsla
