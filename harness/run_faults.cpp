#include "harness/run_faults.h"

#include <fmt/format.h>

namespace mapsla {
namespace {

// Runs one step of fault `kind`, renaming its errors after the fault.
template <typename Step>
void guarded(const std::string& kind, Step&& step) {
  try {
    step();
  } catch (const FaultUnavailable& e) {
    throw FaultUnavailable(fmt::format("{}: {}", kind, e.what()));
  } catch (const PrivilegeError&) {
    throw;
  } catch (const std::exception& e) {
    const Classified c = classify_current(e);  // rethrows privilege errors
    throw std::runtime_error(fmt::format("fault {}: {}", kind, c.reason));
  }
}

// Sums up `evidence` (`active`, `gone`) as the fault's `summary`, if it has one.
void summarize_evidence(const std::string& kind, nlohmann::json& evidence) noexcept {
  try {
    const FaultDescriptor* d = builtin_faults().find(kind);
    if (!d || !d->summarize) return;
    if (const EvidenceSummary s = d->summarize(evidence); !s.empty())
      evidence["summary"] = to_json(s);
  } catch (const std::exception&) {
    // The evidence stays; only its summary is missing from the fault table.
  }
}

}  // namespace

RunScopeFaults::RunScopeFaults(const Scenario& scenario, std::vector<size_t> indices,
                               FaultContext context, nlohmann::json& details)
    : scenario_(scenario),
      indices_(std::move(indices)),
      context_(std::move(context)),
      details_(details) {}

std::optional<Classified> RunScopeFaults::start() {
  for (size_t i : indices_) {
    const FaultSpec& spec = scenario_.faults[i];
    try {
      guarded(spec.kind, [&] {
        started_.push_back(builtin_faults().find(spec.kind)->create(spec, context_));
        started_.back()->start();
        details_[i]["active"] = started_.back()->verify_active();
        summarize_evidence(spec.kind, details_[i]);
      });
    } catch (const PrivilegeError&) {
      throw;
    } catch (const FaultUnavailable& e) {
      return Classified{FailureKind::skipped, e.what()};
    } catch (const std::exception& e) {
      return Classified{FailureKind::failed, e.what()};
    }
  }
  return std::nullopt;
}

std::vector<std::string> RunScopeFaults::stop() noexcept {
  std::vector<std::string> failures;
  for (size_t n = started_.size(); n-- > 0;) {
    const size_t i = indices_[n];
    try {
      started_[n]->stop();
      details_[i]["gone"] = started_[n]->verify_gone();
      summarize_evidence(scenario_.faults[i].kind, details_[i]);
    } catch (const std::exception& e) {
      details_[i]["gone_error"] = e.what();
      failures.push_back(fmt::format("fault {}: {}", scenario_.faults[i].kind, e.what()));
    }
  }
  started_.clear();
  return failures;
}

WindowFaults::WindowFaults(const Scenario& scenario, const std::vector<size_t>& indices,
                           FaultContext context, int repetition)
    : scenario_(scenario), indices_(indices), context_(std::move(context)) {
  for (size_t i = 0; i < indices_.size(); ++i)
    evidence_.push_back({{"repetition", repetition}});
}

void WindowFaults::start() {
  failed_ = true;  // until every fault started
  for (size_t i : indices_) {
    const FaultSpec& spec = scenario_.faults[i];
    guarded(spec.kind, [&] {
      faults_.push_back(builtin_faults().find(spec.kind)->create(spec, context_));
      faults_.back()->start();
    });
  }
  failed_ = false;
}

void WindowFaults::verify() {
  failed_ = true;
  for (size_t n = 0; n < faults_.size(); ++n)
    guarded(faults_[n]->kind(), [&] { evidence_[n]["active"] = faults_[n]->verify_active(); });
  failed_ = false;
}

void WindowFaults::stop() noexcept {
  for (size_t n = faults_.size(); n-- > 0;) {
    try {
      guarded(faults_[n]->kind(), [&] {
        faults_[n]->stop();
        evidence_[n]["gone"] = faults_[n]->verify_gone();
      });
    } catch (const std::exception& e) {
      evidence_[n]["gone_error"] = e.what();
      if (!failure_) failure_ = std::current_exception();
    }
    summarize_evidence(faults_[n]->kind(), evidence_[n]);
  }
  faults_.clear();
}

void WindowFaults::rethrow_failure() const {
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace mapsla
