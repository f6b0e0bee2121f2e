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

std::string EnsureChainCommand() {
  // -N fails when the chain exists (fine); -C tells whether the jump exists.
  return std::string("command -v iptables >/dev/null 2>&1 || { echo 'iptables not found' >&2; exit 127; }; ") +
         "iptables -w -n -L " + kFaultlineChain + " >/dev/null 2>&1 || iptables -w -N " +
         kFaultlineChain + " && { iptables -w -C INPUT -j " + kFaultlineChain +
         " 2>/dev/null || iptables -w -I INPUT 1 -j " + kFaultlineChain + "; }";
}

std::string FlushChainCommand() {
  return std::string("if iptables -w -n -L ") + kFaultlineChain +
         " >/dev/null 2>&1; then iptables -w -F " + kFaultlineChain + "; fi";
}

std::string AppendRuleCommand(const RuleSpec& rule) {
  std::vector<std::string> args = {"iptables", "-w", "-A", kFaultlineChain};
  args.insert(args.end(), rule.begin(), rule.end());
  return ShellJoin(args);
}

std::string DeleteRuleCommand(const RuleSpec& rule) {
  std::vector<std::string> args = {"iptables", "-w", "-D", kFaultlineChain};
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

Status AppendRules(Remote& remote, const std::vector<RuleSpec>& rules) {
  if (rules.empty()) return Status::Ok();
  std::string cmd;
  for (const auto& rule : rules) cmd += (cmd.empty() ? "" : " && ") + AppendRuleCommand(rule);
  auto r = ExecOrError(remote, cmd);
  return r.ok() ? Status::Ok() : r.status();
}

Status DeleteRules(Remote& remote, const std::vector<RuleSpec>& rules) {
  if (rules.empty()) return Status::Ok();
  std::string cmd;
  for (const auto& rule : rules) cmd += (cmd.empty() ? "" : "; ") + DeleteRuleCommand(rule);
  auto r = ExecOrError(remote, cmd);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<std::string>> ListChainRules(Remote& remote) {
  auto r = ExecOrError(remote, std::string("if iptables -w -n -L ") + kFaultlineChain +
                                   " >/dev/null 2>&1; then iptables -w -S " + kFaultlineChain +
                                   "; fi");
  if (!r.ok()) return r.status();
  std::vector<std::string> rules;
  std::istringstream in(*r);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-A ", 0) == 0) rules.push_back(line);
  }
  return rules;
}

}  // namespace faultline
