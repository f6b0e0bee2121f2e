#include "results/run_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/test_files.h"

namespace faultline {
namespace {
namespace fs = std::filesystem;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string OpLine(int index, const char* type, int process, const char* f) {
  return json{{"index", index}, {"time", index * 1000}, {"type", type}, {"process", process},
              {"f", f}, {"value", nullptr}}.dump() + "\n";
}

TEST(RunStoreTest, CreatesTimestampedRunDirAndLatestLinks) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "memory-register");
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_TRUE(fs::is_directory(*dir));
  std::string stamp = fs::path(*dir).filename().string();
  // 20261126T071500.123
  ASSERT_EQ(stamp.size(), 19u) << stamp;
  EXPECT_EQ(stamp[8], 'T');
  EXPECT_EQ(stamp[15], '.');
  EXPECT_EQ(fs::read_symlink(store.path() + "/latest").string(), "memory-register/" + stamp);
  EXPECT_EQ(fs::read_symlink(store.path() + "/memory-register/latest").string(), stamp);
  EXPECT_EQ(fs::canonical(store.path() + "/latest"), fs::canonical(*dir));
}

TEST(RunStoreTest, RunsInTheSameMillisecondGetUniqueSortedDirs) {
  ScopedTempDir store("run-store");
  std::vector<std::string> dirs;
  for (int i = 0; i < 20; ++i) {
    auto d = CreateRunDir(store.path(), "t");
    ASSERT_TRUE(d.ok()) << d.status().message();
    dirs.push_back(*d);
  }
  std::set<std::string> unique(dirs.begin(), dirs.end());
  EXPECT_EQ(unique.size(), dirs.size());
  EXPECT_TRUE(std::is_sorted(dirs.begin(), dirs.end()));  // names sort in creation order
  EXPECT_EQ(fs::canonical(store.path() + "/latest"), fs::canonical(dirs.back()));
  // No temporary link names are left behind.
  for (const auto& e : fs::directory_iterator(store.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(RunStoreTest, ConcurrentCreatesNeverCollide) {
  ScopedTempDir store("run-store");
  std::vector<std::string> dirs(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto d = CreateRunDir(store.path(), "t");
      if (d.ok()) dirs[i] = *d;
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> unique(dirs.begin(), dirs.end());
  EXPECT_EQ(unique.size(), 8u);
  EXPECT_EQ(unique.count(""), 0u);
  EXPECT_TRUE(fs::is_directory(store.path() + "/latest"));
}

TEST(RunStoreTest, RejectsBadTestNamesAndUnwritableStores) {
  ScopedTempDir store("run-store");
  for (const char* bad : {"", "a/b", ".hidden", "latest"}) {
    auto d = CreateRunDir(store.path(), bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  WriteFile(store.path() + "/file", "x");
  auto d = CreateRunDir(store.path() + "/file", "t");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(store.path() + "/file"), std::string::npos);
}

TEST(RunStoreTest, WriteJsonFileIsAtomicAndReadable) {
  ScopedTempDir dir("run-store");
  std::string path = dir.path() + "/results.json";
  ASSERT_TRUE(WriteJsonFile(path, {{"valid", true}}).ok());
  ASSERT_TRUE(WriteJsonFile(path, {{"valid", false}, {"n", 3}}).ok());
  std::ifstream in(path);
  json j = json::parse(in);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["n"], 3);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) ++files, (void)e;
  EXPECT_EQ(files, 1);  // no temporary left
  Status s = WriteJsonFile(dir.path() + "/missing-dir/x.json", json::object());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing-dir"), std::string::npos);
}

TEST(RunStoreTest, LoadRunLatestAndByDirectory) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "t");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(WriteJsonFile(*dir + "/test.json", {{"name", "t"}, {"seed", 42}}).ok());
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + OpLine(1, "ok", 1, "read"));
  ASSERT_TRUE(WriteJsonFile(*dir + "/results.json", {{"valid", true}}).ok());

  for (const std::string& where : {std::string("latest"), *dir, store.path() + "/t"}) {
    auto run = LoadRun(where, store.path());
    ASSERT_TRUE(run.ok()) << where << ": " << run.status().message();
    EXPECT_EQ(run->dir, fs::canonical(*dir).string());
    EXPECT_EQ(run->test["seed"], 42);
    ASSERT_EQ(run->history.size(), 2u);
    EXPECT_EQ(run->history[1].type, OpType::kOk);
    EXPECT_EQ(run->results["valid"], true);
    EXPECT_TRUE(run->notes.empty());
  }
}

TEST(RunStoreTest, TruncatedFinalLineOfAKilledRunIsDroppedWithANote) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "t");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(WriteJsonFile(*dir + "/test.json", {{"name", "t"}}).ok());
  std::string third = OpLine(2, "invoke", 2, "write");
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + OpLine(1, "ok", 1, "read") +
                                         third.substr(0, third.size() / 2));
  auto run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->history.size(), 2u);
  ASSERT_EQ(run->notes.size(), 1u);
  EXPECT_NE(run->notes[0].find("history.jsonl:3"), std::string::npos) << run->notes[0];
  EXPECT_TRUE(run->results.is_null());

  // A complete last line without its newline is kept.
  std::string full = OpLine(1, "ok", 1, "read");
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + full.substr(0, full.size() - 1));
  run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->history.size(), 2u);
  EXPECT_TRUE(run->notes.empty());

  // Killed while writing the very first op: an empty history, with a note.
  WriteFile(*dir + "/history.jsonl", third.substr(0, 10));
  run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_TRUE(run->history.empty());
  EXPECT_EQ(run->notes.size(), 1u);
}

// A run whose controller died: crashed.json is loaded and said in a note;
// a crashed.json that is not an object is ignored with a note naming it.
TEST(RunStoreTest, CrashedRunIsLoadedWithItsCrashRecordAndANote) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "t");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(WriteJsonFile(*dir + "/test.json", {{"name", "t"}}).ok());
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + OpLine(1, "ok", 1, "read"));
  auto run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_TRUE(run->crashed.is_null());

  json info = {{"healed_by", "faultline cluster heal"}, {"faults", "partition on n1,n2"}};
  ASSERT_TRUE(MarkRunCrashed(*dir, info).ok());
  run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->crashed, info);
  ASSERT_EQ(run->notes.size(), 1u);
  EXPECT_NE(run->notes[0].find("controller died"), std::string::npos) << run->notes[0];
  EXPECT_NE(run->notes[0].find("partition on n1,n2"), std::string::npos) << run->notes[0];
  EXPECT_NE(run->notes[0].find("faultline cluster heal"), std::string::npos) << run->notes[0];

  WriteFile(*dir + "/crashed.json", "[1,2]");
  run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->crashed.is_null());
  ASSERT_EQ(run->notes.size(), 1u);
  EXPECT_NE(run->notes[0].find("crashed.json: not a crash record"), std::string::npos) << run->notes[0];

  EXPECT_FALSE(MarkRunCrashed(store.path() + "/gone", info).ok());
}

TEST(RunStoreTest, MalformedOrMissingFilesAreOneLineErrorsWithLocation) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "t");
  ASSERT_TRUE(dir.ok());
  auto run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("test.json"), std::string::npos);

  ASSERT_TRUE(WriteJsonFile(*dir + "/test.json", {{"name", "t"}}).ok());
  run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("history.jsonl"), std::string::npos);

  // A bad line in the middle is an error, not a truncation.
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + "{oops\n" + OpLine(1, "ok", 1, "read"));
  run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("history.jsonl:2:"), std::string::npos) << run.status().message();
  EXPECT_EQ(run.status().message().find('\n'), std::string::npos);

  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") +
                                         R"({"type":"bogus","process":1,"f":"read"})" "\n");
  run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("history.jsonl:2:"), std::string::npos) << run.status().message();

  ScopedTempDir empty_store("run-store");
  run = LoadRun("latest", empty_store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("no runs"), std::string::npos);
}

// Hostile run files: nesting past the limit is a one-line error for test.json
// (and the history), a note for results.json; never a crash.
TEST(RunStoreTest, DeeplyNestedRunFilesAreErrorsNotCrashes) {
  ScopedTempDir store("run-store");
  auto dir = CreateRunDir(store.path(), "t");
  ASSERT_TRUE(dir.ok());
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  WriteFile(*dir + "/test.json", "{\"name\": " + deep + "}");
  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") + OpLine(1, "ok", 1, "read"));
  auto run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("/test.json: nesting deeper than 256 (at byte 265)"), std::string::npos)
      << run.status().message();

  ASSERT_TRUE(WriteJsonFile(*dir + "/test.json", {{"name", "t"}}).ok());
  WriteFile(*dir + "/results.json", deep);
  run = LoadRun(*dir, store.path());
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_TRUE(run->results.is_null());
  ASSERT_FALSE(run->notes.empty());
  EXPECT_NE(run->notes.back().find("results.json: not valid JSON (nesting deeper than 256"), std::string::npos)
      << run->notes.back();

  WriteFile(*dir + "/history.jsonl", OpLine(0, "invoke", 1, "read") +
                                         R"({"type":"ok","process":1,"f":"read","value":)" + deep + "}\n");
  run = LoadRun(*dir, store.path());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("history.jsonl:2: nesting deeper than 256"), std::string::npos)
      << run.status().message();
}

}  // namespace
}  // namespace faultline
