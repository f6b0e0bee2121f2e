#include "harness/control/remote.h"

namespace faultline {

std::string ShellQuote(std::string_view arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string ShellJoin(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out.push_back(' ');
    out += ShellQuote(a);
  }
  return out;
}

Result<std::string> ExecOrError(Remote& remote, const std::string& command,
                                const std::string& stdin_data,
                                std::chrono::milliseconds timeout) {
  auto r = remote.Exec(command, stdin_data, timeout);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string err = r->err.empty() ? r->out : r->err;
    // Keep the tail: the useful part of an error is usually at the end.
    if (err.size() > 600) err = "..." + err.substr(err.size() - 600);
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    std::string cmd = command.size() > 120 ? command.substr(0, 117) + "..." : command;
    return Status::Error(remote.node() + ": `" + cmd + "` exited " +
                         std::to_string(r->exit_code) + (err.empty() ? "" : ": " + err));
  }
  return std::move(r->out);
}

}  // namespace faultline
