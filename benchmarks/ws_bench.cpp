// ws.fanout: N WebSocket subscribers to $all (1,000; --quick 100) while a writer appends contacts
// at a fixed rate (5,000 events/s; --quick 1,000) through the command path. Every event must
// reach every subscriber; the latency is from issuing the command to a subscriber receiving the
// event (so it includes the durable append). The subscribers run on one thread of this process.
// Baseline in the same run: the same writer to 10 subscribers, so the difference is what fanning
// out to many costs.
//
// usage: ws_bench [--quick] [--json FILE] [NAME-PREFIX ...]

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "benchmarks/api_fixture.h"
#include "benchmarks/harness.h"

namespace crm::bench {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

struct Shared {
  std::vector<std::atomic<int64_t>> issued_ns;  // by event sequence number
  std::vector<double> latencies_ms;             // appended by the client thread only
  uint64_t received = 0;
  uint64_t out_of_order = 0;
  explicit Shared(size_t n) : issued_ns(n) {}
};

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& ioc, uint16_t port, const std::string& token, Shared& shared,
             const std::string& run)
      : ws_(ioc), shared_(shared), marker_("\"contact-wsb" + run + "x") {
    tcp::resolver resolver(ioc);
    net::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(
        beast::websocket::stream_base::decorator([token](beast::websocket::request_type& req) {
          req.set(beast::http::field::authorization, "Bearer " + token);
        }));
    ws_.handshake("127.0.0.1", "/api/v1/ws");
    ws_.write(net::buffer(std::string(R"({"op":"subscribe","stream":"contact"})")));
    beast::flat_buffer ack;
    ws_.read(ack);  // {"type":"subscribed",...}
  }
  void start() { read(); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->on_message();
      self->read();
    });
  }
  void on_message() {
    const auto now = steady::now().time_since_epoch().count();
    const std::string_view text(static_cast<const char*>(buffer_.data().data()),
                                buffer_.data().size());
    // "stream":"contact-wsb<run>x<sequence>"
    const size_t at = text.find(marker_);
    if (at != std::string_view::npos) {
      const uint64_t seq = std::strtoull(text.data() + at + marker_.size(), nullptr, 10);
      if (seq < shared_.issued_ns.size()) {
        shared_.latencies_ms.push_back(static_cast<double>(now - shared_.issued_ns[seq].load()) /
                                       1e6);
        if (seq != next_) ++shared_.out_of_order;
        next_ = seq + 1;
        ++count_;
        ++shared_.received;
      }
    }
    buffer_.consume(buffer_.size());
  }

  beast::websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  Shared& shared_;
  std::string marker_;
  std::atomic<uint64_t> count_{0};
  uint64_t next_ = 0;
};

}  // namespace
}  // namespace crm::bench

namespace crm::bench {
namespace {

// What one fan-out run measured.
struct FanOut {
  size_t subscribers = 0;
  double rate = 0, seconds = 0;
  double achieved = 0;  // events/s the writer reached
  uint64_t expected = 0, received = 0, out_of_order = 0, refused = 0;
  double p50 = 0, p99 = 0;  // ms
  double messages_per_s = 0;
};

// `subscribers` clients, `rate` events/s for `seconds`.
FanOut fan_out(ApiFixture& server, size_t subscribers, double rate, double seconds,
               const std::string& suffix) {
  const auto events = static_cast<size_t>(rate * seconds);
  Shared shared(events);
  net::io_context ioc;
  std::vector<std::shared_ptr<Subscriber>> subs;
  for (size_t i = 0; i < subscribers; ++i)
    subs.push_back(
        std::make_shared<Subscriber>(ioc, server.port(), server.token(), shared, suffix));
  for (auto& sub : subs) sub->start();
  std::thread client([&] { ioc.run(); });

  // The writer: one contact per event, paced.
  const auto t0 = steady::now();
  std::atomic<uint64_t> refused{0};
  std::thread writer([&] {
    for (size_t i = 0; i < events; ++i) {
      std::this_thread::sleep_until(t0 + std::chrono::duration_cast<steady::duration>(
                                             std::chrono::duration<double>(i / rate)));
      shared.issued_ns[i] = steady::now().time_since_epoch().count();
      crm::domain::Command c{crm::domain::EntityKind::contact,
                             crm::domain::Action::create,
                             "wsb" + suffix + "x" + std::to_string(i),
                             {{"kind", "note"},
                              {"direction", "internal"},
                              {"subject", "fan-out"},
                              {"occurred_at", "2026-11-20T10:00:00Z"}},
                             "op-bench"};
      if (!server.handler().handle(c)) ++refused;
    }
  });
  writer.join();
  const double write_seconds = seconds_since(t0);
  // Wait until every subscriber has every event (or 60 s).
  const uint64_t expected = static_cast<uint64_t>(events) * subscribers;
  const auto deadline = steady::now() + std::chrono::seconds(60);
  while (steady::now() < deadline) {
    uint64_t got = 0;
    for (auto& sub : subs) got += sub->count();
    if (got >= expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double total_seconds = seconds_since(t0);
  ioc.stop();
  client.join();

  FanOut f{subscribers, rate, seconds};
  f.achieved = static_cast<double>(events) / write_seconds;
  f.expected = expected;
  f.received = shared.received;
  f.out_of_order = shared.out_of_order;
  f.refused = refused;
  auto& lat = shared.latencies_ms;
  f.p50 = lat.empty() ? 0 : percentile(lat, 50);
  f.p99 = lat.empty() ? 0 : percentile(lat, 99);
  f.messages_per_s = static_cast<double>(shared.received) / total_seconds;
  return f;
}

std::string describe(const FanOut& f) {
  return std::to_string(f.subscribers) + " subscribers, " + number(f.rate) + " events/s for " +
         number(f.seconds) + " s (achieved " + number(f.achieved) + "/s), delivered " +
         std::to_string(f.received) + " of " + std::to_string(f.expected) +
         (f.out_of_order ? ", OUT OF ORDER: " + std::to_string(f.out_of_order) : "") +
         (f.refused ? ", refused commands: " + std::to_string(f.refused) : "") + ", p50 " +
         number(f.p50) + " ms";
}

// Two rows: the p99 beside the same rate to 10 subscribers (the command path, the durable
// append and one delivery: what fan-out adds is the difference), and the messages per second.
void report_fan_out(const Settings& s, const FanOut& f, const FanOut& few) {
  const std::string name =
      "ws.fanout/" + std::to_string(f.subscribers) + "x" + std::to_string(static_cast<int>(f.rate));
  const std::string settings = describe(f) + "; target p99 50 ms; baseline: " + describe(few);
  report(s, {name + "/p99", settings, f.p99, "ms",
             "p99 to " + std::to_string(few.subscribers) + " subscribers", few.p99,
             f.p99 > 0 ? few.p99 / f.p99 : 0});
  report(s, {name + "/messages", describe(f), f.messages_per_s, "messages/s",
             "offered (subscribers x rate)", f.subscribers * f.rate,
             f.messages_per_s / (f.subscribers * f.rate)});
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  using namespace crm::bench;
  const Settings s = parse_settings(argc, argv);
  if (!s.wants("ws.fanout")) return 0;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  ApiFixture server;
  auto run = [&](size_t subscribers, double rate, double seconds, const std::string& suffix) {
    const FanOut few = fan_out(server, 10, rate, seconds, suffix + "f");
    report_fan_out(s, fan_out(server, subscribers, rate, seconds, suffix), few);
  };
  if (s.quick) {
    run(100, 1000, 2, "q");
    return 0;
  }
  // What BENCHMARKS.md asks, then a load this machine can carry, for scale.
  if (s.wants("ws.fanout/1000x5000")) run(1000, 5000, 5, "a");
  if (s.wants("ws.fanout/1000x100")) run(1000, 100, 5, "b");
  return 0;
}
