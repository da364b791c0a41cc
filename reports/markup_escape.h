// Escaping for text and attribute values in the XML and HTML reports.
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

}  // namespace mapsla
