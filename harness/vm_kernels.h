// The guest kernels vagrant/qemu/mapsla-vm can boot (`--kernel K`, its
// KERNEL_CHOICES; tests/unit/vm_kernels_test.cpp keeps the two lists equal).
// The guest userland is Debian bookworm for every kernel; only the kernel
// comes from another suite: 5.10 from bullseye, 6.1 and 6.1-rt (PREEMPT_RT)
// from bookworm, 6.12 from bookworm-backports.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace mapsla {

inline constexpr std::array<std::string_view, 4> kVmKernels = {"5.10", "6.1", "6.1-rt", "6.12"};
inline constexpr std::string_view kDefaultVmKernel = "6.1";

inline std::vector<std::string> vm_kernel_choices() {
  return {kVmKernels.begin(), kVmKernels.end()};
}

}  // namespace mapsla
