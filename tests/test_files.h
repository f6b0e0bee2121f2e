// Small file and string helpers shared by the tests (one copy instead of one
// per test file): read a whole file, make a fresh temporary directory, look
// for a substring.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace faultline {

// The whole file as bytes; "" when it cannot be read.
inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A new empty directory under the system temp dir named faultline-<tag>-XXXXXX;
// "" when it cannot be made. The caller removes it.
inline std::string TempDir(const std::string& tag) {
  std::string dir = (std::filesystem::temp_directory_path() / ("faultline-" + tag + "-XXXXXX")).string();
  char* made = mkdtemp(dir.data());
  return made ? std::string(made) : "";
}

// TempDir(tag) made at construction and removed with everything in it at
// destruction, for tests that want a fresh directory per scope.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& tag) : path_(TempDir(tag)) {}
  ~ScopedTempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline bool HasSubstr(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace faultline
