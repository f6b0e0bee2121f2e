// fs_bench [APPENDS] [RUNS]: what faultline-fs costs when no fault is
// active. Appends of 100 bytes, each followed by fsync (a write-ahead log's
// pattern), per second: in a plain temp directory and through a
// faultline-fs mount of it (the built binary, started and stopped here by
// pid), runs interleaved, medians printed side by side with their ratio.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

bool Mounted(const std::string& mnt) {
  std::ifstream in("/proc/self/mounts");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" " + mnt + " fuse.faultline ") != std::string::npos) return true;
  }
  return false;
}

// Appends/s of `n` 100-byte appends with fsync each, to a fresh file in `dir`.
double AppendsPerSecond(const std::string& dir, int n) {
  std::string path = dir + "/wal";
  unlink(path.c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::string record(100, 'r');
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    if (write(fd, record.data(), record.size()) != 100 || fsync(fd) != 0) {
      std::perror("append");
      std::exit(1);
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  close(fd);
  return n / s;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  char tmpl[] = "/var/tmp/faultline-fs-bench-XXXXXX";  // a disk-backed directory, not tmpfs
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl, real = dir + "/real", mnt = dir + "/mnt";
  std::filesystem::create_directories(real);
  std::filesystem::create_directories(mnt);
  std::string bin = std::string(FAULTLINE_BINARY_DIR) + "/faultline-fs";
  std::vector<std::string> args = {bin, real, mnt};
  std::vector<char*> argv2;
  for (auto& a : args) argv2.push_back(a.data());
  argv2.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, bin.c_str(), nullptr, nullptr, argv2.data(), environ) != 0) return 1;
  for (int i = 0; i < 100 && !Mounted(mnt); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!Mounted(mnt)) {
    std::fprintf(stderr, "fs_bench: faultline-fs did not mount %s\n", mnt.c_str());
    kill(pid, SIGTERM);
    return 1;
  }
  std::vector<double> plain, fuse;
  for (int r = 0; r < runs; ++r) {
    plain.push_back(AppendsPerSecond(real, n));
    fuse.push_back(AppendsPerSecond(mnt, n));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  std::printf("%d appends of 100 bytes, each fsynced; medians of %d runs, interleaved\n", n, runs);
  std::printf("%-28s %12s\n", "directory", "appends/s");
  std::printf("%-28s %12.0f\n", "plain", Median(plain));
  std::printf("%-28s %12.0f\n", "through faultline-fs", Median(fuse));
  std::printf("faultline-fs / plain: %.2f\n", Median(fuse) / Median(plain));
  return 0;
}
