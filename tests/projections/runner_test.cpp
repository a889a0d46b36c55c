#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "demo/generator.h"
#include "tests/projections/fixture.h"

namespace crm::projections::test {
namespace {

using domain::Action;
using K = domain::EntityKind;
using namespace std::chrono_literals;

const std::vector<std::string> kViews = {
    "records",   "lists",    "my_tasks",      "timeline",          "inspections", "anniversaries",
    "work_time", "calendar", "device_orders", "campaign_projects", "counting"};

uint64_t counted(const TableStore& views, const Runner& runner) {
  auto n = views.get(runner.tables("counting")[1], "n");
  EXPECT_TRUE(n);
  EXPECT_FALSE(views.get(runner.tables("counting")[1], "duplicate").value().has_value())
      << "an event applied twice";
  return n && *n ? std::stoull(**n) : 0;
}

// The same count in the table version 2 of the counting projection added.
uint64_t added(const TableStore& views, const Runner& runner) {
  auto n = views.get(runner.tables("counting")[2], "n");
  EXPECT_TRUE(n);
  return n && *n ? std::stoull(**n) : 0;
}

void generate(eventstore::EventStore& log, uint64_t seed,
              demo::Scale scale = {"tiny", 6, 40, 90, 400, 200, 6, 2, 20, 40}) {
  demo::Options o;
  o.scale = scale;
  o.seed = seed;
  o.today_us = domain::DateTime::parse("2026-11-22T00:00:00Z")->micros;
  ASSERT_EQ(demo::generate(log, o).refused, 0u);
}

TEST_F(ProjectionTest, RestartResumesFromTheCheckpoint) {
  generate(*log_, 1);
  catch_up();
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
  auto status = runner_->status();
  ASSERT_EQ(status.size(), 11u);
  for (const auto& s : status) {
    EXPECT_EQ(s.checkpoint, log_->head()) << s.name;
    EXPECT_EQ(s.lag, 0u);
  }
  const uint64_t before = log_->head();
  open_views();  // a restart: nothing is replayed, only what is new is applied
  ok(K::operator_, Action::create, "op-new",
     {{"login", "nowy"}, {"name", "Nowy"}, {"role", "operator"}});
  catch_up();
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
  EXPECT_GT(log_->head(), before);
}

TEST_F(ProjectionTest, AVersionBumpRebuildsBesideTheOldVersion) {
  generate(*log_, 2);
  catch_up();
  auto value_at_1 = [&] {
    return views_->get(runner_->tables("counting")[0], "1").value().value_or("");
  };
  EXPECT_EQ(value_at_1().find("/v2"), std::string::npos);

  open_views(/*counting_version=*/2);
  ASSERT_TRUE(runner_->start());
  // Until the new version has caught up, queries read the old, complete one (or the new one once
  // it has switched); never a half-built table.
  for (int i = 0; i < 200; ++i) {
    const auto s = runner_->status();
    const auto& counting = s.back();
    const uint64_t n = counted(*views_, *runner_);
    if (counting.version == 1) {
      EXPECT_EQ(n, log_->head()) << "the old version stays whole";
    }
    if (counting.version == 2) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(runner_->wait_for(log_->head(), 10s));
  for (int i = 0; i < 200 && runner_->status().back().version != 2; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(runner_->status().back().version, 2u);
  runner_->stop();
  EXPECT_NE(value_at_1().find("/v2"), std::string::npos);
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
  for (const auto& t : views_->tables())
    EXPECT_EQ(t.rfind("counting.v1.", 0), std::string::npos) << t << " was not dropped";
  // After another restart the new version is simply live.
  open_views(2);
  catch_up();
  EXPECT_EQ(runner_->status().back().version, 2u);
}

// Writes go on while a new version is built and takes over: no event is skipped or applied twice
// across the switch, in the new version's tables.
TEST_F(ProjectionTest, AVersionBumpWhileWritesGoOnAppliesEachEventOnce) {
  generate(*log_, 6);
  catch_up();
  open_views(2);
  ASSERT_TRUE(runner_->start());
  int written_after_switch = 0;
  for (int i = 0; i < 20'000 && written_after_switch < 100; ++i) {
    auto r = handler_->handle({K::client,
                               Action::create,
                               "w-" + std::to_string(i),
                               {{"name", "Firma " + std::to_string(i)}},
                               "op-1"});
    ASSERT_TRUE(r) << r.error().message;
    if (runner_->status().back().version == 2) ++written_after_switch;
    // In bursts: a writer faster than the views (under a sanitizer) would keep the head ahead.
    if (i % 20 == 19) {
      ASSERT_TRUE(runner_->wait_for(log_->head(), 10s));
    }
  }
  ASSERT_EQ(written_after_switch, 100) << "the switch did not happen while writes went on";
  ASSERT_TRUE(runner_->wait_for(log_->head(), 10s));
  runner_->stop();
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
  EXPECT_EQ(added(*views_, *runner_), log_->head());
}

// A release rolled back (version 2 → 1) and deployed again (→ 2): version 2's table that version
// 1 does not know goes with the others, and the new build counts each event once.
TEST_F(ProjectionTest, ARolledBackVersionBuiltAgainCountsEachEventOnce) {
  generate(*log_, 2);
  open_views(2);
  catch_up();
  ASSERT_EQ(added(*views_, *runner_), log_->head());
  open_views(1);
  catch_up();
  ASSERT_EQ(runner_->status().back().version, 1u);
  for (const auto& t : views_->tables())
    EXPECT_EQ(t.rfind("counting.v2.", 0), std::string::npos) << t << " was not dropped";
  open_views(2);
  catch_up();
  ASSERT_EQ(runner_->status().back().version, 2u);
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
  EXPECT_EQ(added(*views_, *runner_), log_->head());
}

// A switch cut short after it wrote the new version active, before it dropped the old tables,
// leaves them: when the runner starts, those of a version in use by none go, and a version
// built again from position 0 starts from empty tables.
TEST_F(ProjectionTest, TablesLeftByASwitchCutShortAreDroppedOnStart) {
  generate(*log_, 2);
  catch_up();
  runner_.reset();
  auto batch = views_->batch();
  for (const char* name : {"counting.v7.seen", "counting.v2.added"}) {
    auto left = views_->table(name);
    ASSERT_TRUE(left);
    batch.put(*left, "n", "1000");
  }
  ASSERT_TRUE(views_->write(std::move(batch)));
  open_views(2);
  catch_up();
  ASSERT_EQ(runner_->status().back().version, 2u);
  const auto tables = views_->tables();
  EXPECT_EQ(std::count(tables.begin(), tables.end(), "counting.v7.seen"), 0);
  EXPECT_EQ(std::count(tables.begin(), tables.end(), "counting.v1.seen"), 0);
  EXPECT_EQ(added(*views_, *runner_), log_->head());
}

// An offline rebuild (Runner::reset) cut short after it cleared the checkpoints, before it
// dropped the tables: the next start builds from empty tables, not onto the old rows.
TEST_F(ProjectionTest, AResetCutShortCountsEachEventOnce) {
  generate(*log_, 2);
  catch_up();
  runner_.reset();
  auto meta = views_->table("projections.meta");
  ASSERT_TRUE(meta);
  auto batch = views_->batch();
  for (const char* key : {"counting.active", "counting.v1.checkpoint"}) {
    ASSERT_TRUE(views_->get(*meta, key).value()) << key;
    batch.erase(*meta, key);
  }
  ASSERT_TRUE(views_->write(std::move(batch)));
  open_views();
  catch_up();
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
}

// A crash right after a new version went live: the switch is on disk before the old tables go,
// so the views come back whole, with the new version active, even under the old release.
TEST_F(ProjectionTest, ACrashAfterASwitchKeepsTheViewsWhole) {
  generate(*log_, 5);
  catch_up();
  runner_.reset();
  views_.reset();
  log_.reset();  // the child opens the log and the views itself
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(CRASH_CHILD, CRASH_CHILD, dir_.sub("log").c_str(), dir_.sub("views").c_str(), "2",
            "crash", nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  open_log();
  open_views(1);  // the release before, rolled back to
  ASSERT_TRUE(runner_->catch_up());
  EXPECT_EQ(counted(*views_, *runner_), log_->head());
}

TEST_F(ProjectionTest, LiveIncrementalViewsEqualARebuildFromZero) {
  ASSERT_TRUE(runner_->start());
  generate(*log_, 3);  // while the runner follows the log
  ASSERT_TRUE(runner_->wait_for(log_->head(), 20s));
  runner_->stop();
  const auto incremental = dump(*views_, *runner_, kViews);
  ASSERT_GT(incremental.size(), 1000u);

  runner_.reset();
  for (const auto& v : kViews) ASSERT_TRUE(Runner::reset(*views_, v));
  runner_ = std::make_unique<Runner>(*log_, *views_, all_projections());
  catch_up();
  EXPECT_EQ(dump(*views_, *runner_, kViews), incremental);
}

TEST_F(ProjectionTest, ReadYourWritesWithALiveRunner) {
  ASSERT_TRUE(runner_->start());
  for (int i = 0; i < 20; ++i) {
    auto r = handler_->handle({K::client,
                               Action::create,
                               "c-" + std::to_string(i),
                               {{"name", "Klient " + std::to_string(i)}},
                               "op-1"});
    ASSERT_TRUE(r);
    ASSERT_TRUE(runner_->wait_for(r->position, 5s));
    auto rec = queries_->record(K::client, "c-" + std::to_string(i));
    ASSERT_TRUE(rec && rec->has_value()) << "visible right after wait_for";
  }
  EXPECT_FALSE(runner_->wait_for(log_->head() + 1, 20ms)) << "a position not yet written times out";
  for (const auto& s : runner_->status()) EXPECT_EQ(s.lag, 0u);
}

// An event a projection cannot be given (its payload does not decode: written by a newer
// version, or damaged) stops the lanes at it, says so in status(), and wait_for gives up at once
// instead of waiting out its timeout. Nothing after it is applied: no event is skipped.
TEST_F(ProjectionTest, AnEventThatDoesNotDecodeStopsTheLanesVisibly) {
  ok(K::client, Action::create, "c-1", {{"name", "Przed"}});
  ASSERT_TRUE(log_->append("client-c-bad", eventstore::ExpectedVersion::no_stream(),
                           {{"ClientCreated", "not a Cap'n Proto message"}}));
  const uint64_t bad = log_->head();
  ok(K::client, Action::create, "c-2", {{"name", "Po"}});
  ASSERT_TRUE(runner_->start());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(runner_->wait_for(log_->head(), 30s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s) << "wait_for waited out its timeout";
  EXPECT_TRUE(runner_->wait_for(bad - 1, 5s)) << "what comes before the event is applied";
  // Each lane says so once it has failed (the other one may still be on its way).
  for (int i = 0; i < 100; ++i) {
    const auto status = runner_->status();
    if (std::all_of(status.begin(), status.end(), [](auto& s) { return !s.failure.empty(); }))
      break;
    std::this_thread::sleep_for(50ms);
  }
  for (const auto& s : runner_->status()) {
    EXPECT_EQ(s.failure, "event " + std::to_string(bad) + " does not decode") << s.name;
    EXPECT_EQ(s.checkpoint, bad - 1) << s.name;
    EXPECT_EQ(s.lag, 2u) << s.name;
  }
  auto after = queries_->record(K::client, "c-2");
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->has_value()) << "an event after the failing one was applied";
}

// Pages of 7 while another thread keeps adding clients: every client that existed before paging
// began is seen exactly once.
TEST_F(ProjectionTest, PaginationVisitsEveryRowOnceWhileWritesGoOn) {
  for (int i = 0; i < 150; ++i)
    ok(K::client, Action::create, "c-" + std::to_string(i),
       {{"name", "Firma " + std::to_string(1000 + i * 7919 % 997)}});
  ASSERT_TRUE(runner_->start());
  ASSERT_TRUE(runner_->wait_for(log_->head(), 10s));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; !done && i < 400; ++i) {
      auto r = handler_->handle({K::client,
                                 Action::create,
                                 "n-" + std::to_string(i),
                                 {{"name", "Nowa " + std::to_string(i * 31 % 113)}},
                                 "op-1"});
      ASSERT_TRUE(r);
    }
  });
  std::multiset<std::string> seen;
  ListQuery q;
  q.limit = 7;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = queries_->list(q);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& r : page->items) seen.insert(r->id);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  done = true;
  writer.join();
  for (int i = 0; i < 150; ++i) EXPECT_EQ(seen.count("c-" + std::to_string(i)), 1u) << i;
  for (const auto& id : seen) EXPECT_EQ(seen.count(id), 1u) << id;
}

// A child process projects the log and is SIGKILLed at random moments, round after round; views
// and checkpoints always agree, so finishing the job gives exactly what a clean rebuild gives.
TEST_F(ProjectionTest, SigkillDuringProjectionLeavesViewsAndCheckpointsConsistent) {
  generate(*log_, 4, {"crash", 8, 120, 300, 3000, 1500, 20, 3, 60, 150});
  const uint64_t head = log_->head();
  runner_.reset();
  views_.reset();
  log_.reset();  // the child opens the log itself
  std::mt19937 rng(99);
  int killed_midway = 0;
  for (int round = 0; round < 8; ++round) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(CRASH_CHILD, CRASH_CHILD, dir_.sub("log").c_str(), dir_.sub("views").c_str(),
              nullptr);
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 200));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed_midway;
  }
  EXPECT_GT(killed_midway, 0) << "the child always finished before the kill";

  open_log();
  ASSERT_EQ(log_->head(), head);
  open_views();
  catch_up();
  EXPECT_EQ(counted(*views_, *runner_), head);
  const auto resumed = dump(*views_, *runner_, kViews);
  runner_.reset();
  for (const auto& v : kViews) ASSERT_TRUE(Runner::reset(*views_, v));
  runner_ = std::make_unique<Runner>(*log_, *views_, all_projections());
  catch_up();
  EXPECT_EQ(dump(*views_, *runner_, kViews), resumed);
}

}  // namespace
}  // namespace crm::projections::test
