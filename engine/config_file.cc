#include "engine/config_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

constexpr const char* kJackdToml = "jackd.toml";
constexpr const char* kPyproject = "pyproject.toml";

ConfigValue Convert(const toml::node& node) {
  ConfigValue value;
  if (const auto* boolean = node.as_boolean()) {
    value.kind = ConfigValue::Kind::kBoolean;
    value.boolean = boolean->get();
  } else if (const auto* integer = node.as_integer()) {
    value.kind = ConfigValue::Kind::kInteger;
    value.text = std::to_string(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    value.kind = ConfigValue::Kind::kFloat;
    // The shortest text that reads back as the same double: 0.5 stays "0.5".
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, floating->get());
    value.text.assign(buffer, result.ptr);
  } else if (const auto* string = node.as_string()) {
    value.kind = ConfigValue::Kind::kString;
    value.text = string->get();
  } else if (const auto* array = node.as_array()) {
    value.kind = ConfigValue::Kind::kArray;
    for (const toml::node& element : *array) value.elements.push_back(Convert(element));
  } else if (node.is_table()) {
    value.kind = ConfigValue::Kind::kTable;
  }
  return value;
}

absl::StatusOr<std::optional<ConfigFile>> ParseFile(const fs::path& path, ConfigFileKind kind,
                                                    const std::string& display) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::InvalidArgumentError(absl::StrCat(display, ": cannot be read"));
  auto parsed = ParseConfigText(text.str(), kind, display);
  if (parsed.ok() && *parsed) (*parsed)->path = path;
  return parsed;
}

}  // namespace

std::string DescribeKind(ConfigValue::Kind kind) {
  switch (kind) {
    case ConfigValue::Kind::kBoolean:
      return "a boolean";
    case ConfigValue::Kind::kInteger:
      return "an integer";
    case ConfigValue::Kind::kFloat:
      return "a float";
    case ConfigValue::Kind::kString:
      return "a string";
    case ConfigValue::Kind::kArray:
      return "an array";
    case ConfigValue::Kind::kTable:
      return "a table";
    case ConfigValue::Kind::kOther:
      break;
  }
  return "a date or time";
}

std::string ConfigFile::Where(int line) const { return absl::StrCat(display, ":", line); }

absl::StatusOr<std::optional<ConfigFile>> ParseConfigText(const std::string& text, ConfigFileKind kind,
                                                          const std::string& display) {
  toml::table document;
  try {
    document = toml::parse(text, std::string_view(display));
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(absl::StrCat(display, ":", static_cast<int>(error.source().begin.line),
                                                   ": ", std::string(error.description()),
                                                   " (not valid TOML)"));
  }
  const toml::table* table = &document;
  ConfigFile file;
  file.display = display;
  file.table = kJackdToml;
  if (kind == ConfigFileKind::kPyproject) {
    const toml::node* jackd = document["tool"]["jackd"].node();
    if (jackd == nullptr) return std::nullopt;
    table = jackd->as_table();
    file.table = "[tool.jackd]";
    if (table == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(display, ":", jackd->source().begin.line,
                                                     ": tool.jackd must be a table ([tool.jackd])"));
    }
  }
  for (const auto& [key, node] : *table) {
    file.entries.push_back(
        {std::string(key.str()), Convert(node), static_cast<int>(key.source().begin.line)});
  }
  // toml++ keeps a table's keys sorted; messages and `jackd config` follow the file.
  std::stable_sort(file.entries.begin(), file.entries.end(),
                   [](const ConfigEntry& a, const ConfigEntry& b) { return a.line < b.line; });
  return file;
}

absl::StatusOr<std::optional<ConfigFile>> FindConfigFile(const fs::path& start) {
  const fs::path from = fs::absolute(start).lexically_normal();
  for (fs::path dir = from;; dir = dir.parent_path()) {
    std::error_code error;
    const fs::path jackd_toml = dir / kJackdToml;
    const fs::path pyproject = dir / kPyproject;
    auto display = [&](const fs::path& path) { return path.lexically_relative(from).string(); };
    std::optional<ConfigFile> found;
    if (fs::is_regular_file(jackd_toml, error)) {
      auto parsed = ParseFile(jackd_toml, ConfigFileKind::kJackdToml, display(jackd_toml));
      if (!parsed.ok()) return parsed.status();
      found = std::move(*parsed);
    }
    if (fs::is_regular_file(pyproject, error)) {
      auto parsed = ParseFile(pyproject, ConfigFileKind::kPyproject, display(pyproject));
      if (!parsed.ok()) return parsed.status();
      if (*parsed && found) {
        return absl::InvalidArgumentError(
            absl::StrCat("both ", display(jackd_toml), " and ", display(pyproject),
                         " [tool.jackd] configure jackd (keep one of them; jackd does not merge the two)"));
      }
      if (*parsed) found = std::move(*parsed);
    }
    if (found) return found;
    if (dir == dir.parent_path()) return std::nullopt;
  }
}

}  // namespace jackd
