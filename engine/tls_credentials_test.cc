#include "engine/tls_credentials.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace jackd {
namespace {

void WriteFile(const std::string& path, const char* text) {
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(text, file);
  std::fclose(file);
}

TEST(ReadTokenTest, FromTheFileElseTheEnvironmentWithoutSurroundingWhitespace) {
  const std::string path = ::testing::TempDir() + "/jackd_token";
  WriteFile(path, "from-file\n");
  setenv("JACKD_AUTH_TOKEN", " from-env\n", 1);
  EXPECT_EQ(*ReadToken(path), "from-file");
  EXPECT_EQ(*ReadToken(""), "from-env");
  unsetenv("JACKD_AUTH_TOKEN");
  EXPECT_EQ(*ReadToken(""), "");
  EXPECT_FALSE(ReadToken(path + ".missing").ok());
  std::remove(path.c_str());
}

TEST(ReadTokenTest, ATokenIsOneLine) {
  // The ssh launcher hands the token to `jackd worker --token-file -`, which reads one line.
  const std::string path = ::testing::TempDir() + "/jackd_token_lines";
  WriteFile(path, "first\nsecond\n");
  const auto token = ReadToken(path);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("more than one line"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace jackd
