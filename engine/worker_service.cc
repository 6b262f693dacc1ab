#include "engine/worker_service.h"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>

#include "engine/message_limits.h"
#include "engine/tls_credentials.h"

namespace jackd {

class WorkerStream final : public grpc::ServerBidiReactor<pb::WorkerMessage, pb::EngineMessage> {
 public:
  WorkerStream(asio::io_context& io, WorkerEvents& events, std::shared_ptr<WorkerLink> link)
      : io_(io), events_(events), link_(std::move(link)) {
    link_->stream_ = this;
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The worker half-closed or the connection broke: either way nothing more will arrive.
      asio::post(io_, [events = &events_, link = link_] { events->StreamClosed(link); });
      link_->Close();
      return;
    }
    auto message = std::make_shared<pb::WorkerMessage>();
    message->Swap(&incoming_);
    asio::post(io_, [events = &events_, link = link_, message] {
      events->MessageReceived(link, std::move(*message));
    });
    StartRead(&incoming_);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(link_->mutex_);
    link_->outbox_.pop_front();
    if (!ok) link_->outbox_.clear();  // the stream is broken; the read side reports it
    link_->writing_ = false;
    link_->StartNextWriteLocked(lock);
  }

  void OnCancel() override { link_->Close(grpc::Status::CANCELLED); }

  void OnDone() override {
    {
      std::lock_guard lock(link_->mutex_);
      link_->stream_ = nullptr;
    }
    delete this;
  }

 private:
  asio::io_context& io_;
  WorkerEvents& events_;
  std::shared_ptr<WorkerLink> link_;
  pb::WorkerMessage incoming_;
};

void WorkerLink::Send(pb::EngineMessage message) {
  std::unique_lock lock(mutex_);
  if (stream_ == nullptr || closing_) return;
  outbox_.push_back(std::move(message));
  StartNextWriteLocked(lock);
}

void WorkerLink::Close(grpc::Status status) {
  std::unique_lock lock(mutex_);
  if (closing_) return;
  closing_ = true;
  status_ = std::move(status);
  StartNextWriteLocked(lock);
}

// Starts the next write, or Finish once the outbox is empty and a close was asked for. gRPC is called
// without the lock held, but only while `writing_` or `finished_` is set, so OnDone (which needs
// Finish, which needs `!writing_`) cannot delete the stream under our feet.
void WorkerLink::StartNextWriteLocked(std::unique_lock<std::mutex>& lock) {
  if (stream_ == nullptr || writing_ || finished_) return;
  if (!outbox_.empty()) {
    writing_ = true;
    const pb::EngineMessage* next = &outbox_.front();
    WorkerStream* stream = stream_;
    lock.unlock();
    stream->StartWrite(next);
    return;
  }
  if (closing_) {
    finished_ = true;
    WorkerStream* stream = stream_;
    grpc::Status status = status_;
    lock.unlock();
    stream->Finish(status);
  }
}

grpc::ServerBidiReactor<pb::WorkerMessage, pb::EngineMessage>* WorkerService::Work(
    grpc::CallbackServerContext*) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
  }
  spdlog::debug("stream {} opened", id);
  return new WorkerStream(io_, events_, std::make_shared<WorkerLink>(id));
}

grpc::ServerUnaryReactor* WorkerService::Join(grpc::CallbackServerContext* context,
                                              const pb::JoinRequest* request, pb::JoinReply* reply) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // gRPC keeps `request` and `reply` alive until Finish; the run loop answers on its own thread.
  asio::post(io_, [events = &events_, reactor, request, reply, peer = context->peer()] {
    events->JoinRequested(*request, peer, [reactor, reply](grpc::Status status, pb::JoinReply answer) {
      *reply = std::move(answer);
      reactor->Finish(status);
    });
  });
  return reactor;
}

std::unique_ptr<grpc::Server> StartServer(const std::string& address, WorkerService& service,
                                          const RemoteListener* remote) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  if (remote != nullptr) {
    builder.AddListeningPort(remote->address, remote->credentials);
    AddServerKeepalive(builder);
  }
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  return builder.BuildAndStart();
}

}  // namespace jackd
