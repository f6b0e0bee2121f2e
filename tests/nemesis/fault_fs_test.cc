// faultline-fs (nemesis/fs): the page-cache model (UnsyncedFile), the
// control language (ParseFsCommand), and the file system itself on a real
// FUSE mount of a temp directory (the built faultline-fs binary, started
// and stopped by pid): what survives a power cut is exactly what was
// fsynced, directory entries need their directory's fsync, corrupt changes
// exactly the bytes it reports, eio / enospc / slow do what they say, and
// unmounting leaves the real directory with what was fsynced.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "nemesis/fs/fs_command.h"
#include "nemesis/fs/unsynced_file.h"

extern char** environ;

namespace faultline::fs {
namespace {

using json = nlohmann::json;

std::string Visible(const UnsyncedFile& f, const std::string& disk) {
  std::string buf(static_cast<size_t>(f.size()) + 8, '?');
  size_t disk_len = std::min(disk.size(), buf.size());
  std::copy(disk.begin(), disk.begin() + static_cast<long>(disk_len), buf.begin());
  size_t n = f.Read(0, buf.data(), buf.size(), disk_len);
  return buf.substr(0, n);
}

TEST(UnsyncedFile, WritesOverlayTheDiskUntilSyncedOrDropped) {
  std::string disk = "0123456789";
  UnsyncedFile f(10);
  EXPECT_FALSE(f.dirty());
  f.Write(2, "ab");
  f.Write(3, "XYZ");    // overlaps the first: one extent "aXYZ" at 2
  f.Write(12, "end");   // past the end: a gap of zeros
  EXPECT_EQ(Visible(f, disk), std::string("01aXYZ6789\0\0end", 15));
  EXPECT_EQ(f.extents().size(), 2u);
  EXPECT_EQ(f.unsynced_bytes(), 7u);
  EXPECT_EQ(f.last_write_offset(), 12);
  UnsyncedFile dropped = f;
  dropped.Dropped();
  EXPECT_FALSE(dropped.dirty());
  EXPECT_EQ(Visible(dropped, disk), disk);
  f.Synced();
  EXPECT_FALSE(f.dirty());
  EXPECT_EQ(f.disk_size(), 15);
}

TEST(UnsyncedFile, TruncateThenGrowReadsZerosNotTheOldBytes) {
  std::string disk = "0123456789";
  UnsyncedFile f(10);
  f.Truncate(4);
  EXPECT_EQ(Visible(f, disk), "0123");
  f.Write(6, "ab");
  EXPECT_EQ(Visible(f, disk), std::string("0123\0\0ab", 8));
  EXPECT_EQ(f.cut(), 4);
  f.Write(1, "xyz");  // touching and past the cut
  EXPECT_EQ(Visible(f, disk), std::string("0xyz\0\0ab", 8));
  f.Truncate(2);
  EXPECT_EQ(Visible(f, disk), "0x");
  EXPECT_EQ(f.cut(), 2);
}

TEST(FsCommand, ParsesEachCommandAndNamesTheWrongWord) {
  std::string error;
  auto lose = ParseFsCommand("lose-unfsynced tear\n", &error);
  ASSERT_TRUE(lose) << error;
  EXPECT_EQ(lose->kind, FsCommand::Kind::kLoseUnfsynced);
  EXPECT_TRUE(lose->tear);
  EXPECT_FALSE(lose->journal_dirs);
  auto journal = ParseFsCommand("lose-unfsynced dirs=journal", &error);
  ASSERT_TRUE(journal) << error;
  EXPECT_TRUE(journal->journal_dirs);
  EXPECT_FALSE(ParseFsCommand("lose-unfsynced dirs=ext4", &error));
  EXPECT_EQ(error, "lose-unfsynced: dirs=ext4 is not posix or journal");
  auto corrupt = ParseFsCommand("corrupt file=data/log mode=zero offset=17 bytes=3", &error);
  ASSERT_TRUE(corrupt) << error;
  EXPECT_EQ(corrupt->file, "data/log");
  EXPECT_EQ(corrupt->mode, CorruptMode::kZero);
  EXPECT_EQ(*corrupt->offset, 17);
  EXPECT_EQ(corrupt->bytes, 3);
  auto eio = ParseFsCommand("eio p=0.25 ops=fsync,write", &error);
  ASSERT_TRUE(eio) << error;
  EXPECT_EQ(eio->p, 0.25);
  EXPECT_EQ(eio->ops, kOpFsync | kOpWrite);
  auto slow = ParseFsCommand("slow ms=50", &error);
  ASSERT_TRUE(slow) << error;
  EXPECT_EQ(slow->ops, kOpAll);
  for (auto [line, why] : {std::pair<const char*, const char*>{"explode", "unknown command \"explode\""},
                           {"eio p=2", "eio: p=2 is not a fraction in [0, 1]"},
                           {"eio ops=sync", "eio: ops=sync is not a list of read, write, fsync, all"},
                           {"corrupt file=/etc/passwd", "corrupt: file=/etc/passwd must be a path inside the mount"},
                           {"corrupt mode=melt", "corrupt: mode=melt is not bitflip, truncate or zero"},
                           {"slow", "slow: needs ms=N"},
                           {"enospc now", "enospc: now is not an argument of enospc"}}) {
    EXPECT_FALSE(ParseFsCommand(line, &error)) << line;
    EXPECT_EQ(error.find(why), 0u) << line << ": " << error;
  }
}

// A real mount of a temp directory through the built faultline-fs.
class FaultFsMount : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_FAIL() << "/dev/fuse is missing: storage faults need FUSE";
    char tmpl[] = "/tmp/faultline-fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    real_ = dir_ + "/real";
    mnt_ = dir_ + "/mnt";
    std::filesystem::create_directories(real_);
    std::filesystem::create_directories(mnt_);
    Mount();
  }
  void TearDown() override {
    Unmount();
    std::filesystem::remove_all(dir_);
  }
  void Mount() {
    std::string bin = std::string(FAULTLINE_BINARY_DIR) + "/faultline-fs";
    std::vector<std::string> args = {bin, real_, mnt_, "--seed", "7"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, bin.c_str(), nullptr, nullptr, argv.data(), environ), 0);
    for (int i = 0; i < 100 && !Mounted(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(Mounted()) << "faultline-fs did not mount " << mnt_;
  }
  void Unmount() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    EXPECT_FALSE(Mounted()) << mnt_ << " is still mounted";
  }
  bool Mounted() {
    std::ifstream in("/proc/self/mounts");
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(" " + mnt_ + " fuse.faultline ") != std::string::npos) return true;
    }
    return false;
  }
  json Control(const std::string& command) {
    int fd = open((mnt_ + "/.faultline-fs").c_str(), O_RDWR);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, command.data(), command.size()), static_cast<ssize_t>(command.size())) << command;
    close(fd);
    std::ifstream in(mnt_ + "/.faultline-fs");
    std::stringstream s;
    s << in.rdbuf();
    return json::parse(s.str());
  }
  // Writes `data` to `path` (in the mount) at its end; fsyncs the file
  // when `sync`. Returns the first failing call's errno, or 0.
  int Append(const std::string& path, const std::string& data, bool sync) {
    int fd = open((mnt_ + "/" + path).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return errno;
    int err = 0;
    if (write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) err = errno;
    if (!err && sync && fsync(fd) != 0) err = errno;
    close(fd);
    return err;
  }
  void SyncDir(const std::string& path) {
    int fd = open((mnt_ + "/" + path).c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(fsync(fd), 0);
    close(fd);
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool Exists(const std::string& path) { return access((mnt_ + "/" + path).c_str(), F_OK) == 0; }

  std::string dir_, real_, mnt_;
  pid_t pid_ = -1;
};

TEST_F(FaultFsMount, LoseUnfsyncedKeepsExactlyWhatWasFsynced) {
  ASSERT_EQ(Append("log", "acked-1;", true), 0);
  SyncDir(".");
  ASSERT_EQ(Append("log", "acked-2;", true), 0);
  ASSERT_EQ(Append("log", "not-synced;", false), 0);
  EXPECT_EQ(Slurp(mnt_ + "/log"), "acked-1;acked-2;not-synced;");  // readers see the cache
  EXPECT_EQ(Slurp(real_ + "/log"), "acked-1;acked-2;");            // the disk does not have it
  json r = Control("lose-unfsynced");
  EXPECT_EQ(r["lost"]["bytes"], 11) << r.dump();
  EXPECT_EQ(r["lost"]["files"], 1) << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/log"), "acked-1;acked-2;");
  EXPECT_EQ(r["status"]["unsynced_bytes"], 0);
  // A torn write: a prefix of the last unsynced write reaches the disk.
  ASSERT_EQ(Append("log", "0123456789", false), 0);
  r = Control("lose-unfsynced tear");
  ASSERT_TRUE(r.contains("torn")) << r.dump();
  size_t kept = r["torn"]["kept"];
  EXPECT_LT(kept, 10u);
  EXPECT_EQ(r["torn"]["offset"], 16);
  EXPECT_EQ(Slurp(mnt_ + "/log"), "acked-1;acked-2;" + std::string("0123456789").substr(0, kept));
}

TEST_F(FaultFsMount, DirectoryEntriesNeedTheirDirectorysFsync) {
  ASSERT_EQ(Append("old-name", "v1", true), 0);
  ASSERT_EQ(Append("kept", "keep me", true), 0);
  SyncDir(".");
  // Not durable: a new file, a rename, a replacing rename, an unlink.
  ASSERT_EQ(Append("new-file", "fsynced data, unsynced name", true), 0);
  ASSERT_EQ(rename((mnt_ + "/old-name").c_str(), (mnt_ + "/new-name").c_str()), 0);
  ASSERT_EQ(Append("tmp", "v2", true), 0);
  ASSERT_EQ(rename((mnt_ + "/tmp").c_str(), (mnt_ + "/kept").c_str()), 0);
  EXPECT_EQ(Slurp(mnt_ + "/kept"), "v2");
  ASSERT_EQ(std::filesystem::create_directory(mnt_ + "/sub"), true);
  json r = Control("lose-unfsynced");
  EXPECT_EQ(r["lost"]["dir_ops_undone"].size(), 5u) << r.dump();  // creates of new-file and tmp, 2 renames, mkdir
  EXPECT_FALSE(Exists("new-file"));
  EXPECT_FALSE(Exists("new-name"));
  EXPECT_EQ(Slurp(mnt_ + "/old-name"), "v1");  // back under its old name
  EXPECT_EQ(Slurp(mnt_ + "/kept"), "keep me");  // the replaced file is back
  EXPECT_FALSE(Exists("tmp"));
  EXPECT_FALSE(Exists("sub"));
  // After the directory's fsync the same steps survive.
  ASSERT_EQ(Append("new-file", "durable", true), 0);
  ASSERT_EQ(unlink((mnt_ + "/kept").c_str()), 0);
  SyncDir(".");
  r = Control("lose-unfsynced");
  EXPECT_TRUE(r["lost"]["dir_ops_undone"].empty()) << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/new-file"), "durable");
  EXPECT_FALSE(Exists("kept"));
  // The hidden folder and the control file never show.
  for (const auto& e : std::filesystem::directory_iterator(mnt_)) {
    EXPECT_EQ(e.path().filename().string().find(".faultline-fs"), std::string::npos) << e.path();
  }
}

// dirs=journal: an fsync of any file makes every earlier directory op
// durable (ext4's and XFS's journal commit); later ones are still lost.
TEST_F(FaultFsMount, JournaledDirectoryOpsSurviveAnyLaterFsync) {
  ASSERT_EQ(Append("first", "fsynced data", true), 0);  // its own fsync commits its create
  ASSERT_EQ(std::filesystem::create_directory(mnt_ + "/sub"), true);
  ASSERT_EQ(Append("sub/other", "x", true), 0);  // commits the mkdir too
  ASSERT_EQ(Append("late", "never synced", false), 0);
  json r = Control("lose-unfsynced dirs=journal");
  EXPECT_EQ(r["lost"]["dir_ops_undone"], json::array({"create /late"})) << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/first"), "fsynced data");
  EXPECT_EQ(Slurp(mnt_ + "/sub/other"), "x");
  EXPECT_FALSE(Exists("late"));
  // The same steps under posix (the default) lose every unsynced entry.
  ASSERT_EQ(Append("second", "fsynced data", true), 0);
  r = Control("lose-unfsynced");
  EXPECT_EQ(r["lost"]["dir_ops_undone"], json::array({"create /second"})) << r.dump();
}

TEST_F(FaultFsMount, CorruptChangesExactlyTheBytesItReports) {
  std::string data(4096, 'a');
  ASSERT_EQ(Append("data", data, true), 0);
  SyncDir(".");
  json r = Control("corrupt file=data mode=bitflip bytes=5");
  ASSERT_EQ(r["changed"].size(), 5u) << r.dump();
  std::string after = Slurp(real_ + "/data");
  ASSERT_EQ(after.size(), data.size());
  std::set<int64_t> reported;
  for (const json& c : r["changed"]) {
    int64_t at = c[0];
    reported.insert(at);
    EXPECT_EQ(static_cast<unsigned char>(after[static_cast<size_t>(at)]), c[2].get<int>());
    EXPECT_EQ(__builtin_popcount(c[1].get<int>() ^ c[2].get<int>()), 1);  // one bit
  }
  for (size_t i = 0; i < after.size(); ++i) {
    if (!reported.count(static_cast<int64_t>(i))) {
      EXPECT_EQ(after[i], 'a') << "byte " << i << " changed unreported";
    }
  }
  EXPECT_EQ(Slurp(mnt_ + "/data"), after);  // readers see the corrupt disk
  r = Control("corrupt file=data mode=truncate offset=1000");
  EXPECT_EQ(r["bytes_removed"], 3096) << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/data").size(), 1000u);
  // A file with unsynced bytes is refused (the result says why).
  ASSERT_EQ(Append("data", "unsynced", false), 0);
  r = Control("corrupt file=data");
  EXPECT_NE(r.value("error", "").find("unsynced"), std::string::npos) << r.dump();
}

TEST_F(FaultFsMount, EioEnospcAndSlowFailAndDelayWhatTheySay) {
  ASSERT_EQ(Append("f", "synced;", true), 0);
  SyncDir(".");
  Control("eio p=1 ops=fsync");
  // fsyncgate: the failed fsync's data is gone, and a retried fsync succeeds.
  int fd = open((mnt_ + "/f").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "lost;", 5), 5);
  EXPECT_EQ(fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  Control("clear");
  EXPECT_EQ(fsync(fd), 0);
  close(fd);
  EXPECT_EQ(Slurp(real_ + "/f"), "synced;");
  EXPECT_EQ(Slurp(mnt_ + "/f"), "synced;");
  Control("eio ops=read");
  fd = open((mnt_ + "/f").c_str(), O_RDONLY);
  char buf[16];
  EXPECT_EQ(read(fd, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EIO);
  close(fd);
  json r = Control("enospc");
  EXPECT_EQ(r["status"]["enospc"], true);
  EXPECT_EQ(Append("f", "more", false), ENOSPC);
  EXPECT_EQ(Append("g", "new", false), ENOSPC);
  Control("clear");
  EXPECT_EQ(Append("f", "more", true), 0);
  Control("slow ms=300 ops=fsync");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Append("f", "x", true), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  Control("clear");
  // A bad command is refused, and the result says why.
  fd = open((mnt_ + "/.faultline-fs").c_str(), O_WRONLY);
  EXPECT_EQ(write(fd, "explode", 7), -1);
  close(fd);
  EXPECT_NE(Slurp(mnt_ + "/.faultline-fs").find("unknown command"), std::string::npos);
}

TEST_F(FaultFsMount, FlushWritesBackEverythingAsACleanShutdown) {
  ASSERT_EQ(Append("a", "durable", true), 0);
  ASSERT_EQ(Append("a", "+cached", false), 0);
  ASSERT_EQ(Append("b", "never synced", false), 0);  // nor its directory
  json r = Control("flush");
  EXPECT_EQ(r["flushed"]["bytes"], 19) << r.dump();
  EXPECT_EQ(r["flushed"]["files"], 2) << r.dump();
  EXPECT_EQ(Slurp(real_ + "/a"), "durable+cached");
  r = Control("lose-unfsynced");  // nothing left to lose
  EXPECT_EQ(r["lost"]["bytes"], 0) << r.dump();
  EXPECT_TRUE(r["lost"]["dir_ops_undone"].empty()) << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/b"), "never synced");
}

TEST_F(FaultFsMount, UnmountLeavesTheRealDirectoryWithWhatWasFsynced) {
  ASSERT_EQ(Append("a", "durable", true), 0);
  ASSERT_EQ(Append("a", "+cached", false), 0);
  SyncDir(".");
  Unmount();
  EXPECT_EQ(Slurp(real_ + "/a"), "durable");
  Mount();
  EXPECT_EQ(Slurp(mnt_ + "/a"), "durable");
}

// InnoDB opens its files with O_DIRECT and some stores write with O_DSYNC:
// direct I/O works (and is cached like any write until fsync), a sync
// write is durable when it returns.
TEST_F(FaultFsMount, DirectIoIsCachedAndSyncWritesAreDurable) {
  int fd = open((mnt_ + "/direct").c_str(), O_RDWR | O_CREAT | O_DIRECT, 0600);
  ASSERT_GE(fd, 0) << strerror(errno);
  alignas(4096) static char block[4096];
  std::memset(block, 'd', sizeof block);
  ASSERT_EQ(pwrite(fd, block, sizeof block, 0), 4096) << strerror(errno);
  ASSERT_EQ(pread(fd, block, sizeof block, 0), 4096) << strerror(errno);
  close(fd);
  fd = open((mnt_ + "/dsync").c_str(), O_WRONLY | O_CREAT | O_DSYNC, 0600);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(write(fd, "durable", 7), 7);
  close(fd);
  SyncDir(".");
  json r = Control("lose-unfsynced");
  EXPECT_EQ(Slurp(mnt_ + "/dsync"), "durable") << r.dump();
  EXPECT_EQ(Slurp(mnt_ + "/direct"), "") << "a direct write without fsync is lost with the cache";
}

// libfuse passes a null path for calls on an open file that was unlinked
// (PostgreSQL does this with its temp and init files): each call works on
// the descriptor and faultline-fs stays up.
TEST_F(FaultFsMount, AnUnlinkedOpenFileKeepsWorking) {
  int fd = open((mnt_ + "/gone").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  ASSERT_EQ(unlink((mnt_ + "/gone").c_str()), 0);
  EXPECT_EQ(write(fd, "def", 3), 3);
  EXPECT_EQ(fsync(fd), 0) << strerror(errno);
  EXPECT_EQ(fdatasync(fd), 0) << strerror(errno);
  EXPECT_EQ(ftruncate(fd, 2), 0) << strerror(errno);
  // fstat and attribute changes fail with ESTALE: the kernel sends them by
  // inode without the file handle, and the path is gone (fault_fs.h).
  struct stat st;
  EXPECT_EQ(fstat(fd, &st), -1);
  EXPECT_EQ(errno, ESTALE);
  char buf[8] = {};
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 2);
  EXPECT_EQ(std::string(buf, 2), "ab");
  close(fd);
  EXPECT_TRUE(Mounted()) << "faultline-fs died on a call with no path";
  ASSERT_EQ(Append("after", "x", true), 0);
}

// A store that runs as its own user (postgres, mysql) owns what it makes
// through the mount, so it can still open it once the mount is gone.
TEST_F(FaultFsMount, WhatAStoreUserCreatesIsItsOwn) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (to act as another user)";
  constexpr uid_t kNobody = 65534;
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(real_.c_str(), 0777), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(10);
    if (mkdir((mnt_ + "/d").c_str(), 0700) != 0) _exit(11);
    int fd = open((mnt_ + "/d/f").c_str(), O_WRONLY | O_CREAT, 0600);
    if (fd < 0) _exit(12);
    if (write(fd, "x", 1) != 1 || fsync(fd) != 0) _exit(13);
    close(fd);
    if (symlink("f", (mnt_ + "/d/l").c_str()) != 0) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 mkdir, 12 create, 13 write/fsync, 14 symlink failed";
  for (const char* path : {"/d", "/d/f", "/d/l"}) {
    struct stat st;
    ASSERT_EQ(lstat((real_ + path).c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, kNobody) << path;
    EXPECT_EQ(st.st_gid, kNobody) << path;
  }
}

}  // namespace
}  // namespace faultline::fs
