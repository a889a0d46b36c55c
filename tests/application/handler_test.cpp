// The command handler over a real event store in a temporary directory.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "application/command_handler.h"
#include "eventstore/event_store.h"
#include "tests/domain/world.h"
#include "tests/support/temp_dir.h"

namespace crm::application {
namespace {

using domain::Action;
using domain::Command;
using domain::EntityKind;
using domain::Object;
using domain::Value;
using K = EntityKind;

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  // Durability is the event store's own test subject; tests of concurrent commands sync, so that
  // many commands are decided while an append waits for the disk.
  void reopen(bool sync = false) {
    handler_.reset();
    store_.reset();
    eventstore::Options o;
    o.sync = sync;
    store_ = std::move(eventstore::EventStore::open(dir_.sub("db"), o)).value();
    handler_ = std::make_unique<CommandHandler>(*store_, Options{[this] { return now_us_; }});
  }

  result<Outcome> run(K kind, Action action, std::string id, Object input,
                      std::optional<uint64_t> if_match = {}, std::string key = {},
                      std::string actor = "op-admin") {
    Command c{kind, action, std::move(id), std::move(input), std::move(actor)};
    return handler_->handle(std::move(c), Request{if_match, std::move(key), {}, {}});
  }

  Outcome ok(K kind, Action action, std::string id, Object input = {}) {
    auto r = run(kind, action, id, std::move(input));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Outcome{};
  }

  domain::Record load(K kind, const std::string& id) {
    return std::move(handler_->load(kind, id)).value();
  }

  void seed() {
    ok(K::operator_, Action::create, "op-admin",
       {{"login", "admin"}, {"name", "Admin"}, {"role", "admin"}});
    ok(K::client, Action::create, "c-1", {{"name", "Fabryka Mebli"}});
  }

  crm::testing::TempDir dir_;
  int64_t now_us_ = domain::DateTime::parse("2026-11-22T09:30:00Z")->micros;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(HandlerTest, CreatesLoadsAndUpdatesThroughTheLog) {
  seed();
  auto out = ok(K::client, Action::update, "c-1", {{"status", "active"}, {"code", "FM"}});
  EXPECT_EQ(out.version, 3u);
  EXPECT_EQ(out.position, store_->head());
  const auto c = load(K::client, "c-1");
  EXPECT_EQ(c.text("status"), "active");
  EXPECT_EQ(c.text("code"), "FM");
  EXPECT_EQ(c.version, 3u);
  // Stored events carry intention-revealing types and the operator.
  std::vector<std::string> types;
  std::set<std::string> correlations;
  ASSERT_TRUE(
      store_->read_stream("client-c-1", 1, eventstore::Direction::forward, 10, [&](const auto& e) {
        types.push_back(e.type);
        EXPECT_EQ(e.metadata.operator_id, "op-admin");
        correlations.insert(e.metadata.correlation_id);
        return true;
      }));
  EXPECT_EQ(correlations.size(), 2u) << "two commands; the two events of the second share one id";
  EXPECT_EQ(correlations.count(""), 0u);
  auto caused = handler_->handle({K::client, Action::update, "c-1", {{"code", "FM2"}}, "op-admin"},
                                 Request{{}, {}, "corr-9", "event-77"});
  ASSERT_TRUE(caused);
  ASSERT_TRUE(store_->read_all(caused->position, 1, [&](const auto& e) {
    EXPECT_EQ(e.metadata.correlation_id, "corr-9");
    EXPECT_EQ(e.metadata.causation_id, "event-77");
    return false;
  }));
  EXPECT_EQ(types,
            (std::vector<std::string>{"ClientRegistered", "ClientUpdated", "ClientStatusChanged"}));
}

// Loads keep current states and read only what was appended since: also what another handler
// (another process's, a replica's) appended; time travel never starts from a kept state.
TEST_F(HandlerTest, KeptStatesCatchUpWithAppendsFromElsewhere) {
  seed();
  const uint64_t before = store_->head();
  EXPECT_EQ(load(K::client, "c-1").version, 1u);  // kept now
  CommandHandler other(*store_, Options{[this] { return now_us_; }});
  ASSERT_TRUE(other.handle({K::client, Action::update, "c-1", {{"code", "FM7"}}, "op-admin"}));
  const auto now = load(K::client, "c-1");
  EXPECT_EQ(now.version, 2u);
  EXPECT_EQ(now.text("code"), "FM7");
  const auto then = handler_->load(K::client, "c-1", before);
  ASSERT_TRUE(then);
  EXPECT_EQ(then->version, 1u);
  EXPECT_EQ(then->text("code"), "");
  auto stale = run(K::client, Action::update, "c-1", {{"code", "FM8"}}, 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().k, error::kind::conflict) << "If-Match is checked against version 2";
}

TEST_F(HandlerTest, RefusalsAndStaleVersionsAppendNothing) {
  seed();
  const uint64_t head = store_->head();
  auto refused = run(K::client, Action::update, "c-1", {{"tax_id", "123"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().k, error::kind::refused);
  EXPECT_EQ(refused.error().domain_error.fields.at(0).field, "tax_id");
  auto stale = run(K::client, Action::update, "c-1", {{"code", "X"}}, /*if_match=*/7);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().k, error::kind::conflict);
  EXPECT_EQ(stale.error().current_version, 1u);
  EXPECT_EQ(store_->head(), head);
  EXPECT_TRUE(run(K::client, Action::update, "c-1", {{"code", "X"}}, /*if_match=*/1));
}

TEST_F(HandlerTest, IdempotencyKeyReturnsTheFirstOutcomeAlsoAfterRestart) {
  seed();
  auto first = run(K::contact, Action::create, "k-1",
                   {{"kind", "note"},
                    {"direction", "internal"},
                    {"occurred_at", "2026-11-22T09:00:00Z"},
                    {"subject", "Notatka"}},
                   {}, "key-1");
  ASSERT_TRUE(first);
  const uint64_t head = store_->head();
  reopen();
  auto again = run(K::contact, Action::create, "k-1",
                   {{"kind", "note"},
                    {"direction", "internal"},
                    {"occurred_at", "2026-11-22T09:00:00Z"},
                    {"subject", "Notatka"}},
                   {}, "key-1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->position, first->position);
  EXPECT_EQ(again->version, first->version);
  EXPECT_EQ(store_->head(), head);
  // The same key from another operator is another command.
  ok(K::operator_, Action::create, "op-2",
     {{"login", "ewa"}, {"name", "Ewa"}, {"role", "operator"}});
  auto other = run(K::contact, Action::create, "k-2",
                   {{"kind", "note"},
                    {"direction", "internal"},
                    {"occurred_at", "2026-11-22T09:00:00Z"},
                    {"subject", "x"}},
                   {}, "key-1", "op-2");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->duplicate);
}

// Runs `command(id)` from eight threads at once, each for ids <prefix><thread>-<i>, on a store
// that syncs (so many commands are decided while an append waits for the disk); each must
// succeed the first time. Returns the ids.
std::vector<std::string> from_eight_threads(
    const std::string& prefix, int each,
    const std::function<result<Outcome>(std::string)>& command) {
  std::vector<std::string> ids;
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < each; ++i)
      ids.push_back(prefix + std::to_string(t) + "-" + std::to_string(i));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) {
        const std::string& id = ids[t * each + i];
        auto r = command(id);
        EXPECT_TRUE(r) << id << ": " << r.error().message;
      }
    });
  for (auto& th : threads) th.join();
  return ids;
}

// Service orders registered from eight threads at once: none conflicts over the number, and
// every number is used exactly once, 1..N.
TEST_F(HandlerTest, ConcurrentServiceOrdersGetDenseUniqueNumbers) {
  reopen(true);
  seed();
  const auto ids = from_eight_threads("so-", 15, [&](std::string id) {
    return run(K::service_order, Action::create, std::move(id),
               {{"client_id", "c-1"}, {"problem", "awaria"}});
  });
  std::set<std::string> numbers;
  for (const auto& id : ids) numbers.insert(load(K::service_order, id).text("number"));
  ASSERT_EQ(numbers.size(), ids.size());
  EXPECT_EQ(*numbers.begin(), "ZS/2026/00001");
  EXPECT_EQ(*numbers.rbegin(), "ZS/2026/00120");
}

// Invoices for one client from eight threads at once: each also records turnover on the client,
// yet none conflicts there; every one is on the client once.
TEST_F(HandlerTest, ConcurrentInvoicesForOneClientAllSucceedTheFirstTime) {
  reopen(true);
  seed();
  const auto ids = from_eight_threads("fv-", 10, [&](std::string id) {
    return run(K::trade_document, Action::create, id,
               {{"type", "invoice"},
                {"number", "FV/" + id},
                {"date", "2026-10-01"},
                {"net", domain::test::money("100.00")},
                {"client_id", "c-1"}});
  });
  EXPECT_EQ(load(K::client, "c-1").version, 1 + ids.size());
}

// The same commands without waiting: refusals answer at once, registrations and invoices for
// one client submitted all at once all succeed (each decided in its turn), repeats return the
// first outcome.
TEST_F(HandlerTest, AsyncCommandsAreDecidedRetriedAndRepeatedLikeWaitingOnes) {
  seed();
  // Submits every command at once and waits for all the outcomes.
  auto submit_all = [&](std::vector<std::pair<Command, Request>> commands) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::pair<std::string, result<Outcome>>> outcomes;
    for (auto& [c, r] : commands)
      handler_->handle_async(c, r, [&, id = c.id](result<Outcome> o) {
        std::lock_guard lk(mu);
        outcomes.emplace_back(id, std::move(o));
        cv.notify_all();
      });
    std::unique_lock lk(mu);
    EXPECT_TRUE(cv.wait_for(lk, std::chrono::seconds(30),
                            [&] { return outcomes.size() == commands.size(); }));
    return outcomes;
  };
  auto order = [](const std::string& id, const std::string& client = "c-1") {
    return std::pair<Command, Request>{{K::service_order,
                                        Action::create,
                                        id,
                                        {{"client_id", client}, {"problem", "awaria"}},
                                        "op-admin"},
                                       {}};
  };
  auto invoice = [](int i) {
    return std::pair<Command, Request>{{K::trade_document,
                                        Action::create,
                                        "fv-" + std::to_string(i),
                                        {{"type", "invoice"},
                                         {"number", "FV/" + std::to_string(i)},
                                         {"date", "2026-10-01"},
                                         {"net", domain::test::money("100.00")},
                                         {"client_id", "c-1"}},
                                        "op-admin"},
                                       {}};
  };
  std::vector<std::pair<Command, Request>> orders;
  for (int i = 0; i < 100; ++i) {
    orders.push_back(order("so-" + std::to_string(i)));
    if (i % 5 == 0) orders.push_back(invoice(i));
    if (i == 50) orders.push_back(order("so-unknown-client", "c-404"));
  }
  for (auto& [id, outcome] : submit_all(std::move(orders))) {
    if (id == "so-unknown-client") {
      ASSERT_FALSE(outcome);
      EXPECT_EQ(outcome.error().k, error::kind::refused);
    } else {
      EXPECT_TRUE(outcome) << id << ": " << outcome.error().message;
    }
  }
  std::set<std::string> numbers;
  for (int i = 0; i < 100; ++i)
    numbers.insert(load(K::service_order, "so-" + std::to_string(i)).text("number"));
  EXPECT_EQ(numbers.size(), 100u) << "unique numbers";
  EXPECT_EQ(*numbers.rbegin(), "ZS/2026/00100") << "dense";
  EXPECT_EQ(load(K::client, "c-1").version, 1u + 20) << "every invoice on its client";

  const Request keyed{{}, "key-1", {}, {}};
  auto first =
      submit_all({{{K::client, Action::update, "c-404", {{"code", "X"}}, "op-admin"}, {}},
                  {{K::client, Action::update, "c-1", {{"code", "K1"}}, "op-admin"}, keyed}});
  for (const auto& [id, outcome] : first) {
    if (id == "c-404") {
      ASSERT_FALSE(outcome);
      EXPECT_EQ(outcome.error().k, error::kind::refused);
    } else {
      ASSERT_TRUE(outcome) << outcome.error().message;
    }
  }
  const uint64_t head = store_->head();
  auto again =
      submit_all({{{K::client, Action::update, "c-1", {{"code", "K2"}}, "op-admin"}, keyed}});
  ASSERT_TRUE(again.at(0).second);
  EXPECT_TRUE(again.at(0).second->duplicate);
  EXPECT_EQ(store_->head(), head);
  EXPECT_EQ(load(K::client, "c-1").text("code"), "K1");
}

// Random command sequences: the state rebuilt from the stored events equals the state the pure
// domain reaches by deciding and applying the same commands in memory, before and after a
// restart; and both accept and refuse exactly the same commands.
TEST_F(HandlerTest, RandomCommandSequencesRebuildTheSameState) {
  domain::test::World world;
  world.now = domain::DateTime{now_us_};
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  std::vector<std::pair<K, std::string>> touched;
  auto both = [&](K kind, Action action, const std::string& id, Object input) {
    auto in_memory = world.run(kind, action, id, input);
    auto stored = run(kind, action, id, input);
    ASSERT_EQ(static_cast<bool>(in_memory), static_cast<bool>(stored))
        << domain::name_of(kind) << " " << domain::name_of(action) << " " << id << ": "
        << (in_memory ? stored.error().message : in_memory.error().message);
    if (in_memory)
      for (const auto& s : in_memory->streams) touched.emplace_back(s.kind, s.id);
  };
  both(K::operator_, Action::create, "op-admin",
       {{"login", "admin"}, {"name", "Admin"}, {"role", "admin"}});
  both(K::field_catalog, Action::define_field, "client",
       {{"key", "segment"},
        {"label", "Segment"},
        {"type", "choice"},
        {"options", domain::List{Value("A"), Value("B")}}});
  const char* statuses[] = {"open",      "in_progress", "done",   "diagnosed", "in_repair",
                            "completed", "handed_back", "active", "bogus"};
  for (int i = 0; i < 400; ++i) {
    const std::string c = "c-" + std::to_string(pick(8));
    const std::string p = "p-" + std::to_string(pick(8));
    const std::string t = "t-" + std::to_string(pick(8));
    const std::string so = "so-" + std::to_string(pick(6));
    switch (pick(12)) {
      case 0:
        both(K::client, Action::create, c,
             {{"name", "Klient " + c}, {"fields", Object{{"segment", pick(3) ? "A" : "Z"}}}});
        break;
      case 1:
        both(K::client, Action::update, c,
             {{"status", pick(2) ? "active" : "inactive"},
              {"potential", domain::test::money(pick(2) ? "100.50" : "1e3")}});
        break;
      case 2:
        both(K::person, Action::create, p,
             {{"first_name", "Jan"},
              {"last_name", p},
              {"client_links", domain::List{Object{{"client_id", c}}}}});
        break;
      case 3:
        both(K::person, Action::relate, p,
             {{"person_id", "p-" + std::to_string(pick(8))}, {"label", "współpracownik"}});
        break;
      case 4:
        both(K::task, Action::create, t,
             {{"title", "Zadanie " + t}, {"client_id", c}, {"assignee_id", "op-admin"}});
        break;
      case 5:
        both(K::task, pick(2) ? Action::complete : Action::reopen, t, {});
        break;
      case 6:
        both(K::task, Action::log_work, t, {{"minutes", pick(100) - 5}});
        break;
      case 7:
        both(K::service_order, Action::create, so, {{"client_id", c}, {"problem", "usterka"}});
        break;
      case 8:
        both(K::service_order, Action::change_status, so, {{"status", statuses[3 + pick(6)]}});
        break;
      case 9:
        both(K::trade_document, Action::create, "fv-" + std::to_string(i),
             {{"type", "invoice"},
              {"number", "FV/" + std::to_string(i)},
              {"date", "2026-10-01"},
              {"net", domain::test::money("99.99")},
              {"client_id", c}});
        break;
      case 10:
        both(K::contact, Action::create, "k-" + std::to_string(i),
             {{"kind", "quote_request"},
              {"direction", "inbound"},
              {"occurred_at", "2026-11-20T08:00:00Z"},
              {"subject", "Zapytanie"},
              {"client_id", c},
              {"awaits_reply", true},
              {"reply_to_id", "k-" + std::to_string(pick(i + 1))}});
        break;
      case 11:
        both(K::task, Action::update, t, {{"priority", statuses[pick(9)]}});
        break;
    }
    world.now.micros += 60'000'000;
    now_us_ += 60'000'000;
  }
  ASSERT_GT(touched.size(), 100u);
  for (int round = 0; round < 2; ++round) {
    for (const auto& [kind, id] : touched) {
      if (kind == K::counter) {
        EXPECT_EQ(load(kind, id).version, world.get(kind, id).version);  // a counter is its version
        continue;
      }
      ASSERT_EQ(load(kind, id), world.get(kind, id)) << domain::name_of(kind) << " " << id;
    }
    reopen();
  }
}

}  // namespace
}  // namespace crm::application
