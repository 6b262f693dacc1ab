#include "engine/junit_reporter.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

TEST(JunitNamesTest, MatchesPytestClassnames) {
  EXPECT_EQ(JunitNames("tests/test_a.py::TestX::test_y"),
            std::make_pair(std::string("tests.test_a.TestX"), std::string("test_y")));
  EXPECT_EQ(JunitNames("test_b.py::test_z[a::b]"),
            std::make_pair(std::string("test_b"), std::string("test_z[a::b]")));
  // A file's own node ID (a collection error or skip): pytest's name is its dotted module path.
  EXPECT_EQ(JunitNames("tests/sub/test_c.py"),
            std::make_pair(std::string(""), std::string("tests.sub.test_c")));
}

TEST(XmlSafeTest, ReplacesControlCharacters) {
  EXPECT_EQ(XmlSafe(std::string("a\x1b[31mb\tc\n", 10)), "a#x1B[31mb\tc\n");
  EXPECT_EQ(XmlSafe(std::string("nul\0", 4)), "nul#x00");
}

}  // namespace
}  // namespace jackd
