#include "engine/join_environment.h"

#include <utility>

namespace jackd {

void JoinEnvironment::JoinRequested(const pb::JoinRequest& request, const std::string& peer,
                                    JoinAnswer answer) {
  loop_.JoinRequested(request, peer,
                      [this, answer = std::move(answer)](grpc::Status status, pb::JoinReply reply) {
                        // A refused host starts no shim: its reply stays as the loop made it.
                        if (status.ok()) {
                          for (const std::string& entry : environment_) reply.add_environment(entry);
                        }
                        answer(std::move(status), std::move(reply));
                      });
}

}  // namespace jackd
