// The run's shim environment in every remote host's JoinReply (`jackd worker --connect` gives it to the
// shims it starts), so that remote shims register the serial mark and repeat tests for --count as local
// ones do. It stands between the gRPC service and the run loop, passing every event on unchanged and
// adding its entries to each reply the loop gives.
//
// The engine's own environment is not changed (children get theirs explicitly), so the entries come from
// here rather than from the engine's variables.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/worker_service.h"

namespace jackd {

class JoinEnvironment final : public WorkerEvents {
 public:
  // `loop` must outlive this object. `environment`: "NAME=value", appended to every reply's environment,
  // so that they win over earlier entries of the same name (the remote host applies them in order).
  JoinEnvironment(WorkerEvents& loop, std::vector<std::string> environment)
      : loop_(loop), environment_(std::move(environment)) {}

  void MessageReceived(const std::shared_ptr<WorkerLink>& link, pb::WorkerMessage message) override {
    loop_.MessageReceived(link, std::move(message));
  }
  void StreamClosed(const std::shared_ptr<WorkerLink>& link) override { loop_.StreamClosed(link); }
  void JoinRequested(const pb::JoinRequest& request, const std::string& peer, JoinAnswer answer) override;

 private:
  WorkerEvents& loop_;
  std::vector<std::string> environment_;
};

}  // namespace jackd
