#include "nemesis/faultline_chain.h"

#include <cstdio>
#include <sstream>

namespace faultline {

RuleSpec DropFrom(const std::string& source, double probability) {
  RuleSpec rule = {"-s", source};
  if (probability < 1.0) {
    char p[32];
    std::snprintf(p, sizeof p, "%.6f", probability);
    rule.insert(rule.end(), {"-m", "statistic", "--mode", "random", "--probability", p});
  }
  rule.insert(rule.end(), {"-j", "DROP"});
  return rule;
}

RuleSpec QueueTo(const std::string& destination, int queue, unsigned skip_mark) {
  char mark[16];
  std::snprintf(mark, sizeof mark, "0x%x", skip_mark);
  return {"-d", destination, "-m", "mark", "!", "--mark", mark, "-j", "NFQUEUE", "--queue-num",
          std::to_string(queue), "--queue-bypass"};
}

std::string EnsureChainCommand() {
  // -N fails when the chain exists (fine); -C tells whether the jump exists.
  std::string cmd = "command -v iptables >/dev/null 2>&1 || { echo 'iptables not found' >&2; exit 127; }";
  for (auto [chain, hook] : {std::pair{kFaultlineChain, "INPUT"}, std::pair{kFaultlineOutChain, "OUTPUT"}}) {
    cmd += std::string("; { iptables -w -n -L ") + chain + " >/dev/null 2>&1 || iptables -w -N " + chain +
           "; } && { iptables -w -C " + hook + " -j " + chain + " 2>/dev/null || iptables -w -I " + hook +
           " 1 -j " + chain + "; }";
  }
  return cmd;
}

std::string FlushChainCommand() {
  std::string cmd;
  for (const char* chain : {kFaultlineChain, kFaultlineOutChain}) {
    cmd += std::string(cmd.empty() ? "" : " && ") + "{ if iptables -w -n -L " + chain +
           " >/dev/null 2>&1; then iptables -w -F " + chain + "; fi; }";
  }
  return cmd;
}

std::string AppendRuleCommand(const RuleSpec& rule, const std::string& chain) {
  std::vector<std::string> args = {"iptables", "-w", "-A", chain};
  args.insert(args.end(), rule.begin(), rule.end());
  return ShellJoin(args);
}

std::string DeleteRuleCommand(const RuleSpec& rule, const std::string& chain) {
  std::vector<std::string> args = {"iptables", "-w", "-D", chain};
  args.insert(args.end(), rule.begin(), rule.end());
  // A rule already gone (healed by hand, flushed) counts as deleted.
  return "{ " + ShellJoin(args) + " 2>/dev/null || true; }";
}

Status EnsureChain(Remote& remote) {
  auto r = ExecOrError(remote, EnsureChainCommand());
  return r.ok() ? Status::Ok() : r.status();
}

Status FlushChain(Remote& remote) {
  auto r = ExecOrError(remote, FlushChainCommand());
  return r.ok() ? Status::Ok() : r.status();
}

Status AppendRules(Remote& remote, const std::vector<RuleSpec>& rules, const std::string& chain) {
  if (rules.empty()) return Status::Ok();
  std::string cmd;
  for (const auto& rule : rules) cmd += (cmd.empty() ? "" : " && ") + AppendRuleCommand(rule, chain);
  auto r = ExecOrError(remote, cmd);
  return r.ok() ? Status::Ok() : r.status();
}

Status DeleteRules(Remote& remote, const std::vector<RuleSpec>& rules, const std::string& chain) {
  if (rules.empty()) return Status::Ok();
  std::string cmd;
  for (const auto& rule : rules) cmd += (cmd.empty() ? "" : "; ") + DeleteRuleCommand(rule, chain);
  auto r = ExecOrError(remote, cmd);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<std::string>> ListChainRules(Remote& remote) {
  std::string cmd;
  for (const char* chain : {kFaultlineChain, kFaultlineOutChain}) {
    cmd += std::string(cmd.empty() ? "" : "; ") + "if iptables -w -n -L " + chain +
           " >/dev/null 2>&1; then iptables -w -S " + chain + "; fi";
  }
  auto r = ExecOrError(remote, cmd);
  if (!r.ok()) return r.status();
  std::vector<std::string> rules;
  std::istringstream in(*r);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-A ", 0) == 0) rules.push_back(line);
  }
  return rules;
}

}  // namespace faultline
