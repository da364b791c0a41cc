#include "tests/integration/privileged.h"

#include <cstdlib>
#include <cstring>

namespace mapsla::testing {

bool privileged_required() {
  const char* value = std::getenv("MAPSLA_REQUIRE_PRIVILEGED");
  return value && std::strcmp(value, "1") == 0;
}

const KernelFeatures& kernel_features() {
  static const KernelFeatures features = probe_kernel_features();
  return features;
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
