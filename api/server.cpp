// The Beast server: listener, HTTP sessions, WebSocket sessions and the event fan-out hub.
// The only translation unit that includes Beast and Asio.

#include "api/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_set>

#include "api/api.h"
#include "api/json.h"
#include "eventstore/event_store.h"
#include "eventstore/subscription.h"

namespace crm::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Something the server must close on shutdown.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Finishes what is under way, then closes.
  virtual void shutdown() = 0;
  /// Closes the socket now: whatever waits on it fails (a client that stopped reading).
  virtual void abort() = 0;
};

// Recent events as ready-made WebSocket messages, in log order without gaps.
struct RingEntry {
  uint64_t position = 0;
  std::string stream;
  std::shared_ptr<const std::string> message;
};

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      auto hexval = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return out;
}

// Splits a request target into a decoded path and query parameters.
bool parse_target(std::string_view target, HttpRequest& out) {
  const size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  if (!path) return false;
  out.path = std::move(*path);
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto k = percent_decode(pair.substr(0, eq), true);
    auto v = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!k || !v) return false;
    out.query.emplace_back(std::move(*k), std::move(*v));
  }
  return true;
}

// A My tasks change to push: to whom, which task stream, at which position.
struct TaskNotice {
  std::string operator_id;
  std::string task_stream;  // of a task or a service order
  uint64_t position = 0;
};

// The WebSocket's transport: a tcp_stream whose writes never interleave. Each async_write_some
// writes its whole buffer before the next one starts, queued in order. WsSession writes its
// messages as ready-made frames, many with one call (one system call for many messages, where
// Beast writes one message per operation); Beast writes only the handshake, pongs and the close.
// So Beast's frames cannot land inside a batch, however full the socket's buffer is.
class SerialWrites {
 public:
  using executor_type = beast::tcp_stream::executor_type;
  explicit SerialWrites(tcp::socket&& socket) : next_(std::move(socket)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  beast::tcp_stream& next_layer() noexcept { return next_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(beast::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (!busy_) return write(b, std::move(handler));
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          waiting_.push_back([this, b, shared] { write(b, std::move(*shared)); });
        },
        token, buffers);
  }

 private:
  template <class ConstBuffers, class Handler>
  void write(const ConstBuffers& buffers, Handler&& handler) {
    busy_ = true;
    net::async_write(next_, buffers,
                     [this, h = std::move(handler)](beast::error_code ec, size_t n) mutable {
                       busy_ = false;
                       if (!waiting_.empty()) {  // after an error too: it fails at once
                         auto next = std::move(waiting_.front());
                         waiting_.pop_front();
                         next();
                       }
                       std::move(h)(ec, n);
                     });
  }

  beast::tcp_stream next_;
  bool busy_ = false;
  std::deque<std::function<void()>> waiting_;
};

// Beast's websocket stream closes the connection through the layers (found by ADL).
template <class Handler>
void async_teardown(beast::role_type role, SerialWrites& s, Handler&& handler) {
  beast::async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

// Appends a server's WebSocket text frame (unmasked, final) holding `payload` (RFC 6455, 5.2).
void append_text_frame(std::string& out, std::string_view payload) {
  const uint64_t n = payload.size();
  out.push_back(static_cast<char>(0x81));
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  out.append(payload);
}

}  // namespace

class WsSession;

struct Server::Impl {
  Api& api;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> connections{0};
  std::atomic<uint64_t> ws_sessions{0};
  std::atomic<uint64_t> ws_messages{0};
  uint16_t bound_port = 0;

  std::mutex registry_mu;
  std::vector<std::weak_ptr<Connection>> registry;
  std::vector<std::weak_ptr<WsSession>> subscribers;

  // The fan-out ring, filled by the hub thread.
  mutable std::shared_mutex ring_mu;
  std::deque<RingEntry> ring;

  // Declared last: destroying an io_context destroys pending handlers, and with them sessions
  // that still touch the members above.
  // One io_context per I/O thread, run by that thread alone. A connection lives on one of them
  // (taken in turn), so its handlers run one at a time without a strand, and an operation that
  // completes on its thread never has to wake another thread to run the next step.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  size_t next_context = 0;  // the acceptor's thread only
  tcp::acceptor acceptor;
  net::thread_pool workers;
  std::atomic<int> answering{0};  // requests handed to the Api and not yet answered
  std::vector<std::thread> threads;
  std::thread hub;

  Impl(Api& a, ServerOptions o)
      : api(a),
        options(std::move(o)),
        contexts(make_contexts(options.io_threads)),
        acceptor(*contexts.front()),
        workers(options.workers ? options.workers : 1) {
    for (auto& c : contexts) keep_running.push_back(net::make_work_guard(*c));
  }

  static std::vector<std::unique_ptr<net::io_context>> make_contexts(unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<net::io_context>> out;
    for (unsigned i = 0; i < threads; ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  void track(std::weak_ptr<Connection> c) {
    std::lock_guard lock(registry_mu);
    if (registry.size() > 2 * options.max_connections + 64)
      std::erase_if(registry, [](const auto& w) { return w.expired(); });
    registry.push_back(std::move(c));
  }

  void accept();
  void run_hub();
  void notify_subscribers(const std::vector<TaskNotice>& notices);
  std::string metrics() const;
};

// ---- WebSocket ---------------------------------------------------------------------------------

class WsSession : public Connection, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, Server::Impl& server, Principal who)
      : ws_(std::move(socket)), server_(server), who_(std::move(who)) {
    ++server_.connections;
    ++server_.ws_sessions;
  }
  ~WsSession() override {
    --server_.connections;
    --server_.ws_sessions;
  }

  const std::string& operator_id() const { return who_.operator_id; }

  void start(http::request<http::string_body> req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(server_.options.ws_message_limit);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "crm"); }));
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  void shutdown() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->ws_.is_open()) return;
      self->ws_.async_close(
          websocket::close_reason(websocket::close_code::going_away, "the server is shutting down"),
          [self](beast::error_code) {});
    });
  }

  void abort() override {
    net::post(ws_.get_executor(),
              [self = shared_from_this()] { beast::get_lowest_layer(self->ws_).close(); });
  }

  // Called by the hub (any thread): new events, or My tasks changed for this operator.
  void wake(const TaskNotice* notice) {
    const bool my_tasks = notice != nullptr;
    const uint64_t position = notice ? notice->position : 0;
    std::string task_stream = notice ? notice->task_stream : std::string();
    net::post(ws_.get_executor(), [self = shared_from_this(), my_tasks, position,
                                   task = std::move(task_stream)]() mutable {
      if (my_tasks) {
        self->my_tasks_position_ = position;
        self->my_tasks_task_ = std::move(task);
      }
      self->pump();
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    {
      std::lock_guard lock(server_.registry_mu);
      server_.subscribers.push_back(weak_from_this());
    }
    server_.track(weak_from_this());
    read();
  }

  void read() {
    ws_.async_read(in_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec) return;  // closed, timed out, or too large (Beast closes with a reason)
    const std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    handle(text);
    read();
  }

  void reply_error(const std::string& message) {
    if (control_.size() >= 16) {  // a client that only sends bad messages: stop listening
      ws_.async_close(
          websocket::close_reason(websocket::close_code::policy_error, "too many errors"),
          [self = shared_from_this()](beast::error_code) {});
      return;
    }
    JsonWriter w;
    w.begin_object().key("type").string("error").key("message").string(message).end_object();
    control_.push_back(w.take());
  }

  void handle(const std::string& text) {
    auto parsed = parse_object(text);
    if (!parsed) return reply_error(parsed.error().message), pump();
    const domain::Value* op = domain::find(*parsed, "op");
    const std::string* op_name = op ? op->get<std::string>() : nullptr;
    if (!op_name || (*op_name != "subscribe" && *op_name != "unsubscribe"))
      return reply_error("op must be subscribe or unsubscribe"), pump();
    if (*op_name == "unsubscribe") {
      subscribed_ = false;
      control_.push_back("{\"type\":\"unsubscribed\"}");
      return pump();
    }
    const domain::Value* stream = domain::find(*parsed, "stream");
    const std::string* name = stream ? stream->get<std::string>() : nullptr;
    if (!name || name->empty() || name->size() > 200)
      return reply_error("stream must be \"$all\", a category or a stream id"), pump();
    uint64_t from = server_.api.store().head() + 1;  // default: live only
    if (const domain::Value* f = domain::find(*parsed, "from"); f && !f->is_null()) {
      const int64_t* n = f->get<int64_t>();
      if (!n || *n < 0) return reply_error("from must be a log position (0 or more)"), pump();
      from = std::max<uint64_t>(1, static_cast<uint64_t>(*n));
    }
    using eventstore::StreamFilter;
    filter_ = *name == "$all"                        ? StreamFilter::all()
              : name->find('-') == std::string::npos ? StreamFilter::category(*name)
                                                     : StreamFilter::stream(*name);
    next_ = from;
    subscribed_ = true;
    JsonWriter w;
    w.begin_object().key("type").string("subscribed").key("stream").string(*name);
    w.key("from").unsigned_number(from).end_object();
    control_.push_back(w.take());
    pump();
  }

  // Collects the next messages for the subscription: from the ring when it reaches back far
  // enough, else from the store. Advances next_ over everything examined.
  void collect() {
    constexpr size_t kMax = 256;
    {
      std::shared_lock lock(server_.ring_mu);
      const auto& ring = server_.ring;
      if (!ring.empty() && next_ >= ring.front().position) {
        size_t i = next_ - ring.front().position;
        for (; i < ring.size() && batch_.size() < kMax; ++i) {
          const RingEntry& e = ring[i];
          if (filter_.k == eventstore::StreamFilter::kind::all ||
              (filter_.k == eventstore::StreamFilter::kind::stream && e.stream == filter_.name) ||
              (filter_.k == eventstore::StreamFilter::kind::category &&
               eventstore::category_of(e.stream) == filter_.name))
            batch_.push_back(e.message);
          next_ = e.position + 1;
        }
        return;
      }
      if (ring.empty() && next_ > server_.api.store().head()) return;
    }
    auto& store = server_.api.store();
    const uint64_t head = store.head();
    if (next_ > head) return;
    uint64_t last = 0;
    auto visit = [&](const eventstore::RecordedEvent& e) {
      if (e.position > head) return false;
      if (e.position >= next_) {
        batch_.push_back(std::make_shared<const std::string>(server_.api.event_message(e)));
        last = e.position;
      }
      return batch_.size() < kMax;
    };
    eventstore::result<uint64_t> r = 0;
    switch (filter_.k) {
      case eventstore::StreamFilter::kind::all:
        r = store.read_all(next_, kMax, visit);
        break;
      case eventstore::StreamFilter::kind::category:
        r = store.read_category(filter_.name, next_, kMax, visit);
        break;
      case eventstore::StreamFilter::kind::stream:
        r = store.read_stream(filter_.name, 1, eventstore::Direction::forward, UINT64_MAX, visit);
        break;
    }
    if (!r) {
      subscribed_ = false;
      reply_error("the log could not be read: " + r.error().message);
      return;
    }
    // Everything up to head was examined unless the batch filled up.
    next_ = batch_.size() >= kMax ? last + 1 : head + 1;
  }

  // Writes everything pending as ready-made frames in one write: replies, a My tasks push, then
  // the event messages collected (up to kBatchBytes), and a reply the collecting itself made.
  void pump() {
    if (writing_ || closing_ || !ws_.is_open()) return;
    constexpr size_t kBatchBytes = 64 * 1024;
    auto frames = std::make_shared<std::string>();
    uint64_t messages = 0;
    auto add = [&](std::string_view message) {
      append_text_frame(*frames, message);
      ++messages;
    };
    auto add_replies = [&] {
      for (; !control_.empty(); control_.pop_front()) add(control_.front());
    };
    add_replies();
    if (my_tasks_position_) {
      // {"type": "my_tasks_changed", "task_id" (or "service_order_id"): ..., "position": ...}
      const size_t dash = my_tasks_task_.find('-');
      JsonWriter w;
      w.begin_object()
          .key("type")
          .string("my_tasks_changed")
          .key(my_tasks_task_.substr(0, dash) + "_id")
          .string(my_tasks_task_.substr(dash + 1));
      w.key("position").unsigned_number(my_tasks_position_).end_object();
      add(w.take());
      my_tasks_position_ = 0;
    }
    if (subscribed_) {
      if (batch_index_ >= batch_.size()) {
        batch_.clear();
        batch_index_ = 0;
        collect();  // may end the subscription with an error reply
      }
      for (; batch_index_ < batch_.size() && frames->size() < kBatchBytes; ++batch_index_)
        add(*batch_[batch_index_]);
      add_replies();
    }
    if (messages == 0) return;
    writing_ = true;
    // One async_write_some, which SerialWrites writes whole (net::async_write would hand it
    // over in pieces of 64 KiB, and a pong could land between two of them).
    ws_.next_layer().async_write_some(
        net::buffer(*frames),
        [self = shared_from_this(), frames, messages](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) return;
          self->server_.ws_messages += messages;
          self->pump();
        });
  }

  websocket::stream<SerialWrites> ws_;
  Server::Impl& server_;
  Principal who_;
  beast::flat_buffer in_;
  std::deque<std::string> control_;  // replies to the client's messages (bounded)
  bool writing_ = false, closing_ = false, subscribed_ = false;
  eventstore::StreamFilter filter_;
  uint64_t next_ = 1;
  std::vector<std::shared_ptr<const std::string>> batch_;  // at most 256 messages
  size_t batch_index_ = 0;
  uint64_t my_tasks_position_ = 0;
  std::string my_tasks_task_;
};

namespace {

// ---- HTTP --------------------------------------------------------------------------------------

class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Server::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    ++server_.connections;
  }
  ~HttpSession() override { --server_.connections; }

  void start() {
    server_.track(weak_from_this());
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::read, shared_from_this()));
  }

  void shutdown() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

  void abort() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->stream_.close(); });
  }

 private:
  void read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(server_.options.header_limit));
    stream_.expires_after(server_.options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void fail(int status, const std::string& title, const std::string& detail) {
    HttpResponse r = problem(status, title, detail);
    server_.api.metrics().observe(server_.api.metrics().unmatched(), status, 0);
    send(std::move(r), false, 11);
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset || closing_)
      return close();
    if (ec == http::error::body_limit)
      return fail(413, "Payload too large",
                  "the body is over " + std::to_string(server_.options.body_limit) + " bytes");
    if (ec == http::error::header_limit)
      return fail(431, "Request header fields too large", "the header is too large");
    if (ec) return fail(400, "Bad request", "malformed HTTP: " + ec.message());

    auto req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    HttpRequest r;
    r.method = std::string(req.method_string());
    if (!parse_target(req.target(), r))
      return fail(400, "Bad request", "the request target is not percent-encoded correctly");
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.if_match = std::string(req[http::field::if_match]);
    r.idempotency_key = std::string(req["Idempotency-Key"]);
    r.body = std::move(req.body());
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    const size_t route = server_.api.route_of(r);
    busy_ = true;
    stream_.expires_never();
    // The answer comes on this connection's thread (most routes), on a worker (blocking ones)
    // or on the event store's thread (commands, once durable); it is sent from this thread.
    ++server_.answering;
    Api::Respond respond = [self = shared_from_this(), keep_alive,
                            version](HttpResponse response) mutable {
      auto& server = self->server_;
      auto executor = self->stream_.get_executor();
      net::dispatch(executor,
                    [self = std::move(self), response = std::move(response), keep_alive,
                     version]() mutable { self->send(std::move(response), keep_alive, version); });
      --server.answering;
    };
    if (!server_.api.may_block(r, route)) return server_.api.handle(r, route, std::move(respond));
    net::post(server_.workers, [&api = server_.api, r = std::move(r), route,
                                respond = std::move(respond)]() mutable {
      api.handle(r, route, std::move(respond));
    });
  }

  void upgrade(http::request<http::string_body> req) {
    HttpRequest r;
    r.method = "GET";
    if (!parse_target(req.target(), r) || r.path != "/api/v1/ws")
      return fail(404, "Not found", "WebSocket is served at /api/v1/ws only");
    std::string token;
    if (auto auth = req[http::field::authorization]; auth.starts_with("Bearer "))
      token = std::string(auth.substr(7));
    else
      token = std::string(r.param("token"));
    auto who = server_.api.authenticate(token);
    if (!who) return fail(401, "Not authenticated", "a valid token is required");
    stream_.expires_never();
    std::make_shared<WsSession>(stream_.release_socket(), server_, std::move(*who))
        ->start(std::move(req));
  }

  void send(HttpResponse r, bool keep_alive, unsigned version) {
    busy_ = false;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "crm");
    if (!r.body.empty() || r.status != 204) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive && !closing_ && !server_.stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false, closing_ = false;
};

}  // namespace

void Server::Impl::accept() {
  auto& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(context, [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      if (connections.load() >= options.max_connections) {
        static const std::string busy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
            "Connection: close\r\nContent-Length: 79\r\n\r\n"
            "{\"type\":\"about:blank\",\"title\":\"Too many connections\",\"status\":503,\"x\":0}";
        auto s = std::make_shared<tcp::socket>(std::move(socket));
        net::async_write(*s, net::buffer(busy), [s](beast::error_code, size_t) {
          beast::error_code ignored;
          s->shutdown(tcp::socket::shutdown_both, ignored);
        });
      } else {
        // Every response and WebSocket message is one write: nothing to gain from Nagle's
        // delay, and a subscriber's next event would wait for the ack of the one before.
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<HttpSession>(std::move(socket), *this)->start();
      }
    }
    accept();
  });
}

void Server::Impl::run_hub() {
  auto& store = api.store();
  auto sub = store.subscribe(eventstore::StreamFilter::all(), store.head() + 1);
  while (!stopping) {
    auto events = sub->next(512, std::chrono::milliseconds(100));
    if (!events || events->empty()) continue;
    if (ws_sessions.load() == 0) {
      // Nobody listens: keep no messages. A session that connects later reads what it needs
      // from the log until the ring (contiguous again from the next batch) covers it.
      std::unique_lock lock(ring_mu);
      ring.clear();
      continue;
    }
    std::vector<TaskNotice> notices;
    std::vector<RingEntry> fresh;
    fresh.reserve(events->size());
    for (const auto& e : *events) {
      fresh.push_back(
          {e.position, e.stream, std::make_shared<const std::string>(api.event_message(e))});
      for (auto& op : api.my_tasks_audience(e))
        notices.push_back({std::move(op), e.stream, e.position});
    }
    {
      std::unique_lock lock(ring_mu);
      for (auto& f : fresh) ring.push_back(std::move(f));
      while (ring.size() > options.ring_events) ring.pop_front();
    }
    notify_subscribers(notices);
  }
}

void Server::Impl::notify_subscribers(const std::vector<TaskNotice>& notices) {
  std::vector<std::shared_ptr<WsSession>> live;
  {
    std::lock_guard lock(registry_mu);
    std::erase_if(subscribers, [](const auto& w) { return w.expired(); });
    for (const auto& w : subscribers)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (const auto& s : live) {
    const TaskNotice* mine = nullptr;  // the latest notice for this operator
    for (const auto& n : notices)
      if (n.operator_id == s->operator_id()) mine = &n;
    s->wake(mine);
  }
}

std::string Server::Impl::metrics() const {
  return "# HELP crm_http_connections Open connections (HTTP and WebSocket).\n"
         "# TYPE crm_http_connections gauge\ncrm_http_connections " +
         std::to_string(connections.load()) +
         "\n# HELP crm_ws_sessions Open WebSocket sessions.\n# TYPE crm_ws_sessions gauge\n"
         "crm_ws_sessions " +
         std::to_string(ws_sessions.load()) +
         "\n# HELP crm_ws_messages_total WebSocket messages sent.\n"
         "# TYPE crm_ws_messages_total counter\ncrm_ws_messages_total " +
         std::to_string(ws_messages.load()) + "\n";
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

uint16_t Server::port() const {
  return impl_->bound_port;
}

result<std::unique_ptr<Server>, std::string> Server::start(Api& api, ServerOptions options) {
  auto impl = std::make_unique<Impl>(api, std::move(options));
  Impl& s = *impl;
  beast::error_code ec;
  const auto address = net::ip::make_address(s.options.host, ec);
  if (ec) return unexpected("bad listen address " + s.options.host + ": " + ec.message());
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return unexpected("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                      ": " + ec.message());
  s.bound_port = s.acceptor.local_endpoint().port();
  api.extra_metrics = [&s] { return s.metrics(); };
  s.accept();
  for (auto& context : s.contexts) s.threads.emplace_back([&context] { context->run(); });
  s.hub = std::thread([&s] { s.run_hub(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::stop(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  // Every open connection takes `step`, then stop waits up to `bound` for them all to close.
  auto close_connections = [&s](void (Connection::*step)(), std::chrono::milliseconds bound) {
    {
      std::lock_guard lock(s.registry_mu);
      for (const auto& w : s.registry)
        if (auto c = w.lock()) (c.get()->*step)();
    }
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (s.connections.load() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  close_connections(&Connection::shutdown, grace);
  // Whoever is still connected (a client that stopped reading) is cut off, so that what waits
  // on its socket fails and lets go of its session before the io_context stops.
  close_connections(&Connection::abort, std::chrono::seconds(1));
  s.workers.join();
  // Commands still being made durable answer on the store's thread through these io_contexts.
  while (s.answering.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& context : s.contexts) context->stop();
  for (auto& t : s.threads) t.join();
  if (s.hub.joinable()) s.hub.join();
  s.api.extra_metrics = nullptr;
}

}  // namespace crm::api
