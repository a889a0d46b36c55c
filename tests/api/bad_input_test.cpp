// Bad requests get their 4xx (never a 5xx) and append nothing; the server's limits hold.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/api/fixture.h"

namespace crm::api::test {
namespace {

using BadInput = ServerFixture;

TEST_F(BadInput, CorpusGets4xxAndAppendsNothing) {
  const auto h = auth("admin");
  auto c = post("/api/v1/clients", R"({"name":"Stały klient"})");
  ASSERT_EQ(c.status, 201);
  const std::string id = c.json("id");
  const uint64_t head = store_->head();

  struct Case {
    std::string name, method, target, body;
    int expected;  // 0: any 4xx
    Headers extra;
  };
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "}";
  const std::vector<Case> cases = {
      {"truncated", "POST", "/api/v1/clients", R"({"name":"Abc")", 400, {}},
      {"malformed", "POST", "/api/v1/clients", R"({name:"x"})", 400, {}},
      {"not json", "POST", "/api/v1/clients", "hello", 400, {}},
      {"array", "POST", "/api/v1/clients", "[1,2]", 400, {}},
      {"trailing", "POST", "/api/v1/clients", R"({"name":"a"} x)", 400, {}},
      {"duplicate member", "POST", "/api/v1/clients", R"({"name":"a","name":"b"})", 400, {}},
      {"deep", "POST", "/api/v1/clients", deep, 400, {}},
      {"wrong type", "POST", "/api/v1/clients", R"({"name":123})", 422, {}},
      {"unknown field", "POST", "/api/v1/clients", R"({"name":"a","colour":"red"})", 422, {}},
      {"huge integer",
       "POST",
       "/api/v1/clients",
       R"({"name":"a","code":123456789012345678901234567890})",
       422,
       {}},
      {"huge exponent", "POST", "/api/v1/clients", R"({"name":"a","code":1e400})", 0, {}},
      {"too precise", "POST", "/api/v1/clients", R"({"name":"a","code":1.123456})", 422, {}},
      {"invalid utf-8", "POST", "/api/v1/clients", "{\"name\":\"\xff\xfe\"}", 400, {}},
      {"lone surrogate", "POST", "/api/v1/clients", R"({"name":"\ud800"})", 400, {}},
      {"control character", "POST", "/api/v1/clients", R"({"name":"a\u0000b"})", 422, {}},
      {"bad money",
       "POST",
       "/api/v1/clients",
       R"({"name":"a","potential":{"amount":12.5,"currency":"PLN"}})",
       422,
       {}},
      {"bad enum", "POST", "/api/v1/clients", R"({"name":"a","status":"vip"})", 422, {}},
      {"bad tax id", "POST", "/api/v1/clients", R"({"name":"a","tax_id":"1234567890"})", 422, {}},
      {"missing reference",
       "POST",
       "/api/v1/clients",
       R"({"name":"a","account_manager_id":"op-nobody"})",
       422,
       {}},
      {"empty create", "POST", "/api/v1/clients", "", 422, {}},
      {"wrong media type",
       "POST",
       "/api/v1/clients",
       R"({"name":"a"})",
       415,
       {{"Content-Type", "text/plain"}}},
      {"bad if-match",
       "PATCH",
       "/api/v1/clients/" + id,
       R"({"name":"b"})",
       400,
       {{"If-Match", "abc"}}},
      {"stale if-match",
       "PATCH",
       "/api/v1/clients/" + id,
       R"({"name":"b"})",
       409,
       {{"If-Match", "\"7\""}}},
      {"empty patch", "PATCH", "/api/v1/clients/" + id, "", 400, {}},
      {"patch missing record", "PATCH", "/api/v1/clients/nosuch", R"({"name":"b"})", 404, {}},
      {"read-only field", "PATCH", "/api/v1/clients/" + id, R"({"turnover_entries":[]})", 422, {}},
      {"long idempotency key",
       "POST",
       "/api/v1/clients",
       R"({"name":"a"})",
       400,
       {{"Idempotency-Key", std::string(300, 'k')}}},
      {"bad percent-encoding", "GET", "/api/v1/clients/%zz", "", 400, {}},
      {"bad limit", "GET", "/api/v1/clients?limit=-1", "", 400, {}},
      {"limit too big", "GET", "/api/v1/clients?limit=100000", "", 400, {}},
      {"bad cursor", "GET", "/api/v1/clients?cursor=zz", "", 400, {}},
      {"min_position beyond head", "GET", "/api/v1/clients?min_position=999999999", "", 400, {}},
      {"bad action", "POST", "/api/v1/clients/" + id + "/explode", "{}", 404, {}},
      {"task kind: unknown member",
       "POST",
       "/api/v1/task-kinds",
       R"({"key":"course","label":"Kurs","colour":"red"})",
       422,
       {}},
      {"task kind: bad key",
       "POST",
       "/api/v1/task-kinds",
       R"({"key":"Kurs","label":"Kurs"})",
       422,
       {}},
      {"task kind: no label", "POST", "/api/v1/task-kinds", R"({"key":"course"})", 422, {}},
      {"task kind: wrong type",
       "PATCH",
       "/api/v1/task-kinds/call",
       R"({"retired":"yes"})",
       422,
       {}},
      {"task kind: the default retired",
       "PATCH",
       "/api/v1/task-kinds/other",
       R"({"retired":true})",
       422,
       {}},
      {"task kind: missing", "PATCH", "/api/v1/task-kinds/nosuch", R"({"label":"x"})", 404, {}},
      {"task of no kind in force",
       "POST",
       "/api/v1/tasks",
       R"({"title":"Szkolenie","kind":"training"})",
       422,
       {}},
      {"status on a done transition",
       "POST",
       "/api/v1/service-orders/nosuch/status",
       R"({"status":"completed"})",
       404,
       {}},
  };
  for (const auto& k : cases) {
    Headers headers = h;
    headers.insert(headers.end(), k.extra.begin(), k.extra.end());
    auto r = request(port_, k.method, k.target, k.body, headers);
    if (k.expected)
      EXPECT_EQ(r.status, k.expected) << k.name << ": " << r.body;
    else
      EXPECT_TRUE(r.status >= 400 && r.status < 500) << k.name << ": " << r.status;
    if (r.status >= 400) {
      EXPECT_EQ(r.header("content-type"), "application/problem+json") << k.name;
      EXPECT_FALSE(r.json("title").empty()) << k.name << ": " << r.body;
    }
    EXPECT_EQ(store_->head(), head) << k.name << " appended something";
  }

  // Problem details name the offending fields.
  auto r = post("/api/v1/clients", R"({"name":123,"colour":"red"})");
  EXPECT_NE(r.body.find(R"("field":"name")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("field":"colour")"), std::string::npos) << r.body;
  // A cursor not given by this list, or by another one, is named too.
  ASSERT_EQ(patch("/api/v1/clients/" + id, R"({"name":"Inna"})").status, 200);
  const std::string other =
      get("/api/v1/clients/" + id + "/timeline?limit=1&min_position=" + std::to_string(head + 1))
          .json("next_cursor");
  ASSERT_FALSE(other.empty());
  for (const std::string& target : {std::string("/api/v1/clients?cursor=zz"),
                                    "/api/v1/clients/" + id + "/history?cursor=" + other}) {
    auto bad = get(target);
    EXPECT_EQ(bad.status, 400) << target;
    EXPECT_NE(bad.body.find(R"("field":"cursor")"), std::string::npos)
        << target << ": " << bad.body;
  }

  // A replayed idempotency key with another body returns the first result, appends nothing.
  auto first =
      post("/api/v1/clients", R"({"name":"Pierwszy"})", "admin", {{"Idempotency-Key", "r"}});
  const uint64_t after = store_->head();
  auto replay = post("/api/v1/clients", R"({"name":"Drugi"})", "admin", {{"Idempotency-Key", "r"}});
  EXPECT_EQ(replay.json("id"), first.json("id"));
  EXPECT_EQ(store_->head(), after);
}

TEST_F(BadInput, TransportLimits) {
  const auto h = auth("admin");
  const uint64_t head = store_->head();
  const std::string big = "{\"name\":\"" + std::string((1 << 20) + 10, 'a') + "\"}";
  EXPECT_EQ(request(port_, "POST", "/api/v1/clients", big, h).status, 413);
  Headers huge = h;
  huge.emplace_back("X-Filler", std::string(20'000, 'x'));
  EXPECT_EQ(request(port_, "GET", "/api/v1/clients", {}, huge).status, 431);
  EXPECT_EQ(raw_request(port_, "GARBAGE\r\n\r\n").status, 400);
  EXPECT_EQ(store_->head(), head);
  // The server still serves.
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
}

class SlowClients : public ServerFixture {
 protected:
  void SetUp() override {
    ApiOptions api;
    api.rate_limit = 2;
    api.rate_burst = 4;
    ServerOptions server;
    server.read_timeout = std::chrono::milliseconds(500);
    server.max_connections = 8;
    start(api, server);
  }
};

TEST_F(SlowClients, SlowLorisIsDropped) {
  const int fd = connect_to(port_);
  ASSERT_GE(fd, 0);
  ASSERT_GT(::send(fd, "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL), 0);
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)::send(fd, "X: y\r\n", 6, MSG_NOSIGNAL);  // one header line at a time, never the end
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      char c;
      closed = ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
    }
  }
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(SlowClients, RateLimitPerSession) {
  const auto h = auth("operator");
  int ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    const int s = request(port_, "GET", "/api/v1/me", {}, h).status;
    ok += s == 200;
    limited += s == 429;
  }
  EXPECT_GE(ok, 4);
  EXPECT_GE(limited, 1);
  EXPECT_EQ(ok + limited, 12);
  EXPECT_EQ(request(port_, "GET", "/api/v1/me", {}, auth("manager")).status, 200)
      << "other sessions have their own budget";
}

TEST_F(SlowClients, ConnectionLimit) {
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(connect_to(port_));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 503);
  for (int fd : idle) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace crm::api::test
