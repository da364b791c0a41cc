// Fixture for tests that need the real kernel: it probes bpf_map_create and
// skips with the reason when the process lacks the privilege or a feature.
// With MAPSLA_REQUIRE_PRIVILEGED=1 (set by ci/test.sh in CI) every such skip
// is a failure instead, so CI can never go green by skipping.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/bpf/bpffs.h"
#include "harness/bpf/features.h"

namespace mapsla::testing {

bool privileged_required();
const KernelFeatures& kernel_features();

class PrivilegedTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<BpffsMount> bpffs_;
};

// Skip-or-fail, usable from any test body.
#define MAPSLA_SKIP_OR_FAIL(reason)                              \
  do {                                                           \
    if (::mapsla::testing::privileged_required()) {              \
      FAIL() << "MAPSLA_REQUIRE_PRIVILEGED=1 but: " << (reason); \
    }                                                            \
    GTEST_SKIP() << (reason);                                    \
  } while (0)

// Skip-or-fail unless the kernel has `feature` (a KernelFeatures member).
#define MAPSLA_REQUIRE_FEATURE(feature)                                             \
  do {                                                                              \
    const auto& state_ = ::mapsla::testing::kernel_features().feature;              \
    if (!state_.available)                                                          \
      MAPSLA_SKIP_OR_FAIL("kernel feature " #feature " missing: " + state_.detail); \
  } while (0)

}  // namespace mapsla::testing
