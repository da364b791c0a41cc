#include "reports/gnuplot.h"

#include <regex>

#include <fmt/format.h>

namespace mapsla {

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

std::string Gnuplot::full_script(const PlotJob& job, const std::string& output) {
  return fmt::format(
      "set terminal svg size {},{} noenhanced font 'sans,11' background '#ffffff'\n"
      "set encoding utf8\n{}set output {}\n{}\nset output\n",
      job.width, job.height, kSeriesStyles, quote(output), job.script);
}

std::string Gnuplot::svg_element(const std::string& file_text) {
  const size_t start = file_text.find("<svg");
  const size_t end = file_text.rfind("</svg>");
  if (start == std::string::npos || end == std::string::npos || end < start) return {};
  return file_text.substr(start, end + 6 - start);
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
