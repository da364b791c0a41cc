#include "harness/faults/loss_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mapsla {
namespace {

bool is_bernoulli(const LossChain& c) {
  return c.p == 0 || c.loss_good == c.loss_bad;
}

double stationary_bad(const LossChain& c) {
  if (c.p == 0) return 0;  // starts in G and never leaves
  return c.p / (c.p + c.r);
}

std::string percent(double probability) {
  return fmt::format("{:g}%", probability * 100);
}

}  // namespace

LossChain bernoulli_chain(double loss) {
  return {0, 1, loss, loss};
}

LossChain correlated_chain(double loss, double correlation) {
  if (correlation == 0) return bernoulli_chain(loss);
  return {(1 - correlation) * loss, (1 - correlation) * (1 - loss), 0, 1};
}

LossChain gilbert_elliott_chain(double p, double r, double h, double k) {
  return {p, r, 1 - k, 1 - h};
}

double expected_loss(const LossChain& c) {
  if (is_bernoulli(c)) return c.loss_good;
  const double bad = stationary_bad(c);
  return (1 - bad) * c.loss_good + bad * c.loss_bad;
}

double asymptotic_variance(const LossChain& c) {
  const double q = expected_loss(c);
  if (is_bernoulli(c)) return q * (1 - q);
  const double bad = stationary_bad(c);
  const double lambda = 1 - c.p - c.r;
  const double delta = c.loss_bad - c.loss_good;
  const double variance = q * (1 - q) + 2 * delta * delta * (1 - bad) * bad * lambda / (1 - lambda);
  return std::max(variance, 0.0);
}

double loss_tolerance(const LossChain& c, uint64_t n, int chains, double z) {
  if (n == 0) return 1;
  const double nd = static_cast<double>(n);
  double tolerance = z * std::sqrt(asymptotic_variance(c) / nd);
  if (!is_bernoulli(c)) {
    // Each chain starts in G: its expected excess of good packets over the
    // stationary share is π_B / (1 − λ), whatever n is.
    const double lambda = 1 - c.p - c.r;
    tolerance +=
        std::abs(c.loss_bad - c.loss_good) * stationary_bad(c) * chains / ((1 - lambda) * nd);
  }
  return tolerance;
}

uint64_t loss_threshold(double probability) {
  const double scaled = std::round(std::clamp(probability, 0.0, 1.0) * 4294967296.0);
  return static_cast<uint64_t>(scaled);
}

nlohmann::json RatioCheck::to_json() const {
  return {{"requested", requested},
          {"observed", observed},
          {"n", n},
          {"dropped", dropped},
          {"tolerance", tolerance},
          {"z", kLossZ},
          {"within_tolerance", within_tolerance}};
}

RatioCheck check_ratio(const LossChain& chain, uint64_t dropped, uint64_t n, int chains) {
  RatioCheck check;
  check.requested = expected_loss(chain);
  check.n = n;
  check.dropped = dropped;
  check.observed = n ? static_cast<double>(dropped) / static_cast<double>(n) : 0;
  check.tolerance = loss_tolerance(chain, n, chains);
  // A tiny epsilon keeps 0 % and 100 % exact comparisons robust to rounding.
  check.within_tolerance =
      n > 0 && std::abs(check.observed - check.requested) <= check.tolerance + 1e-12;
  return check;
}

std::vector<std::string> netem_loss_args(const LossChain& c) {
  if (is_bernoulli(c)) return {"loss", "random", percent(c.loss_good)};
  return {"loss", "gemodel", percent(c.p), percent(c.r), percent(c.loss_bad), percent(c.loss_good)};
}

}  // namespace mapsla
