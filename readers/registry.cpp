#include "readers/registry.h"

#include <stdexcept>

#include "readers/batched_reader.h"
#include "readers/bpftool_reader.h"
#include "readers/external_reader.h"
#include "readers/go_cilium_reader.h"
#include "readers/iter_reader.h"
#include "readers/locked_reader.h"
#include "readers/mmap_reader.h"
#include "readers/naive_reader.h"
#include "readers/percpu_reader.h"
#include "readers/retry_reader.h"
#include "readers/snapshot_reader.h"

namespace mapsla {

std::shared_ptr<const ReaderOptions> ReaderDescriptor::default_options(
    const std::string& mode) const {
  Fields none(YAML::Node(YAML::NodeType::Map), std::make_shared<const std::string>(""), "");
  return parse(mode, none);
}

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
    r.add(RetryReader::descriptor());
    r.add(SnapshotReader::descriptor());
    r.add(BatchedReader::descriptor());
    r.add(MmapReader::descriptor());
    r.add(LockedReader::descriptor());
    r.add(IterReader::descriptor());
    r.add(PercpuReader::descriptor());
    r.add(go_cilium_descriptor());
    r.add(BpftoolReader::descriptor());
    r.add(ExternalReader::descriptor());
    return r;
  }();
  return registry;
}

}  // namespace mapsla
