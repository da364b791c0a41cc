#include <stdexcept>

#include "harness/faults/fault.h"

namespace mapsla {

void FaultRegistry::add(FaultDescriptor descriptor) {
  if (find(descriptor.kind)) throw std::logic_error("duplicate fault " + descriptor.kind);
  descriptors_.push_back(std::move(descriptor));
}

const FaultDescriptor* FaultRegistry::find(const std::string& kind) const {
  for (const auto& d : descriptors_)
    if (d.kind == kind) return &d;
  return nullptr;
}

std::vector<std::string> FaultRegistry::kinds() const {
  std::vector<std::string> kinds;
  for (const auto& d : descriptors_)
    kinds.push_back(d.kind);
  return kinds;
}

const FaultRegistry& builtin_faults() {
  static const FaultRegistry registry = [] {
    FaultRegistry r;
    // Fault classes register here (harness/faults/<kind>.{h,cpp}).
    return r;
  }();
  return registry;
}

}  // namespace mapsla
