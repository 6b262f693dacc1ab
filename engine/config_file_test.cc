#include "engine/config_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "engine/nearest_name.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "jackd-config-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void Write(const std::string& relative, const std::string& text) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << text;
  }

 private:
  fs::path path_;
};

TEST(ConfigFileTest, PyprojectToolJackdKeysWithTheirLines) {
  auto file = ParseConfigText(
      "[project]\nname = \"x\"\n\n[tool.jackd]\nworkers = 2\ntimeout = 1.5\nfail_on_flaky = true\n"
      "dist = \"loadfile\"\ncov = [\"a\", \"b\"]\n",
      ConfigFileKind::kPyproject, "pyproject.toml");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->has_value());
  const ConfigFile& config = **file;
  EXPECT_EQ(config.table, "[tool.jackd]");
  ASSERT_EQ(config.entries.size(), 5u);
  EXPECT_EQ(config.entries[0].key, "workers");
  EXPECT_EQ(config.entries[0].value.kind, ConfigValue::Kind::kInteger);
  EXPECT_EQ(config.entries[0].value.text, "2");
  EXPECT_EQ(config.entries[0].line, 5);
  EXPECT_EQ(config.Where(config.entries[0].line), "pyproject.toml:5");
  EXPECT_EQ(config.entries[1].value.kind, ConfigValue::Kind::kFloat);
  EXPECT_EQ(config.entries[1].value.text, "1.5");
  EXPECT_EQ(config.entries[2].value.kind, ConfigValue::Kind::kBoolean);
  EXPECT_TRUE(config.entries[2].value.boolean);
  EXPECT_EQ(config.entries[3].value.text, "loadfile");
  ASSERT_EQ(config.entries[4].value.elements.size(), 2u);
  EXPECT_EQ(config.entries[4].value.elements[1].text, "b");
}

TEST(ConfigFileTest, PyprojectWithoutToolJackdIsNoConfiguration) {
  auto file = ParseConfigText("[tool.pytest.ini_options]\naddopts = \"-q\"\n", ConfigFileKind::kPyproject,
                              "pyproject.toml");
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->has_value());
}

TEST(ConfigFileTest, JackdTomlHasTopLevelKeys) {
  auto file = ParseConfigText("# comment\nreruns = 2\n", ConfigFileKind::kJackdToml, "jackd.toml");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->has_value());
  EXPECT_EQ((*file)->table, "jackd.toml");
  ASSERT_EQ((*file)->entries.size(), 1u);
  EXPECT_EQ((*file)->entries[0].line, 2);
}

TEST(ConfigFileTest, InvalidTomlNamesFileAndLine) {
  auto file = ParseConfigText("[tool.jackd]\nworkers = = 2\n", ConfigFileKind::kPyproject, "pyproject.toml");
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(std::string(file.status().message()).starts_with("pyproject.toml:2: ")) << file.status();
  EXPECT_NE(std::string(file.status().message()).find("not valid TOML"), std::string::npos);
}

TEST(ConfigFileTest, SearchWalksUpPastPyprojectsWithoutTheTable) {
  TempDir dir;
  dir.Write("jackd.toml", "workers = 1\n");
  dir.Write("project/pyproject.toml", "[project]\nname = \"x\"\n");
  fs::create_directories(dir.path() / "project/tests");
  auto file = FindConfigFile(dir.path() / "project/tests");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->has_value());
  EXPECT_EQ((*file)->display, "../../jackd.toml");
  EXPECT_EQ((*file)->path, dir.path() / "jackd.toml");
}

TEST(ConfigFileTest, TheNearestDirectoryWins) {
  TempDir dir;
  dir.Write("pyproject.toml", "[tool.jackd]\nworkers = 1\n");
  dir.Write("sub/jackd.toml", "workers = 2\n");
  auto file = FindConfigFile(dir.path() / "sub");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->has_value());
  EXPECT_EQ((*file)->display, "jackd.toml");
  auto outer = FindConfigFile(dir.path());
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(outer->has_value());
  EXPECT_EQ((*outer)->display, "pyproject.toml");
}

TEST(ConfigFileTest, BothFilesInOneDirectoryAreRefused) {
  TempDir dir;
  dir.Write("pyproject.toml", "[tool.jackd]\nworkers = 1\n");
  dir.Write("jackd.toml", "workers = 2\n");
  auto file = FindConfigFile(dir.path());
  ASSERT_FALSE(file.ok());
  EXPECT_NE(std::string(file.status().message()).find("both jackd.toml and pyproject.toml"),
            std::string::npos);
  // A pyproject.toml that does not configure jackd is no conflict.
  dir.Write("pyproject.toml", "[project]\nname = \"x\"\n");
  file = FindConfigFile(dir.path());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->display, "jackd.toml");
}

TEST(ConfigFileTest, NoFileAnywhere) {
  TempDir dir;
  // /tmp's parents hold no configuration on a test machine; the walk ends at the root.
  auto file = FindConfigFile(dir.path());
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->has_value());
}

TEST(NearestNameTest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("workers", "workers"), 0u);
  EXPECT_EQ(EditDistance("workerz", "workers"), 1u);
  EXPECT_EQ(EditDistance("wokrers", "workers"), 2u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(NearestNameTest, SuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> keys = {"workers", "timeout", "session_timeout", "reruns", "reruns_delay"};
  EXPECT_EQ(NearestName("workerz", keys), "workers");
  EXPECT_EQ(NearestName("timout", keys), "timeout");
  EXPECT_EQ(NearestName("rerun_delay", keys), "reruns_delay");
  EXPECT_EQ(NearestName("session-timeout", keys), "session_timeout");
  EXPECT_EQ(NearestName("colour", keys), std::nullopt);
  EXPECT_EQ(NearestName("x", keys), std::nullopt);
}

}  // namespace
}  // namespace jackd
