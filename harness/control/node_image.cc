#include "harness/control/node_image.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/control/subprocess.h"
#include "harness/core/text_lines.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

// Bumped when the way the image is made changes (not its package list).
constexpr int kImageFormat = 1;
constexpr char kDebootstrap[] = "/usr/sbin/debootstrap";
constexpr char kLockFile[] = "/var/tmp/faultline-node-image.lock";

uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// The last `lines` lines of a log on one line, for a one-line error.
std::string TailOnOneLine(const std::string& text, size_t lines) {
  std::string t = LastLines(text, lines);
  for (auto& c : t) {
    if (c == '\n') c = ' ';
  }
  return t;
}

// debootstrap mounts /proc and /sys in the target while configuring
// packages; a failed run can leave them. Unmounts everything under `dir`.
void UnmountUnder(const std::string& dir) {
  for (int round = 0; round < 3; ++round) {
    std::ifstream mounts("/proc/mounts");
    std::string dev, point, rest;
    std::vector<std::string> under;
    while (mounts >> dev >> point && std::getline(mounts, rest)) {
      if (point.rfind(dir + "/", 0) == 0) under.push_back(point);
    }
    if (under.empty()) return;
    for (auto it = under.rbegin(); it != under.rend(); ++it) RunLocal({"umount", "-l", *it});
  }
}

// Holds an exclusive flock on kLockFile for its lifetime.
class BuildLock {
 public:
  BuildLock() {
    fd_ = open(kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~BuildLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int fd_ = -1;
};

std::string RecipeText(const NodeImageRecipe& r) {
  std::string text = "format " + std::to_string(kImageFormat) + "\nsuite " + r.suite + "\nvariant " +
                     r.variant + "\npackages";
  for (const auto& p : r.packages) text += " " + p;
  return text + "\n";
}

}  // namespace

NodeImageRecipe DefaultNodeImageRecipe() {
  NodeImageRecipe r;
  r.packages = {
      "iproute2", "iptables", "procps",  // partitions, packets, process faults
      "libfaketime",                     // clock faults (preloaded into the store)
      "fuse3", "libfuse3-3",             // storage faults (faultline-fs)
      // ringstore's shared libraries (ldd build/ringstore)
      "libcpp-httplib0.11", "libssl3", "zlib1g", "libbrotli1",
  };
  const char* mirror = std::getenv("FAULTLINE_DEBIAN_MIRROR");
  r.mirror = mirror && *mirror ? mirror : "http://deb.debian.org/debian";
  return r;
}

std::string NodeImageName(const NodeImageRecipe& recipe) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a(RecipeText(recipe))));
  return std::string("localhost/faultline-node:") + std::string(hex).substr(0, 12);
}

Result<NodeImageResult> EnsureNodeImage(const std::string& binary, const NodeImageRecipe& recipe,
                                        bool rebuild) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  NodeImageResult result;
  result.name = NodeImageName(recipe);
  auto exists = [&]() {
    auto r = RunLocal({binary, "image", "exists", result.name}, "", std::chrono::seconds(60));
    if (r.ok() && r->exit_code == 0) return true;
    // A Docker CLI has no `image exists`; `image inspect` answers the same.
    auto i = RunLocal({binary, "image", "inspect", result.name}, "", std::chrono::seconds(60));
    return i.ok() && i->exit_code == 0;
  };
  BuildLock lock;  // a concurrent caller may be building it right now
  if (!rebuild && exists()) {
    result.seconds = elapsed();
    return result;
  }
  if (access(kDebootstrap, X_OK) != 0) {
    return Status::Error(std::string(kDebootstrap) +
                         " not found: the node image is built with debootstrap (apt-get install debootstrap)");
  }
  const std::string dir = "/var/tmp/faultline-node-image-" + result.name.substr(result.name.rfind(':') + 1) +
                          "-" + std::to_string(getpid());
  const std::string rootfs = dir + "/rootfs";
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      UnmountUnder(dir);
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create " + dir + ": " + ec.message());

  std::string include;
  for (const auto& p : recipe.packages) include += (include.empty() ? "" : ",") + p;
  std::fprintf(stderr, "faultline: building node image %s (debootstrap %s, about a minute)\n",
               result.name.c_str(), recipe.suite.c_str());
  auto boot = RunLocal({kDebootstrap, "--variant=" + recipe.variant, "--include=" + include, recipe.suite,
                        rootfs, recipe.mirror},
                       "", std::chrono::minutes(20));
  if (!boot.ok()) return boot.status().Prefixed("building the node image");
  if (boot->exit_code != 0) {
    std::string log;
    std::ifstream in(rootfs + "/debootstrap/debootstrap.log");
    std::stringstream ss;
    ss << in.rdbuf();
    log = ss.str().empty() ? boot->err + boot->out : ss.str();
    return Status::Error("building the node image: debootstrap " + recipe.suite + " from " + recipe.mirror +
                         " exited " + std::to_string(boot->exit_code) + ": " + TailOnOneLine(log, 3));
  }
  UnmountUnder(rootfs);
  // Smaller image, nothing of the build host's apt state.
  fs::remove_all(rootfs + "/var/cache/apt/archives", ec);
  fs::remove_all(rootfs + "/var/lib/apt/lists", ec);
  fs::create_directories(rootfs + "/var/lib/apt/lists/partial", ec);
  fs::create_directories(rootfs + "/var/cache/apt/archives/partial", ec);
  const std::string tar = dir + "/rootfs.tar";
  auto packed = RunLocalOrError({"tar", "-C", rootfs, "-cf", tar, "."}, std::chrono::minutes(10));
  if (!packed.ok()) return packed.status().Prefixed("building the node image");
  auto imported = RunLocalOrError({binary, "import", "--change", "CMD [\"sleep\", \"infinity\"]", "--message",
                                   RecipeText(recipe), tar, result.name},
                                  std::chrono::minutes(10));
  if (!imported.ok()) return imported.status().Prefixed("importing the node image");
  result.built = true;
  result.seconds = elapsed();
  return result;
}

}  // namespace faultline
