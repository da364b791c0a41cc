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

nlohmann::json combine_writer_stats(const WriterDescriptor& writer,
                                    const std::vector<nlohmann::json>& per_repetition) {
  if (per_repetition.empty()) return nlohmann::json::object();
  nlohmann::json out = per_repetition.back();
  for (const std::string& counter : writer.counters) {
    uint64_t sum = 0;
    bool known = true;
    for (const auto& rep : per_repetition) {
      const auto it = rep.find(counter);
      if (it == rep.end() || !it->is_number_unsigned())
        known = false;
      else
        sum += it->get<uint64_t>();
    }
    if (known) out[counter] = sum;
  }
  for (const std::string& flag : writer.flags) {
    bool all = true, known = true;
    for (const auto& rep : per_repetition) {
      const auto it = rep.find(flag);
      if (it == rep.end() || !it->is_boolean())
        known = false;
      else
        all = all && it->get<bool>();
    }
    if (known) out[flag] = all;
  }
  if (per_repetition.size() > 1) out["repetitions"] = per_repetition;
  if (writer.summarize)
    if (const EvidenceSummary summary = writer.summarize(out); !summary.empty())
      out["summary"] = to_json(summary);
  return out;
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
