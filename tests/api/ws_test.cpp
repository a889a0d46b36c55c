// WebSocket subscriptions over loopback: catch-up then live under concurrent writers, with no gap
// and no duplicate; category filters; My tasks pushes; odd messages; authentication.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <thread>

#include "tests/api/fixture.h"

namespace crm::api::test {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Client {
 public:
  Client(uint16_t port, const std::string& token) : ws_(ioc_) {
    tcp::resolver resolver(ioc_);
    net::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(
        beast::websocket::stream_base::decorator([token](beast::websocket::request_type& req) {
          req.set(beast::http::field::authorization, "Bearer " + token);
        }));
    ws_.handshake("127.0.0.1", "/api/v1/ws");
    ws_.control_callback([this](beast::websocket::frame_type kind, beast::string_view) {
      if (kind == beast::websocket::frame_type::pong) ++pongs_;
    });
  }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  void send_binary(const std::string& bytes) {
    ws_.binary(true);
    ws_.write(net::buffer(bytes));
    ws_.text(true);
  }
  void ping() { ws_.ping({}); }
  /// Pongs received so far (while reading messages).
  int pongs() const { return pongs_; }
  /// Reads messages until the connection ends; returns how it ended.
  beast::error_code read_until_error() {
    beast::error_code ec;
    while (!ec) {
      beast::flat_buffer buffer;
      ws_.read(buffer, ec);
    }
    return ec;
  }
  /// Shuts the socket down under a blocked reader (from another thread), to end a test bounded.
  void cut() { ::shutdown(ws_.next_layer().native_handle(), SHUT_RDWR); }
  /// The next message as text.
  std::string next_text() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    EXPECT_TRUE(ws_.got_text());
    return beast::buffers_to_string(buffer.data());
  }
  /// The next message as a parsed object.
  domain::Object next() {
    auto parsed = parse_object(next_text());
    EXPECT_TRUE(parsed);
    return parsed ? *parsed : domain::Object{};
  }
  static std::string text(const domain::Object& o, const char* key) {
    const domain::Value* v = domain::find(o, key);
    if (!v) return {};
    if (const auto* s = v->get<std::string>()) return *s;
    if (const auto* n = v->get<int64_t>()) return std::to_string(*n);
    return {};
  }

 private:
  net::io_context ioc_;
  beast::websocket::stream<tcp::socket> ws_;
  int pongs_ = 0;
};

using WebSocket = ServerFixture;

void write_clients(application::CommandHandler& handler, int writer, int count) {
  for (int i = 0; i < count; ++i) {
    domain::Command c{domain::EntityKind::client,
                      domain::Action::create,
                      "w" + std::to_string(writer) + "-" + std::to_string(i),
                      {{"name", "Firma " + std::to_string(i)}},
                      "op-admin"};
    ASSERT_TRUE(handler.handle(c));
  }
}

TEST_F(WebSocket, CatchUpThenLiveWithoutGapsUnderConcurrentWrites) {
  write_clients(*handler_, 9, 50);  // history to catch up on
  Client client(port_, token("auditor"));
  client.send(R"({"op":"subscribe","stream":"$all","from":1})");
  auto ack = client.next();
  EXPECT_EQ(Client::text(ack, "type"), "subscribed");
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) writers.emplace_back(write_clients, std::ref(*handler_), w, 100);
  for (auto& t : writers) t.join();
  const uint64_t head = store_->head();
  uint64_t expected = 1;
  while (expected <= head) {
    auto m = client.next();
    ASSERT_EQ(Client::text(m, "type"), "event");
    ASSERT_EQ(Client::text(m, "position"), std::to_string(expected)) << "gap or duplicate";
    ++expected;
  }
  // Live: one more event arrives after everything before it.
  write_clients(*handler_, 7, 1);
  auto live = client.next();
  EXPECT_EQ(Client::text(live, "position"), std::to_string(head + 1));
  EXPECT_EQ(Client::text(live, "stream"), "client-w7-0");
  EXPECT_EQ(Client::text(live, "event_type"), "ClientRegistered");
}

// Contacts n0, n1, ... whose notes have kNoteSizes[i % 5] bytes of one letter: about 6.6 MB of
// messages, more than loopback buffers hold.
const std::vector<size_t> kNoteSizes = {0, 5'000, 65'000, 70'000, 99'000};
constexpr int kEvents = 140;
std::string note(int i) {
  return std::string(kNoteSizes[i % kNoteSizes.size()], static_cast<char>('a' + i % 26));
}
void write_notes(application::CommandHandler& handler) {
  for (int i = 0; i < kEvents; ++i) {
    domain::Object fields = {{"kind", "note"},
                             {"direction", "internal"},
                             {"occurred_at", "2026-11-22T09:30:00Z"},
                             {"subject", "Notatka " + std::to_string(i)}};
    if (!note(i).empty()) fields.emplace_back("notes", note(i));
    ASSERT_TRUE(handler.handle({domain::EntityKind::contact, domain::Action::create,
                                "n" + std::to_string(i), std::move(fields), "op-admin"}));
  }
}

// Subscribes to contacts from the start, then waits while the server fills the socket's buffers.
void subscribe_and_fall_behind(Client& client) {
  client.send(R"({"op":"subscribe","stream":"contact","from":1})");
  EXPECT_EQ(Client::text(client.next(), "type"), "subscribed");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

// The server writes many event messages in one write, as frames it makes itself, while Beast
// answers pings on the same socket. A client that reads slowly (the socket's buffers full) and
// pings meanwhile must get every message whole and in order, with lengths in 16 and 64 bits, and
// every pong.
TEST_F(WebSocket, MessagesOfEveryLengthArriveWholeWhileASlowClientPings) {
  write_notes(*handler_);
  const uint64_t head = store_->head();
  Client client(port_, token("auditor"));
  subscribe_and_fall_behind(client);
  int pings = 0;
  for (int i = 0; i < kEvents; ++i) {
    if (i % 5 == 0) client.ping(), ++pings;
    const std::string text = client.next_text();
    auto m = parse_object(text);
    ASSERT_TRUE(m) << "message " << i << " is not whole JSON (" << text.size() << " bytes)";
    ASSERT_EQ(Client::text(*m, "stream"), "contact-n" + std::to_string(i)) << "gap or disorder";
    if (!note(i).empty()) {
      EXPECT_NE(text.find(note(i)), std::string::npos) << i;
    }
  }
  EXPECT_EQ(store_->head(), head);
  client.ping(), ++pings;
  client.send(R"({"op":"unsubscribe"})");  // answered after the pong of the ping before it
  EXPECT_EQ(Client::text(client.next(), "type"), "unsubscribed");
  EXPECT_EQ(client.pongs(), pings);
}

// A client that stops reading while the server still writes to it: stopping the server cuts it
// off. Its session, waiting on the socket, lets go, and the client sees the connection end.
TEST_F(WebSocket, StoppingCutsOffAClientThatStoppedReading) {
  write_notes(*handler_);
  Client client(port_, token("auditor"));
  subscribe_and_fall_behind(client);
  server_->stop(std::chrono::milliseconds(200));  // its close frame waits behind the events
  server_.reset();
  auto ended = std::async(std::launch::async, [&] { return client.read_until_error(); });
  const bool in_time = ended.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!in_time) client.cut();
  EXPECT_TRUE(in_time) << "the server left the connection open";
  EXPECT_NE(ended.get(), beast::error_code()) << "the reads ended by an error";
}

TEST_F(WebSocket, CategoryAndStreamSubscriptions) {
  write_clients(*handler_, 1, 3);
  Client client(port_, token("operator"));
  client.send(R"({"op":"subscribe","stream":"client","from":0})");
  EXPECT_EQ(Client::text(client.next(), "type"), "subscribed");
  for (int i = 0; i < 3; ++i) {
    auto m = client.next();
    EXPECT_EQ(Client::text(m, "stream"), "client-w1-" + std::to_string(i));
  }
  Client one(port_, token("operator"));
  one.send(R"({"op":"subscribe","stream":"client-w1-2","from":1})");
  EXPECT_EQ(Client::text(one.next(), "type"), "subscribed");
  EXPECT_EQ(Client::text(one.next(), "stream"), "client-w1-2");
  one.send(R"({"op":"dance"})");
  EXPECT_EQ(Client::text(one.next(), "type"), "error");
  one.send("not json");
  EXPECT_EQ(Client::text(one.next(), "type"), "error");
}

// Odd messages each get an error saying what is wrong, and the connection goes on serving.
TEST_F(WebSocket, OddMessagesGetAnErrorAndTheConnectionServesOn) {
  write_clients(*handler_, 1, 2);
  Client client(port_, token("operator"));
  const std::vector<std::string> odd = {
      "",
      "{",
      "[1,2]",
      R"({"op":42})",
      R"({"op":"subscribe"})",
      R"({"op":"subscribe","stream":""})",
      R"({"op":"subscribe","stream":42})",
      R"({"op":"subscribe","stream":")" + std::string(300, 'a') + R"("})",
      R"({"op":"subscribe","stream":"$all","from":-1})",
      R"({"op":"subscribe","stream":"$all","from":"1"})",
      R"({"op":"subscribe","stream":"$all","from":1.5})",
      R"({"op":"subscribe","stream":"$all","from":123456789012345678901234567890})"};
  for (const auto& message : odd) {
    client.send(message);
    auto reply = client.next();
    EXPECT_EQ(Client::text(reply, "type"), "error") << message;
    EXPECT_FALSE(Client::text(reply, "message").empty()) << message;
  }
  // Still serving: a subscription from far ahead waits for its position, then one from the start.
  client.send(R"({"op":"subscribe","stream":"$all","from":9223372036854775807})");
  EXPECT_EQ(Client::text(client.next(), "type"), "subscribed");
  client.send(R"({"op":"subscribe","stream":"client","from":0})");
  EXPECT_EQ(Client::text(client.next(), "type"), "subscribed");
  EXPECT_EQ(Client::text(client.next(), "stream"), "client-w1-0");
  EXPECT_EQ(Client::text(client.next(), "stream"), "client-w1-1");

  // Bytes in a binary frame are no message either.
  client.send_binary(std::string("\x00\x01\xff", 3));
  EXPECT_EQ(Client::text(client.next(), "type"), "error");

  // A text frame that is not UTF-8 breaks the protocol (RFC 6455): the connection is closed.
  Client broken(port_, token("operator"));
  broken.send("{\"op\":\"\xff\"}");
  EXPECT_EQ(broken.read_until_error(), beast::websocket::error::closed);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(WebSocket, MyTasksChangesArePushed) {
  Client client(port_, token("operator"));
  client.send(R"({"op":"unsubscribe"})");
  EXPECT_EQ(Client::text(client.next(), "type"), "unsubscribed");
  auto task =
      post("/api/v1/tasks", R"({"title":"Oddzwonić","assignee_id":"op-operator"})", "manager");
  ASSERT_EQ(task.status, 201);
  auto m = client.next();
  EXPECT_EQ(Client::text(m, "type"), "my_tasks_changed");
  EXPECT_EQ(Client::text(m, "task_id"), task.json("id"));
  // A service order the operator is the technician of is theirs to do too.
  auto owner = post("/api/v1/clients", R"({"name":"Serwisowany"})", "manager");
  auto order = post("/api/v1/service-orders",
                    R"({"client_id":")" + owner.json("id") +
                        R"(","problem":"Nie drukuje","technician_id":"op-operator"})",
                    "manager");
  ASSERT_EQ(order.status, 201) << order.body;
  m = client.next();
  EXPECT_EQ(Client::text(m, "type"), "my_tasks_changed");
  EXPECT_EQ(Client::text(m, "service_order_id"), order.json("id"));
}

TEST_F(WebSocket, NeedsAValidToken) {
  EXPECT_THROW(Client(port_, "bogus"), boost::system::system_error);
  auto plain = get("/api/v1/ws");
  EXPECT_EQ(plain.status, 426);
}

}  // namespace
}  // namespace crm::api::test
