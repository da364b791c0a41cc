// `--kernel K` of `mapsla reproduce --vm` and `mapsla vm image|run`: the
// choices the C++ CLI offers are the script's, and a kernel that is not one
// of them is a usage error (exit 2) that lists them — before any privilege,
// image or VM is needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "harness/vm_kernels.h"
#include "tests/cli_runner.h"

namespace mapsla {
namespace {

using ::testing::HasSubstr;

using Outcome = testing::CliOutcome;
using testing::run_mapsla;

std::string script_text() {
  std::ifstream in(MAPSLA_SOURCE_DIR "/vagrant/qemu/mapsla-vm");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One file per test and process: ctest -j runs these tests side by side, and
// a shared name let one test remove the file another was reading.
std::filesystem::path any_report() {
  const auto path =
      std::filesystem::temp_directory_path() /
      fmt::format("mapsla_vm_kernels_{}_{}.json",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
  std::ofstream(path) << "{}\n";
  return path;
}

void expect_lists_choices(const Outcome& o) {
  for (std::string_view k : kVmKernels)
    EXPECT_THAT(o.output, HasSubstr(std::string(k))) << o.output;
}

TEST(VmKernels, ScriptOffersTheSameChoicesAndDefault) {
  const std::string text = script_text();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(readonly KERNEL_CHOICES=\(([^)]*)\))")));
  std::istringstream words(m[1].str());
  std::vector<std::string> script_choices;
  for (std::string w; words >> w;)
    script_choices.push_back(w);
  EXPECT_EQ(script_choices, vm_kernel_choices());
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(readonly DEFAULT_KERNEL=(\S+))")));
  EXPECT_EQ(m[1].str(), kDefaultVmKernel);
}

TEST(VmKernels, ReproduceUnknownKernelExitsTwoListingTheChoices) {
  const auto report = any_report();
  const Outcome o = run_mapsla("reproduce " + report.string() + " --vm --kernel 4.19");
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr("4.19"));
  expect_lists_choices(o);
  std::filesystem::remove(report);
}

TEST(VmKernels, ReproduceKernelNeedsVm) {
  const auto report = any_report();
  const Outcome o = run_mapsla("reproduce " + report.string() + " --kernel 6.1-rt");
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_THAT(o.output, HasSubstr("--vm"));
  std::filesystem::remove(report);
}

// The script is found next to the binary's build tree and checks --kernel
// before it looks for root, debootstrap or an image.
TEST(VmKernels, VmImageAndRunUnknownKernelExitTwoListingTheChoices) {
  for (const char* args :
       {"vm image --kernel 4.19", "vm run --kernel 4.19 -- true", "vm info --kernel 4.19"}) {
    const Outcome o = run_mapsla(args);
    EXPECT_EQ(o.status, 2) << args << ": " << o.output;
    EXPECT_THAT(o.output, HasSubstr("unknown --kernel '4.19'")) << args;
    expect_lists_choices(o);
  }
}

}  // namespace
}  // namespace mapsla
