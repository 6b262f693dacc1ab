#include "engine/thread_limits.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jackd {

ThreadLimits PlanThreadLimits(int cpus, int workers, const EnvironmentLookup& lookup) {
  ThreadLimits limits;
  if (workers < 1) return limits;
  // Rounded down: with 3 CPUs and 2 workers, 1 thread each leaves a CPU idle in BLAS-heavy stretches,
  // where 2 each would oversubscribe; idle is the cheaper mistake, and pytest-level parallelism is the
  // workers' job.
  limits.threads = std::max(1, cpus / workers);
  for (std::string_view name : kThreadPoolVariables) {
    if (auto value = lookup(name)) {
      limits.kept.push_back(std::string(name) + "=" + *value);
    } else {
      limits.given.emplace_back(name);
    }
  }
  return limits;
}

std::vector<std::string> ThreadLimitEnvironment(const ThreadLimits& limits) {
  std::vector<std::string> env;
  env.reserve(limits.given.size());
  for (const std::string& name : limits.given) env.push_back(absl::StrCat(name, "=", limits.threads));
  return env;
}

std::string ThreadLimitsLine(const ThreadLimits& limits) {
  if (limits.given.empty() && limits.kept.empty()) return "";
  std::string line = "thread pools: ";
  if (!limits.given.empty()) {
    absl::StrAppend(&line, limits.threads, limits.threads == 1 ? " thread" : " threads", " per worker (",
                    absl::StrJoin(limits.given, ", "));
    if (!limits.kept.empty()) absl::StrAppend(&line, "; kept ", absl::StrJoin(limits.kept, ", "));
    absl::StrAppend(&line, ")");
  } else {
    absl::StrAppend(&line, "as set (", absl::StrJoin(limits.kept, ", "), ")");
  }
  return line;
}

std::optional<std::string> EngineEnvironmentValue(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace jackd
