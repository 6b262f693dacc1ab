#include "engine/project_revision.h"

#include <cstdio>

namespace jackd {

std::string ProjectRevision(const std::string& directory) {
  const std::string command = "git -C '" + directory + "' rev-parse HEAD 2>/dev/null";
  if (directory.find('\'') != std::string::npos) return "";  // not worth quoting: no revision check
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[128] = {};
  std::string out;
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  const int status = pclose(pipe);
  if (status != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace jackd
