// The summary table printed at the end of `mapsla run`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "reports/reporter.h"

namespace mapsla {

// "431ns", "1.24µs", "3.10ms", "2.00s".
std::string format_ns(double ns);
// "950", "12.3k", "4.56M".
std::string format_count(double n);
// Aligned columns (width in code points); columns from `numeric_from` on are
// right-aligned.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 size_t numeric_from = 4);

class TerminalReporter final : public Reporter {
 public:
  std::string name() const override { return "terminal"; }
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;
};

}  // namespace mapsla
