// Open-loop mode on a real map: passes are paced by run.interval, and a
// reader that cannot keep up shows the delay it causes in the corrected
// latency, not in the uncorrected one.
#include <gtest/gtest.h>

#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::run_yaml;

class OpenLoopTest : public testing::PrivilegedTest {};

// A pass over 2 048 keys takes a few milliseconds at most here; a 50 ms
// interval leaves the reader idle most of the time.
TEST_F(OpenLoopTest, AReaderThatKeepsUpIsPacedAndItsCorrectedLatencyIsItsOwn) {
  const auto cells = run_yaml(R"(map: {kind: array, entries: 2048, value_size: 64}
writer: {driver: none}
readers: [{reader: naive, mode: keys}]
run: {warmup: 0s, duration: 500ms, interval: 50ms}
)");
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_EQ(cells[0].status, CellStatus::ok) << cells[0].reason;
  const RepetitionResult r = cells[0].pooled();
  // Paced: at most one pass per interval (closed loop would run hundreds).
  EXPECT_GE(r.passes, 5u);
  EXPECT_LE(r.passes, 10u);
  EXPECT_EQ(r.pass_latency_corrected.count(), r.passes);
  EXPECT_EQ(r.late_passes, 0u);
  EXPECT_EQ(r.pass_latency_corrected.max(), r.pass_latency.max());
}

// 16 384 lookups take well over 1 ms per pass (≥ 5 ms on these machines),
// so with a 1 ms interval every pass after the first starts late and the
// backlog grows pass after pass.
TEST_F(OpenLoopTest, AReaderSlowerThanItsIntervalShowsTheBacklogItCauses) {
  const auto cells = run_yaml(R"(map: {kind: array, entries: 16384, value_size: 64}
writer: {driver: none}
readers: [{reader: naive, mode: keys}]
run: {warmup: 0s, duration: 400ms, interval: 1ms}
)");
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_EQ(cells[0].status, CellStatus::ok) << cells[0].reason;
  const RepetitionResult r = cells[0].pooled();
  ASSERT_GE(r.passes, 3u);
  EXPECT_EQ(r.late_passes, r.passes - 1);
  // Each pass is timed at least as long corrected as uncorrected, and the
  // last one waited for all before it: its corrected latency is the sum of
  // every pass minus the intervals that elapsed, (passes − 1) × 1 ms.
  EXPECT_GE(r.pass_latency_corrected.percentile(50), r.pass_latency.percentile(50));
  const double all_passes_ns = r.pass_latency.mean() * static_cast<double>(r.pass_latency.count());
  const double backlog_ns = all_passes_ns - static_cast<double>(r.passes - 1) * 1e6;
  EXPECT_GE(static_cast<double>(r.pass_latency_corrected.max()), 0.99 * backlog_ns);
  EXPECT_GT(r.pass_latency_corrected.max(), r.pass_latency.max());
}

}  // namespace
}  // namespace mapsla
