// Escaping for text and attribute values in the XML and HTML reports, and
// for text in Markdown tables.
#pragma once

#include <string>
#include <string_view>

namespace mapsla {

// &, <, >, " and ' as character references; &#39; because it means the
// same in XML and in HTML.
inline std::string markup_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Markdown table text: | \ ` * < escaped with a backslash, line breaks
// folded to spaces, so a reason cannot break its table row.
inline std::string markdown_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|' || c == '\\' || c == '`' || c == '*' || c == '<') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

}  // namespace mapsla
