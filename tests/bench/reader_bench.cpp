// Per-entry cost of each read path, next to the raw floor measured in the
// same binary run. Ratios are reported as counters (`x_raw_*`), so a figure
// never has to be compared across machines or runs.
//
// Map: 64 K-entry hash, 64 B oracle records, no writer.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "harness/bpf/bpffs.h"
#include "harness/bpf/features.h"
#include "harness/oracle.h"
#include "harness/target_map.h"
#include "harness/util/clock.h"
#include "readers/naive_reader.h"

namespace mapsla {
namespace {

constexpr uint32_t kEntries = 65536;

struct BenchMap {
  std::unique_ptr<TargetMap> map;
  std::unique_ptr<VersionBoard> board;
  std::string error;
};

BenchMap& bench_map() {
  static BenchMap bench = [] {
    BenchMap b;
    if (!probe_kernel_features().privileges.available) {
      b.error = "needs BPF privileges (run as root)";
      return b;
    }
    b.map = std::make_unique<TargetMap>(MapSpec{MapKind::hash, kEntries, kEntries, 64, {}},
                                        "mapsla_bench");
    b.board = std::make_unique<VersionBoard>(kEntries);
    b.map->prefill(*b.board);
    return b;
  }();
  return bench;
}

// One untimed pass of the raw loop; returns its wall time. Benchmarks of
// reader strategies interleave it with their own passes, so each strategy's
// ratio to the floor comes from the same moments of the same run.
uint64_t raw_lookup_pass_ns(int fd) {
  std::byte value[64];
  const uint64_t start = now_ns();
  for (uint32_t key = 0; key < kEntries; ++key)
    bpf_map_lookup_elem(fd, &key, value);
  return now_ns() - start;
}

void BM_RawLookup(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  const int fd = b.map->fd();
  std::vector<std::byte> value(64);
  int failures = 0;
  for (auto _ : state) {
    for (uint32_t key = 0; key < kEntries; ++key)
      failures += bpf_map_lookup_elem(fd, &key, value.data()) != 0;
    benchmark::ClobberMemory();
  }
  if (failures) state.SkipWithError("lookups failed");
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.counters["ns_per_entry"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kEntries),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_RawLookup)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NaiveKeys(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  NaiveReader reader(NaiveReader::Mode::keys);
  const ReadTarget target{b.map->view(), kEntries, WriterPattern::inplace, ""};
  reader.attach(target);
  Oracle oracle(target, *b.board, reader.entries_per_block());
  uint64_t raw_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    raw_ns += raw_lookup_pass_ns(b.map->fd());
    state.ResumeTiming();
    oracle.begin_pass();
    reader.read_pass(oracle);
    oracle.end_pass();
  }
  const RepetitionResult& r = oracle.results();
  if (r.anomalies.total()) state.SkipWithError("anomalies on a quiet map");
  state.SetItemsProcessed(state.iterations() * kEntries);
  const double raw_per_entry = static_cast<double>(raw_ns) / (state.iterations() * kEntries);
  // What mapsla reports for this reader, next to the raw floor.
  state.counters["raw_ns_per_entry"] = raw_per_entry;
  state.counters["reported_op_p50_ns"] = static_cast<double>(r.op_latency.percentile(50));
  state.counters["reported_op_mean_ns"] = r.op_latency.mean();
  state.counters["reported_per_entry_ns"] = r.per_entry_ns();
  state.counters["x_raw_lookup"] = r.per_entry_ns() / raw_per_entry;
}
BENCHMARK(BM_NaiveKeys)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace mapsla

int main(int argc, char** argv) {
  // Keep bpffs as found even though no benchmark pins anything.
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
