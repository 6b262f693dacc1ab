#include "engine/worker_table.h"

#include <cstdio>
#include <cstdlib>

namespace jackd {
namespace {

// A move the state machine does not allow: the run loop lost track of a worker.
[[noreturn]] void IllegalMove(const Worker& worker, const char* to) {
  std::fprintf(stderr, "jackd: internal error: worker %s cannot become %s from state %d\n", worker.id.c_str(),
               to, static_cast<int>(worker.state));
  std::abort();
}

}  // namespace

bool Worker::WillTakeWork() const {
  // A remote worker has no process of its own here: `exited` says nothing about it.
  return (state == WorkerState::kStarting || state == WorkerState::kReady) && (!exited || remote);
}

void Worker::MarkReady() {
  if (state != WorkerState::kStarting) IllegalMove(*this, "ready");
  state = WorkerState::kReady;
}

void Worker::MarkFinishing() {
  if (state != WorkerState::kReady) IllegalMove(*this, "finishing");
  state = WorkerState::kFinishing;
}

void Worker::MarkRetired() {
  if (state == WorkerState::kRetired) IllegalMove(*this, "retired");
  state = WorkerState::kRetired;
}

Worker& WorkerTable::Reset(scheduler::WorkerId slot) {
  Worker& worker = workers_[slot];
  worker = Worker{};
  worker.slot = slot;
  return worker;
}

Worker* WorkerTable::Find(scheduler::WorkerId slot) {
  auto it = workers_.find(slot);
  return it == workers_.end() ? nullptr : &it->second;
}

Worker* WorkerTable::FindByLink(const std::shared_ptr<WorkerLink>& link) {
  for (auto& [slot, worker] : workers_) {
    if (worker.link == link) return &worker;
  }
  return nullptr;
}

Worker* WorkerTable::AwaitingConnection(const std::string& id) {
  Worker* found = nullptr;
  for (auto& [slot, worker] : workers_) {
    if (worker.id == id && !worker.link && !worker.exited) found = &worker;
  }
  return found;
}

bool WorkerTable::AllRetired() const {
  for (const auto& [slot, worker] : workers_) {
    if (!worker.Retired()) return false;
  }
  return true;
}

scheduler::WorkerId WorkerTable::NextSlot(scheduler::WorkerId floor) const {
  if (workers_.empty()) return floor;
  return std::max(floor, workers_.rbegin()->first + 1);
}

}  // namespace jackd
