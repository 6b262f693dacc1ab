// Words, letters and colours of pytest's terminal report, shared by the live part and the summary.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "engine/run_model.h"

namespace jackd::terminal {

inline constexpr const char* kRed = "\x1b[31m";
inline constexpr const char* kGreen = "\x1b[32m";
inline constexpr const char* kYellow = "\x1b[33m";
inline constexpr const char* kBoldRed = "\x1b[31;1m";
inline constexpr const char* kBoldGreen = "\x1b[32;1m";
inline constexpr const char* kBoldYellow = "\x1b[33;1m";
inline constexpr const char* kBold = "\x1b[1m";

// pytest's progress letters, plus jackd's own outcomes (engine/outcome.h).
inline char Letter(Outcome outcome) { return SpellingOf(outcome).letter; }

inline const char* LetterColor(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return kGreen;
    case Outcome::kSkipped:
    case Outcome::kXfailed:
    case Outcome::kXpassed:
    case Outcome::kNotRun:
    case Outcome::kFlaky:
      return kYellow;
    default:
      return kRed;
  }
}

// The colour pytest gives a report of this category (a subtest's: "failed", "subtests passed", ...).
inline const char* CategoryColor(std::string_view category) {
  if (category.find("failed") != std::string_view::npos) return kRed;
  if (category.find("passed") != std::string_view::npos) return kGreen;
  return kYellow;
}

// The word pytest prints in verbose lines and short summaries (engine/outcome.h).
inline std::string_view Word(Outcome outcome) { return SpellingOf(outcome).word; }

inline std::string FormatSeconds(double seconds) {
  std::string text = absl::StrFormat("%.2fs", seconds);
  if (seconds >= 60) {
    const long total = static_cast<long>(seconds);
    absl::StrAppendFormat(&text, " (%d:%02d:%02d)", total / 3600, (total / 60) % 60, total % 60);
  }
  return text;
}

inline std::string FirstLine(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

}  // namespace jackd::terminal
