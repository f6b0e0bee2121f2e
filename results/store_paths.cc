#include "results/store_paths.h"

#include <filesystem>

namespace faultline {
namespace fs = std::filesystem;

bool IsSafeRelativePath(const std::string& rel) {
  if (rel.empty()) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string seg = rel.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == ".." || seg[0] == '.') return false;
    for (unsigned char c : seg) {
      if (c < 0x20 || c == 0x7f || c == '%' || c == '\\') return false;
    }
    start = end + 1;
  }
  return true;
}

Result<std::string> ResolveStorePath(const std::string& store_root, const std::string& rel) {
  if (!IsSafeRelativePath(rel)) return Status::Error("not a safe path: " + rel);
  std::error_code ec;
  fs::path root = fs::canonical(store_root, ec);
  if (ec) return Status::Error(store_root + ": " + ec.message());
  fs::path real = fs::canonical(root / rel, ec);  // resolves every symlink; fails when missing
  if (ec) return Status::Error(rel + ": " + ec.message());
  std::string r = root.string(), p = real.string();
  if (p != r && !(p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/')) {
    return Status::Error(rel + ": leads out of the store");
  }
  return p;
}

}  // namespace faultline
