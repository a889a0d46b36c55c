// The API over real loopback sockets: sessions, commands with If-Match and Idempotency-Key,
// read-your-writes, queries, time travel, field definitions, the feeds and the operations routes.

#include <set>
#include <thread>

#include "api/json.h"
#include "domain/time.h"
#include "tests/api/fixture.h"
#include "tests/projections/fixture.h"

namespace crm::api::test {
namespace {

TEST(JsonTest, StringsAreEscapedAndUtf8PassesThrough) {
  EXPECT_EQ(quote("Łódź \"Meble\" C:\\ok"), "\"Łódź \\\"Meble\\\" C:\\\\ok\"");
  EXPECT_EQ(quote(std::string("a\nb\tc\rd\x01\x1f") + '\0' + "e"),
            "\"a\\nb\\tc\\rd\\u0001\\u001f\\u0000e\"");
  EXPECT_EQ(quote(""), "\"\"");
}

using Api = ServerFixture;

TEST_F(Api, LoginLogoutAndTokens) {
  EXPECT_EQ(request(port_, "GET", "/api/v1/clients").status, 401);
  auto wrong = request(port_, "POST", "/api/v1/sessions", R"({"login":"admin","password":"nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("content-type"), "application/problem+json");
  EXPECT_EQ(
      request(port_, "POST", "/api/v1/sessions", R"({"login":"ghost","password":"x"})").status,
      401);
  const std::string t = token("operator");
  ASSERT_EQ(t.size(), 64u);
  const Headers h{{"Authorization", "Bearer " + t}};
  auto me = request(port_, "GET", "/api/v1/me", {}, h);
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.json("login"), "operator");
  EXPECT_EQ(me.body.find("password"), std::string::npos) << "the hash is never shown";
  EXPECT_EQ(request(port_, "DELETE", "/api/v1/sessions/current", {}, h).status, 204);
  EXPECT_EQ(request(port_, "GET", "/api/v1/me", {}, h).status, 401);
  EXPECT_EQ(request(port_, "GET", "/api/v1/me", {}, {{"Authorization", "Bearer abc"}}).status, 401);
}

TEST_F(Api, SessionsSurviveARestart) {
  const auto h = auth("manager");
  stop();
  ApiOptions options;
  options.rate_limit = 0;
  start(options, {});
  EXPECT_EQ(request(port_, "GET", "/api/v1/me", {}, h).status, 200);
}

TEST_F(Api, LoginThrottling) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(request(port_, "POST", "/api/v1/sessions", R"({"login":"auditor","password":"bad"})")
                  .status,
              401);
  auto r = request(port_, "POST", "/api/v1/sessions", R"({"login":"auditor","password":"bad"})");
  EXPECT_EQ(r.status, 401);  // the sixth failure sets the wait
  r = request(port_, "POST", "/api/v1/sessions",
              R"({"login":"auditor","password":"password-auditor"})");
  EXPECT_EQ(r.status, 429) << "even the right password waits";
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(request(port_, "POST", "/api/v1/sessions",
                    R"({"login":"manager","password":"password-manager"})")
                .status,
            201)
      << "other logins are not affected";
}

TEST_F(Api, CreateReadUpdateWithIfMatch) {
  auto created = post("/api/v1/clients", R"({"name":"Łódzka Spółka Handlowa","status":"active",
      "potential":{"amount":"120000.50","currency":"PLN"},"tax_id":"526-000-12-46"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json("id");
  EXPECT_EQ(created.header("location"), "/api/v1/clients/" + id);
  EXPECT_EQ(created.header("etag"), "\"1\"");
  const std::string position = created.json("position");
  EXPECT_EQ(std::to_string(store_->head()), position);

  auto one = get("/api/v1/clients/" + id + "?min_position=" + position);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.header("etag"), "\"1\"");
  EXPECT_EQ(one.json("name"), "Łódzka Spółka Handlowa");
  EXPECT_NE(one.body.find(R"("potential":{"amount":"120000.50","currency":"PLN"})"),
            std::string::npos);
  EXPECT_NE(one.body.find(R"("turnover_12m":{"amount":"0.00")"), std::string::npos);

  auto changed = patch("/api/v1/clients/" + id, R"({"status":"inactive"})", "operator",
                       {{"If-Match", "\"1\""}});
  EXPECT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.header("etag"), "\"2\"");
  const uint64_t head = store_->head();
  auto stale =
      patch("/api/v1/clients/" + id, R"({"status":"active"})", "operator", {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.header("etag"), "\"2\"");
  EXPECT_EQ(store_->head(), head) << "a conflict appends nothing";
  EXPECT_EQ(get("/api/v1/clients/nosuch").status, 404);

  // Search ignores case and diacritics; the list shows the new client.
  auto found = get("/api/v1/clients?q=lodzka&min_position=" + std::to_string(head));
  EXPECT_EQ(found.status, 200);
  EXPECT_NE(found.body.find(id), std::string::npos) << found.body;
  auto filtered = get("/api/v1/clients?status=inactive&sort=-name&limit=10");
  EXPECT_NE(filtered.body.find(id), std::string::npos);
  EXPECT_EQ(get("/api/v1/clients?status=active&limit=10").body.find(id), std::string::npos);
  EXPECT_EQ(get("/api/v1/clients?colour=red").status, 400);
  // A member of a list of objects: a client's persons, clients by city.
  auto person = post("/api/v1/persons", R"({"first_name":"Jan","last_name":"Nowak",
      "client_links":[{"client_id":")" + id +
                                            R"(","role":"prezes"}]})");
  ASSERT_EQ(person.status, 201) << person.body;
  auto persons = get("/api/v1/persons?client_links.client_id=" + id +
                     "&min_position=" + person.json("position"));
  ASSERT_EQ(persons.status, 200) << persons.body;
  EXPECT_NE(persons.body.find(person.json("id")), std::string::npos) << persons.body;
  EXPECT_EQ(get("/api/v1/persons?client_links.client_id=nobody").body.find(person.json("id")),
            std::string::npos);
  EXPECT_EQ(get("/api/v1/persons?client_links.colour=red").status, 400);
  EXPECT_EQ(get("/api/v1/clients?addresses.city=Łódź").status, 200);
  auto unsortable = get("/api/v1/clients?sort=tax_id");
  EXPECT_EQ(unsortable.status, 400);
  EXPECT_NE(unsortable.body.find("potential"), std::string::npos)
      << "the problem names the fields a list sorts by: " << unsortable.body;
  // Sorted by potential, biggest first, clients without one last; and newest first.
  auto small = post("/api/v1/clients", R"({"name":"Mała","potential":{"amount":"10.00"}})");
  auto none = post("/api/v1/clients", R"({"name":"Bez potencjału"})");
  ASSERT_EQ(small.status, 201) << small.body;
  ASSERT_EQ(none.status, 201) << none.body;
  auto by_potential = get("/api/v1/clients?sort=-potential&min_position=" + none.json("position"));
  ASSERT_EQ(by_potential.status, 200) << by_potential.body;
  const auto at = [&](const std::string& body, const std::string& s) { return body.find(s); };
  EXPECT_LT(at(by_potential.body, id), at(by_potential.body, small.json("id")));
  EXPECT_LT(at(by_potential.body, small.json("id")), at(by_potential.body, none.json("id")));
  auto newest = get("/api/v1/clients?sort=-created_at&limit=1");
  ASSERT_EQ(newest.status, 200) << newest.body;
  EXPECT_NE(newest.body.find(none.json("id")), std::string::npos) << newest.body;
  // The one changed last first: the first client, given a website now.
  auto site = patch("/api/v1/clients/" + id, R"({"website":"https://lodzka.example.pl"})");
  ASSERT_EQ(site.status, 200) << site.body;
  auto changed_last =
      get("/api/v1/clients?sort=-updated_at&limit=1&min_position=" + site.json("position"));
  ASSERT_EQ(changed_last.status, 200) << changed_last.body;
  EXPECT_NE(changed_last.body.find(id), std::string::npos) << changed_last.body;
}

// Polish CRMs ask before a second client with the same NIP: usually a duplicate by mistake,
// sometimes a branch of the same company.
TEST_F(Api, ASecondClientWithTheSameNipIsAskedAbout) {
  auto first = post("/api/v1/clients", R"({"name":"Alfa","tax_id":"5260001246"})");
  ASSERT_EQ(first.status, 201) << first.body;
  auto other = post("/api/v1/clients", R"({"name":"Beta","tax_id":"7740001454"})");
  ASSERT_EQ(other.status, 201) << other.body;
  ASSERT_EQ(get("/api/v1/clients?limit=1&min_position=" + other.json("position")).status, 200);
  const uint64_t head = store_->head();
  auto again = post("/api/v1/clients", R"({"name":"Alfa bis","tax_id":"526-000-12-46"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find(R"("field":"tax_id","message":"is the NIP of Alfa ()" +
                            first.json("id") + ")"),
            std::string::npos)
      << again.body;
  EXPECT_EQ(patch("/api/v1/clients/" + other.json("id"), R"({"tax_id":"5260001246"})").status, 409);
  EXPECT_EQ(store_->head(), head) << "asking appends nothing";
  EXPECT_EQ(
      patch("/api/v1/clients/" + first.json("id"), R"({"name":"Alfa SA","tax_id":"5260001246"})")
          .status,
      200)
      << "its own NIP is no duplicate";
  auto branch = post("/api/v1/clients?duplicate_tax_id=allow",
                     R"({"name":"Alfa oddział Kraków","tax_id":"5260001246"})");
  EXPECT_EQ(branch.status, 201) << branch.body;
  auto saved =
      patch("/api/v1/clients/" + branch.json("id") + "?min_position=" + branch.json("position"),
            R"({"name":"Alfa Kraków","tax_id":"526-000-12-46"})");
  EXPECT_EQ(saved.status, 200) << "a branch's form saved with its NIP unchanged: " << saved.body;
}

TEST_F(Api, AClientShowsItsTurnoverButNotTheInvoicesBehindIt) {
  auto client = post("/api/v1/clients", R"({"name":"Hurtownia Mazur","status":"active"})");
  ASSERT_EQ(client.status, 201) << client.body;
  const std::string id = client.json("id");
  const std::string today =
      domain::local_date(domain::DateTime{crm::testing::wall_clock_us()}).format();
  std::string position;
  for (const char* net : {"1000.00", "234.50"}) {
    auto invoice = post("/api/v1/trade-documents",
                        R"({"type":"invoice","number":"FV/)" + std::string(net) + R"(","date":")" +
                            today + R"(","net":{"amount":")" + net +
                            R"(","currency":"PLN"},"client_id":")" + id + "\"}");
    ASSERT_EQ(invoice.status, 201) << invoice.body;
    position = invoice.json("position");
  }
  auto one = get("/api/v1/clients/" + id + "?min_position=" + position);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NE(one.body.find(R"("turnover_12m":{"amount":"1234.50","currency":"PLN"})"),
            std::string::npos)
      << one.body;
  EXPECT_EQ(one.body.find("turnover_entries"), std::string::npos) << one.body;
  auto page = get("/api/v1/clients?q=mazur");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("1234.50"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("turnover_entries"), std::string::npos) << page.body;
  EXPECT_EQ(get("/openapi.json").body.find("turnover_entries"), std::string::npos);

  // Clients by turnover, highest first, and within a range of it.
  auto other = post("/api/v1/clients", R"({"name":"Apteka Zielona","status":"active"})");
  ASSERT_EQ(other.status, 201) << other.body;
  auto names = [&](const std::string& query) {
    auto r = get("/api/v1/clients?" + query + "&min_position=" + other.json("position"));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    for (size_t at = 0; (at = r.body.find(R"("name":")", at)) != std::string::npos;) {
      at += 8;
      out.push_back(r.body.substr(at, r.body.find('"', at) - at));
    }
    return out;
  };
  EXPECT_EQ(names("sort=-turnover_12m"),
            (std::vector<std::string>{"Hurtownia Mazur", "Apteka Zielona"}));
  EXPECT_EQ(names("sort=turnover_12m&status=active&limit=1"),
            std::vector<std::string>{"Apteka Zielona"});
  EXPECT_EQ(names("turnover_12m.from=1000&sort=name"), std::vector<std::string>{"Hurtownia Mazur"});
  EXPECT_EQ(get("/api/v1/clients?turnover_12m.from=lots").status, 400);
  EXPECT_EQ(get("/api/v1/persons?sort=turnover_12m").status, 400) << "clients only";
  auto unsorted = get("/api/v1/tasks?sort=-status");
  EXPECT_EQ(unsorted.status, 400);
  EXPECT_NE(unsorted.body.find("sorts by one of: title, created_at, priority, "), std::string::npos)
      << "each name once: " << unsorted.body;
  EXPECT_NE(get("/openapi.json").body.find(R"("-turnover_12m")"), std::string::npos);
}

TEST_F(Api, TasksSortByPriorityTheMostUrgentFirst) {
  // A task's priority in its options' order (low, normal, high), not alphabetically.
  std::string position;
  for (const char* priority : {"low", "high", "normal"})
    position = post("/api/v1/tasks", R"({"title":"Zadanie )" + std::string(priority) +
                                         R"(","priority":")" + priority + "\"}")
                   .json("position");
  auto urgent = get("/api/v1/tasks?sort=-priority&min_position=" + position);
  ASSERT_EQ(urgent.status, 200) << urgent.body;
  const size_t high = urgent.body.find("Zadanie high"), normal = urgent.body.find("Zadanie normal");
  EXPECT_LT(high, normal) << urgent.body;
  EXPECT_LT(normal, urgent.body.find("Zadanie low")) << urgent.body;
  EXPECT_NE(get("/openapi.json").body.find(R"("-priority")"), std::string::npos);
}

// List pages reuse each record's JSON until the record changes, and a client's turnover until
// the day changes.
TEST_F(Api, ListPagesShowEachChangeAndEachDaysTurnover) {
  stop();
  static std::atomic<int64_t> days_ahead{0};
  ApiOptions options;
  options.rate_limit = 0;
  options.clock = [] { return crm::testing::wall_clock_us() + days_ahead * 86'400'000'000LL; };
  start(options, {});
  auto client = post("/api/v1/clients", R"({"name":"Hurtownia Mazur","status":"active"})");
  ASSERT_EQ(client.status, 201) << client.body;
  const std::string id = client.json("id");
  const std::string today =
      domain::local_date(domain::DateTime{crm::testing::wall_clock_us()}).format();
  auto invoice = [&](const std::string& net) {
    auto r = post("/api/v1/trade-documents",
                  R"({"type":"invoice","number":"FV/)" + net + R"(","date":")" + today +
                      R"(","net":{"amount":")" + net + R"(","currency":"PLN"},"client_id":")" + id +
                      "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json("position");
  };
  auto page = [&](const std::string& position) {
    auto r = get("/api/v1/clients?status=active&min_position=" + position);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  };
  auto turnover = [](const std::string& amount) {
    return R"("turnover_12m":{"amount":")" + amount + R"(","currency":"PLN"})";
  };
  std::string position = invoice("1000.00");
  EXPECT_NE(page(position).find(turnover("1000.00")), std::string::npos);
  EXPECT_NE(page(position).find(turnover("1000.00")), std::string::npos) << "the same, again";
  position = invoice("234.50");
  EXPECT_NE(page(position).find(turnover("1234.50")), std::string::npos) << "the record changed";
  auto renamed = patch("/api/v1/clients/" + id, R"({"name":"Hurtownia Mazur i Syn"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_NE(page(renamed.json("position")).find("Hurtownia Mazur i Syn"), std::string::npos);
  days_ahead = 400;  // the invoices are now over a year old
  tokens_.clear();   // and the session long expired
  const std::string later = page(renamed.json("position"));
  EXPECT_NE(later.find(turnover("0.00")), std::string::npos) << later;
  EXPECT_NE(later.find("Hurtownia Mazur i Syn"), std::string::npos) << later;
}

TEST_F(Api, IdempotencyKeyReturnsTheFirstResult) {
  const Headers key{{"Idempotency-Key", "k-1"}};
  auto first = post(
      "/api/v1/contacts",
      R"({"kind":"note","direction":"internal","subject":"a","occurred_at":"2026-11-20T10:00:00Z"})",
      "operator", key);
  ASSERT_EQ(first.status, 201) << first.body;
  const uint64_t head = store_->head();
  auto again = post(
      "/api/v1/contacts",
      R"({"kind":"note","direction":"internal","subject":"a","occurred_at":"2026-11-20T10:00:00Z"})",
      "operator", key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json("id"), first.json("id"));
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(store_->head(), head);
}

TEST_F(Api, TasksMyTasksAndActions) {
  auto task =
      post("/api/v1/tasks",
           R"({"title":"Zadzwonić do klienta","assignee_id":"op-operator","due":"2026-12-01"})",
           "manager");
  ASSERT_EQ(task.status, 201) << task.body;
  const std::string id = task.json("id");
  const std::string pos = task.json("position");
  auto mine = get("/api/v1/me/tasks?min_position=" + pos, "operator");
  EXPECT_NE(mine.body.find(id), std::string::npos) << mine.body;
  auto delegated = get("/api/v1/me/tasks?scope=delegated", "manager");
  EXPECT_NE(delegated.body.find(id), std::string::npos) << delegated.body;
  EXPECT_EQ(get("/api/v1/me/tasks?scope=sideways").status, 400);
  // A service order whose technician the operator is is in their list too, each item saying
  // what it is; planned for the day before the task is due, it comes first.
  auto client = post("/api/v1/clients", R"({"name":"Serwisowany"})", "manager");
  auto order = post("/api/v1/service-orders",
                    R"({"client_id":")" + client.json("id") +
                        R"(","problem":"Nie drukuje","technician_id":"op-operator",
                        "planned_at":"2026-11-30T10:00:00Z"})",
                    "manager");
  ASSERT_EQ(order.status, 201) << order.body;
  mine = get("/api/v1/me/tasks?min_position=" + order.json("position"), "operator");
  const auto order_at = mine.body.find(R"({"entity":"service_order","id":")" + order.json("id"));
  const auto task_at = mine.body.find(R"({"entity":"task","id":")" + id);
  EXPECT_NE(order_at, std::string::npos) << mine.body;
  EXPECT_NE(task_at, std::string::npos) << mine.body;
  EXPECT_LT(order_at, task_at) << mine.body;

  EXPECT_EQ(post("/api/v1/tasks/" + id + "/start", "", "operator").status, 200);
  auto logged = post("/api/v1/tasks/" + id + "/work-log",
                     R"({"date":"2026-11-20","minutes":45,"note":"rozmowa"})", "operator");
  EXPECT_EQ(logged.status, 200) << logged.body;
  auto done = post("/api/v1/tasks/" + id + "/complete", R"({"result":"umówione"})", "operator");
  EXPECT_EQ(done.status, 200) << done.body;
  auto again = post("/api/v1/tasks/" + id + "/start", "", "operator");
  EXPECT_EQ(again.status, 422) << "a done task cannot start: " << again.body;
  auto t = get("/api/v1/tasks/" + id + "?min_position=" + done.json("position"));
  EXPECT_EQ(t.json("status"), "done");
  auto work =
      get("/api/v1/work-time?from=2026-11-01&to=2026-11-30&min_position=" + done.json("position"),
          "operator");
  EXPECT_EQ(work.json("minutes"), "45") << work.body;
  EXPECT_NE(work.body.find(R"("days":[{"date":"2026-11-20","minutes":45,"entries":1}])"),
            std::string::npos)
      << work.body;
  EXPECT_EQ(get("/api/v1/work-time?operator=op-manager", "operator").status, 403);
  // From 1 November to today: the task was completed today, and counts as a result.
  auto results = get("/api/v1/work-time?from=2026-11-01", "operator");
  EXPECT_NE(results.body.find(R"("minutes":45,"entries":1,"tasks_done":1,"days":[)"),
            std::string::npos)
      << results.body;
  EXPECT_NE(work.body.find(R"("tasks_done":0)"), std::string::npos)
      << "none completed in November: " << work.body;

  // A manager's team: the operators they supervise, each with their work in the period.
  auto supervised = patch("/api/v1/operators/op-operator", R"({"supervisor_id":"op-manager"})",
                          "admin", {{"If-Match", "\"1\""}});
  ASSERT_EQ(supervised.status, 200) << supervised.body;
  // From 1 November to today: the 45 minutes logged on the 20th, the task completed today.
  auto team =
      get("/api/v1/work-time/team?from=2026-11-01&min_position=" + supervised.json("position"),
          "manager");
  ASSERT_EQ(team.status, 200) << team.body;
  EXPECT_NE(team.body.find(R"({"operator":"op-operator","name":"Test operator","active":true,)"
                           R"("minutes":45,"entries":1,"tasks_done":1})"),
            std::string::npos)
      << team.body;
  EXPECT_NE(team.body.find(R"("minutes":45})"), std::string::npos) << "the team's total";
  EXPECT_EQ(team.body.find("op-admin"), std::string::npos) << "only the manager's operators";
  EXPECT_EQ(get("/api/v1/work-time/team", "operator").status, 403);
  EXPECT_EQ(get("/api/v1/work-time/team?supervisor=nosuch", "manager").status, 404);
}

// A planned inspection given to a technician becomes a visit in their calendar and My tasks.
TEST_F(Api, AServiceOrderForAnInspectionGoesToItsTechnician) {
  auto client = post("/api/v1/clients", R"({"name":"Kotłownia"})");
  auto device = post("/api/v1/devices",
                     R"({"serial_number":"VX-1","client_id":")" + client.json("id") + "\"}");
  ASSERT_EQ(device.status, 201) << device.body;
  auto inspection = post("/api/v1/inspections", R"({"device_id":")" + device.json("id") +
                                                    R"(","due":"2026-12-10",
                                                    "technician_id":"op-operator"})");
  ASSERT_EQ(inspection.status, 201) << inspection.body;
  const std::string orders = "/api/v1/service-orders";
  auto order =
      post(orders + "?min_position=" + inspection.json("position"),
           R"({"client_id":")" + client.json("id") + R"(","device_id":")" + device.json("id") +
               R"(","problem":"Przegląd","inspection_id":")" + inspection.json("id") + "\"}");
  ASSERT_EQ(order.status, 201) << order.body;
  auto shown = get(orders + "/" + order.json("id") + "?min_position=" + order.json("position"));
  EXPECT_EQ(shown.json("technician_id"), "op-operator") << shown.body;
  auto mine = get("/api/v1/me/tasks?min_position=" + order.json("position"), "operator");
  EXPECT_NE(mine.body.find(order.json("id")), std::string::npos) << mine.body;
  // A technician's inspections due: due_before with a filter (it used to drop the filter).
  auto others = post("/api/v1/inspections", R"({"device_id":")" + device.json("id") +
                                                R"(","due":"2026-12-05",
                                                "technician_id":"op-manager"})");
  ASSERT_EQ(others.status, 201) << others.body;
  auto due = get("/api/v1/inspections?due_before=2026-12-31&technician_id=op-operator" +
                 std::string("&min_position=") + others.json("position"));
  ASSERT_EQ(due.status, 200) << due.body;
  EXPECT_NE(due.body.find(inspection.json("id")), std::string::npos) << "in service: " << due.body;
  EXPECT_EQ(due.body.find(others.json("id")), std::string::npos) << due.body;
  auto all = get("/api/v1/inspections?due_before=2026-12-31");
  EXPECT_LT(all.body.find(others.json("id")), all.body.find(inspection.json("id")))
      << "by due date: " << all.body;
  EXPECT_EQ(get("/api/v1/inspections?due_before=2026-12-06&technician_id=op-operator")
                .body.find(inspection.json("id")),
            std::string::npos)
      << "due on the 10th";
}

TEST_F(Api, TimeTravelAndHistory) {
  auto c = post("/api/v1/clients", R"({"name":"Alfa"})");
  const std::string id = c.json("id");
  const std::string first = c.json("position");
  auto p = patch("/api/v1/clients/" + id, R"({"name":"Beta"})");
  ASSERT_EQ(p.status, 200);
  auto old = get("/api/v1/clients/" + id + "?at_position=" + first);
  EXPECT_EQ(old.json("name"), "Alfa");
  EXPECT_EQ(old.header("etag"), "\"1\"");
  EXPECT_EQ(get("/api/v1/clients/" + id + "?as_of=2000-01-01T00:00:00Z").status, 404);
  EXPECT_EQ(get("/api/v1/clients/" + id + "?as_of=yesterday").status, 400);
  auto now = get("/api/v1/clients/" + id + "?as_of=2999-01-01T00:00:00Z");
  EXPECT_EQ(now.json("name"), "Beta");

  auto history =
      get("/api/v1/clients/" + id + "/history?min_position=" + p.json("position"), "auditor");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_NE(history.body.find(R"("before":"Alfa","after":"Beta")"), std::string::npos)
      << history.body;
  EXPECT_EQ(get("/api/v1/clients/" + id + "/history", "operator").status, 403);
  // In pages, newest first: the rename, then the registration.
  auto first_page = get("/api/v1/clients/" + id + "/history?limit=1", "auditor");
  ASSERT_EQ(first_page.status, 200) << first_page.body;
  EXPECT_NE(first_page.body.find(R"("after":"Beta")"), std::string::npos) << first_page.body;
  auto second_page =
      get("/api/v1/clients/" + id + "/history?limit=1&cursor=" + first_page.json("next_cursor"),
          "auditor");
  ASSERT_EQ(second_page.status, 200) << second_page.body;
  EXPECT_NE(second_page.body.find(R"("type":"ClientRegistered")"), std::string::npos)
      << second_page.body;
  EXPECT_NE(second_page.body.find(R"("next_cursor":null)"), std::string::npos);
  auto timeline = get("/api/v1/clients/" + id + "/timeline", "operator");
  EXPECT_NE(timeline.body.find(R"("type":"ClientRegistered","occurred_at":)"), std::string::npos)
      << timeline.body;
  EXPECT_NE(timeline.body.find(R"("title":"Beta","by_name":"Test admin")"), std::string::npos)
      << "each entry names its record and its operator as they are now: " << timeline.body;
  // A call of last year logged now: first in the history (the order of the log), last in the
  // timeline (the order things happened).
  auto call = post("/api/v1/contacts",
                   R"({"kind":"phone_call","direction":"inbound","subject":"Stary telefon",)"
                   R"("occurred_at":"2025-06-02T10:00:00Z","client_id":")" +
                       id + "\"}");
  ASSERT_EQ(call.status, 201) << call.body;
  auto late =
      get("/api/v1/clients/" + id + "/timeline?min_position=" + call.json("position"), "operator");
  EXPECT_NE(late.body.find(R"("type":"ContactLogged","occurred_at":"2025-06-02T10:00:00Z","at":)"),
            std::string::npos)
      << late.body;
  EXPECT_GT(late.body.find(R"("type":"ContactLogged")"),
            late.body.find(R"("type":"ClientRegistered")"))
      << late.body;
  // A range of days: only the call of 2 June 2025; the history recorded it today.
  auto june = get("/api/v1/clients/" + id + "/timeline?from=2025-06-01&to=2025-06-30", "operator");
  EXPECT_NE(june.body.find(R"("items":[{"position":)" + call.json("position") + ","),
            std::string::npos)
      << june.body;
  EXPECT_EQ(june.body.find(R"("type":"ClientRegistered")"), std::string::npos) << june.body;
  EXPECT_NE(
      get("/api/v1/clients/" + id + "/history?to=2025-06-30", "auditor").body.find(R"("items":[])"),
      std::string::npos);
  auto backwards = get("/api/v1/clients/" + id + "/timeline?from=2025-06-30&to=2025-06-01");
  EXPECT_EQ(backwards.status, 400);
  EXPECT_NE(backwards.body.find(R"("to")"), std::string::npos) << backwards.body;
  EXPECT_EQ(get("/api/v1/clients/" + id + "/timeline?from=June").status, 400);
  auto logged = get("/api/v1/clients/" + id + "/history", "auditor");
  EXPECT_LT(logged.body.find(R"("type":"ContactLogged")"),
            logged.body.find(R"("type":"ClientRegistered")"))
      << logged.body;
  // The entries of some kinds of record only: the client's contacts, in either order.
  for (const char* route : {"/timeline", "/history"}) {
    auto contacts = get("/api/v1/clients/" + id + route + "?kind=contact", "auditor");
    ASSERT_EQ(contacts.status, 200) << contacts.body;
    EXPECT_NE(contacts.body.find(R"("items":[{"position":)" + call.json("position") + ","),
              std::string::npos)
        << contacts.body;
    EXPECT_EQ(contacts.body.find(R"("kind":"client")"), std::string::npos) << contacts.body;
    EXPECT_NE(get("/api/v1/clients/" + id + route + "?kind=contact&kind=client", "auditor")
                  .body.find(R"("kind":"client")"),
              std::string::npos);
  }
  auto bad_kind = get("/api/v1/clients/" + id + "/timeline?kind=contacts");
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_NE(bad_kind.body.find(R"("field":"kind")"), std::string::npos) << bad_kind.body;

  auto events = get("/api/v1/events?from=1&limit=3", "auditor");
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(events.json("next_from"), "4");
  EXPECT_NE(events.body.find(R"("position":1,)"), std::string::npos);
}

TEST_F(Api, FieldDefinitions) {
  auto def = post("/api/v1/field-definitions",
                  R"({"entity":"client","key":"segment","label":"Segment","type":"choice",
                      "options":["A","B"]})",
                  "manager");
  ASSERT_EQ(def.status, 201) << def.body;
  EXPECT_EQ(def.json("id"), "client.segment");
  EXPECT_EQ(post("/api/v1/field-definitions", R"({"entity":"client","key":"x","type":"text"})",
                 "operator")
                .status,
            403);
  auto c = post("/api/v1/clients", R"({"name":"Gamma","fields":{"segment":"C"}})");
  EXPECT_EQ(c.status, 422);
  EXPECT_NE(c.body.find("fields.segment"), std::string::npos) << c.body;
  c = post("/api/v1/clients", R"({"name":"Gamma","fields":{"segment":"B"}})");
  ASSERT_EQ(c.status, 201) << c.body;
  auto one = get("/api/v1/clients/" + c.json("id") + "?min_position=" + c.json("position"));
  EXPECT_NE(one.body.find(R"("fields":{"segment":"B"})"), std::string::npos) << one.body;
  auto changed =
      patch("/api/v1/field-definitions/client.segment", R"({"label":"Segment rynku"})", "manager");
  EXPECT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(get("/api/v1/field-definitions/client.segment").json("label"), "Segment rynku");
  EXPECT_EQ(post("/api/v1/field-definitions/client.segment/retire", "", "admin").status, 200);
  auto list = get("/api/v1/field-definitions?entity=client");
  EXPECT_NE(list.body.find(R"("retired":true)"), std::string::npos) << list.body;
  EXPECT_EQ(get("/api/v1/field-definitions/client.nothing").status, 404);
  // Each with the version If-Match names; in pages, as every collection is.
  auto first = get("/api/v1/field-definitions/client.segment");
  EXPECT_EQ("\"" + first.json("version") + "\"", first.header("etag")) << first.body;
  for (const char* key : {"region", "rating"})
    ASSERT_EQ(
        post("/api/v1/field-definitions",
             R"({"entity":"task","key":")" + std::string(key) + R"(","label":"x","type":"text"})",
             "manager")
            .status,
        201);
  std::vector<std::string> ids;
  std::string cursor;
  for (int pages = 0; pages < 5; ++pages) {
    auto page =
        get("/api/v1/field-definitions?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    for (size_t at = 0; (at = page.body.find(R"({"id":")", at)) != std::string::npos;) {
      at += 7;
      ids.push_back(page.body.substr(at, page.body.find('"', at) - at));
    }
    cursor = page.json("next_cursor");
    if (cursor.empty() || cursor == "null") break;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"client.segment", "task.region", "task.rating"}));
  EXPECT_EQ(get("/api/v1/field-definitions?cursor=task.nothing").status, 400);
}

TEST_F(Api, TaskKindsAreAListManagersKeep) {
  auto list = get("/api/v1/task-kinds");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(
      list.body.find(R"({"id":"call","version":0,"key":"call","label":"Telefon","retired":false})"),
      std::string::npos)
      << list.body;
  auto task = post("/api/v1/tasks", R"({"title":"Szkolenie BHP","kind":"training"})");
  EXPECT_EQ(task.status, 422);
  EXPECT_NE(task.body.find(R"("field":"kind")"), std::string::npos) << task.body;

  EXPECT_EQ(
      post("/api/v1/task-kinds", R"({"key":"training","label":"Szkolenie"})", "operator").status,
      403)
      << "operators use the list, managers keep it";
  auto defined = post("/api/v1/task-kinds", R"({"key":"training","label":"Szkolenie"})", "manager");
  ASSERT_EQ(defined.status, 201) << defined.body;
  EXPECT_EQ(defined.header("location"), "/api/v1/task-kinds/training");
  auto again = post("/api/v1/task-kinds", R"({"key":"training","label":"Kurs"})", "manager");
  EXPECT_EQ(again.status, 422);
  EXPECT_NE(again.body.find(R"("field":"key")"), std::string::npos) << again.body;
  task = post("/api/v1/tasks", R"({"title":"Szkolenie BHP","kind":"training"})", "operator");
  ASSERT_EQ(task.status, 201) << task.body;

  // Retired: kept on the task that has it, refused for new ones; If-Match names the list's version.
  auto one = get("/api/v1/task-kinds/training");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(patch("/api/v1/task-kinds/training", R"({"retired":true})", "manager",
                  {{"If-Match", "\"0\""}})
                .status,
            409);
  auto retired = patch("/api/v1/task-kinds/training", R"({"retired":true})", "manager",
                       {{"If-Match", one.header("etag")}});
  ASSERT_EQ(retired.status, 200) << retired.body;
  EXPECT_EQ(get("/api/v1/task-kinds/training").json("retired"), "true");
  EXPECT_EQ(post("/api/v1/tasks", R"({"title":"Szkolenie","kind":"training"})").status, 422);
  auto kept = get("/api/v1/tasks/" + task.json("id") + "?min_position=" + retired.json("position"));
  EXPECT_EQ(kept.json("kind"), "training");
  EXPECT_EQ(patch("/api/v1/task-kinds/training", R"({"key":"course"})", "manager").status, 422);
  EXPECT_EQ(patch("/api/v1/task-kinds/other", R"({"retired":true})", "manager").status, 422);
  EXPECT_EQ(patch("/api/v1/task-kinds/nothing", R"({"label":"x"})", "manager").status, 404);
  EXPECT_EQ(get("/api/v1/task-kinds/nothing").status, 404);
}

TEST_F(Api, FilterValuesAreCheckedAndCustomFieldsSort) {
  ASSERT_EQ(
      post("/api/v1/field-definitions",
           R"({"entity":"client","key":"credit_limit","label":"Limit","type":"money"})", "manager")
          .status,
      201);
  ASSERT_EQ(post("/api/v1/field-definitions",
                 R"({"entity":"client","key":"segment","label":"Segment","type":"choice",
                     "options":["A","B"]})",
                 "manager")
                .status,
            201);
  auto big = post("/api/v1/clients", R"({"name":"Alfa","potential":{"amount":"310000"},
      "phones":["+48 601 234 567"],"emails":["Biuro@Alfa.pl"],
      "fields":{"credit_limit":{"amount":"500"},"segment":"A"}})");
  auto small =
      post("/api/v1/clients", R"({"name":"Beta","fields":{"credit_limit":{"amount":"20"}}})");
  auto none = post("/api/v1/clients", R"({"name":"Celina"})");
  ASSERT_EQ(none.status, 201) << none.body;
  const std::string wait = "&min_position=" + none.json("position");
  // A value is compared as the field's type: 310000 is the amount 310000.00.
  auto by_amount = get("/api/v1/clients?potential=310000" + wait);
  ASSERT_EQ(by_amount.status, 200) << by_amount.body;
  EXPECT_NE(by_amount.body.find(big.json("id")), std::string::npos) << by_amount.body;
  EXPECT_NE(get("/api/v1/clients?fields.credit_limit=20.0").body.find(small.json("id")),
            std::string::npos);
  // A phone by its number however it is written, an e-mail and a name in any case.
  EXPECT_NE(get("/api/v1/clients?phones=601-234-567").body.find(big.json("id")), std::string::npos);
  EXPECT_NE(get("/api/v1/clients?emails=biuro@alfa.pl").body.find(big.json("id")),
            std::string::npos);
  auto by_name = get("/api/v1/clients?name=ALFA");
  EXPECT_NE(by_name.body.find(big.json("id")), std::string::npos) << by_name.body;
  EXPECT_EQ(by_name.body.find(small.json("id")), std::string::npos) << by_name.body;
  // A value no record could hold is refused, naming the parameter, instead of an empty list.
  auto bad_status = get("/api/v1/clients?status=activ");
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_NE(bad_status.body.find("prospect"), std::string::npos) << bad_status.body;
  EXPECT_EQ(get("/api/v1/clients?cooperation_start=2026-13-45").status, 400);
  EXPECT_EQ(get("/api/v1/clients?potential=lots").status, 400);
  EXPECT_EQ(get("/api/v1/clients?phones=none").status, 400);
  EXPECT_EQ(get("/api/v1/contacts?awaits_reply=yes").status, 400);
  auto unknown = get("/api/v1/clients?fields.colour=red");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("fields.colour"), std::string::npos) << unknown.body;
  EXPECT_EQ(get("/api/v1/operators?password_hash=x", "admin").status, 400)
      << "a field the domain keeps for itself is not a filter either";
  auto above = get("/api/v1/clients?fields.credit_limit.from=100");
  ASSERT_EQ(above.status, 200) << above.body;
  EXPECT_NE(above.body.find(big.json("id")), std::string::npos) << above.body;
  EXPECT_EQ(above.body.find(small.json("id")), std::string::npos) << "a custom field's range";
  EXPECT_EQ(get("/api/v1/clients?fields.credit_limit.to=much").status, 400);
  EXPECT_EQ(get("/api/v1/clients?fields.segment=C").status, 200)
      << "a custom choice no longer offered may still be held by old records";
  // Sorted by a custom money field, clients without one last in both directions.
  const auto at = [](const std::string& body, const std::string& s) { return body.find(s); };
  auto up = get("/api/v1/clients?sort=fields.credit_limit");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_LT(at(up.body, small.json("id")), at(up.body, big.json("id")));
  EXPECT_LT(at(up.body, big.json("id")), at(up.body, none.json("id")));
  auto down = get("/api/v1/clients?sort=-fields.credit_limit");
  EXPECT_LT(at(down.body, big.json("id")), at(down.body, small.json("id")));
  EXPECT_LT(at(down.body, small.json("id")), at(down.body, none.json("id")));
  auto unsortable = get("/api/v1/clients?sort=fields.segment");
  EXPECT_EQ(unsortable.status, 400);
  EXPECT_NE(unsortable.body.find("fields.<key>"), std::string::npos) << unsortable.body;
  EXPECT_EQ(get("/api/v1/clients?sort=fields.nothing").status, 400);
  // The records of some ids in one request (the clients a page of tasks refers to), in the
  // list's order; an id with no record is left out.
  auto some = get("/api/v1/clients?id=" + none.json("id") + "&id=" + big.json("id") +
                  "&id=no-such-client&sort=-fields.credit_limit");
  ASSERT_EQ(some.status, 200) << some.body;
  EXPECT_EQ(at(some.body, small.json("id")), std::string::npos) << some.body;
  EXPECT_LT(at(some.body, big.json("id")), at(some.body, none.json("id"))) << some.body;
  std::string many = "/api/v1/clients?limit=1";
  for (int i = 0; i <= 500; ++i) many += "&id=c" + std::to_string(i);
  auto too_many = get(many);
  EXPECT_EQ(too_many.status, 400);
  EXPECT_NE(too_many.body.find(R"("field":"id")"), std::string::npos) << too_many.body;
}

TEST_F(Api, RangesOfDatesAndTimes) {
  // Contacts on Warsaw's 20 and 21 November: 23:30 UTC on the 20th is already the 21st there.
  std::vector<std::string> ids;
  for (const char* at : {"2026-11-19T12:00:00Z", "2026-11-20T08:00:00Z", "2026-11-20T23:30:00Z",
                         "2026-11-22T10:00:00Z"}) {
    auto c =
        post("/api/v1/contacts",
             std::string(R"({"kind":"note","direction":"internal","subject":"S","occurred_at":")") +
                 at + R"("})");
    ASSERT_EQ(c.status, 201) << c.body;
    ids.push_back(c.json("id"));
  }
  const std::string wait = "&min_position=" + std::to_string(store_->head());
  auto day = get("/api/v1/contacts?occurred_at.from=2026-11-20&occurred_at.to=2026-11-20" + wait);
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_NE(day.body.find(ids[1]), std::string::npos) << day.body;
  for (size_t i : {0, 2, 3}) EXPECT_EQ(day.body.find(ids[i]), std::string::npos) << i;
  auto since =
      get("/api/v1/contacts?occurred_at.from=2026-11-21T00:00:00%2B01:00&sort=-occurred_at");
  ASSERT_EQ(since.status, 200) << since.body;
  ASSERT_NE(since.body.find(ids[2]), std::string::npos) << since.body;
  EXPECT_LT(since.body.find(ids[3]), since.body.find(ids[2])) << "newest first";
  EXPECT_EQ(since.body.find(ids[1]), std::string::npos);
  auto bad = get("/api/v1/contacts?occurred_at.from=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("occurred_at.from"), std::string::npos) << bad.body;
  EXPECT_EQ(get("/api/v1/contacts?subject.from=A").status, 400) << "text has no range here";
  EXPECT_EQ(get("/api/v1/contacts?occurred_at.from=2026-11-20&occurred_at.from=2026-11-21").status,
            400)
      << "one end given twice is a question, not the later one";
  EXPECT_EQ(get("/api/v1/contacts?created_at.to=2026-11-22").status, 200);
}

TEST_F(Api, CampaignProgress) {
  auto campaign = post("/api/v1/campaigns", R"({"name":"Wiosna 2027"})");
  ASSERT_EQ(campaign.status, 201) << campaign.body;
  auto client = post("/api/v1/clients", R"({"name":"Alfa"})");
  auto project =
      post("/api/v1/projects", R"({"name":"Ankieta","campaign_id":")" + campaign.json("id") +
                                   R"(","client_ids":[")" + client.json("id") + R"("]})");
  ASSERT_EQ(project.status, 201) << project.body;
  auto task = post("/api/v1/tasks",
                   R"({"title":"Zadzwonić","project_id":")" + project.json("id") + R"("})");
  ASSERT_EQ(task.status, 201) << task.body;
  auto done = post("/api/v1/tasks/" + task.json("id") + "/complete", "{}");
  ASSERT_EQ(done.status, 200) << done.body;
  auto progress = get("/api/v1/campaigns/" + campaign.json("id") +
                      "/progress?min_position=" + done.json("position"));
  ASSERT_EQ(progress.status, 200) << progress.body;
  EXPECT_NE(progress.body.find(R"("projects":1,"planned":1)"), std::string::npos) << progress.body;
  EXPECT_NE(progress.body.find(R"("tasks":{"total":1,"done":1,"open":0,"cancelled":0})"),
            std::string::npos)
      << progress.body;
  EXPECT_NE(progress.body.find(R"("minutes_logged":0,"contacts":0,"clients":1)"), std::string::npos)
      << progress.body;
  EXPECT_EQ(get("/api/v1/campaigns/nosuch/progress").status, 404);
  // A project's own progress: its tasks, the time logged on them.
  auto open =
      post("/api/v1/tasks", R"({"title":"Ankieta","project_id":")" + project.json("id") + R"("})");
  auto logged = post("/api/v1/tasks/" + open.json("id") + "/work-log",
                     R"({"date":"2026-11-20","minutes":50})");
  ASSERT_EQ(logged.status, 200) << logged.body;
  auto own = get("/api/v1/projects/" + project.json("id") +
                 "/progress?min_position=" + logged.json("position"));
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_NE(own.body.find(R"("status":"planned","percent_complete":50,)"
                          R"("tasks":{"total":2,"done":1,"open":1,"cancelled":0},)"
                          R"("minutes_logged":50,"contacts":0,"clients":1})"),
            std::string::npos)
      << own.body;
  EXPECT_EQ(get("/api/v1/projects/nosuch/progress").status, 404);
}

TEST_F(Api, ViewsOfARecordThatDoesNotExistAre404) {
  // A mistyped id answered an empty history, timeline or calendar, as if there were nothing.
  for (const char* path :
       {"/api/v1/clients/nosuch/timeline", "/api/v1/clients/nosuch/history",
        "/api/v1/devices/nosuch/history", "/api/v1/campaigns/nosuch/progress",
        "/api/v1/calendar?operator=nosuch", "/api/v1/work-time?operator=nosuch"}) {
    auto r = get(path, "admin");
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_NE(r.body.find("'nosuch' does not exist"), std::string::npos) << r.body;
  }
  EXPECT_EQ(request(port_, "GET", "/api/v1/calendar/nosuch.ics?token=" + token("admin")).status,
            404);
  EXPECT_EQ(get("/api/v1/calendar?operator=op-operator", "admin").status, 200);
}

TEST_F(Api, OperatorsAndPasswords) {
  auto op =
      post("/api/v1/operators",
           R"({"login":"nowak","name":"Jan Nowak","role":"operator","password":"dobre-haslo"})");
  ASSERT_EQ(op.status, 201) << op.body;
  auto t =
      request(port_, "POST", "/api/v1/sessions", R"({"login":"nowak","password":"dobre-haslo"})");
  EXPECT_EQ(t.status, 201) << t.body;
  EXPECT_EQ(
      post("/api/v1/operators", R"({"login":"x1","name":"X","role":"operator"})", "manager").status,
      403);
  EXPECT_EQ(
      post("/api/v1/operators/" + op.json("id") + "/password", R"({"password":"short"})").status,
      422);
  EXPECT_EQ(
      post("/api/v1/operators/" + op.json("id") + "/password", R"({"password":"inne-haslo-2"})")
          .status,
      200);
  EXPECT_EQ(
      request(port_, "POST", "/api/v1/sessions", R"({"login":"nowak","password":"inne-haslo-2"})")
          .status,
      201);
  auto dup = post("/api/v1/operators", R"({"login":"nowak","name":"Other","role":"operator"})");
  EXPECT_EQ(dup.status, 422) << dup.body;
  // Deactivated operators lose their sessions (within the recheck interval) and cannot log in.
  EXPECT_EQ(patch("/api/v1/operators/" + op.json("id"), R"({"active":false})").status, 200);
  EXPECT_EQ(
      request(port_, "POST", "/api/v1/sessions", R"({"login":"nowak","password":"inne-haslo-2"})")
          .status,
      401);
}

TEST_F(Api, CalendarAndFeeds) {
  auto task =
      post("/api/v1/tasks",
           R"({"title":"Spotkanie","assignee_id":"op-operator","due":"2026-12-02"})", "operator");
  ASSERT_EQ(task.status, 201);
  auto cal =
      get("/api/v1/calendar?from=2026-12-01&to=2026-12-07&min_position=" + task.json("position"),
          "operator");
  ASSERT_EQ(cal.status, 200) << cal.body;
  EXPECT_NE(cal.body.find(R"("title":"Spotkanie","status":"open")"), std::string::npos) << cal.body;
  EXPECT_EQ(get("/api/v1/calendar?view=year").status, 400);
  EXPECT_EQ(get("/api/v1/calendar?from=2026-12-07&to=2026-12-01").status, 400);
  // The iCalendar feed takes the token in the query (calendar apps cannot send headers).
  auto ics = request(port_, "GET", "/api/v1/calendar/op-operator.ics?token=" + token("operator"));
  EXPECT_EQ(ics.status, 200);
  EXPECT_EQ(ics.header("content-type"), "text/calendar; charset=utf-8");
  EXPECT_EQ(ics.body.rfind("BEGIN:VCALENDAR", 0), 0u) << ics.body;
  EXPECT_NE(ics.body.find("X-WR-CALNAME:CRM: Test operator\r\n"), std::string::npos)
      << "a calendar app shows the operator's name: " << ics.body;
  EXPECT_EQ(request(port_, "GET", "/api/v1/clients?token=" + token("operator")).status, 401)
      << "only feeds take a token in the query";
}

TEST_F(Api, AnniversariesComeInPagesWithTheAgeTurned) {
  std::string position;
  for (const char* name : {"Adam", "Beata", "Cezary"}) {
    auto p = post("/api/v1/persons", std::string(R"({"first_name":")") + name +
                                         R"(","last_name":"Nowak","birthday":"1976-12-05"})");
    ASSERT_EQ(p.status, 201) << p.body;
    position = p.json("position");
  }
  auto first =
      get("/api/v1/anniversaries?from=2026-12-01&days=10&limit=2&min_position=" + position);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find(R"({"date":"2026-12-05","kind":"birthday","age":50,"person":{)"),
            std::string::npos)
      << first.body;
  const std::string cursor = first.json("next_cursor");
  ASSERT_FALSE(cursor.empty()) << first.body;
  auto second = get("/api/v1/anniversaries?from=2026-12-01&days=10&limit=2&cursor=" + cursor);
  ASSERT_EQ(second.status, 200) << second.body;
  for (const char* name : {"Adam", "Beata", "Cezary"})  // each on one of the pages (by id)
    EXPECT_NE(first.body.find(name) == std::string::npos,
              second.body.find(name) == std::string::npos)
        << name << ": " << first.body << second.body;
  EXPECT_EQ(second.json("next_cursor"), "null") << second.body;
  EXPECT_EQ(get("/api/v1/anniversaries?from=2026-12-06&cursor=" + cursor).status, 400)
      << "a cursor of another period";
  EXPECT_EQ(get("/api/v1/anniversaries?limit=0").status, 400);

  // A salesperson's own: the persons of the clients they manage.
  auto client =
      post("/api/v1/clients", R"({"name":"Moja firma","account_manager_id":"op-operator"})");
  ASSERT_EQ(client.status, 201) << client.body;
  auto dorota = post("/api/v1/persons", R"({"first_name":"Dorota","last_name":"Kowalska",
      "birthday":"1980-12-06","client_links":[{"client_id":")" +
                                            client.json("id") + "\"}]}");
  ASSERT_EQ(dorota.status, 201) << dorota.body;
  auto mine = get("/api/v1/anniversaries?from=2026-12-01&days=10&account_manager_id=op-operator" +
                  std::string("&min_position=") + dorota.json("position"));
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_NE(mine.body.find("Dorota"), std::string::npos) << mine.body;
  EXPECT_EQ(mine.body.find("Adam"), std::string::npos) << "no client of hers: " << mine.body;
  auto of_client =
      get("/api/v1/anniversaries?from=2026-12-01&days=10&client_id=" + client.json("id"));
  EXPECT_NE(of_client.body.find("Dorota"), std::string::npos) << of_client.body;
  EXPECT_EQ(of_client.body.find("Cezary"), std::string::npos) << of_client.body;
  EXPECT_EQ(get("/api/v1/anniversaries?account_manager_id=nosuch").status, 404);
}

// A read model stuck on an event it cannot decode shows on /healthz and /metrics, and a query
// waiting for a position past it answers 503 at once instead of after the whole wait.
TEST_F(Api, ACalendarFeedKeyOutlivesSessions) {
  // Calendar apps poll a feed's URL for months; sessions last 12 hours.
  std::atomic<int64_t> now{crm::testing::wall_clock_us()};
  stop();
  ApiOptions options;
  options.clock = [&] { return now.load(); };
  start(options, {});
  auto made = post("/api/v1/me/calendar-feed", "", "operator");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string url = made.json("url");
  EXPECT_EQ(url, "/api/v1/calendar/op-operator.ics?key=" + made.json("key"));
  EXPECT_EQ(request(port_, "GET", url).status, 200);
  now += int64_t{30} * 24 * 3600 * 1'000'000;  // a month later: every session has expired
  EXPECT_EQ(get("/api/v1/me", "operator").status, 401);
  auto later = request(port_, "GET", url);
  EXPECT_EQ(later.status, 200);
  EXPECT_EQ(later.body.rfind("BEGIN:VCALENDAR", 0), 0u) << later.body;
  // The key opens its own operator's feed and nothing else ...
  const std::string key = made.json("key");
  EXPECT_EQ(request(port_, "GET", "/api/v1/calendar/op-manager.ics?key=" + key).status, 403);
  EXPECT_EQ(request(port_, "GET", "/api/v1/calendar/op-operator.ics?key=" + key + "0").status, 401);
  EXPECT_EQ(request(port_, "GET", "/api/v1/me?key=" + key).status, 401);
  // ... until a new one replaces it, or it is revoked; both survive a restart.
  tokens_.clear();
  auto again = post("/api/v1/me/calendar-feed", "", "operator");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(request(port_, "GET", url).status, 401);
  stop();
  start(options, {});
  tokens_.clear();
  EXPECT_EQ(request(port_, "GET", again.json("url")).status, 200);
  EXPECT_EQ(request(port_, "DELETE", "/api/v1/me/calendar-feed", "", auth("operator")).status, 204);
  EXPECT_EQ(request(port_, "GET", again.json("url")).status, 401);
}

TEST_F(Api, AStuckReadModelShowsOnHealthAndMetrics) {
  EXPECT_EQ(request(port_, "GET", "/healthz").body.find("projection_failures"), std::string::npos);
  EXPECT_NE(request(port_, "GET", "/metrics")
                .body.find("crm_projection_failing{projection=\"lists\"} 0\n"),
            std::string::npos);
  ASSERT_TRUE(store_->append("client-c-bad", eventstore::ExpectedVersion::no_stream(),
                             {{"ClientCreated", "not a Cap'n Proto message"}}));
  const std::string bad = std::to_string(store_->head());
  const std::string problem = "event " + bad + " does not decode";
  Response health;
  for (int i = 0; i < 100; ++i) {
    health = request(port_, "GET", "/healthz");
    if (health.body.find("\"lists\":\"" + problem) != std::string::npos &&
        health.body.find("\"records\":\"" + problem) != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"projection_failures\":{"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("\"lists\":\"" + problem + "\""), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("\"records\":\"" + problem + "\""), std::string::npos);
  const auto metrics = request(port_, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("crm_projection_failing{projection=\"lists\"} 1\n"),
            std::string::npos)
      << metrics.body;
  // A wait for it gives up at once instead of waiting out its 5 s (on a loaded machine, with
  // two more builds running, a request took 1.04 s).
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/api/v1/clients?min_position=" + bad).status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

// After an upgrade the server builds a read model's new version beside the one queries read:
// /healthz and /metrics say which and how far, until it takes over.
TEST_F(Api, AReadModelsRebuildShowsOnHealthAndMetrics) {
  stop();
  std::promise<void> release;
  auto hold = release.get_future().share();
  bool released = false;
  auto release_once = [&] {
    if (!std::exchange(released, true)) release.set_value();
  };
  // Released whatever happens before the runner stops: a held build never ends.
  struct Guard {
    std::function<void()> f;
    ~Guard() { f(); }
  } guard{release_once};
  uint32_t live = 0;
  projections_ = [&] {
    auto all = projections::builtin_projections();
    for (auto& p : all)
      if (p->name() == "work_time") {
        live = p->version();
        p = std::make_unique<projections::test::AsVersion>("work_time", live + 1, hold);
      }
    return all;
  };
  start({.rate_limit = 0}, {});
  const std::string next = std::to_string(live + 1), head = std::to_string(store_->head());
  auto health = request(port_, "GET", "/healthz");
  EXPECT_NE(health.body.find("\"projection_rebuilds\":{\"work_time\":{\"version\":" + next +
                             ",\"position\":0,\"lag\":" + head + "}}"),
            std::string::npos)
      << health.body;
  auto metrics = request(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("crm_projection_rebuild_lag_events{projection=\"work_time\",version=\"" +
                         next + "\"} " + head + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("crm_projection_version{projection=\"work_time\"} " +
                         std::to_string(live) + "\n"),
            std::string::npos);
  release_once();
  for (int i = 0; i < 200 && health.body.find("projection_rebuilds") != std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    health = request(port_, "GET", "/healthz");
  }
  EXPECT_EQ(health.body.find("projection_rebuilds"), std::string::npos) << health.body;
  metrics = request(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("crm_projection_version{projection=\"work_time\"} " + next + "\n"),
            std::string::npos)
      << "the new version took over";
  EXPECT_EQ(metrics.find("crm_projection_rebuild_lag_events{"), std::string::npos);
}

TEST_F(Api, OperationsRoutes) {
  auto health = request(port_, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json("status"), "ok");
  get("/api/v1/clients");
  auto metrics = request(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find(R"(crm_http_requests_total{route="GET /api/v1/clients",status="200"})"),
      std::string::npos);
  EXPECT_NE(metrics.body.find("crm_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("crm_projection_lag_events{projection=\"records\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("crm_http_connections"), std::string::npos);
  post("/api/v1/clients", R"({"name":"Metryka"})");
  post("/api/v1/clients", R"({"name":123})");
  metrics = request(port_, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("crm_commands_total{result=\"accepted\"} 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("crm_commands_total{result=\"refused\"} 1\n"), std::string::npos);
  // The OpenAPI document is JSON and describes every route of the table.
  auto doc = request(port_, "GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  auto parsed = parse_object(doc.body);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(doc.json("openapi"), "3.1.0");
  const domain::Value* paths = domain::find(*parsed, "paths");
  ASSERT_TRUE(paths && paths->get<domain::Object>());
  for (const auto& route : api_->route_names()) {
    const std::string method = route.substr(0, route.find(' '));
    const std::string path = route.substr(route.find(' ') + 1);
    const domain::Value* item = domain::find(*paths->get<domain::Object>(), path);
    ASSERT_TRUE(item) << path;
    std::string lower = method;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
    EXPECT_TRUE(domain::find(*item->get<domain::Object>(), lower)) << route;
  }
  // Each list's sort names are given once (an inspection's title field is its due date, which
  // was listed twice: JSON Schema wants an enum's items unique).
  size_t sorted_lists = 0;
  for (const auto& [path, item] : *paths->get<domain::Object>()) {
    const auto* get_op = domain::find(*item.get<domain::Object>(), "get");
    const auto* params =
        get_op ? domain::find(*get_op->get<domain::Object>(), "parameters") : nullptr;
    if (!params) continue;
    for (const auto& p : *params->get<domain::List>()) {
      const auto& param = *p.get<domain::Object>();
      if (*domain::find(param, "name")->get<std::string>() != "sort") continue;
      const auto& schema = *domain::find(param, "schema")->get<domain::Object>();
      const auto& any_of = *domain::find(schema, "anyOf")->get<domain::List>();
      const auto& names =
          *domain::find(*any_of.at(0).get<domain::Object>(), "enum")->get<domain::List>();
      std::set<std::string> unique;
      for (const auto& name : names) unique.insert(*name.get<std::string>());
      EXPECT_EQ(unique.size(), names.size()) << path;
      ++sorted_lists;
    }
  }
  EXPECT_GE(sorted_lists, 11u);
  EXPECT_EQ(request(port_, "GET", "/nothing/here").status, 404);
  EXPECT_EQ(request(port_, "PUT", "/api/v1/clients").status, 405);
  // A query's parameters are in the document, and one it does not take is refused, not ignored
  // (the month's work time of "operater=" would have been the caller's own).
  const auto* calendar = domain::find(*paths->get<domain::Object>(), "/api/v1/calendar");
  ASSERT_TRUE(calendar);
  const auto* params = domain::find(
      *domain::find(*calendar->get<domain::Object>(), "get")->get<domain::Object>(), "parameters");
  ASSERT_TRUE(params && params->get<domain::List>());
  std::vector<std::string> names;
  for (const auto& p : *params->get<domain::List>())
    names.push_back(*domain::find(*p.get<domain::Object>(), "name")->get<std::string>());
  EXPECT_EQ(names,
            (std::vector<std::string>{"operator", "from", "to", "view", "date", "min_position"}));
  auto misspelt = get("/api/v1/work-time?operater=op-operator", "manager");
  EXPECT_EQ(misspelt.status, 400);
  EXPECT_NE(misspelt.body.find(R"("field":"operater")"), std::string::npos) << misspelt.body;
  EXPECT_EQ(get("/api/v1/work-time?operator=op-operator&min_position=1", "manager").status, 200);
  EXPECT_EQ(get("/api/v1/clients/nosuch?colour=red").status, 400);
}

}  // namespace
}  // namespace crm::api::test
