#include "harness/writers/none_writer.h"

namespace mapsla {

WriterDescriptor NoneWriter::descriptor() {
  return {"none",
          "no writer: the map keeps its prefilled records (the known negative)",
          {WriterPattern::inplace, WriterPattern::replace, WriterPattern::churn,
           WriterPattern::seqlock, WriterPattern::locked, WriterPattern::percpu},
          {std::begin(kAllMapKinds), std::end(kAllMapKinds)},
          [](Fields&, const WriterSpec&, const MapSpec&) -> std::shared_ptr<const WriterOptions> {
            return nullptr;
          },
          [](const WriterContext&) { return std::make_unique<NoneWriter>(); },
          nullptr,
          nullptr,
          {"updates"}};
}

}  // namespace mapsla
