// The run loop's remote workers (`jackd run --listen`, `jackd worker --connect`): a host joins
// (Engine.Join) and gets fresh worker ids; each of its shims then opens a Work stream like a local
// worker. Unlike a local worker, a remote one that does not fit (wrong token, other protocol, other
// collection; engine/remote_admission.h decides) is refused with a reason and a warning, and the run goes
// on: it is someone else's machine, not a broken run. A remote worker is gone when its stream is
// (keepalive notices a vanished host); its unfinished tests go back to the queue, and it is never
// replaced: its host decides whether it comes back.
#include <spdlog/spdlog.h>

#include <variant>

#include "absl/strings/str_cat.h"
#include "engine/proto_convert.h"
#include "engine/run_loop.h"

namespace jackd {

scheduler::WorkerId RunLoop::NextFreeSlot() const {
  return admission_.NextFreeSlot(workers_.NextSlot(static_cast<scheduler::WorkerId>(plan_.workers)));
}

void RunLoop::JoinRequested(const pb::JoinRequest& request, const std::string& peer, JoinAnswer answer) {
  std::variant<pb::JoinReply, Refusal> joined =
      admission_.Join(request, !ended_ && !stop_.stopped(), NextFreeSlot());
  if (const Refusal* refusal = std::get_if<Refusal>(&joined)) {
    spdlog::warn("refused remote worker host {} ({}): {}", request.host(), peer, refusal->why);
    answer(grpc::Status(refusal->code, refusal->why), pb::JoinReply());
    return;
  }
  spdlog::info("remote host {} ({}) joins with {} workers", request.host(), peer, request.workers());
  answer(grpc::Status::OK, std::move(std::get<pb::JoinReply>(joined)));
}

void RunLoop::OnRemoteReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready) {
  std::variant<scheduler::WorkerId, Refusal> admitted = admission_.Admit(ready);
  if (const Refusal* refusal = std::get_if<Refusal>(&admitted)) {
    spdlog::warn("refused remote worker '{}': {}", ready.worker_id(), refusal->why);
    link->Close(grpc::Status(refusal->code, refusal->why));
    return;
  }
  const scheduler::WorkerId slot = std::get<scheduler::WorkerId>(admitted);
  Worker& worker = workers_.Reset(slot);
  worker.id = ready.worker_id();
  worker.remote = true;
  worker.exited = true;  // no process of ours: the stream is all there is
  worker.MarkReady();
  worker.link = link;
  remote_joined_ = true;
  remote_wait_.reset();
  spdlog::info("remote worker {} ready", worker.id);
  scheduler_.AddWorker(slot);
  if (stop_.stopped()) {
    worker.link->Send(StopMessage());
    return;
  }
  Dispatch(worker);
}

bool RunLoop::OnRemoteFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed) {
  if (!admission_.Failed(failed)) return false;
  const std::string first_line = failed.message().substr(0, failed.message().find('\n'));
  spdlog::warn("remote worker {} could not start: {}", failed.worker_id(), first_line);
  link->Close(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "refused: " + first_line));
  return true;
}

void RunLoop::RetireRemote(Worker& worker) {
  worker.MarkRetired();
  if (worker.link) worker.link->Close();
  std::vector<TestIndex> unfinished = scheduler_.WorkerLost(worker.slot);
  for (TestIndex index : unfinished) book_.Release(index, worker.slot);
  if (!unfinished.empty() && !stop_.stopped()) {
    // The host vanished or its shim died: nothing here says which test was to blame, so every test it
    // held runs again elsewhere.
    spdlog::warn("remote worker {} is gone with {} tests unfinished; they run again", worker.id,
                 unfinished.size());
    notes_.push_back(absl::StrCat("remote worker ", worker.id, " was lost; its ", unfinished.size(),
                                  " unfinished tests were requeued"));
    scheduler_.Requeue(unfinished);
    DispatchStarving();
  } else if (!unfinished.empty()) {
    MarkNotRun(unfinished, stop_.reason().empty() ? "its worker stopped" : stop_.reason());
  }
  MaybeEnd();
}

bool RunLoop::WaitForRemoteWorkers() {
  if (!plan_.listening || stop_.stopped() || book_.AllSettled()) return false;
  if (remote_wait_) return true;
  remote_wait_ = clock_.After(plan_.worker_start_timeout, [this] {
    remote_wait_.reset();
    if (!workers_.AllRetired()) return;  // one joined meanwhile
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
