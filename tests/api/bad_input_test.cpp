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

// Every query with odd parameters gets an answer, never a 5xx, and the server goes on serving:
// NUL and 0xFF bytes, numbers too big, days that do not exist, long values, and ranges given
// backwards (a list's once aborted the server inside RocksDB), on every read route, with rows
// in the views' memtables and then in their files.
TEST_F(BadInput, OddQueriesAreAnsweredNeverWithA5xx) {
  const std::string client = post("/api/v1/clients", R"({"name":"Oferta Łódź"})").json("id");
  std::string position;
  for (int i = 0; i < 30; ++i) {
    const std::string day = "2026-12-" + std::to_string(10 + i % 9);
    position = post("/api/v1/tasks", R"({"title":"Oferta )" + std::to_string(i) +
                                         R"(","assignee_id":"op-operator","due":")" + day +
                                         R"(","planned_start":")" + day + R"(T10:00:00Z"})")
                   .json("position");
    post("/api/v1/contacts",
         R"({"kind":"note","direction":"internal","subject":"Oferta","client_id":")" + client +
             R"(","occurred_at":")" + day + R"(T09:00:00Z"})");
  }
  ASSERT_EQ(get("/api/v1/tasks?limit=1&min_position=" + position).status, 200);
  const uint64_t head = store_->head();

  const std::vector<std::string> odd = {"",
                                        "%00",
                                        "%FF%FE",
                                        "-1",
                                        "0",
                                        "1e9",
                                        "2026-02-30",
                                        "9999-12-31",
                                        "0000-01-01",
                                        "2026-12-07",
                                        "x%20y",
                                        "%E2%80%AE",
                                        "18446744073709551616",
                                        std::string(3000, 'a')};
  std::vector<std::string> targets;
  for (const char* collection :
       {"clients", "persons", "contacts", "tasks", "projects", "campaigns", "devices",
        "service-orders", "inspections", "trade-documents", "operators"}) {
    const std::string list = std::string("/api/v1/") + collection;
    for (const auto& v : odd)
      for (const char* param : {"q", "sort", "limit", "cursor", "id", "status", "created_at.from"})
        targets.push_back(list + "?" + param + "=" + v);
    targets.push_back(list + "/" + odd[1]);
    targets.push_back(list + "/x?as_of=" + odd[2]);
    targets.push_back(list + "/x?at_position=" + odd.back());
  }
  // Ranges backwards, alone, with a filter, with a search, sorted.
  for (const auto& [collection, field] :
       std::vector<std::pair<std::string, std::string>>{{"tasks", "due"},
                                                        {"tasks", "planned_start"},
                                                        {"contacts", "occurred_at"},
                                                        {"clients", "potential"},
                                                        {"tasks", "created_at"},
                                                        {"clients", "updated_at"},
                                                        {"inspections", "due"},
                                                        {"trade-documents", "net"}}) {
    const bool money = field == "potential" || field == "net";
    const std::string backwards = "/api/v1/" + collection + "?" + field +
                                  ".from=" + (money ? "1000" : "2026-12-31") + "&" + field +
                                  ".to=" + (money ? "10" : "2026-01-01");
    for (const char* more : {"", "&q=oferta", "&status=open", "&assignee_id=op-operator",
                             "&q=oferta&sort=-created_at", "&limit=1"})
      targets.push_back(backwards + more);
    auto r = get(backwards + "&q=oferta");
    EXPECT_EQ(r.status, 400) << backwards;  // as the calendar and the timeline answer one
    EXPECT_NE(r.body.find("\"field\":\"" + field + ".to\""), std::string::npos) << r.body;
  }
  for (const auto& v : odd) {
    for (const std::string& route :
         {"/api/v1/calendar?from=" + v,
          "/api/v1/calendar?to=" + v,
          "/api/v1/calendar?from=2026-12-31&to=" + v,
          "/api/v1/calendar?view=" + v,
          "/api/v1/calendar?view=week&date=" + v,
          "/api/v1/clients/" + client + "/timeline?from=" + v,
          "/api/v1/clients/" + client + "/timeline?from=2026-12-31&to=" + v,
          "/api/v1/clients/" + client + "/timeline?kind=" + v,
          "/api/v1/clients/" + client + "/history?to=" + v,
          "/api/v1/work-time?from=" + v,
          "/api/v1/work-time?from=2026-12-31&to=" + v,
          "/api/v1/work-time/team?to=" + v,
          "/api/v1/anniversaries?from=" + v,
          "/api/v1/anniversaries?days=" + v,
          "/api/v1/events?from=" + v,
          "/api/v1/events?limit=" + v,
          "/api/v1/me/tasks?scope=" + v,
          "/api/v1/me/tasks?status=all&cursor=" + v,
          "/api/v1/inspections?due_before=" + v,
          "/api/v1/devices/" + v + "/history",
          "/api/v1/campaigns/" + v + "/progress",
          "/api/v1/projects/" + v + "/progress",
          "/api/v1/calendar/" + v + ".ics"})
      targets.push_back(route);
  }
  for (const bool in_files : {false, true}) {
    if (in_files) {
      ASSERT_TRUE(views_->flush());
    }
    for (const auto& target : targets) {
      auto r = get(target);
      ASSERT_GE(r.status, 200) << target << ": no answer";
      EXPECT_LT(r.status, 500) << target << ": " << r.body;
    }
  }
  EXPECT_EQ(request(port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(store_->head(), head) << "queries append nothing";
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
