#include "harness/control/own_binaries.h"

#include <filesystem>

namespace faultline {

namespace fs = std::filesystem;

std::string BinaryBesideSelf(const std::string& name, bool must_exist) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  fs::path beside = self.parent_path() / name;
  if (must_exist && !fs::exists(beside, ec)) return "";
  return beside.string();
}

Status DeployBinary(Remote& remote, const std::string& local_binary, const std::string& node_path,
                    const std::string& what) {
  const std::string staged = node_path + ".upload-" + remote.node();
  auto dir = ExecOrError(remote, "mkdir -p " + ShellQuote(fs::path(node_path).parent_path().string()));
  if (!dir.ok()) return dir.status();
  if (Status s = remote.Upload(local_binary, staged); !s.ok()) return s.Prefixed("uploading " + what);
  auto moved = ExecOrError(remote, "chmod 755 " + ShellQuote(staged) + " && mv -f " + ShellQuote(staged) + " " +
                                       ShellQuote(node_path));
  return moved.ok() ? Status::Ok() : moved.status();
}

}  // namespace faultline
