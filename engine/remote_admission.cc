#include "engine/remote_admission.h"

#include "absl/strings/str_cat.h"
#include "engine/tls_credentials.h"
#include "engine/version.h"

namespace jackd {
namespace {

// A host may ask for this many shims at most: far above any CPU count, low enough that a client cannot
// make the engine reserve ids without bound.
constexpr std::uint32_t kMaxWorkersPerHost = 1024;

}  // namespace

bool RemoteAdmission::TokenFits(const std::string& token) const {
  return plan_.auth_token.empty() || TokensEqual(token, plan_.auth_token);
}

std::optional<Refusal> RemoteAdmission::CheckHost(const pb::JoinRequest& request, bool accepting) const {
  if (!plan_.listening)
    return Refusal{grpc::StatusCode::PERMISSION_DENIED, "this engine takes no remote workers"};
  if (!TokenFits(request.token())) {
    return Refusal{grpc::StatusCode::UNAUTHENTICATED,
                   "wrong token (give the engine's token with --token-file or JACKD_AUTH_TOKEN)"};
  }
  if (request.protocol_version() != kProtocolVersion) {
    return Refusal{grpc::StatusCode::FAILED_PRECONDITION,
                   absl::StrCat("this engine (jackd ", kVersion, ") speaks protocol ", kProtocolVersion,
                                ", the worker host protocol ", request.protocol_version(),
                                " (install the same jackd on both)")};
  }
  if (!plan_.revision.empty() && !request.revision().empty() && request.revision() != plan_.revision) {
    return Refusal{grpc::StatusCode::FAILED_PRECONDITION,
                   absl::StrCat("its checkout is at revision ", request.revision(), ", the engine's at ",
                                plan_.revision, " (check out the same commit on both)")};
  }
  if (!accepting)
    return Refusal{grpc::StatusCode::UNAVAILABLE, "the run is ending; no more workers are needed"};
  if (request.workers() == 0 || request.workers() > kMaxWorkersPerHost) {
    return Refusal{grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat("asked for ", request.workers(), " workers (1 to ", kMaxWorkersPerHost, ")")};
  }
  return std::nullopt;
}

std::variant<pb::JoinReply, Refusal> RemoteAdmission::Join(const pb::JoinRequest& request, bool accepting,
                                                           scheduler::WorkerId first_free) {
  if (std::optional<Refusal> refusal = CheckHost(request, accepting)) return *refusal;
  pb::JoinReply reply;
  for (std::uint32_t i = 0; i < request.workers(); ++i) {
    const scheduler::WorkerId slot = NextFreeSlot(first_free);
    const std::string id = absl::StrCat("gw", slot);
    reserved_[id] = slot;
    reply.add_worker_ids(id);
  }
  for (const std::string& arg : plan_.pytest_args) reply.add_pytest_args(arg);
  reply.set_digest(collection_.digest);
  reply.set_basetemp(collection_.settings.basetemp);
  reply.set_run_uid(plan_.run_uid);
  // Worker ids run from gw0 to the highest handed out: the count pytest-xdist's plugins expect.
  reply.set_worker_count(static_cast<std::uint32_t>(NextFreeSlot(first_free)));
  // The shims' own variables (serial mark, --count) are added by JoinEnvironment (engine/join_environment.h).
  // Not the engine's sizes: the host has CPUs and a worker count of its own.
  reply.set_limit_thread_pools(plan_.thread_pool_cpus > 0);
  return reply;
}

std::variant<scheduler::WorkerId, Refusal> RemoteAdmission::Admit(const pb::WorkerReady& ready) {
  if (!TokenFits(ready.token())) return Refusal{grpc::StatusCode::UNAUTHENTICATED, "wrong token"};
  auto reserved = reserved_.find(ready.worker_id());
  if (reserved == reserved_.end()) {
    return Refusal{grpc::StatusCode::PERMISSION_DENIED,
                   "unknown worker id (remote workers are started by 'jackd worker --connect')"};
  }
  // Whatever follows, this id is spent: a refused worker does not come back under it.
  const scheduler::WorkerId slot = reserved->second;
  reserved_.erase(reserved);
  if (ready.protocol_version() != kProtocolVersion) {
    return Refusal{
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("it runs jackd-shim ", ready.shim_version(), " (protocol ", ready.protocol_version(),
                     ") but this engine speaks protocol ", kProtocolVersion)};
  }
  if (ready.digest() != collection_.digest) {
    return Refusal{grpc::StatusCode::FAILED_PRECONDITION,
                   absl::StrCat("it collected a different set of tests (", ready.collected(),
                                " tests, the engine collected ", collection_.items.size(),
                                "); is its checkout at the engine's revision?")};
  }
  return slot;
}

bool RemoteAdmission::Failed(const pb::WorkerFailed& failed) {
  if (!reserved_.contains(failed.worker_id()) || !TokenFits(failed.token())) return false;
  reserved_.erase(failed.worker_id());
  return true;
}

scheduler::WorkerId RemoteAdmission::NextFreeSlot(scheduler::WorkerId floor) const {
  scheduler::WorkerId slot = floor;
  for (const auto& [id, reserved] : reserved_) slot = std::max(slot, reserved + 1);
  return slot;
}

}  // namespace jackd
