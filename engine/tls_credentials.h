// Who may talk to the engine over TCP: TLS credentials and the shared token of remote workers, for the
// engine's listener (`jackd run --listen`) and for `jackd worker --connect`. Without TLS the token and
// every test's output would cross the network in clear, and without a token anyone who reaches the port
// could make the workers' hosts run code; so both are required unless the user says --insecure.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace jackd {

// Environment variable with the shared token when no --token-file is given.
inline constexpr const char* kAuthTokenVariable = "JACKD_AUTH_TOKEN";

// gRPC keepalive on both ends of a remote worker's stream: a ping every kKeepaliveTime, and a host that
// does not answer within kKeepaliveTimeout is taken as gone (its tests are requeued). 10 s each: a
// vanished host is noticed within about 20 s, while a busy but alive host answers pings from gRPC's own
// threads in milliseconds.
inline constexpr int kKeepaliveTimeMs = 10'000;
inline constexpr int kKeepaliveTimeoutMs = 10'000;

struct ServerSecurityOptions {
  std::string tls_cert;       // PEM file: the engine's certificate chain
  std::string tls_key;        // PEM file: its private key
  std::string tls_client_ca;  // PEM file: when set, workers must present a certificate signed by it
  std::string token_file;     // empty: JACKD_AUTH_TOKEN
  bool insecure = false;
};

struct ServerAccess {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string token;    // empty only with --insecure and no token at all
  std::string warning;  // set with --insecure: what it gives away, for one line on stderr
};

// The listener's credentials and token; an error (one line, with the hint) when TLS or the token is
// missing without --insecure, or a file cannot be read.
absl::StatusOr<ServerAccess> ResolveServerAccess(const ServerSecurityOptions& options,
                                                 const std::string& address);

struct ClientSecurityOptions {
  std::string tls_ca;      // PEM file: the CA that signed the engine's certificate; empty: system roots
  std::string tls_cert;    // PEM file: this worker's certificate chain (the engine asks for one)
  std::string tls_key;     // PEM file: its private key
  std::string token_file;  // "-": stdin; empty: JACKD_AUTH_TOKEN
  bool insecure = false;   // plain TCP
};

struct ClientAccess {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string token;
};

absl::StatusOr<ClientAccess> ResolveClientAccess(const ClientSecurityOptions& options);

// The token from `path` ("-": stdin) with surrounding whitespace removed, else from JACKD_AUTH_TOKEN;
// empty when neither gives one. A token is one line.
absl::StatusOr<std::string> ReadToken(const std::string& path);

// Compares in time independent of where the strings differ, so the token cannot be guessed bytewise.
bool TokensEqual(const std::string& given, const std::string& expected);

// Keepalive settings of the engine's server (and the ping rate it must tolerate from workers).
void AddServerKeepalive(grpc::ServerBuilder& builder);
// The same for a worker's channel.
grpc::ChannelArguments ClientChannelArguments();

}  // namespace jackd
