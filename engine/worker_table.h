// The worker table: one row per worker slot, local or remote, with where each worker is in its life.
// A worker's process and its stream end independently and in either order, so those two stay flags;
// what the engine may still ask of a worker is its WorkerState, which only moves forward.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/clock.h"
#include "engine/output_tail.h"
#include "engine/process.h"
#include "engine/worker_service.h"
#include "scheduler/test_item.h"

namespace jackd {

enum class WorkerState {
  kStarting,   // spawned or adopted; not connected yet
  kReady,      // connected, its collection checked: takes work
  kFinishing,  // told that nothing more comes: runs its queue out and leaves
  kRetired,    // gone: its unfinished tests are settled or requeued
};

struct Worker {
  std::string id;  // "gw0"; a replacement keeps the id of the worker it replaces
  scheduler::WorkerId slot = 0;
  pid_t pid = -1;
  std::shared_ptr<WorkerLink> link;
  WorkerState state = WorkerState::kStarting;
  bool stream_closed = false;
  bool exited = false;
  bool killed_by_us = false;
  // A worker of a `jackd worker` host: no process, status slot or files here; it lives as long as its
  // stream (`exited` is set from the start), and is never replaced.
  bool remote = false;
  bool collects_on_demand = false;  // of a split collection: collected a share or nothing up front
  ExitStatus exit_status;
  std::string stderr_path;
  std::string status_path;
  std::unique_ptr<Timer> timer;                   // connect deadline, then exit/close grace
  std::optional<scheduler::TestIndex> timed_out;  // the test the watchdog killed this worker for
  std::optional<std::size_t> stack_dump_offset;   // where in its stderr the timeout's stack dump starts
  std::unique_ptr<Timer> kill_timer;
  OutputTail stdout_tail;  // read only when the plan streams output
  OutputTail stderr_tail;

  // Connected, its collection checked, and not retired: it can be told to stop and asked for stacks.
  bool Connected() const { return state == WorkerState::kReady || state == WorkerState::kFinishing; }
  bool TakesWork() const { return state == WorkerState::kReady; }
  bool Retired() const { return state == WorkerState::kRetired; }
  // Will take a test queued now: not told to finish, and its process (if it has one here) still runs.
  bool WillTakeWork() const;

  // The only moves: kStarting -> kReady -> kFinishing, and from any state to kRetired. Any other move is
  // an engine bug and aborts.
  void MarkReady();
  void MarkFinishing();
  void MarkRetired();
};

class WorkerTable {
 public:
  // A fresh row for `slot`, replacing whatever was there (a replacement keeps its slot).
  Worker& Reset(scheduler::WorkerId slot);
  Worker* Find(scheduler::WorkerId slot);
  Worker* FindByLink(const std::shared_ptr<WorkerLink>& link);
  // The local worker `id` that has not connected yet and still runs: the one a WorkerReady may claim.
  Worker* AwaitingConnection(const std::string& id);
  bool AllRetired() const;
  bool empty() const { return workers_.empty(); }
  // The lowest slot above every slot in the table, and at least `floor`.
  scheduler::WorkerId NextSlot(scheduler::WorkerId floor) const;

  auto begin() { return workers_.begin(); }
  auto end() { return workers_.end(); }
  auto begin() const { return workers_.begin(); }
  auto end() const { return workers_.end(); }

 private:
  std::map<scheduler::WorkerId, Worker> workers_;
};

}  // namespace jackd
