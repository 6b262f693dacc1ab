// Remote workers (`jackd run --listen`, `jackd worker --connect`): a host joins (Engine.Join) and gets
// fresh worker ids; each of its shims then opens a Work stream like a local worker. Unlike a local worker,
// a remote one that does not fit (wrong token, other protocol, other collection) is refused with a
// reason and a warning, and the run goes on: it is someone else's machine, not a broken run. A remote
// worker is gone when its stream is (keepalive notices a vanished host); its unfinished tests go back to
// the queue, and it is never replaced: its host decides whether it comes back.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "engine/proto_convert.h"
#include "engine/run_loop.h"
#include "engine/tls_credentials.h"
#include "engine/version.h"

namespace jackd {
namespace {

// A host may ask for this many shims at most: far above any CPU count, low enough that a client cannot
// make the engine reserve ids without bound.
constexpr std::uint32_t kMaxWorkersPerHost = 1024;

// What the engine's own process was given for every shim (engine/run_command.cc sets them).
void CopyEnvironment(const char* name, pb::JoinReply& reply) {
  if (const char* value = std::getenv(name)) reply.add_environment(absl::StrCat(name, "=", value));
}

}  // namespace

scheduler::WorkerId RunLoop::NextFreeSlot() const {
  scheduler::WorkerId slot = static_cast<scheduler::WorkerId>(plan_.workers);
  if (!workers_.empty()) slot = std::max(slot, workers_.rbegin()->first + 1);
  for (const auto& [id, reserved] : reserved_) slot = std::max(slot, reserved + 1);
  return slot;
}

void RunLoop::JoinRequested(const pb::JoinRequest& request, const std::string& peer, JoinAnswer answer) {
  auto refuse = [&](grpc::StatusCode code, const std::string& why) {
    spdlog::warn("refused remote worker host {} ({}): {}", request.host(), peer, why);
    answer(grpc::Status(code, why), pb::JoinReply());
  };
  if (!plan_.listening)
    return refuse(grpc::StatusCode::PERMISSION_DENIED, "this engine takes no remote workers");
  if (!plan_.auth_token.empty() && !TokensEqual(request.token(), plan_.auth_token)) {
    return refuse(grpc::StatusCode::UNAUTHENTICATED,
                  "wrong token (give the engine's token with --token-file or JACKD_AUTH_TOKEN)");
  }
  if (request.protocol_version() != kProtocolVersion) {
    return refuse(grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("this engine (jackd ", kVersion, ") speaks protocol ", kProtocolVersion,
                               ", the worker host protocol ", request.protocol_version(),
                               " (install the same jackd on both)"));
  }
  if (!plan_.revision.empty() && !request.revision().empty() && request.revision() != plan_.revision) {
    return refuse(grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("its checkout is at revision ", request.revision(), ", the engine's at ",
                               plan_.revision, " (check out the same commit on both)"));
  }
  if (ended_ || stop_ != StopKind::kNone) {
    return refuse(grpc::StatusCode::UNAVAILABLE, "the run is ending; no more workers are needed");
  }
  if (request.workers() == 0 || request.workers() > kMaxWorkersPerHost) {
    return refuse(grpc::StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("asked for ", request.workers(), " workers (1 to ", kMaxWorkersPerHost, ")"));
  }
  pb::JoinReply reply;
  for (std::uint32_t i = 0; i < request.workers(); ++i) {
    const scheduler::WorkerId slot = NextFreeSlot();
    const std::string id = absl::StrCat("gw", slot);
    reserved_[id] = slot;
    reply.add_worker_ids(id);
  }
  for (const std::string& arg : plan_.pytest_args) reply.add_pytest_args(arg);
  reply.set_digest(collection_.digest);
  reply.set_basetemp(collection_.settings.basetemp);
  reply.set_run_uid(plan_.run_uid);
  // Worker ids run from gw0 to the highest handed out: the count pytest-xdist's plugins expect.
  reply.set_worker_count(static_cast<std::uint32_t>(NextFreeSlot()));
  CopyEnvironment("JACKD_SERIAL_MARK", reply);
  CopyEnvironment("JACKD_COUNT", reply);
  // Not the engine's sizes: the host has CPUs and a worker count of its own.
  reply.set_limit_thread_pools(plan_.thread_pool_cpus > 0);
  spdlog::info("remote host {} ({}) joins with {} workers", request.host(), peer, request.workers());
  answer(grpc::Status::OK, std::move(reply));
}

void RunLoop::OnRemoteReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready) {
  auto refuse = [&](grpc::StatusCode code, const std::string& why) {
    spdlog::warn("refused remote worker '{}': {}", ready.worker_id(), why);
    link->Close(grpc::Status(code, why));
  };
  if (!plan_.auth_token.empty() && !TokensEqual(ready.token(), plan_.auth_token)) {
    return refuse(grpc::StatusCode::UNAUTHENTICATED, "wrong token");
  }
  auto reserved = reserved_.find(ready.worker_id());
  if (reserved == reserved_.end()) {
    return refuse(grpc::StatusCode::PERMISSION_DENIED,
                  "unknown worker id (remote workers are started by 'jackd worker --connect')");
  }
  // Whatever follows, this id is spent: a refused worker does not come back under it.
  const scheduler::WorkerId slot = reserved->second;
  reserved_.erase(reserved);
  if (ready.protocol_version() != kProtocolVersion) {
    return refuse(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("it runs jackd-shim ", ready.shim_version(), " (protocol ", ready.protocol_version(),
                     ") but this engine speaks protocol ", kProtocolVersion));
  }
  if (ready.digest() != collection_.digest) {
    return refuse(grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("it collected a different set of tests (", ready.collected(),
                               " tests, the engine collected ", collection_.items.size(),
                               "); is its checkout at the engine's revision?"));
  }
  Worker& worker = workers_[slot];
  worker = Worker{};
  worker.slot = slot;
  worker.id = ready.worker_id();
  worker.remote = true;
  worker.exited = true;  // no process of ours: the stream is all there is
  worker.ready = true;
  worker.link = link;
  remote_joined_ = true;
  remote_wait_.reset();
  spdlog::info("remote worker {} ready", worker.id);
  scheduler_.AddWorker(slot);
  if (stop_ != StopKind::kNone) {
    worker.link->Send(StopMessage());
    return;
  }
  Dispatch(worker);
}

bool RunLoop::OnRemoteFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed) {
  if (!reserved_.contains(failed.worker_id()) ||
      (!plan_.auth_token.empty() && !TokensEqual(failed.token(), plan_.auth_token))) {
    return false;
  }
  reserved_.erase(failed.worker_id());
  const std::string first_line = failed.message().substr(0, failed.message().find('\n'));
  spdlog::warn("remote worker {} could not start: {}", failed.worker_id(), first_line);
  link->Close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "refused: " + first_line));
  return true;
}

void RunLoop::RetireRemote(Worker& worker) {
  worker.retired = true;
  if (worker.link) worker.link->Close();
  std::vector<TestIndex> unfinished = scheduler_.WorkerLost(worker.slot);
  for (TestIndex index : unfinished) Release(index, worker.slot);
  if (!unfinished.empty() && stop_ == StopKind::kNone) {
    // The host vanished or its shim died: nothing here says which test was to blame, so every test it
    // held runs again elsewhere.
    spdlog::warn("remote worker {} is gone with {} tests unfinished; they run again", worker.id,
                 unfinished.size());
    notes_.push_back(absl::StrCat("remote worker ", worker.id, " was lost; its ", unfinished.size(),
                                  " unfinished tests were requeued"));
    scheduler_.Requeue(unfinished);
    DispatchStarving();
  } else if (!unfinished.empty()) {
    MarkNotRun(unfinished, stop_reason_.empty() ? "its worker stopped" : stop_reason_);
  }
  MaybeEnd();
}

bool RunLoop::WaitForRemoteWorkers() {
  if (!plan_.listening || stop_ != StopKind::kNone || recorded_ == records_.size()) return false;
  if (remote_wait_) return true;
  remote_wait_ = clock_.After(plan_.worker_start_timeout, [this] {
    remote_wait_.reset();
    for (const auto& [slot, worker] : workers_) {
      if (!worker.retired) return;  // one joined meanwhile
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(plan_.worker_start_timeout).count();
    if (!remote_joined_ && workers_.empty()) {
      Fatal(absl::StrCat("no worker connected within ", seconds,
                         "s (start 'jackd worker --connect' on the worker hosts, or raise "
                         "--worker-start-timeout)"));
    } else {
      Stop(StopKind::kExhausted,
           absl::StrCat("every worker left and none joined within ", seconds, "s (--worker-start-timeout)"));
    }
    MaybeEnd();
  });
  return true;
}

}  // namespace jackd
