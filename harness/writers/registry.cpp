#include <stdexcept>

#include "harness/writers/none_writer.h"
#include "harness/writers/test_run_writer.h"
#include "harness/writers/traffic_writer.h"
#include "harness/writers/writer.h"

namespace mapsla {

void WriterRegistry::add(WriterDescriptor descriptor) {
  if (find(descriptor.name)) throw std::logic_error("duplicate writer " + descriptor.name);
  descriptors_.push_back(std::move(descriptor));
}

const WriterDescriptor* WriterRegistry::find(const std::string& name) const {
  for (const auto& d : descriptors_)
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> WriterRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& d : descriptors_)
    names.push_back(d.name);
  return names;
}

const WriterRegistry& builtin_writers() {
  static const WriterRegistry registry = [] {
    WriterRegistry r;
    r.add(TestRunWriter::descriptor());
    r.add(NoneWriter::descriptor());
    r.add(TrafficWriter::descriptor());
    return r;
  }();
  return registry;
}

}  // namespace mapsla
