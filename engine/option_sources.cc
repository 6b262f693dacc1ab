#include "engine/option_sources.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/nearest_name.h"

namespace jackd {
namespace {

// Keys that are not their option's long name: `workers` reads better in a file than `numprocesses`
// (pytest-xdist's name, kept on the command line for compatibility).
const std::map<std::string, std::string> kKeyForLongName = {{"numprocesses", "workers"}};

// `jackd config` aligns values up to this width; a longer one (a path) pushes its source further right.
constexpr std::size_t kMaxValueColumn = 24;

// What a configuration value must be for an option, read from CLI11's description of the option.
struct Expected {
  bool boolean = false;     // a flag: true or false
  bool integer = false;     // INT, UINT
  bool number = false;      // FLOAT: an integer or a float
  bool repeatable = false;  // an array of strings is allowed too
  bool bare = false;        // `true` stands for the option without its optional value (`--cov`)

  std::string Describe() const {
    if (boolean) return "true or false";
    if (integer) return "an integer";
    if (number) return "a number";
    std::string text = repeatable ? "a string or an array of strings" : "a string or an integer";
    if (bare) text += " (or true for the bare option)";
    return text;
  }
};

Expected ExpectedOf(const CLI::Option& option) {
  Expected expected;
  const std::string type = option.get_type_name();
  const std::string base = type.substr(0, type.find_first_of(": "));
  expected.boolean = option.get_expected_max() == 0;  // a flag: CLI11 expects no value
  expected.integer = base == "INT" || base == "UINT";
  expected.number = base == "FLOAT";
  expected.repeatable = option.get_expected_max() > 1;
  expected.bare = base.starts_with("[");
  return expected;
}

bool Fits(const ConfigValue& value, const Expected& expected, bool element = false) {
  using Kind = ConfigValue::Kind;
  if (expected.boolean) return value.kind == Kind::kBoolean;
  if (expected.integer) return value.kind == Kind::kInteger;
  if (expected.number) return value.kind == Kind::kInteger || value.kind == Kind::kFloat;
  if (value.kind == Kind::kString) return true;
  // `workers = 4` means `-n 4`: an integer is its own text (for single values: the repeatable options
  // take paths and report kinds).
  if (value.kind == Kind::kInteger) return !expected.repeatable;
  if (!element && expected.bare && value.kind == Kind::kBoolean) return value.boolean;
  if (!element && expected.repeatable && value.kind == Kind::kArray) {
    return std::all_of(value.elements.begin(), value.elements.end(),
                       [&](const ConfigValue& e) { return Fits(e, expected, true); });
  }
  return false;
}

// The command-line arguments that say what `value` says: `--timeout=5`, `--cov=a --cov=b`, `--no-cov`.
std::vector<std::string> ArgumentsFor(const std::string& flag, const ConfigValue& value) {
  switch (value.kind) {
    case ConfigValue::Kind::kBoolean:
      // A flag's false is its default, and the bare form of an optional value is the flag alone.
      return value.boolean ? std::vector<std::string>{flag} : std::vector<std::string>{};
    case ConfigValue::Kind::kArray: {
      std::vector<std::string> args;
      for (const ConfigValue& element : value.elements) args.push_back(flag + "=" + element.text);
      return args;
    }
    default:
      // Glued, so that a value starting with '-' (`workers = "-2"`) stays a value; CLI11 reads a glued
      // empty value as a missing one, so an empty string goes separately.
      if (value.text.empty()) return {flag, ""};
      return {flag + "=" + value.text};
  }
}

std::string LongName(const CLI::Option& option) {
  return option.get_lnames().empty() ? "" : option.get_lnames().front();
}

}  // namespace

std::string ConfigKey(const std::string& long_name) {
  auto renamed = kKeyForLongName.find(long_name);
  if (renamed != kKeyForLongName.end()) return renamed->second;
  return absl::StrReplaceAll(long_name, {{"-", "_"}});
}

absl::StatusOr<std::vector<EffectiveOption>> ApplyConfigFile(const ConfigTarget& target,
                                                             const ConfigFile* file) {
  // Every option with a long name except --help, by key.
  std::map<std::string, CLI::Option*> by_key;
  std::vector<CLI::Option*> ordered;
  for (CLI::Option* option : target.parsed->get_options()) {
    const std::string long_name = LongName(*option);
    if (long_name.empty() || long_name == "help") continue;
    by_key[ConfigKey(long_name)] = option;
    ordered.push_back(option);
  }
  std::vector<std::string> keys;
  for (CLI::Option* option : ordered) keys.push_back(ConfigKey(LongName(*option)));

  std::map<std::string, std::string> sources;
  if (file != nullptr) {
    for (const ConfigEntry& entry : file->entries) {
      const std::string where = file->Where(entry.line);
      auto found = by_key.find(entry.key);
      if (found == by_key.end()) {
        const std::string underscored = absl::StrReplaceAll(entry.key, {{"-", "_"}});
        std::string hint = "see 'jackd config' for every key";
        if (underscored != entry.key && by_key.contains(ConfigKey(underscored))) {
          hint = absl::StrCat("keys are spelt with '_': did you mean '", ConfigKey(underscored), "'?");
        } else if (kKeyForLongName.contains(underscored)) {
          hint = absl::StrCat("did you mean '", kKeyForLongName.at(underscored), "'?");
        } else if (auto nearest = NearestName(entry.key, keys)) {
          hint = absl::StrCat("did you mean '", *nearest, "'?");
        }
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": unknown key '", entry.key, "' in ", file->table, " (", hint, ")"));
      }
      CLI::Option& option = *found->second;
      const std::string long_name = LongName(option);
      const Expected expected = ExpectedOf(option);
      if (!Fits(entry.value, expected)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": '", entry.key, "' must be ", expected.Describe(), ", not ",
                         DescribeKind(entry.value.kind), " (as for --", long_name, ")"));
      }
      const bool external = target.external.contains("--" + long_name);
      const bool given = external ? target.external_given.contains("--" + long_name) : option.count() > 0;
      if (given) continue;  // the command line wins
      sources[entry.key] = where;
      const std::vector<std::string> args = ArgumentsFor("--" + long_name, entry.value);
      if (args.empty()) continue;
      if (external) {
        absl::Status status = target.apply_external(args);
        if (!status.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", status.message()));
        continue;
      }
      CLI::App probe;
      target.bind(probe);
      std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes its vector reversed
      try {
        probe.parse(reversed);
      } catch (const CLI::ParseError& error) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": bad value for '", entry.key, "': ", error.what()));
      }
    }
  }

  std::vector<EffectiveOption> effective;
  for (CLI::Option* option : ordered) {
    const std::string long_name = LongName(*option);
    const std::string key = ConfigKey(long_name);
    const bool given = target.external.contains("--" + long_name)
                           ? target.external_given.contains("--" + long_name)
                           : option->count() > 0;
    option->capture_default_str();  // the bound variable's value now, not at definition
    std::string source = given ? "command line" : sources.contains(key) ? sources[key] : "default";
    effective.push_back({key, option->get_default_str(), std::move(source), option->get_group()});
  }
  return effective;
}

std::string FormatEffectiveConfig(const std::vector<EffectiveOption>& options, const std::string& origin,
                                  const std::vector<std::string>& pytest_args) {
  std::size_t key_width = 0;
  std::size_t value_width = 0;
  for (const EffectiveOption& option : options) {
    key_width = std::max(key_width, option.key.size());
    value_width = std::max(value_width, std::min(option.value.size(), kMaxValueColumn));
  }
  auto pad = [](const std::string& text, std::size_t width) {
    return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
  };
  std::string out = absl::StrCat("configuration: ", origin, "\n");
  // Groups in order of first appearance, as --help lists them.
  std::vector<std::string> groups;
  for (const EffectiveOption& option : options) {
    if (std::find(groups.begin(), groups.end(), option.group) == groups.end()) groups.push_back(option.group);
  }
  for (const std::string& group : groups) {
    absl::StrAppend(&out, "\n", group, ":\n");
    for (const EffectiveOption& option : options) {
      if (option.group != group) continue;
      const std::string value = option.value.empty() ? "-" : option.value;
      absl::StrAppend(&out, "  ", pad(option.key, key_width), "  ", pad(value, value_width), "  ",
                      option.source, "\n");
    }
  }
  absl::StrAppend(&out, "\npytest arguments: ", pytest_args.empty() ? "-" : absl::StrJoin(pytest_args, " "),
                  "\n");
  return out;
}

}  // namespace jackd
