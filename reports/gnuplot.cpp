#include "reports/gnuplot.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>
#include <thread>

#include <fmt/format.h>

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
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string Gnuplot::quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    out += c;
    if (c == '\'') out += '\'';  // '' is a quote inside a single-quoted gnuplot string
  }
  return out + "'";
}

// Series styles every plot shares: 12 colours a reader can tell apart
// (Tableau 10 plus two), then the same colours dashed, then dotted, so up
// to 36 series never look alike; bar charts past 12 series get fill patterns
// (html_plots.cpp).
const char* const Gnuplot::kSeriesStyles = [] {
  static std::string styles;
  const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#b8860b"};
  for (int dash = 0; dash < 3; ++dash)
    for (int c = 0; c < 12; ++c)
      styles += fmt::format("set linetype {} lc rgb '{}' lw 2 dt {}\n", dash * 12 + c + 1,
                            colours[c], dash + 1);
  styles += "set linetype cycle 36\n";
  return styles.c_str();
}();

PlotResult Gnuplot::render(const PlotJob& job) const {
  PlotResult result;
  try {
    PrivateDir dir;
    for (const auto& [name, content] : job.data) {
      if (name.find('/') != std::string::npos || name.empty() || name[0] == '.')
        throw std::invalid_argument("bad plot data file name: " + name);
      write_file(dir.path() / name, content);
    }
    write_file(dir.path() / "plot.gp",
               fmt::format("set terminal svg size {},{} noenhanced font 'sans,11' "
                           "background '#ffffff'\n"
                           "set encoding utf8\n{}set output 'plot.svg'\n{}\nset output\n",
                           job.width, job.height, kSeriesStyles, job.script));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    struct Actions {
      posix_spawn_file_actions_t* a;
      ~Actions() { posix_spawn_file_actions_destroy(a); }
    } destroy{&actions};
    const std::string err_path = (dir.path() / "stderr.txt").string();
    posix_spawn_file_actions_addchdir_np(&actions, dir.path().c_str());
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // A private HOME keeps a user's ~/.gnuplot out of the report; the C
    // locale keeps decimal points.
    std::string home = "HOME=" + dir.path().string();
    std::string path_env = "PATH=/usr/local/bin:/usr/bin:/bin";
    std::string locale = "LC_ALL=C.UTF-8";
    char* envp[] = {home.data(), path_env.data(), locale.data(), nullptr};
    std::string exe = executable_.string();
    std::string script = "plot.gp";
    char* argv[] = {exe.data(), script.data(), nullptr};
    pid_t pid = -1;
    if (const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, envp); rc != 0) {
      result.error = fmt::format("cannot start {}: {}", exe, std::strerror(rc));
      return result;
    }

    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    bool timed_out = false;
    for (;;) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid || (done < 0 && errno != EINTR)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::string errors = tail(read_file(err_path), 400);
    if (timed_out) {
      result.error = fmt::format("gnuplot timed out after {}s", timeout_.count());
      return result;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      result.error = WIFEXITED(status)
                         ? fmt::format("gnuplot exited {}: {}", WEXITSTATUS(status), errors)
                         : fmt::format("gnuplot killed by signal {}", WTERMSIG(status));
      return result;
    }
    std::string svg = read_file(dir.path() / "plot.svg");
    const size_t start = svg.find("<svg");
    const size_t end = svg.rfind("</svg>");
    if (start == std::string::npos || end == std::string::npos || end < start) {
      result.error = "gnuplot wrote no SVG" + (errors.empty() ? "" : ": " + errors);
      return result;
    }
    result.svg = svg.substr(start, end + 6 - start);
    result.ok = true;
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

std::string inline_svg(const std::string& svg, const std::string& id_prefix) {
  std::string out = svg;
  if (const size_t start = out.find("<svg"); start != std::string::npos) out.erase(0, start);
  const size_t tag_end = out.find('>');
  if (tag_end != std::string::npos) {
    static const std::regex xmlns(R"re(\s+xmlns(:[A-Za-z]+)?=("[^"]*"|'[^']*'))re");
    out = std::regex_replace(out.substr(0, tag_end), xmlns, "") + out.substr(tag_end);
  }
  static const std::regex title(R"(<title>[^<]*</title>)");
  out = std::regex_replace(out, title, "", std::regex_constants::format_first_only);
  static const std::regex ids(R"re((\bid=["']|href=["']#|url\(#))re");
  return std::regex_replace(out, ids, "$1" + id_prefix);
}

}  // namespace mapsla
