#include "harness/core/base64.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64Test, BinaryRoundTripAndRejectsGarbage) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(Base64Decode(Base64Encode(all)), all);
  EXPECT_EQ(Base64Decode("Zm9"), std::nullopt);       // bad length
  EXPECT_EQ(Base64Decode("Zm9v!A=="), std::nullopt);  // outside the alphabet
  EXPECT_EQ(Base64Decode("Zg==Zg=="), std::nullopt);  // padding in the middle
  EXPECT_EQ(Base64Decode("Z=9v"), std::nullopt);      // data after padding
}

}  // namespace
}  // namespace faultline
