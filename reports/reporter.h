// Reporters render a Report. Each is one class behind this interface; the
// CLI runs every enabled reporter after a run.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual std::string name() const = 0;
  // Writes into `out_dir` (files) or `terminal` (text); returns the files made.
  virtual std::vector<std::filesystem::path> write(const Report& report,
                                                   const std::filesystem::path& out_dir,
                                                   std::ostream& terminal) = 0;
};

}  // namespace mapsla
