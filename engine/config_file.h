// jackd's configuration file: `jackd.toml` (top-level keys) or the `[tool.jackd]` table of
// `pyproject.toml`, found as pytest finds its inifile, and read into key -> (value, line).
//
// The rule: look in the current directory, then in each parent up to the filesystem root; the first
// directory that has a `jackd.toml`, or a `pyproject.toml` with a `[tool.jackd]` table, holds the
// configuration. A `pyproject.toml` without `[tool.jackd]` does not stop the search (as pytest skips one
// without `[tool.pytest.ini_options]`). A directory with both a `jackd.toml` and a `pyproject.toml` with
// `[tool.jackd]` is an error: jackd does not merge them, and silently ignoring one would surprise.
//
// This layer knows TOML, not jackd's options: which keys exist and what types they take is the command
// line's business (engine/option_sources.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace jackd {

// One TOML value, kept as text so the command-line layer can parse it with the option's own validator.
struct ConfigValue {
  enum class Kind { kBoolean, kInteger, kFloat, kString, kArray, kTable, kOther };
  Kind kind = Kind::kOther;
  bool boolean = false;
  std::string text;                   // kInteger, kFloat, kString: the value as a command line spells it
  std::vector<ConfigValue> elements;  // kArray
};

// "a boolean", "an integer", ...: for messages.
std::string DescribeKind(ConfigValue::Kind kind);

struct ConfigEntry {
  std::string key;
  ConfigValue value;
  int line = 0;
};

struct ConfigFile {
  std::filesystem::path path;        // absolute
  std::string display;               // the path as messages show it: relative to the start directory
  std::string table;                 // "[tool.jackd]" (pyproject.toml) or "jackd.toml"
  std::vector<ConfigEntry> entries;  // in file order

  // "pyproject.toml:12": where a message points.
  std::string Where(int line) const;
};

enum class ConfigFileKind { kJackdToml, kPyproject };

// Parses `text` as the file `display`. A pyproject.toml without [tool.jackd] gives nullopt. Invalid TOML
// is an error "<display>:<line>: <what>".
absl::StatusOr<std::optional<ConfigFile>> ParseConfigText(const std::string& text, ConfigFileKind kind,
                                                          const std::string& display);

// Finds and parses the configuration for a run started in `start` (see the rule above). nullopt: none.
absl::StatusOr<std::optional<ConfigFile>> FindConfigFile(const std::filesystem::path& start);

}  // namespace jackd
