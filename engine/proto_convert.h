// The one place where protobuf types meet the engine's and the scheduler's plain types.
#pragma once

#include <optional>

#include "engine/run_model.h"
#include "jackd.pb.h"
#include "scheduler/scheduler.h"

namespace jackd {

namespace pb = ::jackd::v1;

Collection FromProto(const pb::CollectionReport& report);

// A worker's result; nullopt when its outcome is not one a worker may report.
std::optional<TestRecord> FromProto(const pb::TestResult& result, const std::string& worker);

pb::EngineMessage RunBatchMessage(const scheduler::Assignment& assignment,
                                  const scheduler::Inventory& inventory);
pb::EngineMessage FinishMessage();
pb::EngineMessage StopMessage();

}  // namespace jackd
