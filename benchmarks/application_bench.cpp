// application.load: rebuilding one record from its stream (read, decode, apply), for streams of
// 10 to 10,000 events, beside the event store reading the same stream without decoding or
// applying. Decides whether snapshots are needed (issue: domain).
//
// usage: application_bench [--quick] [--json FILE] [NAME-PREFIX ...]

#include <chrono>
#include <cstdio>

#include "application/command_handler.h"
#include "benchmarks/harness.h"
#include "domain/codec.h"
#include "eventstore/event_store.h"
#include "tests/support/temp_dir.h"

namespace crm::bench {
namespace {

using domain::Action;
using domain::EntityKind;

void must(const application::result<application::Outcome>& r) {
  if (!r) {
    std::fprintf(stderr, "command refused: %s\n", r.error().message.c_str());
    std::abort();
  }
}

void load_benchmark(const Settings& s) {
  for (int events : {10, 100, 1000, 10000}) {
    const std::string name = "application.load/" + std::to_string(events);
    if (!s.wants(name)) continue;
    if (s.quick && events > 1000) continue;
    crm::testing::TempDir dir("crm-bench-load");
    eventstore::Options o;
    o.sync = false;
    auto store = std::move(eventstore::EventStore::open(dir.sub("db"), o)).value();
    application::CommandHandler handler(*store, {});
    must(handler.handle({EntityKind::operator_,
                         Action::create,
                         "op1",
                         {{"login", "op1"}, {"name", "Op"}, {"role", "operator"}},
                         "op1"}));
    must(handler.handle({EntityKind::client, Action::create, "c1", {{"name", "Klient"}}, "op1"}));
    must(handler.handle({EntityKind::task,
                         Action::create,
                         "t1",
                         {{"title", "Długie zadanie"}, {"client_id", "c1"}},
                         "op1"}));
    // A long-lived task: many work-log entries and edits, the events the domain decides for
    // them, appended in bulk (deciding each against an ever longer stream would take minutes).
    std::vector<eventstore::EventData> bulk;
    for (int i = 1; i < events; ++i) {
      domain::DomainEvent e;
      e.at = domain::DateTime{1'795'305'600'000'000 + i * 60'000'000LL};
      e.by = "op1";
      if (i % 2) {
        e.type = "WorkLogged";
        e.entry = {{"operator_id", "op1"},
                   {"date", domain::Date::from_ymd(2026, 11, 22)},
                   {"minutes", int64_t{15}},
                   {"note", "praca"}};
      } else {
        e.type = "TaskUpdated";
        e.changes = {{"description", false, domain::Value("opis " + std::to_string(i - 2)),
                      domain::Value("opis " + std::to_string(i))}};
      }
      bulk.push_back({e.type, domain::codec::encode(e), domain::codec::kSchemaVersion});
    }
    for (size_t i = 0; i < bulk.size(); i += 500) {
      std::vector<eventstore::EventData> chunk(bulk.begin() + i,
                                               bulk.begin() + std::min(bulk.size(), i + 500));
      if (!store->append("task-t1", eventstore::ExpectedVersion::any(), std::move(chunk)))
        std::abort();
    }
    const int rounds = std::max(3, 20'000 / events);
    auto time = [&](auto&& fn) {
      std::vector<double> us;
      for (int r = 0; r < rounds; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
      }
      return percentile(us, 50);
    };
    const double load = time([&] {
      auto r = handler.load(EntityKind::task, "t1");
      if (!r || r->version != static_cast<uint64_t>(events)) std::abort();
    });
    const double raw = time([&] {
      uint64_t n = 0;
      auto r = store->read_stream("task-t1", 1, eventstore::Direction::forward, UINT64_MAX,
                                  [&](const auto&) { return ++n, true; });
      if (!r || n != static_cast<uint64_t>(events)) std::abort();
    });
    report(s,
           {name,
            "one task stream of " + std::to_string(events) + " events (work log + edits), p50 of " +
                std::to_string(rounds),
            load, "us", "event store read of the same stream, no decode/apply", raw, load / raw});
  }
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  crm::bench::load_benchmark(crm::bench::parse_settings(argc, argv));
}
