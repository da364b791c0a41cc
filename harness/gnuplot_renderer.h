// Renders report plots with gnuplot (Debian gnuplot-nox) as a child process
// started by the core process layer (core/util/process.h). Each render
// gets a private directory (mkdtemp, mode 0700) holding the data files, the
// script and the output; it is removed afterwards, on every path. gnuplot runs
// in that directory with a minimal environment (a private HOME, so no
// ~/.gnuplot, the C.UTF-8 locale, the system PATH), sees no input but that
// directory's files, and is killed at its deadline.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include "reports/gnuplot.h"

namespace mapsla {

// The gnuplot executable (find_executable), if any.
std::optional<std::filesystem::path> find_gnuplot();

class GnuplotRenderer final : public PlotRenderer {
 public:
  explicit GnuplotRenderer(std::filesystem::path executable,
                           std::chrono::seconds timeout = std::chrono::seconds(30))
      : executable_(std::move(executable)), timeout_(timeout) {}
  PlotResult render(const PlotJob& job) const override;

 private:
  std::filesystem::path executable_;
  std::chrono::seconds timeout_;
};

}  // namespace mapsla
