#include "engine/join_environment.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

// A run loop that answers every join with `status` and a reply that already carries one entry.
class ScriptedLoop final : public WorkerEvents {
 public:
  explicit ScriptedLoop(grpc::Status status) : status_(std::move(status)) {}
  void MessageReceived(const std::shared_ptr<WorkerLink>&, pb::WorkerMessage) override { ++messages; }
  void StreamClosed(const std::shared_ptr<WorkerLink>&) override { ++closed; }
  void JoinRequested(const pb::JoinRequest&, const std::string&, JoinAnswer answer) override {
    pb::JoinReply reply;
    if (status_.ok()) reply.add_environment("JACKD_COUNT=7");  // as from the engine's own environment
    answer(status_, std::move(reply));
  }
  int messages = 0;
  int closed = 0;

 private:
  grpc::Status status_;
};

std::vector<std::string> JoinedEnvironment(WorkerEvents& events) {
  std::vector<std::string> got;
  bool answered = false;
  events.JoinRequested(pb::JoinRequest(), "peer", [&](grpc::Status, pb::JoinReply reply) {
    answered = true;
    got.assign(reply.environment().begin(), reply.environment().end());
  });
  EXPECT_TRUE(answered);
  return got;
}

TEST(JoinEnvironmentTest, AnAcceptedHostGetsTheShimEnvironmentLast) {
  ScriptedLoop loop(grpc::Status::OK);
  JoinEnvironment joins(loop, {"JACKD_SERIAL_MARK=db", "JACKD_COUNT=3"});
  // Last, so that they win over what the loop put there (the host applies the entries in order).
  EXPECT_EQ(JoinedEnvironment(joins),
            (std::vector<std::string>{"JACKD_COUNT=7", "JACKD_SERIAL_MARK=db", "JACKD_COUNT=3"}));
}

TEST(JoinEnvironmentTest, ARefusedHostGetsNothing) {
  ScriptedLoop loop(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong token"));
  JoinEnvironment joins(loop, {"JACKD_SERIAL_MARK=db"});
  EXPECT_TRUE(JoinedEnvironment(joins).empty());
}

TEST(JoinEnvironmentTest, StreamEventsReachTheLoop) {
  ScriptedLoop loop(grpc::Status::OK);
  JoinEnvironment joins(loop, {});
  auto link = std::make_shared<WorkerLink>(1);
  joins.MessageReceived(link, pb::WorkerMessage());
  joins.StreamClosed(link);
  EXPECT_EQ(loop.messages, 1);
  EXPECT_EQ(loop.closed, 1);
}

}  // namespace
}  // namespace jackd
