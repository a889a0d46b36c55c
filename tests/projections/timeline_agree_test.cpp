// A client's timeline against the log: random records of every kind a timeline holds, moved
// between clients, their times of occurrence changed, worked on, answered, completed, invoiced;
// then every client's timeline read in both orders (when each thing happened, when it was
// recorded), in pages, over random spans of time and kinds of record. What the test expects it
// works out from the log's events and what it asked for: each event in the timelines of the
// clients its record referred to before and after it (an inspection's, its device's clients), at
// the time it happened: when it was recorded, but the day given for logged work, an invoice or an
// inspection's completion, the reply's time for an answered contact, and a contact's occurred_at
// or a service order's received_at as it is now for their creation. Each entry named as its
// record is named now (renamed clients, tasks, persons and devices; an inspection by its device).
// And what an auditor reads beside it: any record as it was at a time, or at a log position.

#include <algorithm>
#include <set>
#include <sstream>

#include "domain/codec.h"
#include "domain/time.h"
#include "tests/projections/fixture.h"

namespace crm::projections::test {
namespace {

using domain::Action;
using domain::Value;
using K = domain::EntityKind;
using Order = Queries::TimelineOrder;

class TimelineAgreeTest : public RandomizedTest {
 protected:
  void SetUp() override {
    RandomizedTest::SetUp();
    for (const auto& c : clients_) run(K::client, Action::create, c, {{"name", "Klient " + c}});
    ASSERT_EQ(events_.size(), clients_.size());
  }

  using Key = std::pair<K, std::string>;

  struct Expected {
    uint64_t position;
    Key record;
    std::string type, by;
    int64_t at;
    int64_t when;  // but a contact's or a service order's creation's: creation_when_
    std::vector<std::string> clients;
  };

  /// `attempt`, then what the test expects of the events it appended (none if it was refused).
  bool run(K kind, Action action, const std::string& id, domain::Object input) {
    const Key key{kind, id};
    const std::vector<std::string> before = owners_[key];
    const bool done = attempt(kind, action, id, input);
    std::vector<Expected> appended;
    auto read = log_->read_all(read_ + 1, UINT64_MAX, [&](const eventstore::RecordedEvent& r) {
      read_ = r.position;
      const auto of = domain::kind_from_name(r.category());
      if (!of || std::ranges::find(kTimelineKinds, *of) == std::end(kTimelineKinds)) return true;
      const auto e = domain::codec::decode(r.type, r.payload);
      EXPECT_TRUE(e) << r.type;
      if (!e) return false;
      appended.push_back({r.position,
                          {*of, r.stream.substr(r.category().size() + 1)},
                          r.type,
                          e->by,
                          e->at.micros,
                          e->at.micros,
                          {}});
      return true;
    });
    EXPECT_TRUE(read) << read.error().message;
    if (!done) {
      EXPECT_TRUE(appended.empty()) << "a refused command appended " << appended.size();
      return false;
    }
    // The clients the record refers to now, as the test gave them.
    auto clients_in = [&](const char* field) -> std::optional<std::vector<std::string>> {
      const Value* v = domain::find(input, field);
      if (!v) return std::nullopt;
      std::vector<std::string> out;
      if (const auto* one = v->get<std::string>()) out.push_back(*one);
      if (const auto* list = v->get<domain::List>())
        for (const auto& item : *list) {
          if (const auto* c = item.get<std::string>()) out.push_back(*c);
          if (const auto* link = item.get<domain::Object>())
            out.push_back(*domain::find(*link, "client_id")->get<std::string>());
        }
      return out;
    };
    for (const char* field : {"client_id", "client_ids", "client_links"})
      if (auto now = clients_in(field)) owners_[key] = std::move(*now);
    if (kind == K::inspection && action == Action::create)
      device_of_[id] = *domain::find(input, "device_id")->get<std::string>();
    name(kind, action, id, input);

    for (auto& e : appended) {
      const Value* date = domain::find(input, "date");
      const bool own = e.record == key;
      if (e.record.first == K::client) {
        e.clients = {e.record.second};
      } else if (e.record.first == K::inspection) {
        e.clients = owners_[{K::device, device_of_[e.record.second]}];
      } else if (own) {
        e.clients = before;
        for (const auto& c : owners_[key])
          if (std::ranges::find(before, c) == before.end()) e.clients.push_back(c);
      } else {
        e.clients = owners_[e.record];
      }
      if (e.type == "ContactReplied") {
        e.when = e.at;  // the reply's occurred_at, or now
        if (const Value* t = domain::find(input, "occurred_at"))
          e.when = domain::DateTime::parse(*t->get<std::string>())->micros;
      } else if (date &&
                 (e.type == "WorkLogged" || e.type == "TurnoverRecorded" ||
                  e.type == "TradeDocumentRecorded" || (e.type == "InspectionCompleted" && own))) {
        e.when = on_day(*domain::Date::parse(*date->get<std::string>()), e.at);
      }
      if (own && action == Action::create && (kind == K::contact || kind == K::service_order) &&
          !e.clients.empty()) {
        creation_of_[id] = e.position;
        creation_when_[e.position] = e.at;  // received or occurred now, unless given
      }
    }
    // A given occurred_at or received_at: when a contact's or a service order's creation
    // happened, in the timelines it was created in.
    for (const char* field : {"occurred_at", "received_at"})
      if (const Value* t = domain::find(input, field); t && creation_of_.contains(id))
        creation_when_[creation_of_[id]] = domain::DateTime::parse(*t->get<std::string>())->micros;
    std::ranges::move(appended, std::back_inserter(events_));
    return true;
  }

  /// What the test named a record (the fields of its title, as it gave them), and a service
  /// order its number: the next of the year's, in the order they were registered.
  void name(K kind, Action action, const std::string& id, const domain::Object& input) {
    const Key key{kind, id};
    if (kind == K::service_order && action == Action::create) {
      char number[32];
      std::snprintf(number, sizeof number, "ZS/%d/%05d",
                    domain::local_date(domain::DateTime{now_us_}).year(), ++orders_);
      names_[key] = {number};
    }
    const auto& fields = title_fields(kind);
    names_[key].resize(std::max(names_[key].size(), fields.size()));
    for (size_t i = 0; i < fields.size(); ++i)
      if (const Value* v = domain::find(input, fields[i])) names_[key][i] = *v->get<std::string>();
    if (const Value* model = kind == K::device ? domain::find(input, "model") : nullptr)
      models_[id] = model->is_null() ? "" : *model->get<std::string>();
  }

  /// A record's title as the test named it: a timeline entry's, now.
  std::string title_of(K kind, const std::string& id) const {
    auto joined = [&](const Key& key) {
      const auto named = names_.find(key);
      if (named == names_.end()) return std::string("(not named by the test)");
      std::string out;
      for (const auto& part : named->second) out += (out.empty() ? "" : " ") + part;
      return out;
    };
    if (kind == K::service_order) return "Zlecenie serwisowe " + joined({kind, id});
    if (kind != K::inspection) return joined({kind, id});
    const std::string device = device_of_.contains(id) ? device_of_.at(id) : "";
    const auto model = models_.find(device);
    return "Przegląd urządzenia " + joined({K::device, device}) +
           (model == models_.end() || model->second.empty() ? "" : " (" + model->second + ")");
  }

  /// The day `day` at the local time of day of `at` (the test's days are all in winter time).
  static int64_t on_day(domain::Date day, int64_t at) {
    const domain::Date recorded = domain::local_date(domain::DateTime{at});
    return domain::local_midnight(day).micros + (at - domain::local_midnight(recorded).micros);
  }

  int64_t when_of(const Expected& e) const {
    auto moved = creation_when_.find(e.position);
    return moved == creation_when_.end() ? e.when : moved->second;
  }

  static std::string show(uint64_t position, const Key& record, const std::string& type, int64_t at,
                          int64_t when, const std::string& by) {
    std::ostringstream s;
    s << position << " " << domain::name_of(record.first) << "/" << record.second << " " << type
      << " at " << domain::DateTime{at}.format() << " happened " << domain::DateTime{when}.format()
      << " by " << by;
    return s.str();
  }

  /// The entries the test expects in `client`'s timeline, newest first.
  std::vector<std::string> expected(const std::string& client, Order order, TimeRange range,
                                    const std::vector<K>& kinds) const {
    std::vector<std::tuple<int64_t, uint64_t, std::string>> in;
    for (const auto& e : events_) {
      if (std::ranges::find(e.clients, client) == e.clients.end()) continue;
      if (!kinds.empty() && std::ranges::find(kinds, e.record.first) == kinds.end()) continue;
      const int64_t when = when_of(e), t = order == Order::occurred ? when : e.at;
      if (t < range.from.micros || t >= range.until.micros) continue;
      in.emplace_back(t, e.position, show(e.position, e.record, e.type, e.at, when, e.by));
    }
    std::ranges::sort(in, std::greater<>());
    std::vector<std::string> out;
    for (auto& [t, position, entry] : in) out.push_back(std::move(entry));
    return out;
  }

  /// Every page of a client's timeline, each entry as `show` writes it.
  std::vector<std::string> walk(const std::string& client, Order order, TimeRange range,
                                const std::vector<K>& kinds, size_t limit) {
    std::vector<std::string> out;
    std::string cursor;
    for (int pages = 0; pages < 100'000; ++pages) {
      auto page = queries_->timeline(client, limit, cursor, order, range, kinds);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return out;
      EXPECT_LE(page->entries.size(), limit);
      for (const auto& e : page->entries) {
        out.push_back(
            show(e.position, {e.kind, e.id}, e.type, e.at.micros, e.occurred_at.micros, e.by));
        const auto name = operator_names_.find(e.by);
        EXPECT_EQ(e.by_name, name == operator_names_.end() ? "" : name->second) << out.back();
        EXPECT_EQ(e.title, title_of(e.kind, e.id)) << out.back();
      }
      if (page->next_cursor.empty()) return out;
      cursor = page->next_cursor;
    }
    ADD_FAILURE() << "no last page";
    return out;
  }

  /// Reads `queries` random timelines against what the test expects; returns how many entries
  /// they held.
  size_t agree(int queries) {
    const int64_t first = events_.front().at - 3 * kDay, span = now_us_ - first + 6 * kDay;
    size_t seen = 0;
    for (int i = 0; i < queries; ++i) {
      const std::string& client = pick(clients_);
      const Order order = chance(50) ? Order::occurred : Order::recorded;
      TimeRange range;
      if (chance(40)) {
        const int64_t from = first + static_cast<int64_t>(rng_() % static_cast<uint64_t>(span));
        if (!chance(20)) range.from = {from};
        if (!chance(20))  // now and then backwards: no entries
          range.until = {from + static_cast<int64_t>(rng_() % (3 * kDay)) * (chance(5) ? -1 : 1)};
      }
      std::vector<K> kinds;
      if (chance(30))
        for (const K k : kTimelineKinds)
          if (chance(40)) kinds.push_back(k);
      const size_t limit = chance(20) ? 200 : 1 + rng_() % 9;
      const auto want = expected(client, order, range, kinds);
      const auto got = walk(client, order, range, kinds, limit);
      if (got != want) {
        const auto at = static_cast<size_t>(std::ranges::mismatch(got, want).in1 - got.begin());
        std::ostringstream s;
        s << client << (order == Order::occurred ? " by when it happened" : " as recorded")
          << ", from " << (range.from.micros == INT64_MIN ? "-" : range.from.format()) << " until "
          << (range.until.micros == INT64_MAX ? "-" : range.until.format()) << ", " << kinds.size()
          << " kinds, pages of " << limit << ": " << got.size() << " entries, expected "
          << want.size() << "; from the " << at + 1 << "th:";
        for (size_t j = at; j < std::min(at + 3, std::max(got.size(), want.size())); ++j)
          s << "\n  got      " << (j < got.size() ? got[j] : "-") << "\n  expected "
            << (j < want.size() ? want[j] : "-");
        ADD_FAILURE() << s.str();
        return seen;  // one is enough to read
      }
      seen += got.size();
    }
    return seen;
  }

  /// Persons, devices and projects, some with clients, some without.
  void make_some() {
    for (int i = 0; i < 30; ++i) {
      domain::List link_list;
      for (const auto& c : some_clients())
        link_list.push_back(Value(domain::Object{{"client_id", c}, {"role", Value("Kontakt")}}));
      make(K::person, "pe-" + std::to_string(i),
           {{"first_name", "Anna"}, {"last_name", "Nowak"}, {"client_links", link_list}});
    }
    for (int i = 0; i < 20; ++i)
      make(K::device, "de-" + std::to_string(i),
           {{"serial_number", "SN" + std::to_string(i)}, {"client_id", some_client()}});
    for (int i = 0; i < 15; ++i)
      make(K::project, "pr-" + std::to_string(i),
           {{"name", "Projekt " + std::to_string(i)}, {"client_ids", some_clients()}});
  }

  /// One random command: a record made, moved, its time of occurrence changed, worked on,
  /// answered, completed, invoiced...
  void step(int n) {
    const std::vector<std::string> order_statuses = {"diagnosed", "in_repair", "completed",
                                                     "handed_back", "cancelled"};
    switch (rng_() % 16) {
      case 0:
      case 1: {
        domain::Object in{{"kind", "phone_call"},
                          {"direction", "inbound"},
                          {"subject", "Rozmowa " + std::to_string(n)},
                          {"client_id", some_client()},
                          {"occurred_at", some_time()}};
        if (chance(30)) in.pop_back();  // now
        if (chance(30) && !of(K::contact).empty())
          in.emplace_back("reply_to_id", pick(of(K::contact)));
        make(K::contact, "co-" + std::to_string(n), std::move(in));
        break;
      }
      case 2: {
        domain::Object in{
            {"client_id", pick(clients_)}, {"problem", "Awaria"}, {"received_at", some_time()}};
        if (chance(30)) in.pop_back();
        if (chance(50)) in.emplace_back("device_id", pick(of(K::device)));
        if (chance(20) && !of(K::inspection).empty())
          in.emplace_back("inspection_id", pick(of(K::inspection)));
        make(K::service_order, "so-" + std::to_string(n), std::move(in));
        break;
      }
      case 3:
        make(K::task, "ta-" + std::to_string(n),
             {{"title", "Zadanie " + std::to_string(n)}, {"client_id", some_client()}});
        break;
      case 4:
        make(K::inspection, "in-" + std::to_string(n),
             {{"device_id", pick(of(K::device))},
              {"due", some_day()},
              {"every",
               chance(50) ? Value(domain::Object{{"months", Value(int64_t{6})}}) : Value()}});
        break;
      case 5:
        make(K::trade_document, "td-" + std::to_string(n),
             {{"type", chance(70) ? "invoice" : "order"},
              {"number", "FV/" + std::to_string(n)},
              {"date", some_day()},
              {"net", Value(domain::Object{{"amount", "100.00"}})},
              {"client_id", pick(clients_)}});
        break;
      case 6: {  // a record moves to other clients
        const K kind = pick(std::vector<K>{K::contact, K::task, K::device, K::service_order,
                                           K::person, K::project});
        if (of(kind).empty()) break;
        Value to = kind == K::project ? Value(some_clients())
                   : kind == K::person
                       ? Value(domain::List{Value(domain::Object{{"client_id", pick(clients_)}})})
                   : kind == K::service_order ? Value(pick(clients_))
                                              : some_client();
        run(kind, Action::update, pick(of(kind)),
            {{kind == K::project  ? "client_ids"
              : kind == K::person ? "client_links"
                                  : "client_id",
              std::move(to)}});
        break;
      }
      case 7:  // a contact happened, or an order was received, at another time
        if (chance(50) && !of(K::contact).empty())
          run(K::contact, Action::update, pick(of(K::contact)), {{"occurred_at", some_time()}});
        else if (!of(K::service_order).empty())
          run(K::service_order, Action::update, pick(of(K::service_order)),
              {{"received_at", some_time()}});
        break;
      case 8: {
        const bool order = chance(30) && !of(K::service_order).empty();
        if (!order && of(K::task).empty()) break;
        run(order ? K::service_order : K::task, Action::log_work,
            pick(of(order ? K::service_order : K::task)),
            {{"date", some_day()}, {"minutes", Value(int64_t{30})}});
        break;
      }
      case 9:
        if (!of(K::task).empty())
          run(K::task, pick(std::vector<Action>{Action::start, Action::complete, Action::reopen}),
              pick(of(K::task)), {});
        break;
      case 10:
        if (!of(K::service_order).empty())
          run(K::service_order, Action::change_status, pick(of(K::service_order)),
              {{"status", pick(order_statuses)}});
        break;
      case 11:
        if (!of(K::inspection).empty())
          run(K::inspection, chance(80) ? Action::complete : Action::cancel,
              pick(of(K::inspection)),
              chance(70) ? domain::Object{{"date", some_day()}} : domain::Object{});
        break;
      case 12:
        run(K::person, Action::relate, pick(of(K::person)),
            {{"person_id", pick(of(K::person))}, {"label", "współpracownik"}});
        break;
      case 13:  // renamed: a client, a person, a device (its serial number or model)
        if (chance(50))
          run(K::client, Action::update, pick(clients_), {{"name", "Klient " + std::to_string(n)}});
        else if (chance(50))
          run(K::person, Action::update, pick(of(K::person)),
              {{"last_name", "Nowak-" + std::to_string(n)}});
        else
          run(K::device, Action::update, pick(of(K::device)),
              {chance(50)
                   ? std::pair<std::string, Value>{"serial_number", "SN-" + std::to_string(n)}
                   : std::pair<std::string, Value>{
                         "model", chance(20) ? Value() : Value("Kocioł " + std::to_string(n))}});
        break;
      default:
        if (!of(K::task).empty())
          run(K::task, Action::update, pick(of(K::task)),
              {{"title", "Zadanie " + std::to_string(n)}});
    }
  }

  static constexpr int64_t kMinute = 60'000'000, kDay = 24 * 60 * kMinute;

  /// A time some days before or after now: contacts logged after the fact, orders received
  /// before they were entered, and some ahead.
  Value some_time() {
    const int64_t t = now_us_ + (static_cast<int64_t>(rng_() % 8) - 6) * kDay +
                      static_cast<int64_t>(rng_() % 600) * kMinute;
    return Value(domain::to_display(Value(domain::DateTime{t})));
  }
  Value some_day() {
    return Value(domain::local_date(domain::DateTime{now_us_})
                     .add_days(static_cast<int32_t>(rng_() % 10) - 7)
                     .format());
  }
  /// A client, now and then none (where a record may have none).
  Value some_client() { return chance(10) ? Value() : Value(pick(clients_)); }
  domain::List some_clients() {
    domain::List out;
    for (const auto& c : clients_)
      if (chance(30)) out.push_back(Value(c));
    return out;
  }

  const std::vector<std::string>& of(K kind) { return made_[kind]; }
  void make(K kind, const std::string& id, domain::Object input) {
    if (run(kind, Action::create, id, std::move(input))) made_[kind].push_back(id);
  }

  const std::vector<std::string> clients_ = {"c-0", "c-1", "c-2", "c-3"};
  const std::map<std::string, std::string> operator_names_ = {
      {"op-1", "Anna"}, {"op-2", "Jan"}, {"op-3", "Ewa"}};
  uint64_t read_ = 0;  // the log's events read so far
  std::vector<Expected> events_;
  std::map<Key, std::vector<std::string>> owners_;  // the clients a record refers to now
  std::map<std::string, std::string> device_of_;    // an inspection's
  std::map<std::string, uint64_t> creation_of_;     // a contact's, a service order's, if in any
  std::map<uint64_t, int64_t> creation_when_;       // ... and when it happened, as now
  std::map<K, std::vector<std::string>> made_;
  std::map<Key, std::vector<std::string>> names_;  // the parts of a record's title, as given
  std::map<std::string, std::string> models_;      // a device's
  int orders_ = 0;                                 // service orders registered
};

TEST_F(TimelineAgreeTest, TimelinesHoldTheLogsEvents) {
  make_some();
  int n = 0;
  for (; n < 1500; ++n) {
    step(n);
    if (chance(2)) catch_up();  // some events applied alone, others many at once
  }
  catch_up();
  EXPECT_GT(agree(200), 5000u) << "most timelines hold entries";
  for (; n < 2500; ++n) step(n);
  catch_up();
  ASSERT_TRUE(views_->flush());
  EXPECT_GT(agree(200), 5000u) << "most timelines hold entries";

  // What the test did reached the timelines: moved creations, logged work on other days.
  size_t moved = 0, dated = 0;
  for (const auto& e : events_) {
    moved += creation_when_.contains(e.position) && when_of(e) != e.at;
    dated += e.when != e.at;
  }
  EXPECT_GT(moved, 50u);
  EXPECT_GT(dated, 100u);
}

// Time travel against the records view: records as the view showed them at random moments, and
// the same records loaded from the log as of each moment's time and of its log position.
TEST_F(TimelineAgreeTest, RecordsAsOfAnyTimeAreAsTheyWere) {
  make_some();
  struct Seen {
    K kind;
    std::string id;
    uint64_t position;
    domain::DateTime at;
    std::shared_ptr<const domain::Record> record;
  };
  std::vector<Seen> seen;
  for (int n = 0; n < 1500; ++n) {
    step(n);
    if (!chance(3)) continue;
    catch_up();
    for (int i = 0; i < 5; ++i) {  // the record changed last, and others
      auto [kind, id] = events_.back().record;
      if (i > 0) {
        kind = pick(std::vector<K>{K::client, K::person, K::contact, K::task, K::project, K::device,
                                   K::inspection, K::service_order});
        id = kind == K::client ? pick(clients_) : of(kind).empty() ? "" : pick(of(kind));
        if (id.empty()) continue;
      }
      auto page = queries_->list({.kind = kind, .ids = {id}});
      ASSERT_TRUE(page && page->items.size() == 1) << id;
      seen.push_back({kind, id, read_, {now_us_}, page->items[0]});
    }
    now_us_ += kMinute;  // what follows was decided later
  }
  std::set<std::pair<std::string, uint64_t>> versions;
  for (const auto& s : seen) {
    const std::string what = std::string(domain::name_of(s.kind)) + "/" + s.id + " as of " +
                             s.at.format() + ", position " + std::to_string(s.position);
    auto at_time = handler_->load(s.kind, s.id, UINT64_MAX, s.at);
    auto at_position = handler_->load(s.kind, s.id, s.position);
    ASSERT_TRUE(at_time && at_position) << what;
    EXPECT_EQ(*at_time, *s.record) << what;
    EXPECT_EQ(*at_position, *s.record) << what;
    versions.emplace(s.id, s.record->version);
  }
  EXPECT_GT(versions.size(), 100u);
  auto now = handler_->load(K::client, clients_[0]);
  ASSERT_TRUE(now);
  EXPECT_GT(now->version, 10u) << "the clients changed";
}

}  // namespace
}  // namespace crm::projections::test
