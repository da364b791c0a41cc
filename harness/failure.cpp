#include "harness/failure.h"

#include <cerrno>
#include <optional>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "core/bpf/capabilities.h"
#include "core/bpf/error.h"
#include "harness/faults/fault.h"
#include "readers/reader.h"

namespace mapsla {
namespace {

bool is_permission_errno(int err) {
  return err == EPERM || err == EACCES;
}

// A permission error and what its operation needs: BPF objects need CAP_BPF
// (tracing programs also CAP_PERFMON); namespaces, links and qdiscs (std::system_error
// from harness/net) need CAP_NET_ADMIN and, to create a namespace, CAP_SYS_ADMIN.
std::optional<std::vector<CapabilityNeed>> needs_of(const std::exception& e) {
  if (const auto* bpf = dynamic_cast<const BpfError*>(&e)) {
    if (!is_permission_errno(bpf->error_number())) return std::nullopt;
    return std::vector<CapabilityNeed>{needs::kBpf, needs::kPerfmon};
  }
  if (const auto* sys = dynamic_cast<const std::system_error*>(&e)) {
    if (sys->code().category() != std::system_category() &&
        sys->code().category() != std::generic_category())
      return std::nullopt;
    if (!is_permission_errno(sys->code().value())) return std::nullopt;
    return std::vector<CapabilityNeed>{needs::kNetAdmin, CapabilityNeed{{Capability::sys_admin}}};
  }
  return std::nullopt;
}

}  // namespace

Classified classify(const std::exception& e, uint64_t caps) {
  if (dynamic_cast<const ReaderNotApplicable*>(&e)) return {FailureKind::not_applicable, e.what()};
  if (dynamic_cast<const FaultUnavailable*>(&e)) return {FailureKind::skipped, e.what()};
  if (dynamic_cast<const PrivilegeError*>(&e)) return {FailureKind::privileges, e.what()};
  if (const auto needs = needs_of(e)) {
    const std::string missing = unmet(caps, *needs);
    if (!missing.empty())
      return {FailureKind::privileges, fmt::format("{}: this process lacks {}", e.what(), missing)};
    return {FailureKind::failed, fmt::format("{}; {}", e.what(), kernel_refusal_hint())};
  }
  return {FailureKind::failed, e.what()};
}

Classified classify(const std::exception& e) {
  return classify(e, effective_capabilities());
}

Classified classify_current(const std::exception& e) {
  const uint64_t caps = effective_capabilities();
  Classified c = classify(e, caps);
  if (c.kind == FailureKind::privileges) {
    if (const auto* already = dynamic_cast<const PrivilegeError*>(&e)) throw *already;
    const auto needs = needs_of(e);
    throw PrivilegeError(c.reason, needs ? unmet(caps, *needs) : std::string());
  }
  return c;
}

}  // namespace mapsla
