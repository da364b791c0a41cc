// Renders plots to SVG with gnuplot (Debian gnuplot-nox) run as a child
// process. Each render gets a private directory (mkdtemp, mode 0700) holding
// the data files, the script and the output; it is removed afterwards, on
// every path. gnuplot is given no input but that directory's files.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mapsla {

// The gnuplot executable on PATH, if any.
std::optional<std::filesystem::path> find_gnuplot();

struct PlotJob {
  // Data files by name (plain names, no directories); the script refers to
  // them by that name, since gnuplot runs inside the private directory.
  std::vector<std::pair<std::string, std::string>> data;
  // Everything after "set terminal … / set output …": the plot commands.
  std::string script;
  int width = 640;
  int height = 400;
};

struct PlotResult {
  bool ok = false;
  std::string svg;    // the <svg> element alone (no XML prolog), when ok
  std::string error;  // why not, when !ok: exit status and gnuplot's stderr tail
};

class Gnuplot {
 public:
  // The linetype definitions prepended to every script (distinct colours,
  // then dash styles): series are styled by their index, never by chance.
  static const char* const kSeriesStyles;

  explicit Gnuplot(std::filesystem::path executable,
                   std::chrono::seconds timeout = std::chrono::seconds(30))
      : executable_(std::move(executable)), timeout_(timeout) {}

  // Never throws for gnuplot's own failures (a bad script, a crash, a
  // timeout: the child is killed and reaped); they come back as !ok.
  PlotResult render(const PlotJob& job) const;

  // Quotes text as a gnuplot single-quoted string literal.
  static std::string quote(const std::string& text);

 private:
  std::filesystem::path executable_;
  std::chrono::seconds timeout_;
};

// Makes a gnuplot SVG fit for inlining several times into one HTML page:
// drops the XML prolog and the namespace declarations (HTML parses inline
// SVG without them, and they are the only URLs in gnuplot's output), and
// prefixes every id and reference to it with `id_prefix` so that plots do
// not share ids.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

}  // namespace mapsla
