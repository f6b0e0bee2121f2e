#include "nemesis/packet_shaper.h"

#include <cstdio>
#include <filesystem>

#include "harness/control/own_binaries.h"
#include "harness/core/format_double.h"
#include "targets/daemon.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

// Per node name: nodes that share a filesystem (namespaces without their own
// mounts) must not share a pid file.
std::string ShaperStateDir(const Remote& remote) { return "/var/lib/faultline/shaper/" + remote.node(); }
std::string StatsFile(const Remote& remote) { return ShaperStateDir(remote) + "/counts.json"; }

DaemonSpec ShaperDaemon(const Remote& remote) {
  return {"faultline-shaper",
          kShaperBinary,
          ShaperStateDir(remote) + "/shaper.pid",
          "/var/log/faultline/shaper-" + remote.node() + ".log",
          ShaperStateDir(remote),
          /*user=*/"",
          /*children=*/false};
}

}  // namespace

std::string LocalShaperBinary() { return BinaryBesideSelf("faultline-shaper"); }

Status DeployShaper(Remote& remote, const std::string& local_binary) {
  return DeployBinary(remote, local_binary, kShaperBinary, "the shaper");
}

Status StartShaper(Remote& remote, const ShaperSettings& s, uint64_t seed) {
  if (Status st = StopShaper(remote); !st.ok()) return st;
  const std::string stats = StatsFile(remote);
  const DaemonSpec daemon = ShaperDaemon(remote);
  ExecOrError(remote, "rm -f " + ShellQuote(stats));
  std::vector<std::string> args = {"--queue",        std::to_string(kShaperQueue),
                                   "--delay-ms",     FormatDouble("%g", s.delay_ms),
                                   "--jitter-ms",    FormatDouble("%g", s.jitter_ms),
                                   "--distribution", s.distribution,
                                   "--duplicate",    FormatDouble("%g", s.duplicate_percent),
                                   "--reorder",      FormatDouble("%g", s.reorder_percent),
                                   "--mark",         FormatDouble("%g", kShaperMark),
                                   "--seed",         std::to_string(seed),
                                   "--stats-file",   stats};
  auto launched = LaunchDaemon(remote, daemon, args);
  if (!launched.ok()) return launched.status();
  // Bound when its counts file says running; an exit (bad flag, no NFQUEUE)
  // shows in its log.
  auto ready = ExecOrError(remote, DaemonPrelude(daemon) + "for i in $(seq 1 100); do grep -q running " +
                                       ShellQuote(stats) +
                                       " 2>/dev/null && exit 0; running || break; sleep 0.05; done; "
                                       "echo \"the shaper did not start: $(tail -n 3 " +
                                       ShellQuote(daemon.log_file) + " | tr '\\n' '|')\" >&2; exit 1");
  return ready.ok() ? Status::Ok() : ready.status();
}

Status StopShaper(Remote& remote) {
  auto out = ExecOrError(remote, DaemonPrelude(ShaperDaemon(remote)) +
                                     "if running; then kill -TERM $p; "
                                     "for i in $(seq 1 60); do running || break; sleep 0.05; done; "
                                     "if running; then kill -KILL $p; sleep 0.1; fi; fi; rm -f \"$PIDFILE\"");
  return out.ok() ? Status::Ok() : out.status().Prefixed("stopping the shaper");
}

Result<bool> ShaperRunning(Remote& remote) { return DaemonRunning(remote, ShaperDaemon(remote)); }

Result<nlohmann::json> ShaperCounts(Remote& remote) {
  auto out = ExecOrError(remote, "cat " + ShellQuote(StatsFile(remote)) + " 2>/dev/null || true");
  if (!out.ok()) return out.status();
  if (out->empty()) return nlohmann::json(nullptr);
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded()) return Status::Error(StatsFile(remote) + ": not JSON: " + *out);
  return j;
}

}  // namespace faultline
