// The machine's floor (harness/floor_probe.h) is measured beside every
// built-in reader's window, and costs the window almost nothing.
#include <gtest/gtest.h>

#include "harness/floor_probe.h"
#include "tests/integration/run_scenario.h"

namespace mapsla {
namespace {

using testing::cell;
using testing::run_yaml;

class FloorTest : public testing::PrivilegedTest {};

TEST_F(FloorTest, EveryWindowMeasuresTheFloorBetweenItsPasses) {
  const auto cells = run_yaml(R"(
name: floor
map: {kind: array, entries: 16384, value_size: 64}
writer: {driver: none}
readers:
  - {reader: naive, mode: keys}
  - {reader: batched, batch_size: 1024}
  - {reader: mmap, mode: double_read}
run: {warmup: 50ms, duration: 400ms, repetitions: 2}
)");
  for (const auto& c : cells) {
    ASSERT_EQ(c.status, CellStatus::ok) << c.reader << ": " << c.reason;
    ASSERT_EQ(c.repetitions.size(), 2u);
    for (const auto& rep : c.repetitions) {
      // A burst every ~5 ms of passes (spaced by the warm-up's pass length,
      // which varies): 400 ms holds dozens of them.
      EXPECT_GE(rep.floor_bursts, 10u) << c.reader;
      // One lookup in a one-entry array: a syscall, 50 ns to 50 µs on any
      // machine this runs on.
      EXPECT_GT(rep.floor_ns(), 50.0) << c.reader;
      EXPECT_LT(rep.floor_ns(), 50'000.0) << c.reader;
      // Its cost to the window: under 2 % of the measured time.
      EXPECT_LT(rep.floor_ns() * static_cast<double>(rep.floor_bursts * FloorProbe::kBurstOps),
                0.02 * rep.wall_s * 1e9)
          << c.reader;
    }
  }
  // The pooled figure sums the windows' floors.
  const CellResult& keys = cell(cells, "naive", "keys");
  EXPECT_EQ(keys.pooled().floor_bursts,
            keys.repetitions[0].floor_bursts + keys.repetitions[1].floor_bursts);
}

}  // namespace
}  // namespace mapsla
