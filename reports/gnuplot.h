// Plots as gnuplot jobs, and the interface that renders them to SVG. The
// reporting code only builds jobs and inlines SVG: running gnuplot (a child
// process in a private directory) is the harness's GnuplotRenderer
// (harness/gnuplot_renderer.h), so reports/ depends on nothing but the
// result model.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mapsla {

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

// Renders one job to SVG. Never throws for the renderer's own failures (a bad
// script, a crash, a timeout): they come back as !ok with the reason.
class PlotRenderer {
 public:
  virtual ~PlotRenderer() = default;
  virtual PlotResult render(const PlotJob& job) const = 0;
};

// gnuplot's language, for building jobs.
struct Gnuplot {
  // The linetype definitions prepended to every script (distinct colours,
  // then dash styles): series are styled by their index, never by chance.
  static const char* const kSeriesStyles;
  // The whole script for `job`: SVG terminal of its size, styles, the job's
  // commands, writing `output` in the working directory.
  static std::string full_script(const PlotJob& job, const std::string& output);
  // Quotes text as a gnuplot single-quoted string literal.
  static std::string quote(const std::string& text);
  // The <svg> element of a gnuplot SVG file, or "" when there is none.
  static std::string svg_element(const std::string& file_text);
};

// Makes a gnuplot SVG fit for inlining several times into one HTML page:
// drops the XML prolog and the namespace declarations (HTML parses inline
// SVG without them, and they are the only URLs in gnuplot's output), and
// prefixes every id and reference to it with `id_prefix` so that plots do
// not share ids.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

}  // namespace mapsla
