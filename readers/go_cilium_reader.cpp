#include "readers/go_cilium_reader.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "readers/external_reader.h"

#ifndef MAPSLA_GO_READER_PATH
#define MAPSLA_GO_READER_PATH ""
#endif

namespace mapsla {
namespace {

std::string why_not_applicable(const std::string& mode, const TargetSpec& target) {
  if (mode != "batch") return {};
  if (is_percpu(target.kind))
    return "cilium/ebpf 0.9.1 Map.BatchLookup does not support per-CPU maps";
  if (target.features && !target.features->batch_ops.available)
    return "kernel has no BPF_MAP_LOOKUP_BATCH: " + target.features->batch_ops.detail;
  return {};
}

}  // namespace

ReaderDescriptor go_cilium_descriptor() {
  return {"go-cilium",
          "Go reader on cilium/ebpf 0.9.1 (Map.Lookup, Map.Iterate, Map.BatchLookup), "
          "run unprivileged through the external-reader protocol",
          {"lookup", "iterate", "batch"},
          [](const std::string& mode, Fields& options) {
            ExternalConfig config;
            config.name = "go-cilium";
            config.mode = mode;
            const char* from_env = std::getenv("MAPSLA_GO_READER");
            const std::string path = from_env && *from_env ? from_env : MAPSLA_GO_READER_PATH;
            if (path.empty())
              config.unavailable =
                  "mapsla-go-reader was not built (needs go and golang-github-cilium-ebpf-dev "
                  "when mapsla is built)";
            else if (::access(path.c_str(), X_OK) != 0)
              config.unavailable = fmt::format("{}{} is not an executable file", path,
                                               from_env && *from_env ? " (MAPSLA_GO_READER)" : "");
            config.command = {path};
            ExternalReader::parse_options(options, config);
            if (config.unavailable.empty())
              if (const std::string why = not_executable_by(path, config.run_as); !why.empty())
                config.unavailable = why + " (the reader runs as " + config.run_as_label + ")";
            config.check = [mode](const TargetSpec& target) {
              return why_not_applicable(mode, target);
            };
            return hold_reader_options(std::move(config));
          },
          [](const std::string&, const ReaderOptions& options) {
            return std::make_unique<ExternalReader>(reader_options_as<ExternalConfig>(options));
          },
          {},
          /*times_itself=*/true};
}

}  // namespace mapsla
