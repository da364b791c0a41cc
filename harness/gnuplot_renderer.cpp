#include "harness/gnuplot_renderer.h"

#include <stdlib.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "core/util/clock.h"
#include "core/util/process.h"

namespace mapsla {
namespace fs = std::filesystem;
namespace {

class PrivateDir {
 public:
  PrivateDir() {
    std::string pattern = (fs::temp_directory_path() / "mapsla-gnuplot-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
  }
  ~PrivateDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::system_error(errno, std::generic_category(), "write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string tail(const std::string& text, size_t max) {
  std::string t = text.size() > max ? "…" + text.substr(text.size() - max) : text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
    t.pop_back();
  return t;
}

}  // namespace

std::optional<fs::path> find_gnuplot() {
  const std::string found = find_executable("gnuplot");
  if (found.empty()) return std::nullopt;
  return fs::path(found);
}

PlotResult GnuplotRenderer::render(const PlotJob& job) const {
  PlotResult result;
  try {
    PrivateDir dir;
    for (const auto& [name, content] : job.data) {
      if (name.find('/') != std::string::npos || name.empty() || name[0] == '.')
        throw std::invalid_argument("bad plot data file name: " + name);
      write_file(dir.path() / name, content);
    }
    write_file(dir.path() / "plot.gp", Gnuplot::full_script(job, "plot.svg"));

    LaunchSpec spec;
    spec.argv = {executable_.string(), "plot.gp"};
    spec.env = {"HOME=" + dir.path().string(), std::string("PATH=") + kSystemPath,
                "LC_ALL=C.UTF-8"};
    spec.cwd = dir.path();
    spec.out = {Output::null, {}};
    spec.err = Output::to_file(dir.path() / "stderr.txt");
    const uint64_t deadline =
        now_ns() + static_cast<uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(timeout_).count());
    std::optional<ChildProcess> child;
    try {
      child.emplace(ChildProcess::launch(spec));
    } catch (const std::exception& e) {
      result.error = e.what();
      return result;
    }
    const bool finished = child->wait_exit(deadline);
    const ExitStatus status = child->reap();
    const std::string errors = tail(read_file(dir.path() / "stderr.txt"), 400);
    if (!finished) {
      result.error = fmt::format("gnuplot timed out after {}s", timeout_.count());
      return result;
    }
    if (!status.ok()) {
      result.error = status.signaled ? fmt::format("gnuplot killed by signal {}", status.code)
                                     : fmt::format("gnuplot exited {}: {}", status.code, errors);
      return result;
    }
    result.svg = Gnuplot::svg_element(read_file(dir.path() / "plot.svg"));
    if (result.svg.empty()) {
      result.error = "gnuplot wrote no SVG" + (errors.empty() ? "" : ": " + errors);
      return result;
    }
    result.ok = true;
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace mapsla
