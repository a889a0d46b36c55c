#pragma once
// A log, a views store and the command path in a temporary directory, plus a projection that
// counts what it is given (so applying an event twice, or skipping one, shows).

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "application/command_handler.h"
#include "eventstore/event_store.h"
#include "projections/runner.h"
#include "projections/views.h"
#include "tests/support/random.h"
#include "tests/support/temp_dir.h"

namespace crm::projections::test {

/// Table "seen": position -> stream, for every event; table "count": "n" -> number of events;
/// from version 2 also table "added" (a table a new version brought): "n" -> the same count.
class CountingProjection final : public Projection {
 public:
  explicit CountingProjection(uint32_t version = 1) : version_(version) {}
  std::string name() const override { return "counting"; }
  uint32_t version() const override { return version_; }
  std::vector<std::string> tables() const override {
    if (version_ > 1) return {"seen", "count", "added"};
    return {"seen", "count"};
  }
  void apply(const Event& e, ViewWriter& out) override {
    const std::string key = std::to_string(e.raw.position);
    if (out.get(0, key)) out.put(1, "duplicate", key);  // never expected
    out.put(0, key, e.raw.stream + (version_ > 1 ? "/v" + std::to_string(version_) : ""));
    for (size_t t = 1; t < (version_ > 1 ? 3 : 2); ++t) {
      const auto n = out.get(t, "n");
      out.put(t, "n", std::to_string((n ? std::stoull(*n) : 0) + 1));
    }
  }

 private:
  uint32_t version_;
};

/// A built-in view under another version number: as an older version left it (the current one's
/// rows, less the tables it did not have), or a newer one whose build is held up at its first
/// event until `hold` is ready (what an upgraded server serves while it builds).
class AsVersion final : public Projection {
 public:
  AsVersion(const std::string& name, uint32_t version, std::shared_future<void> hold = {})
      : version_(version), hold_(std::move(hold)) {
    for (auto& p : builtin_projections())
      if (p->name() == name) current_ = std::move(p);
  }
  std::string name() const override { return current_->name(); }
  uint32_t version() const override { return version_; }
  std::vector<std::string> tables() const override { return current_->tables(); }
  unsigned lane() const override { return current_->lane(); }
  void apply(const Event& e, ViewWriter& out) override {
    if (hold_.valid()) hold_.wait();
    current_->apply(e, out);
  }

 private:
  uint32_t version_;
  std::shared_future<void> hold_;
  std::unique_ptr<Projection> current_;
};

inline std::vector<std::unique_ptr<Projection>> all_projections(uint32_t counting_version = 1) {
  auto out = builtin_projections();
  out.push_back(std::make_unique<CountingProjection>(counting_version));
  return out;
}

/// Every row of every table of the version queries read, as "table|key|value".
inline std::vector<std::string> dump(const TableStore& views, const Runner& runner,
                                     const std::vector<std::string>& names) {
  std::vector<std::string> rows;
  for (const auto& name : names) {
    const auto tables = runner.tables(name);
    for (size_t t = 0; t < tables.size(); ++t) {
      auto r = views.scan(tables[t], "", "", eventstore::Direction::forward, UINT64_MAX,
                          [&](std::string_view k, std::string_view v) {
                            rows.push_back(name + "." + std::to_string(t) + "|" + std::string(k) +
                                           "|" + std::string(v));
                            return true;
                          });
      EXPECT_TRUE(r);
    }
  }
  return rows;
}

/// Every page of a list from its start: the records' ids in order (a failed page fails the test
/// and ends the walk).
inline std::vector<std::string> list_ids(const Queries& queries, ListQuery q) {
  std::vector<std::string> ids;
  for (int pages = 0; pages < 100'000; ++pages) {  // a page may be short, even empty
    auto page = queries.list(q);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return ids;
    for (const auto& r : page->items) ids.push_back(r->id);
    if (page->next_cursor.empty()) return ids;
    q.cursor = page->next_cursor;
  }
  ADD_FAILURE() << "no last page";
  return ids;
}

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open_log();
    open_views();
  }

  void open_log() {
    handler_.reset();
    log_.reset();
    eventstore::Options o;
    o.sync = false;
    log_ = std::move(eventstore::EventStore::open(dir_.sub("log"), o)).value();
    handler_ = std::make_unique<application::CommandHandler>(
        *log_, application::Options{[this] { return now_us_; }});
  }

  void open_views(uint32_t counting_version = 1) {
    runner_.reset();
    views_.reset();
    views_ = std::move(eventstore::TableStore::open(dir_.sub("views"))).value();
    runner_ = std::make_unique<Runner>(*log_, *views_, all_projections(counting_version));
    queries_ = std::make_unique<Queries>(*views_, *runner_);
  }

  void ok(domain::EntityKind kind, domain::Action action, const std::string& id,
          domain::Object input, const std::string& actor = "op-1") {
    auto r = handler_->handle({kind, action, id, std::move(input), actor});
    ASSERT_TRUE(r) << r.error().message;
    now_us_ += 60'000'000;
  }

  /// The operators most tests act as: op-1 (Anna, an operator) and op-2 (Jan, a manager).
  void add_operators() {
    ok(domain::EntityKind::operator_, domain::Action::create, "op-1",
       {{"login", "anna"}, {"name", "Anna"}, {"role", "operator"}});
    ok(domain::EntityKind::operator_, domain::Action::create, "op-2",
       {{"login", "jan"}, {"name", "Jan"}, {"role", "manager"}});
  }

  void catch_up() {
    auto r = runner_->catch_up();
    ASSERT_TRUE(r) << r.error().message;
  }

  crm::testing::TempDir dir_;
  int64_t now_us_ = domain::DateTime::parse("2026-11-22T09:30:00Z")->micros;
  std::unique_ptr<eventstore::EventStore> log_;
  std::unique_ptr<application::CommandHandler> handler_;
  std::unique_ptr<eventstore::TableStore> views_;
  std::unique_ptr<Runner> runner_;
  std::unique_ptr<Queries> queries_;
};

/// Random records and queries (crm::testing::Randomness). Acts as three operators (op-1 Anna,
/// op-2 Jan, op-3 Ewa).
class RandomizedTest : public ProjectionTest, protected crm::testing::Randomness {
 protected:
  void SetUp() override {
    ProjectionTest::SetUp();
    add_operators();
    ok(domain::EntityKind::operator_, domain::Action::create, "op-3",
       {{"login", "ewa"}, {"name", "Ewa"}, {"role", "operator"}});
  }

  /// A command that may be refused (a transition the record's status does not allow), by
  /// `actor` or any operator. The clock moves on 0, 1 or 2 minutes: ties in time too.
  bool attempt(domain::EntityKind kind, domain::Action action, const std::string& id,
               domain::Object input, std::string actor = "") {
    if (actor.empty()) actor = pick(operators_);
    auto r = handler_->handle({kind, action, id, std::move(input), std::move(actor)});
    now_us_ += static_cast<int64_t>(rng_() % 3) * 60'000'000;
    return r.has_value();
  }

  const std::vector<std::string> operators_ = {"op-1", "op-2", "op-3"};
};

}  // namespace crm::projections::test
