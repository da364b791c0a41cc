// A run's writer entry when every repetition had a writer of its own: the
// descriptor's counters add up, its flags hold only when they held each time,
// and each repetition's own stats stay in the report.
#include <gtest/gtest.h>

#include "harness/writers/writer.h"

namespace mapsla {
namespace {

WriterDescriptor traffic_like() {
  WriterDescriptor d;
  d.name = "traffic";
  d.counters = {"sent", "dropped"};
  d.flags = {"reconciled"};
  return d;
}

TEST(CombineWriterStatsTest, SumsCountersAndsFlagsKeepsEachRepetition) {
  const std::vector<nlohmann::json> reps = {
      {{"driver", "traffic"}, {"pps", 1000}, {"sent", 10u}, {"dropped", 1u}, {"reconciled", true}},
      {{"driver", "traffic"}, {"pps", 1000}, {"sent", 20u}, {"dropped", 2u}, {"reconciled", false}},
      {{"driver", "traffic"}, {"pps", 1000}, {"sent", 30u}, {"dropped", 3u}, {"reconciled", true}}};
  const nlohmann::json out = combine_writer_stats(traffic_like(), reps);
  EXPECT_EQ(out["sent"], 60u);
  EXPECT_EQ(out["dropped"], 6u);
  EXPECT_EQ(out["reconciled"], false) << "one repetition did not reconcile";
  EXPECT_EQ(out["pps"], 1000) << "a setting is not a counter: it is not summed";
  ASSERT_EQ(out["repetitions"].size(), 3u);
  EXPECT_EQ(out["repetitions"][1]["sent"], 20u);
}

TEST(CombineWriterStatsTest, OneRepetitionIsItsOwnStats) {
  const nlohmann::json rep = {{"sent", 5u}, {"reconciled", true}};
  EXPECT_EQ(combine_writer_stats(traffic_like(), {rep}), rep);
  EXPECT_EQ(combine_writer_stats(traffic_like(), {}), nlohmann::json::object());
}

TEST(CombineWriterStatsTest, ACounterMissingFromARepetitionIsNotSummed) {
  // `dropped` is null until a traffic writer stops: a sum would invent it.
  const std::vector<nlohmann::json> reps = {{{"sent", 1u}, {"dropped", 1u}},
                                            {{"sent", 2u}, {"dropped", nullptr}}};
  const nlohmann::json out = combine_writer_stats(traffic_like(), reps);
  EXPECT_EQ(out["sent"], 3u);
  EXPECT_TRUE(out["dropped"].is_null());
}

}  // namespace
}  // namespace mapsla
