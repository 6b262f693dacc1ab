#include "engine/durations_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/durations_store.h"
#include "engine/exit_code.h"
#include "engine/worker_count.h"
#include "scheduler/wall_time.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

int Error(const std::string& message, int exit_code) {
  std::fprintf(stderr, "jackd: error: %s\n", message.c_str());
  return exit_code;
}

// The store's directory: under --rootdir, else in the nearest directory from here upwards that has one
// (so the command works from any subdirectory of the project, as pytest finds its rootdir).
std::optional<std::string> FindStore(const std::string& rootdir) {
  std::error_code error;
  auto has_store = [&](const fs::path& dir) {
    return fs::exists(DurationStore::FileIn(DurationStore::DirectoryIn(dir.string())), error);
  };
  if (!rootdir.empty()) {
    if (has_store(rootdir)) return DurationStore::DirectoryIn(rootdir);
    return std::nullopt;
  }
  for (fs::path dir = fs::current_path(error); !dir.empty(); dir = dir.parent_path()) {
    if (has_store(dir)) return DurationStore::DirectoryIn(dir.string());
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

struct FileTotal {
  std::string file;
  double seconds = 0;
  std::size_t tests = 0;
};

}  // namespace

void AddDurationsOptions(CLI::App& durations, DurationsOptions& options) {
  durations.add_option("--top", options.top, "How many tests and files to list")->capture_default_str();
  durations
      .add_option("-n,--numprocesses", options.workers,
                  "The workers to expect the wall time for: auto, logical, N or -N, as for 'jackd run'")
      ->capture_default_str();
  durations.add_option("--rootdir", options.rootdir,
                       "The project whose store to read (default: the nearest directory with a .jackd store, "
                       "from here upwards)");
}

int DurationsCommand(const DurationsOptions& options) {
  auto workers = ResolveWorkerCount(options.workers, ReadCpuFacts());
  if (!workers.ok()) return Error(std::string(workers.status().message()), kExitUsageError);
  std::optional<std::string> directory = FindStore(options.rootdir);
  if (!directory) {
    const std::string where =
        options.rootdir.empty() ? "in this directory or above it" : "in " + options.rootdir;
    return Error(absl::StrCat("no test durations recorded ", where,
                              " (run 'jackd run' first: every run records them in <rootdir>/.jackd/)"),
                 kExitUsageError);
  }
  auto store = DurationStore::Open(*directory, /*create=*/false);
  if (!store.ok()) {
    return Error(absl::StrCat("cannot read the durations store: ", store.status().message(),
                              " (delete the .jackd directory to start afresh)"),
                 kExitInternalError);
  }
  auto tests = store->Read();
  auto runs = store->RunCount();
  if (!tests.ok() || !runs.ok()) {
    const absl::Status& status = !tests.ok() ? tests.status() : runs.status();
    return Error(absl::StrCat("cannot read the durations store: ", status.message(),
                              " (delete the .jackd directory to start afresh)"),
                 kExitInternalError);
  }

  std::vector<std::pair<double, const TestHistory*>> slowest;
  std::map<std::string, FileTotal> files;
  std::vector<double> test_seconds;
  double total = 0;
  for (const TestHistory& test : *tests) {
    const double seconds = test.Expected();
    slowest.emplace_back(seconds, &test);
    test_seconds.push_back(seconds);
    FileTotal& file = files[test.file];
    file.file = test.file;
    file.seconds += seconds;
    ++file.tests;
    total += seconds;
  }
  // Longest first; ties by name (the store reads in node ID order, and stable_sort keeps it).
  std::stable_sort(slowest.begin(), slowest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<FileTotal> by_file;
  std::vector<double> file_seconds;
  for (const auto& [name, file] : files) by_file.push_back(file), file_seconds.push_back(file.seconds);
  std::stable_sort(by_file.begin(), by_file.end(),
                   [](const FileTotal& a, const FileTotal& b) { return a.seconds > b.seconds; });

  const std::size_t top = options.top;
  std::printf("%zu tests in %zu files, from the last %lld runs (%s)\n", tests->size(), files.size(),
              static_cast<long long>(*runs), DurationStore::FileIn(*directory).c_str());
  std::printf("\nslowest %zu tests (each the median of its last %d runs at most):\n",
              std::min(top, slowest.size()), kDurationHistory);
  for (std::size_t i = 0; i < slowest.size() && i < top; ++i) {
    const TestHistory& test = *slowest[i].second;
    std::printf("%9.2fs  %s  (%s, %zu %s)\n", slowest[i].first, test.node_id.c_str(),
                test.last_outcome.c_str(), test.seconds.size(), test.seconds.size() == 1 ? "run" : "runs");
  }
  std::printf("\nslowest %zu files (sum of their tests):\n", std::min(top, by_file.size()));
  for (std::size_t i = 0; i < by_file.size() && i < top; ++i) {
    std::printf("%9.2fs  %s  (%zu %s)\n", by_file[i].seconds, by_file[i].file.c_str(), by_file[i].tests,
                by_file[i].tests == 1 ? "test" : "tests");
  }
  const auto n = static_cast<std::uint32_t>(*workers);
  std::printf("\ntotal: %.2fs of tests\n", total);
  std::printf("expected wall time on %u %s: %.2fs (--dist load), %.2fs (--dist loadfile)\n", n,
              n == 1 ? "worker" : "workers", scheduler::ExpectedWallTime(test_seconds, n),
              scheduler::ExpectedWallTime(file_seconds, n));
  return kExitOk;
}

}  // namespace jackd
