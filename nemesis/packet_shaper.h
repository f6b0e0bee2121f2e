// The packet shaper on a node (nemesis/shaper: faultline-shaper), as the
// packet nemesis and the healing drive it: deploy the binary, start it with
// the fault's parameters, stop it (held packets go on), read its counts.
//
// It runs as a daemon by pid file (targets/daemon.h) in the node's network
// namespace, bound to NFQUEUE queue kShaperQueue; the rules that feed it
// (QueueTo in FAULTLINE-OUT, nemesis/faultline_chain.h) skip kShaperMark, the
// mark of its own duplicates. Errors name the node's command output.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

inline constexpr int kShaperQueue = 7301;
inline constexpr unsigned kShaperMark = 0xfa17;
inline constexpr char kShaperBinary[] = "/opt/faultline/bin/faultline-shaper";

struct ShaperSettings {
  double delay_ms = 0;
  double jitter_ms = 0;
  std::string distribution = "uniform";  // or "normal"
  double duplicate_percent = 0;
  double reorder_percent = 0;
};

// faultline-shaper beside the running executable (build/), or "" when absent.
std::string LocalShaperBinary();

// Uploads `local_binary` to kShaperBinary (staged, then renamed: a running
// copy is never overwritten in place).
Status DeployShaper(Remote& remote, const std::string& local_binary);

// Stops a shaper left running, then starts one with `settings` and waits
// (up to 5 s) until it has bound its queue.
Status StartShaper(Remote& remote, const ShaperSettings& settings, uint64_t seed);

// SIGTERM (it lets every held packet go and writes its counts), SIGKILL
// after 3 s; OK when none runs.
Status StopShaper(Remote& remote);

// True when a shaper runs on the node (by pid file).
Result<bool> ShaperRunning(Remote& remote);

// Its last counts ({"state", "received", "released", "duplicated",
// "dropped_full", "held"}), null when it never ran.
Result<nlohmann::json> ShaperCounts(Remote& remote);

}  // namespace faultline
