// mmap and iter next to their raw floors (see bench_map.h): the mmap reader
// against plain memcpy over the same mapping, the iterator against the raw
// bpf_map_lookup_batch loop and against the batched reader, all interleaved
// within each iteration so the x_* counters compare the same moments.
#include <benchmark/benchmark.h>

#include <exception>

#include "core/bpf/mapped_values.h"
#include "harness/oracle.h"
#include "readers/batched_reader.h"
#include "readers/iter_reader.h"
#include "readers/mmap_reader.h"
#include "tests/bench/bench_map.h"

namespace mapsla::bench {
namespace {

double per_entry(uint64_t ns, uint64_t entries) {
  return entries ? static_cast<double>(ns) / static_cast<double>(entries) : 0.0;
}

void pass(Reader& reader, Oracle& oracle) {
  oracle.begin_pass();
  reader.read_pass(oracle);
  oracle.end_pass();
}

void mmap_strategy(benchmark::State& state, MmapReader::Mode mode, WriterPattern pattern) {
  BenchMap& b = bench_map(MapKind::array);
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  MmapReader reader(mode, MmapReader::Options{});
  const ReadTarget target{b.map->view(), kEntries, pattern, ""};
  try {
    reader.attach(target);
  } catch (const std::exception& e) {
    return state.SkipWithError(e.what());  // the kernel cannot mmap arrays
  }
  Oracle oracle(target, *b.board, reader.entries_per_block());
  const MappedValues floor_mapping(b.map->view());
  uint64_t raw_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    raw_ns += raw_mmap_copy_pass_ns(floor_mapping.data());
    state.ResumeTiming();
    pass(reader, oracle);
  }
  const RepetitionResult& r = oracle.results();
  if (r.anomalies.total()) return state.SkipWithError("anomalies on a quiet map");
  if (r.reads != static_cast<uint64_t>(state.iterations()) * kEntries)
    return state.SkipWithError("a pass lost keys");
  state.SetItemsProcessed(state.iterations() * kEntries);
  const double raw_per_entry = per_entry(raw_ns, state.iterations() * kEntries);
  state.counters["raw_memcpy_ns_per_entry"] = raw_per_entry;
  state.counters["reported_per_entry_ns"] = r.per_entry_ns();
  state.counters["reported_op_p50_ns"] = static_cast<double>(r.op_latency.percentile(50));
  state.counters["x_raw_memcpy"] = r.per_entry_ns() / raw_per_entry;
}

void BM_MmapSeqlock(benchmark::State& state) {
  mmap_strategy(state, MmapReader::Mode::seqlock, WriterPattern::seqlock);
}
BENCHMARK(BM_MmapSeqlock)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MmapDoubleRead(benchmark::State& state) {
  mmap_strategy(state, MmapReader::Mode::double_read, WriterPattern::inplace);
}
BENCHMARK(BM_MmapDoubleRead)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MmapNone(benchmark::State& state) {
  mmap_strategy(state, MmapReader::Mode::none, WriterPattern::inplace);
}
BENCHMARK(BM_MmapNone)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Iter(benchmark::State& state) {
  BenchMap& b = bench_map();
  if (!b.error.empty()) return state.SkipWithError(b.error.c_str());
  const ReadTarget target{b.map->view(), kEntries, WriterPattern::inplace, ""};
  IterReader reader(IterReader::Options{});
  try {
    reader.attach(target);
  } catch (const std::exception& e) {
    return state.SkipWithError(e.what());  // no map-element iterators here
  }
  Oracle oracle(target, *b.board, reader.entries_per_block());
  BatchedReader batched(BatchedReader::Options{});
  batched.attach(target);
  Oracle batched_oracle(target, *b.board, batched.entries_per_block());
  uint64_t raw_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const uint64_t raw = raw_batch_pass_ns(b.map->fd(), BatchedReader::kDefaultBatchSize);
    if (raw == 0) return state.SkipWithError("bpf_map_lookup_batch failed");
    raw_ns += raw;
    pass(batched, batched_oracle);
    state.ResumeTiming();
    pass(reader, oracle);
  }
  const RepetitionResult& r = oracle.results();
  const RepetitionResult& batch = batched_oracle.results();
  if (r.anomalies.total() || batch.anomalies.total())
    return state.SkipWithError("anomalies on a quiet map");
  if (r.reads != static_cast<uint64_t>(state.iterations()) * kEntries)
    return state.SkipWithError("a pass lost keys");
  state.SetItemsProcessed(state.iterations() * kEntries);
  const double raw_per_entry = per_entry(raw_ns, state.iterations() * kEntries);
  state.counters["raw_batch_ns_per_entry"] = raw_per_entry;
  state.counters["batched_ns_per_entry"] = batch.per_entry_ns();
  state.counters["reported_per_entry_ns"] = r.per_entry_ns();
  state.counters["entries_per_read"] = per_entry(r.reads, r.ops);
  state.counters["x_raw_batch"] = r.per_entry_ns() / raw_per_entry;
  state.counters["x_batched"] = r.per_entry_ns() / batch.per_entry_ns();
}
}  // namespace

// Registered by main() only where the feature probe loaded the iterator: on
// a kernel without tracing programs it is a documented kernel skip, not an
// error the smoke run would have to excuse.
void register_iter_benchmark() {
  benchmark::RegisterBenchmark("BM_Iter", BM_Iter)->Unit(benchmark::kMillisecond)->UseRealTime();
}
}  // namespace mapsla::bench
