// One rule for what an exception means for the cells it hits, used by every
// stage of a run (harness/runner.cpp) and by the CLI's exit code:
//
//   ReaderNotApplicable          → not_applicable, what() as the reason
//   FaultUnavailable             → skipped, what() as the reason
//   EPERM/EACCES (BpfError or std::system_error) while this process lacks a
//   capability the operation needs → PrivilegeError: the run stops, exit 4,
//                                  the message names the missing capability
//   EPERM/EACCES with every needed capability held → failed, and the reason
//                                  says the kernel refused it and what likely
//                                  refuses it (never a privilege error)
//   anything else                → failed, what() as the reason
#pragma once

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

namespace mapsla {

// The run cannot go on: this process lacks a capability (exit 4).
class PrivilegeError : public std::runtime_error {
 public:
  PrivilegeError(const std::string& what, std::string missing)
      : std::runtime_error(what), missing_(std::move(missing)) {}
  // The unmet needs, e.g. "CAP_BPF or CAP_SYS_ADMIN".
  const std::string& missing() const { return missing_; }

 private:
  std::string missing_;
};

enum class FailureKind { not_applicable, skipped, failed, privileges };

struct Classified {
  FailureKind kind = FailureKind::failed;
  std::string reason;
};

// `e` as the table above says; `caps` is the effective capability set
// (capabilities.h), a parameter so the rule can be tested without root.
Classified classify(const std::exception& e, uint64_t caps);
Classified classify(const std::exception& e);

// classify() for the exception being handled: rethrows it as a
// PrivilegeError when it is one, returns the classification otherwise. Call
// only inside a catch block.
Classified classify_current(const std::exception& e);

}  // namespace mapsla
