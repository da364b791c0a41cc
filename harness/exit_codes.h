// mapsla's exit codes, documented in README.md ("Exit codes"). CI scripts
// depend on them; never renumber.
#pragma once

namespace mapsla::exit_code {

inline constexpr int kOk = 0;                 // everything ran; every gate held
inline constexpr int kSlaViolated = 1;        // an SLA threshold was violated
inline constexpr int kBadInput = 2;           // usage error, malformed scenario or report
inline constexpr int kEnvironment = 3;        // the kernel/host cannot run the scenario
inline constexpr int kNoPrivileges = 4;       // missing CAP_BPF/CAP_SYS_ADMIN (run as root)
inline constexpr int kRunFailed = 5;          // a cell failed (writer, reader or fault error)
inline constexpr int kInterruptedBase = 128;  // + signal number (130 = SIGINT, 143 = SIGTERM)

}  // namespace mapsla::exit_code
