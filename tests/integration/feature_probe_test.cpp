// The real feature probe on the running kernel: its verdicts must agree with
// what mapsla then does with the same feature, must not change between two
// probes, and probing must leave nothing behind (no descriptors, no maps or
// programs kept alive).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/bpf/error.h"
#include "core/bpf/map_iterator.h"
#include "core/util/process.h"
#include "harness/target_map.h"
#include "model/version_board.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

class FeatureProbeTest : public testing::PrivilegedTest {};

TEST_F(FeatureProbeTest, TwoProbesAgreeAndLeaveNoDescriptorBehind) {
  const size_t before = open_descriptors();
  const KernelFeatures first = probe_kernel_features();
  const KernelFeatures second = probe_kernel_features();
  EXPECT_EQ(open_descriptors(), before);
  const auto a = first.named(), b = second.named();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].second->available, b[i].second->available) << a[i].first;
    EXPECT_EQ(a[i].second->error, b[i].second->error) << a[i].first;
    // A refusal always says why, with an errno where the kernel gave one.
    if (!a[i].second->available) {
      EXPECT_FALSE(a[i].second->detail.empty()) << a[i].first;
    }
  }
}

TEST_F(FeatureProbeTest, IteratorVerdictMatchesWhatTheIterReaderMeets) {
  const FeatureState& iter = testing::kernel_features().map_elem_iter;
  const MapSpec spec{MapKind::array, 16, 16, 64, {}};
  TargetMap map(spec, "itest_probe");
  if (iter.available) {
    EXPECT_NO_THROW(MapIterator{map.view()});
    EXPECT_THAT(iter.detail, ::testing::HasSubstr("loaded, attached"));
  } else {
    // The probe's errno is the one the iterator itself meets, and its reason
    // is not dressed up as a missing privilege while the capabilities are held.
    try {
      MapIterator it(map.view());
      ADD_FAILURE() << "the probe said no (" << iter.detail << ") but the iterator loaded";
    } catch (const BpfError& e) {
      EXPECT_EQ(e.error_number(), iter.error) << e.what() << " vs " << iter.detail;
    }
    EXPECT_THAT(iter.detail, ::testing::HasSubstr("BPF_PROG_TYPE_TRACING"));
    EXPECT_THAT(iter.detail, ::testing::Not(::testing::HasSubstr("run as root")));
  }
}

TEST_F(FeatureProbeTest, WriterVerdictMatchesTheWriterObject) {
  const KernelFeatures& f = testing::kernel_features();
  // The writer object needs both pieces; the probe may not call it present
  // when either is missing, nor absent when both are there.
  if (f.test_run_writer.available) {
    EXPECT_TRUE(f.syscall_prog.available) << f.syscall_prog.detail;
    EXPECT_TRUE(f.bpf_loop.available) << f.bpf_loop.detail;
  }
  if (f.syscall_prog.available && f.bpf_loop.available) {
    EXPECT_TRUE(f.test_run_writer.available) << f.test_run_writer.detail;
  }
}

TEST_F(FeatureProbeTest, TheXdpWriterRunsWhereverTheSyscallWriterDoes) {
  const KernelFeatures& f = testing::kernel_features();
  // The fallback needs less than the syscall writer (XDP, BPF_PROG_TEST_RUN
  // and bounded loops are all older than SEC("syscall")), so a kernel that
  // runs the one and refuses the other is a fallback that would not load on
  // 5.10 either.
  if (f.test_run_writer.available) {
    EXPECT_TRUE(f.test_run_writer_xdp.available) << f.test_run_writer_xdp.detail;
    EXPECT_THAT(f.test_run_writer_xdp.detail, ::testing::HasSubstr("wrote a valid record"));
  }
  if (f.test_run_writer_xdp.available && f.map_lock.available) {
    EXPECT_TRUE(f.locked_writer_xdp.available) << f.locked_writer_xdp.detail;
  }
  if (!f.privileges.available) return;
  // On 5.10 and later the fallback must load: XDP test runs exist since 4.12.
  EXPECT_TRUE(f.test_run_writer_xdp.available) << f.test_run_writer_xdp.detail;
}

TEST_F(FeatureProbeTest, TheTrafficCounterLoadsWhereverTheSyscallWriterDoes) {
  const KernelFeatures& f = testing::kernel_features();
  // SEC("syscall") programs (5.14) are younger than the atomic fetch-and-add
  // the counter numbers packets with (5.12): a kernel with the one and not the
  // other is a probe that blames the kernel for a broken object.
  if (f.test_run_writer.available && f.cls_bpf.available) {
    EXPECT_TRUE(f.traffic_counter.available) << f.traffic_counter.detail;
  }
  if (f.traffic_counter.available) {
    EXPECT_THAT(f.traffic_counter.detail, ::testing::HasSubstr("loads"));
  } else {
    EXPECT_THAT(f.traffic_counter.detail, ::testing::HasSubstr("traffic_counter.bpf.c"));
  }
}

TEST_F(FeatureProbeTest, TheLockedTrafficCounterLoadsWhereverClsBpfAndMapLocksDo) {
  const KernelFeatures& f = testing::kernel_features();
  // bpf_spin_lock in sched_cls (5.1) is older than every kernel mapsla runs
  // on: the locked counter is the traffic writer's fallback on 5.10.
  if (f.cls_bpf.available && f.map_lock.available) {
    EXPECT_TRUE(f.traffic_counter_locked.available) << f.traffic_counter_locked.detail;
  }
}

// What the probe's child checks of itself: bit 1 uid, 2 gid, 4 a capability
// left, 8 no_new_privs unset. Raw system calls only (a forked child).
int privileges_left(void*) {
  uid_t r = 0, e = 0, saved = 0;
  gid_t rg = 0, eg = 0, sg = 0;
  int bad = 0;
  if (::syscall(SYS_getresuid, &r, &e, &saved) != 0 || r != 65534 || e != 65534 || saved != 65534)
    bad |= 1;
  if (::syscall(SYS_getresgid, &rg, &eg, &sg) != 0 || rg != 65534 || eg != 65534 || sg != 65534)
    bad |= 2;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) bad |= 4;
  for (const auto& d : data)
    if (d.effective || d.permitted || d.inheritable) bad |= 4;
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) bad |= 8;
  return bad;
}

TEST_F(FeatureProbeTest, TheUnprivilegedReadProbeRunsAsNobodyWithNoCapability) {
  if (::geteuid() != 0) MAPSLA_SKIP_OR_FAIL("needs root to switch to uid 65534");
  EXPECT_EQ(run_with_dropped_privileges(Credentials{65534, 65534}, privileges_left, nullptr), 0)
      << "1 uid, 2 gid, 4 capabilities, 8 no_new_privs";
}

// Linux 5.19 (commit c8644cd0efe7) made kernel.unprivileged_bpf_disabled
// refuse only map and program creation; before, every bpf() command.
TEST_F(FeatureProbeTest, UnprivilegedMapReadsAreRefusedExactlyWhereTheKernelSaysSo) {
  const KernelFeatures& f = testing::kernel_features();
  utsname u{};
  ASSERT_EQ(::uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  int disabled = -1;
  std::ifstream("/proc/sys/kernel/unprivileged_bpf_disabled") >> disabled;
  const bool refused = (major < 5 || (major == 5 && minor < 19)) && disabled != 0;
  EXPECT_EQ(f.unprivileged_map_read.available, !refused)
      << u.release << ", unprivileged_bpf_disabled=" << disabled << ": "
      << f.unprivileged_map_read.detail;
  if (refused) {
    EXPECT_EQ(f.unprivileged_map_read.error, EPERM);
    EXPECT_THAT(f.unprivileged_map_read.detail, ::testing::HasSubstr("unprivileged_bpf_disabled"));
  }
}

}  // namespace
}  // namespace mapsla
