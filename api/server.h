#pragma once
// The HTTP/1.1 and WebSocket server (Boost.Beast), behind a small interface so that Beast and
// Asio headers stay inside server.cpp.
//
// - I/O threads (default: one per core), each with an io_context of its own: a connection lives
//   on one of them, taken in turn, so its handlers run in order; handlers that may block (appends
//   waiting for their sync, password hashing, ?min_position) run on a worker pool, so an I/O thread
//   never waits for the disk.
// - Limits: request body, header size, connections, a deadline for reading each request (a
//   slow-loris client is dropped), WebSocket message size and pings.
// - WebSocket subscriptions pull events (a ring of recent events in memory, older ones from the
//   store), so a slow subscriber falls behind instead of queueing memory: back-pressure.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace crm::api {

class Api;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;     // 0: any free port (tests)
  unsigned io_threads = 0;  // 0: one per core
  unsigned workers = 64;    // threads for handlers that may block
  size_t body_limit = size_t{1} << 20;
  size_t header_limit = size_t{16} << 10;
  size_t max_connections = 10'000;
  std::chrono::milliseconds read_timeout{15'000};  // to receive one whole request (or idle)
  std::chrono::milliseconds write_timeout{30'000};
  size_t ws_message_limit = size_t{64} << 10;  // client messages
  size_t ring_events = 20'000;                 // recent events kept for WebSocket fan-out
};

class Server {
 public:
  /// Binds, listens and starts the threads. Errors: a message (address in use, ...).
  static result<std::unique_ptr<Server>, std::string> start(Api& api, ServerOptions options);
  ~Server();  // stop()
  /// The port bound (useful with port 0).
  uint16_t port() const;
  /// Stops accepting, lets requests in progress finish (up to `grace`), closes every connection
  /// (cutting off those still open after `grace`) and joins the threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm::api
