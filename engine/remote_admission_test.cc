#include "engine/remote_admission.h"

#include <gtest/gtest.h>

#include "engine/version.h"

namespace jackd {
namespace {

class RemoteAdmissionTest : public ::testing::Test {
 protected:
  RemoteAdmissionTest() {
    plan_.listening = true;
    plan_.auth_token = "secret";
    collection_.digest = "digest";
  }

  pb::JoinRequest Request(std::uint32_t workers) const {
    pb::JoinRequest request;
    request.set_token("secret");
    request.set_protocol_version(kProtocolVersion);
    request.set_workers(workers);
    return request;
  }

  pb::WorkerReady Ready(const std::string& id) const {
    pb::WorkerReady ready;
    ready.set_token("secret");
    ready.set_protocol_version(kProtocolVersion);
    ready.set_worker_id(id);
    ready.set_digest("digest");
    return ready;
  }

  RunPlan plan_;
  Collection collection_;
};

TEST_F(RemoteAdmissionTest, AHostGetsFreshIdsAboveEveryTakenSlot) {
  RemoteAdmission admission(plan_, collection_);
  auto first = admission.Join(Request(2), true, 3);
  ASSERT_TRUE(std::holds_alternative<pb::JoinReply>(first));
  EXPECT_EQ(std::get<pb::JoinReply>(first).worker_ids(0), "gw3");
  EXPECT_EQ(std::get<pb::JoinReply>(first).worker_ids(1), "gw4");
  EXPECT_EQ(std::get<pb::JoinReply>(first).worker_count(), 5u);
  auto second = admission.Join(Request(1), true, 3);
  ASSERT_TRUE(std::holds_alternative<pb::JoinReply>(second));
  EXPECT_EQ(std::get<pb::JoinReply>(second).worker_ids(0), "gw5");
}

TEST_F(RemoteAdmissionTest, HostsAreRefusedForTokenOrAnEndingRun) {
  RemoteAdmission admission(plan_, collection_);
  pb::JoinRequest wrong = Request(1);
  wrong.set_token("guess");
  auto refused = admission.Join(wrong, true, 0);
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).code, grpc::StatusCode::UNAUTHENTICATED);
  auto ending = admission.Join(Request(1), false, 0);
  ASSERT_TRUE(std::holds_alternative<Refusal>(ending));
  EXPECT_EQ(std::get<Refusal>(ending).code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(admission.NextFreeSlot(0), 0u);  // nothing reserved for them
}

TEST_F(RemoteAdmissionTest, AnIdIsSpentByTheFirstStreamThatClaimsIt) {
  RemoteAdmission admission(plan_, collection_);
  admission.Join(Request(2), true, 0);
  pb::WorkerReady other = Ready("gw0");
  other.set_digest("another collection");
  ASSERT_TRUE(std::holds_alternative<Refusal>(admission.Admit(other)));
  // Refused, and its id is gone: it cannot come back under it.
  auto again = admission.Admit(Ready("gw0"));
  ASSERT_TRUE(std::holds_alternative<Refusal>(again));
  EXPECT_EQ(std::get<Refusal>(again).code, grpc::StatusCode::PERMISSION_DENIED);
  auto admitted = admission.Admit(Ready("gw1"));
  ASSERT_TRUE(std::holds_alternative<scheduler::WorkerId>(admitted));
  EXPECT_EQ(std::get<scheduler::WorkerId>(admitted), 1u);
}

TEST_F(RemoteAdmissionTest, AFailedShimSpendsItsId) {
  RemoteAdmission admission(plan_, collection_);
  admission.Join(Request(1), true, 0);
  pb::WorkerFailed failed;
  failed.set_worker_id("gw0");
  failed.set_token("guess");
  EXPECT_FALSE(admission.Failed(failed));
  failed.set_token("secret");
  EXPECT_TRUE(admission.Failed(failed));
  EXPECT_FALSE(admission.Failed(failed));
}

}  // namespace
}  // namespace jackd
