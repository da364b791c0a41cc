// go-cilium: the Go reader in readers/external/go-cilium/, built on
// cilium/ebpf 0.9.1, run as an external reader (external_reader.h).
//
// Modes: `lookup` (Map.Lookup per key, per-op latency), `iterate`
// (Map.Iterate: get_next_key + lookup, per-Next latency; keys deleted between
// the two are silently skipped by the library) and `batch` (Map.BatchLookup,
// one op per pass). Contract: cilium/ebpf's, documented in
// docs/external-readers.md section 7.
//
// The program's path is baked in at build time (MAPSLA_GO_READER_PATH, empty
// when Go or cilium/ebpf was missing) and can be overridden with the
// environment variable MAPSLA_GO_READER. When neither names an executable,
// every cell is not applicable with the reason.
#pragma once

#include "readers/registry.h"

namespace mapsla {

ReaderDescriptor go_cilium_descriptor();

}  // namespace mapsla
