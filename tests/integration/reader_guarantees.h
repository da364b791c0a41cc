// The two guarantees a reader is held to against a writer that tears plain
// copies, checked the same way wherever a test makes that writer run: the
// reader tests themselves (mmap_reader_test, locked_reader_test) and the same
// scenarios under each test_run writer program (test_run_programs_test).
//
// On a busy machine the writer and the readers do not always run at the
// same moment, so a scenario is run again (a bounded number of rounds) until
// the unguarded reader has torn; the guarded reads of every round count.
// A cell that did not run is a fatal failure that ends the check (wrap the
// call in ASSERT_NO_FATAL_FAILURE when the test goes on after it).
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/integration/run_scenario.h"

namespace mapsla::testing {

// Every count these checks speak of, for failure messages and test properties.
inline std::string describe_counts(const RepetitionResult& r) {
  return fmt::format(
      "{} reads, {} attempts, torn {}, missing {}, skipped {}, dup {}, stale {}, non-mono {}, "
      "errors {}, writer updates {}",
      r.reads, r.attempts, r.anomalies.torn, r.anomalies.missing, r.anomalies.skipped,
      r.anomalies.duplicate, r.anomalies.stale, r.anomalies.non_monotonic,
      r.anomalies.error_total(), r.writer_updates);
}

// Called with each round's cells once the guarded and unguarded cells ran,
// for checks and tallies of the caller's own (the writer program, a third
// reader).
using RoundCheck = std::function<void(const std::vector<CellResult>& cells)>;

// Which cell of a run: its reader and mode.
struct CellName {
  const char* reader;
  const char* mode;
};

// The guarded reader's and the unguarded reader's results, pooled over the
// rounds run.
struct PooledPair {
  RepetitionResult guarded;
  RepetitionResult unguarded;
};

// Runs `yaml` up to `max_rounds` times, until the `unguarded` cell has torn;
// the cells' results pooled into `pooled`.
inline void run_rounds_until_unguarded_tears(const std::string& yaml, int max_rounds,
                                             CellName guarded, CellName unguarded,
                                             const RoundCheck& each_round, PooledPair& pooled) {
  for (int round = 0; round < max_rounds && pooled.unguarded.anomalies.torn == 0; ++round) {
    const auto cells = run_yaml(yaml);
    const CellResult& g = cell(cells, guarded.reader, guarded.mode);
    const CellResult& u = cell(cells, unguarded.reader, unguarded.mode);
    ASSERT_EQ(g.status, CellStatus::ok) << g.reader << "/" << g.mode << ": " << g.reason;
    ASSERT_EQ(u.status, CellStatus::ok) << u.reader << "/" << u.mode << ": " << u.reason;
    if (each_round) {
      ASSERT_NO_FATAL_FAILURE(each_round(cells));
    }
    pooled.guarded.merge(g.pooled());
    pooled.unguarded.merge(u.pooled());
  }
}

// Seqlock writer, `yaml` with the readers mmap/seqlock and mmap/none (64
// keys of 1 KiB rewritten flat out is enough): over at most three rounds,
// validated reads are never torn nor backwards, had writes to reject, and
// read about as much as the plain copies, which did tear.
inline void expect_seqlock_validated_reads_never_tear_while_plain_copies_do(
    const std::string& yaml, const RoundCheck& each_round = {}) {
  PooledPair pooled;
  ASSERT_NO_FATAL_FAILURE(run_rounds_until_unguarded_tears(yaml, 3, {"mmap", "seqlock"},
                                                           {"mmap", "none"}, each_round, pooled));
  const RepetitionResult& s = pooled.guarded;
  const RepetitionResult& n = pooled.unguarded;
  ::testing::Test::RecordProperty("seqlock", describe_counts(s));
  ::testing::Test::RecordProperty("none", describe_counts(n));
  EXPECT_GT(s.writer_updates, 0u);
  EXPECT_GE(s.reads, n.reads / 2) << describe_counts(s) << " vs none " << describe_counts(n);
  EXPECT_EQ(s.anomalies.torn, 0u) << describe_counts(s);
  EXPECT_EQ(s.anomalies.non_monotonic, 0u) << describe_counts(s);
  // Proof that the check had writes to reject: some reads needed another copy.
  EXPECT_GT(s.attempts, s.reads) << describe_counts(s);
  EXPECT_GT(n.anomalies.torn, 0u) << "plain copies were never torn: " << describe_counts(n);
}

// Locked writer, `yaml` with the readers locked (keys) and naive/keys:
// over at most four rounds, BPF_F_LOCK reads show no anomaly at all in
// about as many chances as the plain lookups had (relative: the machine may
// be slow), and the plain lookups did tear, or the lock proves nothing.
inline void expect_locked_reads_never_tear_while_naive_does(const std::string& yaml,
                                                            const RoundCheck& each_round = {}) {
  PooledPair pooled;
  ASSERT_NO_FATAL_FAILURE(run_rounds_until_unguarded_tears(yaml, 4, {"locked", "keys"},
                                                           {"naive", "keys"}, each_round, pooled));
  const RepetitionResult& l = pooled.guarded;
  const RepetitionResult& n = pooled.unguarded;
  ::testing::Test::RecordProperty("locked", describe_counts(l));
  ::testing::Test::RecordProperty("naive", describe_counts(n));
  EXPECT_GT(l.writer_updates, 0u);
  EXPECT_GT(l.reads, 10'000u);
  EXPECT_GE(l.reads, n.reads / 2) << describe_counts(l) << " vs naive " << describe_counts(n);
  EXPECT_EQ(l.anomalies.total(), 0u) << describe_counts(l);
  EXPECT_GT(n.anomalies.torn, 0u) << "lookups without BPF_F_LOCK never tore: "
                                  << describe_counts(n);
}

}  // namespace mapsla::testing
