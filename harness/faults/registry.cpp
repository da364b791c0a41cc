#include <stdexcept>

#include "harness/faults/cpu_stress.h"
#include "harness/faults/cross_numa.h"
#include "harness/faults/fault.h"
#include "harness/faults/map_pressure.h"
#include "harness/faults/packet_loss.h"

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
    r.add(PacketLossFault::descriptor());
    r.add(CpuStressFault::descriptor());
    r.add(CrossNumaFault::descriptor());
    r.add(MapPressureFault::descriptor());
    return r;
  }();
  return registry;
}

}  // namespace mapsla
