#include "tests/integration/privileged.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace mapsla::testing {

bool privileged_required() {
  const char* value = std::getenv("MAPSLA_REQUIRE_PRIVILEGED");
  return value && std::strcmp(value, "1") == 0;
}

const KernelFeatures& kernel_features() {
  static const KernelFeatures features = probe_kernel_features();
  return features;
}

bool kernel_skip_allowed(std::string_view feature) {
  // Keep in step with README.md, "Kernel-caused skips".
  return feature == "map_elem_iter" || feature == "sch_netem" || feature == "numa_nodes";
}

void record_kernel_skip(std::string_view feature, const std::string& evidence) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string line = std::string(test ? test->test_suite_name() : "?") + "." +
                           (test ? test->name() : "?") + ": " + std::string(feature) + ": " +
                           evidence;
  std::cout << "[kernel skip] " << line << std::endl;
  if (const char* path = std::getenv("MAPSLA_KERNEL_SKIPS"); path && *path) {
    std::ofstream out(path, std::ios::app);
    out << line << '\n';
  }
}

void PrivilegedTest::SetUp() {
  const FeatureState& privileges = kernel_features().privileges;
  if (!privileges.available) MAPSLA_SKIP_OR_FAIL("needs BPF privileges: " + privileges.detail);
  try {
    bpffs_ = std::make_unique<BpffsMount>();
  } catch (const std::exception& e) {
    MAPSLA_SKIP_OR_FAIL(std::string("cannot mount bpffs: ") + e.what());
  }
}

void PrivilegedTest::TearDown() {
  bpffs_.reset();
}

}  // namespace mapsla::testing
