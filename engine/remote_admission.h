// Remote admission (`jackd run --listen`, `jackd worker --connect`): whether a host may join and which
// of its shims may work, checked against the run's token, protocol, revision and collection. A host
// that joins gets fresh worker ids. Invariant: an id is handed out once, and the first stream that
// claims it spends it, admitted or not, so a refused shim cannot come back under it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <string>
#include <variant>

#include "engine/run_model.h"
#include "engine/run_plan.h"
#include "engine/worker_service.h"

namespace jackd {

// Why a host or a shim is turned away; the run goes on without it.
struct Refusal {
  grpc::StatusCode code;
  std::string why;
};

class RemoteAdmission {
 public:
  // Both must outlive this.
  RemoteAdmission(const RunPlan& plan, const Collection& collection) : plan_(plan), collection_(collection) {}

  // A host asks to join. `accepting`: the run still wants workers. On success reserves the ids of its
  // shims, the first at `first_free` or above, and returns what they start with.
  std::variant<pb::JoinReply, Refusal> Join(const pb::JoinRequest& request, bool accepting,
                                            scheduler::WorkerId first_free);
  // A shim says it is ready: the slot reserved for it, or why it may not work.
  std::variant<scheduler::WorkerId, Refusal> Admit(const pb::WorkerReady& ready);
  // A shim of a joined host could not start: true (its id spent) when it is one of ours.
  bool Failed(const pb::WorkerFailed& failed);

  // The lowest slot above every reserved one, and at least `floor`.
  scheduler::WorkerId NextFreeSlot(scheduler::WorkerId floor) const;

 private:
  std::optional<Refusal> CheckHost(const pb::JoinRequest& request, bool accepting) const;
  bool TokenFits(const std::string& token) const;

  const RunPlan& plan_;
  const Collection& collection_;
  std::map<std::string, scheduler::WorkerId> reserved_;  // ids handed out by Join, not claimed yet
};

}  // namespace jackd
