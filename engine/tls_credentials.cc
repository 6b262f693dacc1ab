#include "engine/tls_credentials.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/message_limits.h"

namespace jackd {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", option, " file '", path, "'"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(option, " file '", path, "' holds no PEM data"));
  }
  return text;
}

std::string Trimmed(std::string text) {
  const char* space = " \t\r\n";
  text.erase(
      0, text.find_first_not_of(space) == std::string::npos ? text.size() : text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

// A client pings every kKeepaliveTime; the server must not count that as abuse.
constexpr int kMinPingIntervalMs = kKeepaliveTimeMs / 2;

}  // namespace

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::string token;
  if (path == "-") {
    std::getline(std::cin, token);
  } else if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read --token-file '", path, "'"));
    token.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (const char* from_env = std::getenv(kAuthTokenVariable)) {
    token = from_env;
  }
  token = Trimmed(std::move(token));
  // `jackd worker --token-file -` reads one line (the ssh launcher writes the token to its stdin).
  if (token.find('\n') != std::string::npos)
    return absl::InvalidArgumentError("the token is more than one line (--token-file or JACKD_AUTH_TOKEN)");
  return token;
}

bool TokensEqual(const std::string& given, const std::string& expected) {
  // Every byte of `expected` is looked at whatever `given` holds; only the length may leak.
  unsigned char differ = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    differ |= a ^ static_cast<unsigned char>(expected[i]);
  }
  return differ == 0;
}

absl::StatusOr<ServerAccess> ResolveServerAccess(const ServerSecurityOptions& options,
                                                 const std::string& address) {
  ServerAccess access;
  auto token = ReadToken(options.token_file);
  if (!token.ok()) return token.status();
  if (!options.token_file.empty() && token->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--token-file '", options.token_file, "' is empty"));
  }
  access.token = *token;
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together (give both PEM files)");
  }
  if (!options.insecure && (!tls || access.token.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen ", address, " needs TLS and a shared token: without ",
                     !tls ? "TLS, the token and every test's output cross the network in clear"
                          : "a token, anyone who reaches the port gets tests to run and sees their output",
                     " (give --tls-cert/--tls-key and --token-file or ", kAuthTokenVariable,
                     ", or --insecure on a network you trust)"));
  }
  if (!tls) {
    access.credentials = grpc::InsecureServerCredentials();
  } else {
    auto cert = ReadPem(options.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(options.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options.tls_client_ca.empty()) {
      auto ca = ReadPem(options.tls_client_ca, "--tls-client-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    access.credentials = grpc::SslServerCredentials(ssl);
  }
  if (options.insecure) {
    access.warning = absl::StrCat(
        "--insecure: ", address, " accepts workers ", tls ? "" : "over plain TCP (no TLS) ",
        access.token.empty() ? "without a token: anyone who reaches the port can take tests and read their "
                               "output"
                             : "with the token readable on the network",
        "; use it only on a network you trust");
  }
  return access;
}

absl::StatusOr<ClientAccess> ResolveClientAccess(const ClientSecurityOptions& options) {
  ClientAccess access;
  auto token = ReadToken(options.token_file);
  if (!token.ok()) return token.status();
  access.token = *token;
  if (access.token.empty() && !options.insecure) {
    return absl::InvalidArgumentError(
        absl::StrCat("no token (give --token-file PATH, --token-file - for "
                     "stdin, or ",
                     kAuthTokenVariable, "; or --insecure)"));
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together (give both PEM files)");
  }
  if (options.insecure && options.tls_ca.empty() && options.tls_cert.empty()) {
    access.credentials = grpc::InsecureChannelCredentials();
    return access;
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca.empty()) {
    auto ca = ReadPem(options.tls_ca, "--tls-ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!options.tls_cert.empty()) {
    auto cert = ReadPem(options.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(options.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  access.credentials = grpc::SslCredentials(ssl);
  return access;
}

void AddServerKeepalive(grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, kMinPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
}

grpc::ChannelArguments ClientChannelArguments() {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  return arguments;
}

}  // namespace jackd
