// retry, snapshot and batched next to their raw floors (see bench_map.h).
// Each benchmark times its strategy's passes as mapsla reports them (the
// oracle's per-entry figure) and interleaves untimed floor passes, so the
// x_* counters compare the same moments of the same run.
#include <benchmark/benchmark.h>

#include <bpf/bpf.h>

#include <cerrno>
#include <vector>

#include "harness/oracle.h"
#include "readers/batched_reader.h"
#include "readers/naive_reader.h"
#include "readers/retry_reader.h"
#include "readers/snapshot_reader.h"
#include "tests/bench/bench_map.h"

namespace mapsla::bench {
namespace {

// Naive is measured over this many keys per iteration: its per-entry cost is
// the same over any key range, and a full 64 K pass would make every
// iteration of the batched benchmark ten times longer than the timed part.
constexpr uint32_t kNaiveSampleKeys = 8192;

double per_entry(uint64_t ns, uint64_t entries) {
  return entries ? static_cast<double>(ns) / static_cast<double>(entries) : 0.0;
}

void BM_RawBatch(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  const auto batch = static_cast<uint32_t>(state.range(0));
  uint64_t ns = 0;
  for (auto _ : state) {
    const uint64_t pass = raw_batch_pass_ns(b.map->fd(), batch);
    if (pass == 0) return state.SkipWithError("bpf_map_lookup_batch failed");
    ns += pass;
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.counters["ns_per_entry"] = per_entry(ns, state.iterations() * kEntries);
}
BENCHMARK(BM_RawBatch)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Batched(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  const auto batch = static_cast<uint32_t>(state.range(0));
  BatchedReader reader({.batch_size = batch});
  const ReadTarget target{b.map->view(), kEntries, WriterPattern::inplace, ""};
  reader.attach(target);
  Oracle oracle(target, *b.board, reader.entries_per_block());

  NaiveReader naive(NaiveReader::Mode::keys);
  const ReadTarget naive_target{b.map->view(), kNaiveSampleKeys, WriterPattern::inplace, ""};
  naive.attach(naive_target);
  Oracle naive_oracle(naive_target, *b.board, naive.entries_per_block());

  uint64_t raw_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    naive_oracle.begin_pass();
    naive.read_pass(naive_oracle);
    naive_oracle.end_pass();
    const uint64_t raw = raw_batch_pass_ns(b.map->fd(), batch);
    if (raw == 0) return state.SkipWithError("bpf_map_lookup_batch failed");
    raw_ns += raw;
    state.ResumeTiming();
    oracle.begin_pass();
    reader.read_pass(oracle);
    oracle.end_pass();
  }
  const RepetitionResult& r = oracle.results();
  const RepetitionResult& n = naive_oracle.results();
  if (r.anomalies.total() || n.anomalies.total())
    return state.SkipWithError("anomalies on a quiet map");
  if (r.reads != static_cast<uint64_t>(state.iterations()) * kEntries)
    return state.SkipWithError("a pass lost keys");
  state.SetItemsProcessed(state.iterations() * kEntries);
  const double raw_per_entry = per_entry(raw_ns, state.iterations() * kEntries);
  state.counters["raw_batch_ns_per_entry"] = raw_per_entry;
  state.counters["naive_ns_per_entry"] = n.per_entry_ns();
  state.counters["reported_per_entry_ns"] = r.per_entry_ns();
  state.counters["x_raw_batch"] = r.per_entry_ns() / raw_per_entry;
  state.counters["x_naive"] = r.per_entry_ns() / n.per_entry_ns();
  // The target read the other way round: naive's cost over batched's.
  state.counters["naive_over_batched"] = n.per_entry_ns() / r.per_entry_ns();
}
BENCHMARK(BM_Batched)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

// A strategy that issues lookups, timed as reported, against the raw lookup
// loop interleaved with it.
void lookup_strategy(benchmark::State& state, Reader& reader) {
  BenchMap& b = bench_map();
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
  if (r.anomalies.total()) return state.SkipWithError("anomalies on a quiet map");
  state.SetItemsProcessed(state.iterations() * kEntries);
  const double raw_per_entry = per_entry(raw_ns, state.iterations() * kEntries);
  state.counters["raw_ns_per_entry"] = raw_per_entry;
  state.counters["reported_per_entry_ns"] = r.per_entry_ns();
  state.counters["attempts_mean"] = per_entry(r.attempts, r.reads);
  state.counters["x_raw_lookup"] = r.per_entry_ns() / raw_per_entry;
}

void BM_Retry(benchmark::State& state) {
  if (const BenchMap& b = bench_map(); !b.error.empty())
    return state.SkipWithError(b.error.c_str());
  RetryReader reader(RetryReader::Mode::keys, RetryReader::Options{});
  lookup_strategy(state, reader);
}
BENCHMARK(BM_Retry)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Snapshot(benchmark::State& state) {
  if (const BenchMap& b = bench_map(); !b.error.empty())
    return state.SkipWithError(b.error.c_str());
  SnapshotReader reader(SnapshotReader::Mode::value, {.max_attempts = 8});
  lookup_strategy(state, reader);
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace mapsla::bench
