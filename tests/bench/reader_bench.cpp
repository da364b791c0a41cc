// The raw lookup floor and the naive strategy (see tests/bench/bench_map.h).
#include <benchmark/benchmark.h>

#include <bpf/bpf.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <vector>

#include "core/bpf/features.h"
#include "harness/oracle.h"
#include "readers/naive_reader.h"
#include "tests/bench/bench_map.h"

namespace mapsla::bench {
namespace {

void BM_RawLookup(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  const int fd = b.map->fd();
  std::vector<std::byte> value(kValueSize);
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

// The smoke run must fail when a benchmark could not measure: any
// SkipWithError (no privileges, a quiet map that read anomalies, lost keys)
// is counted and turns the exit status non-zero.
class FailOnErrorReporter final : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      if (run.error_occurred) {
        ++errors_;
        std::cerr << "bench error: " << run.benchmark_name() << ": " << run.error_message << '\n';
      }
    ConsoleReporter::ReportRuns(runs);
  }
  int errors() const { return errors_; }

 private:
  int errors_ = 0;
};

}  // namespace
}  // namespace mapsla::bench

int main(int argc, char** argv) {
  using namespace mapsla;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const KernelFeatures features = probe_kernel_features();
  if (features.map_elem_iter.available) {
    bench::register_iter_benchmark();
  } else {
    const std::string line = "bench BM_Iter: map_elem_iter: " + features.map_elem_iter.detail;
    std::cout << "[kernel skip] " << line << std::endl;
    if (const char* path = std::getenv("MAPSLA_KERNEL_SKIPS"); path && *path)
      std::ofstream(path, std::ios::app) << line << '\n';
  }
  bench::FailOnErrorReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (reporter.errors()) {
    std::cerr << "bench: " << reporter.errors() << " benchmark(s) could not measure\n";
    return 1;
  }
  return 0;
}
