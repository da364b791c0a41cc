// `none`: nothing writes during the reads. The map holds its prefilled
// version-1 records, so every read must be judged ok: the known negative.
#pragma once

#include "harness/writers/writer.h"

namespace mapsla {

class NoneWriter final : public WriterDriver {
 public:
  static WriterDescriptor descriptor();
  void start() override {}
  void stop() override {}
  std::string failure() const override { return {}; }
  nlohmann::json stats() const override { return {{"driver", "none"}, {"updates", 0}}; }
};

}  // namespace mapsla
