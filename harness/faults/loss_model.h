// The packet_loss fault's loss process, its expected drop ratio and the
// tolerance an observed ratio must sit in. Pure arithmetic, no kernel.
//
// Every model is a two-state Gilbert-Elliott chain (states good G and bad B),
// evaluated per packet: drop with the current state's loss probability, then
// move (G→B with p, B→G with r), as netem's gemodel does.
//
//   random, no correlation   p = 0, loss_good = percent: plain Bernoulli loss
//   random, correlation c    p = (1−c)·q, r = (1−c)·(1−q), loss_good = 0,
//                            loss_bad = 1: drops are a Markov chain whose
//                            stationary ratio is q and whose lag-1
//                            autocorrelation is c (bursty loss)
//   gilbert_elliott          the 4-parameter model: p, r, and h / k, the
//                            probabilities of delivering a packet in B / G:
//                            loss_bad = 1−h, loss_good = 1−k (netem's
//                            `loss gemodel p r 1-h 1-k`)
//
// Expected ratio q = π_G·loss_good + π_B·loss_bad with π_B = p/(p+r).
// Tolerance for n packets: z·σ/√n plus the start-up bias of chains that start
// in G, where σ² = q(1−q) + 2Δ²·π_G·π_B·λ/(1−λ) is the asymptotic variance of
// a two-state Markov-modulated Bernoulli process (Δ = loss_bad − loss_good,
// λ = 1−p−r): the binomial term widened by the correlation.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mapsla {

inline constexpr double kLossZ = 4.0;

struct LossChain {
  double p = 0;  // probabilities, 0…1
  double r = 1;
  double loss_good = 0;
  double loss_bad = 0;
};

LossChain bernoulli_chain(double loss);
LossChain correlated_chain(double loss, double correlation);
LossChain gilbert_elliott_chain(double p, double r, double h, double k);

double expected_loss(const LossChain& chain);
double asymptotic_variance(const LossChain& chain);
// `chains` independent chains (one per sending CPU) share the n packets.
double loss_tolerance(const LossChain& chain, uint64_t n, int chains = 1, double z = kLossZ);

// A probability as a threshold on a uniform 32-bit draw: 2^32 means always.
uint64_t loss_threshold(double probability);

struct RatioCheck {
  double requested = 0;
  double observed = 0;
  uint64_t n = 0;
  uint64_t dropped = 0;
  double tolerance = 0;
  bool within_tolerance = false;  // false when n == 0: nothing was measured
  nlohmann::json to_json() const;
};
RatioCheck check_ratio(const LossChain& chain, uint64_t dropped, uint64_t n, int chains = 1);

// netem's arguments for the chain: `loss random P%` for Bernoulli loss, else
// `loss gemodel p% r% (1−h)% (1−k)%`.
std::vector<std::string> netem_loss_args(const LossChain& chain);

}  // namespace mapsla
