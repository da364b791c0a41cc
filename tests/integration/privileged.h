// Fixture for tests that need the real kernel: it probes bpf_map_create and
// skips with the reason when the process lacks the privilege or a feature.
// With MAPSLA_REQUIRE_PRIVILEGED=1 (set by ci/test.sh in CI) every such skip
// is a failure instead, so CI can never go green by skipping — except the
// short documented list of skips that the feature probe proves are the
// kernel's (README, "Kernel-caused skips"): no BPF tracing programs
// (map_elem_iter), no sch_netem, one NUMA node. Each of those prints the
// probe's evidence and is appended to $MAPSLA_KERNEL_SKIPS (a file ci/test.sh
// lists at the end), so a green CI run shows exactly what it did not test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/bpf/bpffs.h"
#include "core/bpf/features.h"
#include "core/bpf/writer_program.h"

namespace mapsla::testing {

bool privileged_required();
const KernelFeatures& kernel_features();

// Features whose absence CI accepts as the kernel's, with the probe's evidence.
bool kernel_skip_allowed(std::string_view feature);
// Prints and records "TEST: FEATURE: EVIDENCE" for a documented kernel skip.
void record_kernel_skip(std::string_view feature, const std::string& evidence);

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

// A skip on the documented kernel list: always a skip, recorded with evidence.
#define MAPSLA_KERNEL_SKIP(feature, evidence)                                        \
  do {                                                                               \
    const std::string evidence_ = (evidence);                                        \
    ::mapsla::testing::record_kernel_skip(feature, evidence_);                       \
    GTEST_SKIP() << "kernel lacks " << (feature) << " (probe: " << evidence_ << ")"; \
  } while (0)

// Runs the test only when the probe found `feature` (a KernelFeatures member):
// a documented kernel skip when it is on the list, skip-or-fail otherwise.
#define MAPSLA_REQUIRE_FEATURE(feature)                                             \
  do {                                                                              \
    const auto& state_ = ::mapsla::testing::kernel_features().feature;              \
    if (!state_.available) {                                                        \
      if (::mapsla::testing::kernel_skip_allowed(#feature))                         \
        MAPSLA_KERNEL_SKIP(#feature, state_.detail);                                \
      MAPSLA_SKIP_OR_FAIL("kernel feature " #feature " missing: " + state_.detail); \
    }                                                                               \
  } while (0)

// Runs the test only when the test_run writer has a program here (`program:
// auto`): the SEC("syscall") writer or its XDP fallback (Linux 5.10+).
#define MAPSLA_REQUIRE_TEST_RUN_WRITER()                                                     \
  do {                                                                                       \
    const auto& f_ = ::mapsla::testing::kernel_features();                                   \
    if (!f_.test_run_writer.available && !f_.test_run_writer_xdp.available)                  \
      MAPSLA_SKIP_OR_FAIL("no test_run writer program loads: " + f_.test_run_writer.detail + \
                          "; the xdp fallback: " + f_.test_run_writer_xdp.detail);           \
  } while (0)

// Runs the test only when `program` (WriterProgram) of the test_run writer loads.
#define MAPSLA_REQUIRE_WRITER_PROGRAM(program)         \
  do {                                                 \
    if ((program) == ::mapsla::WriterProgram::syscall) \
      MAPSLA_REQUIRE_FEATURE(test_run_writer);         \
    else                                               \
      MAPSLA_REQUIRE_FEATURE(test_run_writer_xdp);     \
  } while (0)

// Runs the test only on a host with at least `n` NUMA nodes (a documented skip).
#define MAPSLA_REQUIRE_NUMA_NODES(n)                                                     \
  do {                                                                                   \
    const int nodes_ = ::mapsla::testing::kernel_features().numa_nodes;                  \
    if (nodes_ < (n))                                                                    \
      MAPSLA_KERNEL_SKIP("numa_nodes", std::to_string(nodes_) +                          \
                                           " configured NUMA node(s) (libnuma), need " + \
                                           std::to_string(n));                           \
  } while (0)

}  // namespace mapsla::testing
