// The dedicated FAULTLINE iptables chain (DESIGN.md §6): every network fault
// (partition, packet loss) is a rule in this chain, which INPUT jumps to, and
// healing flushes this chain only — nothing else of the node's firewall is
// touched. Rules match the SOURCE address of other cluster nodes only, so
// traffic between the controller and the nodes is never cut.
//
// These functions build shell commands (arguments quoted with ShellJoin) and
// run them through a Remote; safe to call from several threads for distinct
// or identical nodes (iptables -w waits for the xtables lock).
#pragma once

#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "harness/core/status.h"

namespace faultline {

inline constexpr char kFaultlineChain[] = "FAULTLINE";

// An iptables rule specification inside the chain, e.g.
// {"-s", "10.71.0.12", "-j", "DROP"}.
using RuleSpec = std::vector<std::string>;

// Drops packets coming from `source` (an address); with probability < 1, only
// that fraction of them (iptables statistic match, random mode).
RuleSpec DropFrom(const std::string& source, double probability = 1.0);

// Shell command: creates the chain if missing and makes INPUT jump to it (once).
// Fails with "iptables not found" when the node lacks it. Idempotent.
std::string EnsureChainCommand();
// Shell command: flushes the chain if it exists (success when it does not).
std::string FlushChainCommand();
// Shell commands appending / deleting one rule (deleting a missing rule succeeds:
// healing twice is not an error).
std::string AppendRuleCommand(const RuleSpec& rule);
std::string DeleteRuleCommand(const RuleSpec& rule);

// Runs EnsureChainCommand / FlushChainCommand on the node.
Status EnsureChain(Remote& remote);
Status FlushChain(Remote& remote);
// Appends `rules` in one remote command (stops at the first failure).
Status AppendRules(Remote& remote, const std::vector<RuleSpec>& rules);
// Deletes `rules` in one remote command.
Status DeleteRules(Remote& remote, const std::vector<RuleSpec>& rules);
// The chain's rules as `iptables -S FAULTLINE` prints them ("-A FAULTLINE ..."
// lines; the "-N" line left out). Empty when the chain does not exist.
Result<std::vector<std::string>> ListChainRules(Remote& remote);

}  // namespace faultline
