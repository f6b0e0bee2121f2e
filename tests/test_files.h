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

inline bool HasSubstr(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace faultline
