// report.md: the run for people, fit for a pull-request comment or a wiki
// page. The reader × condition summary (op P99, ratio to baseline, anomaly
// count), every cell's figures and anomalies by class, why any cell did not
// run, the environment and the kernel feature probe. The tables are those of
// reports/report_tables.h, so report.md and report.html agree.
#pragma once

#include <string>

#include "reports/reporter.h"

namespace mapsla {

std::string render_markdown(const Report& report);

// `t` as a Markdown table (right-aligned numeric columns), appended to `out`.
struct Table;
void markdown_table(std::string& out, const Table& t);

class MarkdownReporter final : public Reporter {
 public:
  std::string name() const override { return "markdown"; }
  // Writes out_dir/report.md (through a temporary file and a rename).
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;
};

}  // namespace mapsla
