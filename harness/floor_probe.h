// The machine's floor, measured beside a reader: bursts of a reference op —
// one lookup in a private one-entry BPF array map, a syscall that no writer
// touches — timed on the reader's thread between its passes.
//
// Why: on a shared or virtual machine the CPU's speed changes under the
// reader (a noisy neighbour on the host, frequency steps) by tens of percent
// for a tenth of a second to many seconds — on this project's 2-core VM a
// bare array lookup takes 385 ns or 650 ns in alternating stretches. Every op
// of every reader slows by about the same factor, so a latency divided by the
// floor measured in the same window keeps the reader's own cost and loses the
// machine's. `mapsla compare` judges latency that way (docs/sla.md).
//
// Bursts are spaced by passes, not by time: a burst after every k-th pass,
// with k chosen from the first pass so that bursts come every ~5 ms of
// reading (measured over the warm-up's passes when there are any). A reader's ops are then sampled
// in the same proportion as the floor's in every machine state, so the ratio of the two means does
// not depend on how much of the window the machine spent slow.
#pragma once

#include <array>
#include <cstdint>

#include "core/bpf/fd.h"

namespace mapsla {

class FloorProbe {
 public:
  static constexpr int kBurstOps = 32;
  static constexpr uint64_t kSpacingNs = 5'000'000;

  // Creates the reference map; throws BpfError when it cannot.
  FloorProbe();

  // A warm-up pass that took `pass_ns`: only its length counts, to space the
  // bursts of the measured passes.
  void warmup_pass(uint64_t pass_ns);
  // After each measured pass that took `pass_ns`: runs a burst when one is due.
  void after_pass(uint64_t pass_ns);
  // The bursts since the last take() and the sum of their medians, then
  // starts afresh (a phased window takes one per phase). A burst's median,
  // not its mean: one lookup preempted for a millisecond would otherwise move
  // a window's floor by a third.
  struct Sample {
    uint64_t bursts = 0;
    uint64_t median_sum_ns = 0;
  };
  Sample take();

  void burst();

 private:
  UniqueFd map_;
  uint64_t every_ = 0;  // passes per burst, 0 until the first pass
  uint64_t passes_ = 0;
  uint64_t warmup_passes_ = 0, warmup_ns_ = 0;
  std::array<uint64_t, kBurstOps> burst_ns_{};
  Sample sample_;
};

}  // namespace mapsla
