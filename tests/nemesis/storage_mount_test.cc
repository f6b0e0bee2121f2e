// StorageMount (nemesis/storage_mount.h) driven through a Remote whose
// commands run here (LocalShellRemote): faultline-fs is deployed, a data
// directory with a file in it is mounted through it in place (the store's
// path does not change), commands reach it, a refused command is an error,
// and unmounting leaves the real directory — holding what was fsynced — and
// nothing else: no mount, no bind point, no process.
#include "nemesis/storage_mount.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/nemesis/local_shell_remote.h"

namespace faultline {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(StorageMountTest, MountsInPlaceTakesCommandsAndUnmountsClean) {
  ASSERT_EQ(access("/dev/fuse", R_OK | W_OK), 0) << "storage faults need /dev/fuse";
  std::string node = "fsmount-" + std::to_string(getpid());
  LocalShellRemote remote(node, "127.0.0.1");
  bool had_binary = std::filesystem::exists(kFaultFsBinary);
  char tmpl[] = "/tmp/faultline-storage-mount-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string data = std::string(tmpl) + "/data";
  std::filesystem::create_directories(data);
  std::ofstream(data + "/before") << "written before the mount";

  ASSERT_TRUE(DeployFaultFs(remote, std::string(FAULTLINE_BINARY_DIR) + "/faultline-fs").ok());
  Status mounted = MountFaultFs(remote, data, 5);
  ASSERT_TRUE(mounted.ok()) << mounted.message();
  EXPECT_TRUE(MountFaultFs(remote, data, 5).ok());  // again: already mounted
  EXPECT_TRUE(*FaultFsMounted(remote, data));
  EXPECT_EQ(Slurp(data + "/before"), "written before the mount");  // the same path, through the mount

  // A write the "store" fsyncs and one it does not.
  int fd = open((data + "/log").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "synced", 6), 6);
  ASSERT_EQ(fsync(fd), 0);
  ASSERT_EQ(write(fd, "+cached", 7), 7);
  close(fd);
  int dfd = open(data.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(fsync(dfd), 0);
  close(dfd);
  auto status = FaultFsCommand(remote, data, "status");
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ((*status)["status"]["unsynced_bytes"], 7);
  auto refused = FaultFsCommand(remote, data, "explode");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(node + ": faultline-fs explode: unknown command"), std::string::npos)
      << refused.status().message();

  Status unmounted = UnmountFaultFs(remote, data);
  ASSERT_TRUE(unmounted.ok()) << unmounted.message();
  EXPECT_FALSE(*FaultFsMounted(remote, data));
  EXPECT_FALSE(std::filesystem::exists(data + kRealSuffix));
  EXPECT_EQ(Slurp(data + "/log"), "synced");  // the real directory: what was fsynced
  EXPECT_EQ(Slurp(data + "/before"), "written before the mount");
  EXPECT_TRUE(UnmountFaultFs(remote, data).ok());  // again: nothing to do
  auto unmounted_command = FaultFsCommand(remote, data, "status");
  ASSERT_FALSE(unmounted_command.ok());
  EXPECT_NE(unmounted_command.status().message().find("is not mounted through faultline-fs"), std::string::npos);

  std::filesystem::remove_all(tmpl);
  std::filesystem::remove_all("/var/lib/faultline/fs/" + node);
  std::filesystem::remove("/var/log/faultline/faultline-fs-" + node + ".log");
  if (!had_binary) std::filesystem::remove(kFaultFsBinary);
}

}  // namespace
}  // namespace faultline
