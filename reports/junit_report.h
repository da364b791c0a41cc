// JUnit XML for the SLA gate, so CI systems show each check as a test: one
// <testsuite> per scenario, one <testcase> per SLA check (classname
// SCENARIO.READER.MODE, name "METRIC <= LIMIT"), a <failure> carrying the
// measured value and the limit when the check was violated, <skipped> when it
// could not be evaluated (the cell was skipped or not applicable).
#pragma once

#include <string>

#include "reports/reporter.h"
#include "reports/sla.h"

namespace mapsla {

std::string render_junit(const Report& report, const SlaResult& result);

// Writes DIR/junit.xml (or DIR/file_name). `result` must outlive the reporter.
class JunitReporter final : public Reporter {
 public:
  explicit JunitReporter(const SlaResult& result, std::string file_name = "junit.xml")
      : result_(result), file_name_(std::move(file_name)) {}
  std::string name() const override { return "junit"; }
  std::vector<std::filesystem::path> write(const Report& report,
                                           const std::filesystem::path& out_dir,
                                           std::ostream& terminal) override;

 private:
  const SlaResult& result_;
  std::string file_name_;
};

}  // namespace mapsla
