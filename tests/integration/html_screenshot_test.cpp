// report.html from a real run, opened in headless Chromium: the plots must
// actually draw (not a blank page), and the page must be self-contained.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/gnuplot_renderer.h"
#include "reports/html_report.h"
#include "tests/integration/child_process.h"
#include "tests/integration/png_reader.h"
#include "tests/integration/privileged.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::slurp;

constexpr uint32_t kWhite = 0xffffff;

uint32_t frame_color() {
  return static_cast<uint32_t>(std::stoul(std::string(kPlotFrameColor).substr(1), nullptr, 16));
}

struct Box {
  uint32_t x0, y0, x1, y1;  // inclusive
};

// Connected regions of exactly the frame colour, as bounding boxes: each
// plot's border is one ring of that colour (CSS borders are not
// anti-aliased at scale factor 1).
std::vector<Box> find_frames(const testing::Image& image) {
  const uint32_t color = frame_color();
  std::vector<uint8_t> seen(image.pixels.size(), 0);
  std::vector<Box> boxes;
  std::vector<std::pair<uint32_t, uint32_t>> stack;
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x) {
      const size_t i = size_t{y} * image.width + x;
      if (seen[i] || image.pixels[i] != color) continue;
      Box box{x, y, x, y};
      stack.push_back({x, y});
      seen[i] = 1;
      while (!stack.empty()) {
        const auto [cx, cy] = stack.back();
        stack.pop_back();
        box = {std::min(box.x0, cx), std::min(box.y0, cy), std::max(box.x1, cx),
               std::max(box.y1, cy)};
        const std::pair<int, int> steps[] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        for (const auto& [dx, dy] : steps) {
          const int nx = static_cast<int>(cx) + dx, ny = static_cast<int>(cy) + dy;
          if (nx < 0 || ny < 0 || nx >= static_cast<int>(image.width) ||
              ny >= static_cast<int>(image.height))
            continue;
          const size_t j = static_cast<size_t>(ny) * image.width + static_cast<size_t>(nx);
          if (!seen[j] && image.pixels[j] == color) {
            seen[j] = 1;
            stack.push_back({static_cast<uint32_t>(nx), static_cast<uint32_t>(ny)});
          }
        }
      }
      if (box.x1 - box.x0 >= 200 && box.y1 - box.y0 >= 150) boxes.push_back(box);
    }
  }
  return boxes;
}

class HtmlScreenshotTest : public testing::PrivilegedTest {
 protected:
  void SetUp() override {
    testing::PrivilegedTest::SetUp();
    dir_ = fs::temp_directory_path() / ("mapsla_html_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    testing::PrivilegedTest::TearDown();
  }
  fs::path dir_;
};

TEST_F(HtmlScreenshotTest, PlotsOfARealRunDrawInChromium) {
  if (!find_gnuplot()) MAPSLA_SKIP_OR_FAIL("gnuplot not installed (Debian gnuplot-nox)");
  const fs::path chromium = "/usr/bin/chromium";
  if (::access(chromium.c_str(), X_OK) != 0)
    MAPSLA_SKIP_OR_FAIL("chromium not installed (Debian chromium)");
  MAPSLA_REQUIRE_TEST_RUN_WRITER();

  // Two conditions (baseline, replace) with two readers each on a small hash,
  // so that even a loaded machine completes many passes in a short window.
  const auto scenario = [&](const std::string& name, const std::string& pattern) {
    const fs::path path = dir_ / (name + ".yaml");
    std::ofstream(path) << "name: " << name << "\ncondition: " << name
                        << "\nmap: {kind: hash, entries: 4096, value_size: 64}\n"
                           "writer: {driver: test_run, pattern: "
                        << pattern
                        << ", cpus: [1], rate: max}\n"
                           "readers:\n  - {reader: naive, mode: keys, cpus: [0]}\n"
                           "  - {reader: naive, mode: dump, cpus: [0]}\n"
                           "run: {warmup: 50ms, duration: 300ms, repetitions: 1}\n";
    return path.string();
  };
  testing::ChildProcess run(
      {MAPSLA_BINARY, "run", scenario("baseline", "inplace"), scenario("replace", "replace"),
       "--quiet", "--out", (dir_ / "out").string()},
      dir_ / "run.log");
  ASSERT_EQ(run.wait_for(60s), 0) << run.log();
  const fs::path html = dir_ / "out" / "report.html";
  EXPECT_THAT(run.log(), ::testing::HasSubstr("html: " + html.string()));
  const std::string page = slurp(html);
  EXPECT_EQ(page.find("http://"), std::string::npos) << "report.html must be self-contained";
  EXPECT_EQ(page.find("https://"), std::string::npos) << "report.html must be self-contained";
  size_t figures = 0;
  for (size_t at = page.find("<figure class=\"plot"); at != std::string::npos;
       at = page.find("<figure class=\"plot", at + 1))
    ++figures;
  // P99 bars, a CDF per condition, anomaly rates (replace makes dumps repeat
  // and skip keys).
  ASSERT_GE(figures, 3u) << "P99 bars and one CDF per condition at least";
  EXPECT_NE(page.find("Op-latency CDF · replace"), std::string::npos);

  const fs::path png = dir_ / "shot.png";
  const fs::path profile = dir_ / "chromium-profile";
  testing::ChildProcess browser(
      {chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
       "--user-data-dir=" + profile.string(), "--screenshot=" + png.string(),
       "--window-size=1400,9000", "file://" + html.string()},
      dir_ / "chromium.log");
  ASSERT_EQ(browser.wait_for(60s), 0) << browser.log();
  const testing::Image image = testing::read_png(png);
  ASSERT_EQ(image.width, 1400u);

  // Not a blank page, and each plot framed on it has drawn: many pixels that
  // are not background, in several colours (axes, text, curves, bars).
  const std::vector<Box> frames = find_frames(image);
  size_t visible = 0;
  for (const Box& f : frames) {
    if (f.y1 >= image.height - 2) continue;  // cut by the window
    ++visible;
    size_t drawn = 0, total = 0;
    std::set<uint32_t> colors;
    for (uint32_t y = f.y0 + 3; y + 3 <= f.y1; ++y)
      for (uint32_t x = f.x0 + 3; x + 3 <= f.x1; ++x) {
        const uint32_t p = image.at(x, y);
        ++total;
        if (p != kWhite) ++drawn;
        colors.insert(p);
      }
    EXPECT_GT(drawn * 100, total * 2)
        << "plot at y=" << f.y0 << ": " << drawn << " of " << total << " pixels drawn";
    EXPECT_GE(colors.size(), 6u) << "plot at y=" << f.y0;
  }
  EXPECT_GE(visible, 3u) << frames.size() << " plot frames found in the screenshot";
  EXPECT_EQ(frames.size(), figures) << "every plot of the page has its frame on screen";
  for (const Box& f : frames)
    EXPECT_LT(f.x1, 1400u) << "plot at y=" << f.y0 << " runs past a 1400-px window";

  // The page's own layout as Chromium computes it: nothing may be wider than
  // the 1400-px window (wide tables scroll inside their box). A copy of the
  // page gets one line of script that writes the widths into its title.
  const fs::path probe = dir_ / "layout.html";
  std::string probed = page;
  probed.insert(probed.rfind("</body>"),
                "<script>document.title = 'layout ' + document.documentElement.scrollWidth + "
                "' ' + Math.max(...[...document.querySelectorAll('figure, table, svg')].map("
                "e => Math.ceil(e.getBoundingClientRect().right)));</script>");
  std::ofstream(probe) << probed;
  testing::ChildProcess dom(
      {chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--user-data-dir=" + (dir_ / "chromium-dom").string(),
       "--window-size=1400,3000", "--dump-dom", "file://" + probe.string()},
      dir_ / "dom.log");
  ASSERT_EQ(dom.wait_for(60s), 0) << dom.log();
  const std::string dumped = dom.log();
  const auto at = dumped.find("<title>layout ");
  ASSERT_NE(at, std::string::npos) << "the layout probe did not run: " << dumped.substr(0, 400);
  unsigned scroll_width = 0, rightmost = 0;
  ASSERT_EQ(std::sscanf(dumped.c_str() + at, "<title>layout %u %u", &scroll_width, &rightmost), 2);
  EXPECT_LE(scroll_width, 1400u) << "the page scrolls sideways";
  EXPECT_LE(rightmost, 1400u) << "a table, figure or plot ends past the window's right edge";
}

}  // namespace
}  // namespace mapsla
