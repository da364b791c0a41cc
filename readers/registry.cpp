#include "readers/registry.h"

#include <stdexcept>

#include "readers/naive_reader.h"

namespace mapsla {

void ReaderRegistry::add(ReaderDescriptor descriptor) {
  if (find(descriptor.name)) throw std::logic_error("duplicate reader " + descriptor.name);
  descriptors_.push_back(std::move(descriptor));
}

const ReaderDescriptor* ReaderRegistry::find(const std::string& name) const {
  for (const auto& d : descriptors_)
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> ReaderRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& d : descriptors_)
    names.push_back(d.name);
  return names;
}

const ReaderRegistry& builtin_readers() {
  static const ReaderRegistry registry = [] {
    ReaderRegistry r;
    r.add(NaiveReader::descriptor());
    return r;
  }();
  return registry;
}

}  // namespace mapsla
