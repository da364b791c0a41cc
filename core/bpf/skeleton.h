// Owning pointer for a bpftool-generated skeleton, destroyed with its
// `<name>__destroy`, which detaches links, unloads programs and closes maps in
// one step. A function pointer, not a template argument, because skeleton
// functions are `static inline` (internal linkage).
#pragma once

#include <memory>

namespace mapsla {

template <typename Skeleton>
using SkeletonPtr = std::unique_ptr<Skeleton, void (*)(Skeleton*)>;

}  // namespace mapsla
