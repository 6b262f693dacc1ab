#include "engine/output_tail.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace jackd {
namespace {

TEST(OutputTail, HandsOutWholeLinesAsTheyAreWritten) {
  const std::string path = ::testing::TempDir() + "/output_tail_lines";
  std::ofstream out(path, std::ios::trunc);
  OutputTail tail(path);
  EXPECT_EQ(tail.TakeLines(), "");
  out << "one\ntw" << std::flush;
  EXPECT_EQ(tail.TakeLines(), "one\n");
  EXPECT_EQ(tail.TakeLines(), "");
  out << "o\nthree" << std::flush;
  EXPECT_EQ(tail.TakeLines(), "two\n");
  EXPECT_EQ(tail.TakeRest(), "three\n");  // the writer exited mid-line
  EXPECT_EQ(tail.TakeRest(), "");
}

TEST(OutputTail, StartsAgainWhenTheFileIsRewritten) {
  const std::string path = ::testing::TempDir() + "/output_tail_rewritten";
  { std::ofstream(path, std::ios::trunc) << "first worker's output\n"; }
  OutputTail tail(path);
  EXPECT_EQ(tail.TakeLines(), "first worker's output\n");
  { std::ofstream(path, std::ios::trunc) << "new\n"; }  // a replacement truncates the file
  EXPECT_EQ(tail.TakeLines(), "new\n");
}

TEST(OutputTail, MissingFileGivesNothing) {
  OutputTail tail(::testing::TempDir() + "/no_such_output");
  EXPECT_EQ(tail.TakeLines(), "");
  EXPECT_EQ(tail.TakeRest(), "");
}

TEST(PrefixLines, PrefixesEveryLine) {
  EXPECT_EQ(PrefixLines("[gw0] ", "a\nb\n"), "[gw0] a\n[gw0] b\n");
  EXPECT_EQ(PrefixLines("[gw0] ", "\n"), "[gw0] \n");
  EXPECT_EQ(PrefixLines("[gw0] ", ""), "");
}

}  // namespace
}  // namespace jackd
