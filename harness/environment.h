// The machine a report was produced on.
#pragma once

#include "core/bpf/features.h"
#include "reports/result.h"

namespace mapsla {

Environment collect_environment(const KernelFeatures& features);

}  // namespace mapsla
