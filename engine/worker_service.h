// The gRPC side of the engine: one `Engine.Work` stream per worker. Reactors run on gRPC's threads and
// never touch run state; they post typed events to the run loop's io_context.
#pragma once

#include <grpcpp/grpcpp.h>

#include <asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "jackd.grpc.pb.h"

namespace jackd {

namespace pb = ::jackd::v1;

class WorkerStream;

// The run loop's handle on one stream. Thread-safe; outlives the stream it points at, so it stays
// valid in queued events after gRPC has finished with the stream. Send and Close are virtual so that
// unit tests can hand the run loop links that record what it says (engine/run_loop_test.cc).
class WorkerLink {
 public:
  explicit WorkerLink(std::uint64_t id) : id_(id) {}
  virtual ~WorkerLink() = default;

  std::uint64_t id() const { return id_; }

  // Queues a message; messages go out in order. Dropped once the stream is closing or gone.
  virtual void Send(pb::EngineMessage message);
  // Ends the stream once queued messages are written.
  virtual void Close(grpc::Status status = grpc::Status::OK);

 private:
  friend class WorkerStream;
  void StartNextWriteLocked(std::unique_lock<std::mutex>& lock);

  const std::uint64_t id_;
  std::mutex mutex_;
  WorkerStream* stream_ = nullptr;  // null once gRPC is done with the stream
  std::deque<pb::EngineMessage> outbox_;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  grpc::Status status_;
};

// Receives stream events on the run loop's thread.
class WorkerEvents {
 public:
  virtual ~WorkerEvents() = default;
  virtual void MessageReceived(const std::shared_ptr<WorkerLink>& link, pb::WorkerMessage message) = 0;
  // The worker's side of the stream ended (cleanly or not). No more messages follow.
  virtual void StreamClosed(const std::shared_ptr<WorkerLink>& link) = 0;
  // A remote host asks to join (Engine.Join); `answer` must be called exactly once, on any thread.
  using JoinAnswer = std::function<void(grpc::Status, pb::JoinReply)>;
  virtual void JoinRequested(const pb::JoinRequest& request, const std::string& peer, JoinAnswer answer) = 0;
};

class WorkerService final : public pb::Engine::CallbackService {
 public:
  // `events` must outlive every event posted to `io`.
  WorkerService(asio::io_context& io, WorkerEvents& events) : io_(io), events_(events) {}

  grpc::ServerBidiReactor<pb::WorkerMessage, pb::EngineMessage>* Work(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Join(grpc::CallbackServerContext* context, const pb::JoinRequest* request,
                                 pb::JoinReply* reply) override;

 private:
  asio::io_context& io_;
  WorkerEvents& events_;
  std::uint64_t next_id_ = 1;
  std::mutex mutex_;
};

// A TCP listener for remote workers (jackd run --listen), next to the private Unix socket.
struct RemoteListener {
  std::string address;  // "HOST:PORT"
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// Starts a gRPC server for `service` on `address` (e.g. "unix:/tmp/jackd-x/engine.sock") and, when
// given, on `remote` too. Keepalive pings (engine/tls_credentials.h) notice a vanished host.
std::unique_ptr<grpc::Server> StartServer(const std::string& address, WorkerService& service,
                                          const RemoteListener* remote = nullptr);

}  // namespace jackd
