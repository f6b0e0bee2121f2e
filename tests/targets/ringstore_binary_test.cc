// The ringstore binary is uploaded to nodes that have only what the node
// image or the user's machine gives: it must not drag in the controller's
// libraries. A unity build once linked ssh_remote's object (and libssh) into
// it through fl_harness, and ringstore failed to start in every podman
// container ("libssh.so.4: cannot open shared object file").
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace faultline {
namespace ringstore_binary_test {
namespace {

std::string Ldd(const std::string& binary) {
  std::string out;
  FILE* p = popen(("ldd " + binary + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

TEST(RingstoreBinaryTest, NeedsNoControllerOnlyLibraries) {
  const std::string ldd = Ldd(std::string(FAULTLINE_BINARY_DIR) + "/ringstore");
  ASSERT_NE(ldd.find("libstdc++"), std::string::npos) << "ldd gave no library list:\n" << ldd;
  for (const char* lib : {"libssh", "libpq", "libmariadb", "libfuse3", "libboost"}) {
    EXPECT_EQ(ldd.find(lib), std::string::npos) << "ringstore links " << lib << ":\n" << ldd;
  }
}

}  // namespace
}  // namespace ringstore_binary_test
}  // namespace faultline
