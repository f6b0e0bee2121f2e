// faultline-fs REAL_DIR MOUNT_POINT [--seed N]
//
// Mounts REAL_DIR at MOUNT_POINT through FaultFs (fault_fs.h): a page-cache-
// like passthrough whose unsynced bytes a power cut can lose, with storage
// faults on command through MOUNT_POINT/.faultline-fs (fs_command.h). Runs
// in the foreground until SIGTERM/SIGINT or `umount MOUNT_POINT`; if it is
// killed, auto_unmount (fusermount3) removes the mount. Exit: 0 after a
// clean unmount, 3 for usage errors, 4 if mounting fails.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nemesis/fs/fault_fs.h"

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: faultline-fs REAL_DIR MOUNT_POINT [--seed N]\n");
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "faultline-fs: unknown flag %s (usage: faultline-fs REAL_DIR MOUNT_POINT [--seed N])\n",
                   a.c_str());
      return 3;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.size() != 2) {
    std::fprintf(stderr, "faultline-fs: usage: faultline-fs REAL_DIR MOUNT_POINT [--seed N]\n");
    return 3;
  }
  for (const std::string& p : paths) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      std::fprintf(stderr, "faultline-fs: %s is not a directory\n", p.c_str());
      return 3;
    }
  }
  std::string real = realpath(paths[0].c_str(), nullptr);
  std::vector<std::string> args = {"faultline-fs", "-o",
                                   "fsname=faultline-fs,subtype=faultline,allow_other,default_permissions,auto_unmount"};
  std::vector<char*> argv2;
  for (auto& a : args) argv2.push_back(a.data());
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(argv2.size()), argv2.data());
  faultline::fs::FaultFs* fs = faultline::fs::NewFaultFs(real, seed);
  const fuse_operations* ops = faultline::fs::FaultFsOperations();
  fuse* f = fuse_new(&fargs, ops, sizeof *ops, fs);
  int rc = 4;
  if (f && fuse_mount(f, paths[1].c_str()) == 0) {
    fuse_set_signal_handlers(fuse_get_session(f));
    // Several threads: a `slow` or blocked operation must not hold up the
    // control file.
    fuse_loop_config* loop = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(loop, 16);
    rc = fuse_loop_mt(f, loop) == 0 ? 0 : 4;
    fuse_loop_cfg_destroy(loop);
    fuse_remove_signal_handlers(fuse_get_session(f));
    fuse_unmount(f);
  } else {
    std::fprintf(stderr, "faultline-fs: cannot mount %s (is /dev/fuse there, and are we root?)\n", paths[1].c_str());
  }
  if (f) fuse_destroy(f);
  fuse_opt_free_args(&fargs);
  faultline::fs::DeleteFaultFs(fs);
  return rc == 0 ? 0 : 4;
}
