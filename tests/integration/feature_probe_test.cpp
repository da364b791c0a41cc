// The real feature probe on the running kernel: its verdicts must agree with
// what mapsla then does with the same feature, must not change between two
// probes, and probing must leave nothing behind (no descriptors, no maps or
// programs kept alive).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/bpf/error.h"
#include "core/bpf/map_iterator.h"
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

}  // namespace
}  // namespace mapsla
