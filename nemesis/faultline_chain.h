// The dedicated FAULTLINE iptables chains (DESIGN.md §6): every network fault
// is a rule in FAULTLINE, which INPUT jumps to (partition, packet loss: rules
// match the SOURCE address of other cluster nodes), or in FAULTLINE-OUT,
// which OUTPUT jumps to (the packet shaper's NFQUEUE rules: they match the
// DESTINATION address of other nodes). So traffic between the controller and
// the nodes is never touched, and healing flushes these two chains only —
// nothing else of the node's firewall.
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
inline constexpr char kFaultlineOutChain[] = "FAULTLINE-OUT";

// An iptables rule specification inside the chain, e.g.
// {"-s", "10.71.0.12", "-j", "DROP"}.
using RuleSpec = std::vector<std::string>;

// Drops packets coming from `source` (an address); with probability < 1, only
// that fraction of them (iptables statistic match, random mode).
RuleSpec DropFrom(const std::string& source, double probability = 1.0);

// Sends packets to `destination` to NFQUEUE queue `queue` (the shaper),
// except those carrying `skip_mark` (the shaper's own duplicates); with
// --queue-bypass, so packets pass when no shaper listens.
RuleSpec QueueTo(const std::string& destination, int queue, unsigned skip_mark);

// Shell command: creates both chains if missing and makes INPUT / OUTPUT jump
// to them (once). Fails with "iptables not found" when the node lacks it.
// Idempotent.
std::string EnsureChainCommand();
// Shell command: flushes both chains where they exist (success when not).
std::string FlushChainCommand();
// Shell commands appending / deleting one rule of `chain` (deleting a missing
// rule succeeds: healing twice is not an error).
std::string AppendRuleCommand(const RuleSpec& rule, const std::string& chain = kFaultlineChain);
std::string DeleteRuleCommand(const RuleSpec& rule, const std::string& chain = kFaultlineChain);

// Runs EnsureChainCommand / FlushChainCommand on the node.
Status EnsureChain(Remote& remote);
Status FlushChain(Remote& remote);
// Appends `rules` to `chain` in one remote command (stops at the first failure).
Status AppendRules(Remote& remote, const std::vector<RuleSpec>& rules,
                   const std::string& chain = kFaultlineChain);
// Deletes `rules` from `chain` in one remote command.
Status DeleteRules(Remote& remote, const std::vector<RuleSpec>& rules,
                   const std::string& chain = kFaultlineChain);
// Both chains' rules as `iptables -S` prints them ("-A FAULTLINE ...", "-A
// FAULTLINE-OUT ..." lines; the "-N" lines left out). Empty when the chains
// do not exist.
Result<std::vector<std::string>> ListChainRules(Remote& remote);

}  // namespace faultline
