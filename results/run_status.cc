#include "results/run_status.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace faultline {

Status WriteRunStatus(const std::string& run_dir, const json& status) {
  std::string path = run_dir + "/" + kRunStatusFile;
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << status.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    if (!out) return Status::Error(tmp + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::Error(path + ": cannot rename into place: " + std::strerror(errno));
    std::remove(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

json ReadRunStatus(const std::string& run_dir) {
  std::ifstream in(run_dir + "/" + kRunStatusFile, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  return j.is_discarded() || !j.is_object() ? json(nullptr) : j;
}

}  // namespace faultline
