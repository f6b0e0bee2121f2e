// The fuzz corpora (tests/fuzz/corpus/<target>/: seeds and every crash ever
// found) replayed through the fuzz targets' own entry functions in the normal
// gcc build — no sanitizers, but every input that once crashed still must not
// crash, throw or break a contract. Compiled into tests_harness, so the suite
// needs no second (clang, sanitized) build; scripts/fuzz.sh replay does the
// same under ASan/UBSan, and scripts/fuzz.sh run fuzzes for real.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "tests/fuzz/history_fuzz_common.h"
#include "tests/fuzz/ringstore_request_fuzz.h"
#include "tests/fuzz/test_spec_fuzz.h"

namespace faultline::fuzz {
namespace {

namespace fs = std::filesystem;

using Entry = std::function<std::string(const uint8_t*, size_t)>;

struct FuzzTarget {
  const char* name;  // the corpus folder, as in scripts/fuzz.sh
  Entry entry;
};

// gtest prints a parameter in test names and failures: its name, not its bytes.
void PrintTo(const FuzzTarget& t, std::ostream* os) { *os << t.name; }

std::vector<FuzzTarget> Targets() {
  auto history = [](HistoryFormat f) {
    return [f](const uint8_t* d, size_t n) { return ReadHistoryInput(d, n, f); };
  };
  return {{"jsonl_reader", history(HistoryFormat::kJsonl)},
          {"edn_reader", history(HistoryFormat::kEdn)},
          {"jepsen_log_reader", history(HistoryFormat::kJepsenLog)},
          {"test_spec", &TestSpecInput},
          {"ringstore_request", &RingstoreRequestInput}};
}

class CorpusReplayTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(CorpusReplayTest, EveryCorpusInputPasses) {
  fs::path dir = fs::path(FAULTLINE_SOURCE_DIR) / "tests/fuzz/corpus" / GetParam().name;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir << " is empty: the corpus must hold at least its seeds";
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    ASSERT_TRUE(in) << f;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // An exception escaping here fails the test too (gtest catches it).
    EXPECT_EQ(GetParam().entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "")
        << "input " << f << " (reproduce under the sanitizers: bash scripts/fuzz.sh build; build/fuzz/"
        << GetParam().name << "_fuzz " << f << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, CorpusReplayTest, ::testing::ValuesIn(Targets()),
                         [](const ::testing::TestParamInfo<FuzzTarget>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace faultline::fuzz
