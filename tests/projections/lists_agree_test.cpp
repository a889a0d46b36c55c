// Lists read from the lists view's rows against the same lists read record by record: random
// records, changed at random, and random queries (filters alone and together, ranges, searches,
// every sort both ways, pages of a few). A query that names every record's id (`ListQuery::ids`)
// reads each record and sorts them at query time; any other query is answered from the view's
// index rows (titles, buckets, sort rows, paired rows, words) by whichever way the query
// planner takes. Both must give the same records in the same order. And the other views built
// from the same records against the lists, the records or what the test recorded: my tasks, an
// operator's calendar (tasks, service orders, inspections and their recurrences), work time,
// birthdays and name days, a device's repair history, campaigns' progress and projects' work.
// SEED=n in the environment tries other records and queries.

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "domain/time.h"
#include "tests/projections/fixture.h"

namespace crm::projections::test {
namespace {

using domain::Action;
using domain::Value;
using K = domain::EntityKind;

class ListsAgreeTest : public RandomizedTest {
 protected:
  std::vector<std::string> walk(const ListQuery& q) { return list_ids(*queries_, q); }

  static std::string describe(const ListQuery& q) {
    std::ostringstream s;
    s << domain::name_of(q.kind) << "?";
    for (const auto& [f, v] : q.filters) s << f << "=" << v << "&";
    for (const auto& r : q.ranges)
      s << r.field << ".from=" << domain::to_display(r.from) << "&" << r.field
        << ".to=" << domain::to_display(r.to) << "&";
    if (!q.search.empty()) s << "q=" << q.search << "&";
    s << "sort=" << (q.descending ? "-" : "") << q.sort << "&limit=" << q.limit;
    return s.str();
  }

  /// Runs `queries` random queries made by `make` over `ids` (every record of the kind), each
  /// against the same query naming ids; returns how many gave a record at all. A query names at
  /// most kMaxListIds: more are split at random into parts of that many, each part's records
  /// expected in the list in that part's order, and every part's records, none else, in it.
  int agree(std::vector<std::string> ids, int queries, const std::function<ListQuery()>& make) {
    int nonempty = 0;
    for (int i = 0; i < queries; ++i) {
      const ListQuery q = make();
      const auto got = walk(q);
      std::ranges::shuffle(ids, rng_);
      std::set<std::string> expected_set;
      bool differ = false;
      for (size_t part = 0; part < ids.size() && !differ; part += kMaxListIds) {
        ListQuery read_one_by_one = q;
        read_one_by_one.ids.assign(
            ids.begin() + static_cast<ptrdiff_t>(part),
            ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), part + kMaxListIds)));
        const std::set<std::string> in_part(read_one_by_one.ids.begin(), read_one_by_one.ids.end());
        const auto expected = walk(read_one_by_one);
        std::vector<std::string> listed;  // got's records of this part
        std::ranges::copy_if(got, std::back_inserter(listed),
                             [&](const std::string& id) { return in_part.contains(id); });
        if (listed != expected) {
          ADD_FAILURE() << describe(q) << "\n" << difference(q, listed, expected);
          differ = true;
        }
        expected_set.insert(expected.begin(), expected.end());
      }
      if (!differ && (expected_set.size() != got.size() ||
                      !std::ranges::equal(expected_set, std::set(got.begin(), got.end()))))
        ADD_FAILURE() << describe(q) << "\n"
                      << got.size() << " records listed (some twice or of none of the parts), "
                      << expected_set.size() << " expected";
      if (differ || expected_set.size() != got.size()) return nonempty;  // one is enough to read
      if (!got.empty()) ++nonempty;
    }
    return nonempty;
  }

  /// Where two walks of a list part, with the records there and their sort values.
  std::string difference(const ListQuery& q, const std::vector<std::string>& got,
                         const std::vector<std::string>& expected) {
    const auto at = static_cast<size_t>(std::ranges::mismatch(got, expected).in1 - got.begin());
    std::ostringstream s;
    s << got.size() << " records listed, " << expected.size() << " expected; from the " << at + 1
      << "th:";
    auto show = [&](const char* what, const std::vector<std::string>& ids) {
      s << "\n  " << what << ":";
      for (size_t i = at; i < std::min(ids.size(), at + 4); ++i) {
        auto page = queries_->list({.kind = q.kind, .ids = {ids[i]}});
        s << " " << ids[i];
        if (page && page->items.size() == 1 && !q.sort.empty()) {
          const auto& r = *page->items[0];
          const Value* v = q.sort.starts_with("fields.") ? domain::find(r.custom, q.sort.substr(7))
                                                         : r.field(q.sort);
          s << " ("
            << (q.sort == "created_at"   ? domain::to_display(Value(r.created_at))
                : q.sort == "updated_at" ? domain::to_display(Value(r.updated_at))
                : v                      ? domain::to_display(*v)
                                         : "unset")
            << ")";
        }
      }
    };
    show("listed", got);
    show("expected", expected);
    return s.str();
  }

  Value day(int from_first) {
    return Value(domain::Date::parse("2026-12-01")->add_days(from_first));
  }
  Value time_of_day(int from_first, int hour) {
    return Value(
        domain::DateTime{domain::local_midnight(*day(from_first).get<domain::Date>()).micros +
                         int64_t{hour} * 3'600'000'000});
  }
  /// A range of a date field (days from 2026-12-01) or of a time field, either end open.
  ListQuery::Range range_of(const std::string& field, bool date) {
    const int a = static_cast<int>(rng_() % 12), b = a + static_cast<int>(rng_() % 6);
    auto at = [&](int d, int hour) { return date ? day(d) : time_of_day(d, hour); };
    return open_ended(field, at(a, 0), at(b, 23));
  }
  /// A range of a time the clock sets (when a record was made, changed, completed): some hours
  /// of those since the test began.
  ListQuery::Range clock_range(const std::string& field) {
    const int64_t hour = 3'600'000'000, a = static_cast<int64_t>(rng_() % 12) * hour;
    return open_ended(
        field, Value(domain::DateTime{start_us_ + a}),
        Value(domain::DateTime{start_us_ + a + static_cast<int64_t>(rng_() % 8) * hour}));
  }
  /// A range of a time field: the days from..to in Warsaw, whole.
  static ListQuery::Range whole_days(const std::string& field, domain::Date from, domain::Date to) {
    return {field, Value(domain::local_midnight(from)),
            Value(domain::DateTime{domain::local_midnight(to.add_days(1)).micros - 1})};
  }
  /// A range from..to, either end open now and then, or given backwards (no records).
  ListQuery::Range open_ended(const std::string& field, Value from, Value to) {
    const int kind = static_cast<int>(rng_() % 20);
    if (kind == 19 && from != to) return {field, std::move(to), std::move(from)};
    return {field, kind % 3 == 2 ? Value() : std::move(from),
            kind % 3 == 1 ? Value() : std::move(to)};
  }
  const int64_t start_us_ = now_us_;

  const std::vector<std::string> clients_ = {"c-0", "c-1", "c-2"};
  const std::vector<std::string> words_ = {"Oferta",     "Faktura",  "Łódź",
                                           "Zamówienie", "Przegląd", "Telefon"};
  const std::vector<std::string> searches_ = {"lodz",  "ŁÓDŹ", "fak", "oferta zam",  "prz",
                                              "tel 1", "x",    "pil", "pilne oferta"};

  /// An operator as a filter's value, or "" (those without one) now and then.
  std::string some_operator() { return chance(10) ? "" : pick(operators_); }

  std::string title() {
    std::string t = chance(40) ? "Pilne " + pick(words_) : pick(words_);  // a common word
    if (chance(50)) t += " " + pick(words_);
    if (chance(50)) t += " " + std::to_string(rng_() % 3);
    return t;
  }

  /// A kind of record as the test makes, changes and lists them.
  struct Kind {
    K kind;
    std::vector<std::string> required;  // given at creation
    // Fields set at creation (the required ones, others now and then) and by updates, each with
    // a maker of its values as a command's input gives them; and, with `custom`, the custom
    // fields define_fields adds.
    std::vector<std::pair<std::string, std::function<Value()>>> fields;
    std::vector<std::pair<std::string, std::function<std::string()>>> filters;
    std::vector<std::string> dates, times, clock_times;  // ranged fields: days, times, the clock's
    std::vector<std::string> sorts;
    std::vector<std::pair<Action, domain::Object>> actions;  // besides updates
    bool custom = true;  // whether it has custom fields (define_fields)
  };

  /// A custom choice and a custom amount for `entity`'s records: filters and sorts too.
  void define_fields(const std::string& entity) {
    ok(K::field_catalog, Action::define_field, entity,
       {{"key", "segment"},
        {"label", "Segment"},
        {"type", "choice"},
        {"options", domain::List{Value("A"), Value("B"), Value("C")}}});
    ok(K::field_catalog, Action::define_field, entity,
       {{"key", "value"}, {"label", "Wartość"}, {"type", "money"}});
  }

  Value some_day() { return Value(domain::to_display(day(static_cast<int>(rng_() % 14)))); }
  Value some_time() {
    return Value(domain::to_display(
        time_of_day(static_cast<int>(rng_() % 14), 8 + static_cast<int>(rng_() % 10))));
  }

  /// A value of `kind`'s field `key` or of a custom field, or null (cleared) now and then.
  std::pair<std::string, Value> some_field(const Kind& kind, bool clear) {
    const size_t at = rng_() % (kind.fields.size() + (kind.custom ? 2 : 0));
    if (at >= kind.fields.size()) {
      const bool segment = at == kind.fields.size();
      Value v = clear && chance(20) ? Value()
                : segment
                    ? Value(pick(std::vector<std::string>{"A", "B", "C"}))
                    : Value(domain::Object{{"amount", std::to_string(rng_() % 4 * 50) + ".00"}});
      return {"fields", Value(domain::Object{{segment ? "segment" : "value", std::move(v)}})};
    }
    const auto& [key, make] = kind.fields[at];
    const bool required = std::ranges::find(kind.required, key) != kind.required.end();
    return {key, clear && !required && chance(20) ? Value() : make()};
  }

  /// Makes `records` of `kind`, changes them at random, and lists them at random twice (in
  /// `queries`, in pages of up to `pages_of`, now and then of 50): with the rows in memory, then
  /// in table files (RocksDB's estimates, which choose the way a list is read, differ).
  void check(const Kind& kind, int records = 300, int queries = 150, size_t pages_of = 7) {
#ifdef __SANITIZE_ADDRESS__
    // A third of the queries under AddressSanitizer, ten times slower: what it looks for, the
    // memory errors of each way a list is read, fewer queries meet too.
    queries /= 3;
#endif
    const std::string prefix = std::string(domain::name_of(kind.kind)).substr(0, 2) + "-";
    if (kind.kind == K::client) made_ = clients_;  // SetUp's
    for (int i = 0; i < records; ++i) {
      domain::Object input;
      for (const auto& [key, make] : kind.fields)
        if (std::ranges::find(kind.required, key) != kind.required.end())
          input.emplace_back(key, make());
      for (int n = static_cast<int>(rng_() % 6); n > 0; --n) {
        auto [key, v] = some_field(kind, false);
        if (!v.is_null() && !domain::find(input, key)) input.emplace_back(key, std::move(v));
      }
      const std::string id = prefix + std::to_string(i);
      if (attempt(kind.kind, Action::create, id, std::move(input))) made_.push_back(id);
    }
    auto change = [&](int n) {
      for (int i = 0; i < n; ++i) {
        const std::string& id = pick(made_);
        if (!kind.actions.empty() && chance(40)) {
          const auto& [action, input] = pick(kind.actions);
          attempt(kind.kind, action, id, input);
        } else {
          auto [key, v] = some_field(kind, true);
          if (key != "reply_to_id") attempt(kind.kind, Action::update, id, {{key, std::move(v)}});
        }
      }
    };
    auto make = [&] {
      ListQuery q{.kind = kind.kind};
      for (int n = static_cast<int>(rng_() % 3); n > 0; --n) {
        if (kind.custom && chance(20)) {
          q.filters.emplace_back("fields.segment", pick(std::vector<std::string>{"A", "B", "C"}));
          continue;
        }
        const auto& [field, value] = pick(kind.filters);
        q.filters.emplace_back(field, value());
        if (chance(20)) q.filters.emplace_back(field, value());  // either
      }
      if (chance(30)) {
        std::vector<std::function<ListQuery::Range()>> ranges;
        for (const auto& f : kind.dates) ranges.push_back([&, f] { return range_of(f, true); });
        for (const auto& f : kind.times) ranges.push_back([&, f] { return range_of(f, false); });
        for (const auto& f : kind.clock_times) ranges.push_back([&, f] { return clock_range(f); });
        if (kind.custom)
          ranges.push_back([&] {
            auto amount = [](const char* a) {
              return Value(domain::Money{*domain::Decimal::parse(a), "PLN"});
            };
            return open_ended("fields.value", amount("50"), amount("100"));
          });
        q.ranges.push_back(pick(ranges)());
      }
      if (chance(25)) q.search = pick(searches_);
      q.sort = kind.custom && chance(10) ? "fields.value" : pick(kind.sorts);
      q.descending = chance(50);
      q.limit = chance(20) ? 50 : 1 + rng_() % pages_of;
      return q;
    };
    change(records * 4 / 3);
    catch_up();
    EXPECT_GT(agree(made_, queries, make), queries / 3) << "many lists hold records";
    change(records);
    catch_up();
    ASSERT_TRUE(views_->flush());
    EXPECT_GT(agree(made_, queries, make), queries / 3) << "many lists hold records";
  }

  void check_tasks(int records, int queries, size_t pages_of) {
    const std::vector<std::string> kinds = {"call", "meeting", "offer"};
    const std::vector<std::string> priorities = {"low", "normal", "high"};
    const std::vector<std::string> statuses = {"open", "in_progress", "done", "cancelled"};
    define_fields("task");
    Kind task{.kind = K::task,
              .required = {"title"},
              .fields = {{"title", [&] { return Value(title()); }},
                         {"kind", [&] { return Value(pick(kinds)); }},
                         {"priority", [&] { return Value(pick(priorities)); }},
                         {"assignee_id", [&] { return Value(pick(operators_)); }},
                         {"client_id", [&] { return Value(pick(clients_)); }},
                         {"due", [&] { return some_day(); }},
                         {"planned_start", [&] { return some_time(); }},
                         {"planned_end", [&] { return some_time(); }}},
              .filters = {{"assignee_id", [&] { return some_operator(); }},
                          {"delegated_by_id", [&] { return pick(operators_); }},
                          {"status", [&] { return pick(statuses); }},
                          {"kind", [&] { return pick(kinds); }},
                          {"priority", [&] { return pick(priorities); }},
                          {"client_id", [&] { return pick(clients_); }}},
              .dates = {"due"},
              .times = {"planned_start"},
              .clock_times = {"created_at", "updated_at", "completed_at"},
              .sorts = {"", "created_at", "updated_at", "due", "planned_start", "planned_end",
                        "completed_at", "priority"},
              .actions = {{Action::start, {}},
                          {Action::complete, {}},
                          {Action::cancel, {}},
                          {Action::reopen, {}}}};
    check(task, records, queries, pages_of);
    // My tasks (the my_tasks view) are the lists of an operator's tasks to do, and then of those
    // done or cancelled, each by due date, undated last, ties by id.
    for (const auto& op : operators_)
      for (const auto scope : {TaskQuery::Scope::assigned, TaskQuery::Scope::delegated}) {
        const std::string field =
            scope == TaskQuery::Scope::assigned ? "assignee_id" : "delegated_by_id";
        std::vector<std::string> listed;
        for (const auto& of : {std::vector<std::string>{"open", "in_progress"},
                               std::vector<std::string>{"done", "cancelled"}}) {
          ListQuery q{.kind = K::task, .filters = {{field, op}}, .sort = "due", .limit = 50};
          for (const auto& status : of) q.filters.emplace_back("status", status);
          std::ranges::copy(walk(q), std::back_inserter(listed));
        }
        TaskQuery mine{.operator_id = op,
                       .scope = scope,
                       .status = TaskQuery::Status::all,
                       .limit = 1 + rng_() % pages_of};
        std::vector<std::string> my_tasks;
        for (int pages = 0; pages < 100'000; ++pages) {
          auto page = queries_->tasks(mine);
          ASSERT_TRUE(page) << page.error().message;
          for (const auto& r : page->items) my_tasks.push_back(r->id);
          if (page->next_cursor.empty()) break;
          mine.cursor = page->next_cursor;
        }
        EXPECT_EQ(my_tasks, listed) << field << "=" << op;
        EXPECT_FALSE(listed.empty()) << field << "=" << op;
      }
    // An operator's calendar (the calendar view) holds their tasks but the cancelled ones on the
    // day of their planned start, or of their due date when they have none.
    size_t entries_seen = 0;
    for (int i = 0; i < 20; ++i) {
      const std::string& op = pick(operators_);
      const int first = static_cast<int>(rng_() % 14), last = first + static_cast<int>(rng_() % 7);
      const domain::Date from = *day(first).get<domain::Date>(),
                         to = *day(last).get<domain::Date>();
      auto entries = queries_->calendar(op, from, to);
      ASSERT_TRUE(entries) << entries.error().message;
      std::set<std::string> in_calendar;
      for (const auto& e : *entries)
        if (e.kind == K::task) in_calendar.insert(e.id);
      std::set<std::string> listed;
      for (const bool planned : {true, false}) {
        ListQuery q{.kind = K::task, .filters = {{"assignee_id", op}}, .limit = 500};
        for (const char* status : {"open", "in_progress", "done"})
          q.filters.emplace_back("status", status);
        if (planned) {
          q.ranges.push_back(whole_days("planned_start", from, to));
        } else {
          q.filters.emplace_back("planned_start", "");
          q.ranges.push_back({"due", Value(from), Value(to)});
        }
        for (auto& id : walk(q)) listed.insert(std::move(id));
      }
      EXPECT_EQ(in_calendar, listed) << op << " " << from.format() << ".." << to.format();
      entries_seen += in_calendar.size();
    }
    EXPECT_GT(entries_seen, 20u);
  }

  void check_contacts(int records, int queries, size_t pages_of) {
    const std::vector<std::string> kinds = {"phone_call", "email", "meeting", "quote_request"};
    const std::vector<std::string> directions = {"inbound", "outbound", "internal"};
    define_fields("contact");
    Kind contact{
        .kind = K::contact,
        .required = {"subject", "kind", "direction", "occurred_at"},
        .fields = {{"subject", [&] { return Value(title()); }},
                   {"kind", [&] { return Value(pick(kinds)); }},
                   {"direction", [&] { return Value(pick(directions)); }},
                   {"occurred_at", [&] { return some_time(); }},
                   {"operator_id", [&] { return Value(pick(operators_)); }},
                   {"client_id", [&] { return Value(pick(clients_)); }},
                   {"awaits_reply", [&] { return Value(chance(50)); }},
                   {"reply_to_id", [&] { return made_.empty() ? Value() : Value(pick(made_)); }}},
        .filters = {{"operator_id", [&] { return some_operator(); }},
                    {"client_id", [&] { return pick(clients_); }},
                    {"kind", [&] { return pick(kinds); }},
                    {"direction", [&] { return pick(directions); }},
                    {"awaits_reply", [&] { return chance(50) ? "true" : "false"; }}},
        .times = {"occurred_at"},
        .clock_times = {"created_at", "updated_at", "replied_at"},
        .sorts = {"", "created_at", "updated_at", "occurred_at", "replied_at"}};
    check(contact, records, queries, pages_of);
  }

  std::vector<std::string> made_;  // the ids of the records made

  void SetUp() override {
    RandomizedTest::SetUp();
    for (const auto& c : clients_) ok(K::client, Action::create, c, {{"name", "Klient " + c}});
  }
};

TEST_F(ListsAgreeTest, Tasks) {
  check_tasks(300, 150, 7);
}

// Enough records for the ways a list takes past its thresholds (more than kSortedHere records
// of an operator walked for rather than sorted here, a search word in over kSearchCandidates
// titles), each query against the same one naming the ids in parts.
TEST_F(ListsAgreeTest, ManyTasks) {
  check_tasks(2400, 30, 150);
}

TEST_F(ListsAgreeTest, Contacts) {
  check_contacts(300, 150, 7);
}

TEST_F(ListsAgreeTest, ManyContacts) {
  check_contacts(2400, 30, 150);
}

TEST_F(ListsAgreeTest, ServiceOrders) {
  const std::vector<std::string> statuses = {"registered",     "diagnosed", "in_repair",
                                             "awaiting_parts", "completed", "handed_back",
                                             "cancelled"};
  define_fields("service_order");
  const std::vector<std::string> devices = {"de-0", "de-1", "de-2"};
  for (const auto& d : devices)
    ok(K::device, Action::create, d, {{"serial_number", "SN-" + d}, {"client_id", "c-0"}});
  Kind order{
      .kind = K::service_order,
      .required = {"client_id", "problem"},
      .fields = {{"problem", [&] { return Value(title()); }},
                 {"client_id", [&] { return Value(pick(clients_)); }},
                 {"technician_id", [&] { return Value(pick(operators_)); }},
                 {"received_at", [&] { return some_time(); }},
                 {"planned_at", [&] { return some_time(); }},
                 {"device_id", [&] { return Value(pick(devices)); }}},
      .filters = {{"technician_id", [&] { return some_operator(); }},
                  {"device_id", [&] { return pick(devices); }},
                  {"client_id", [&] { return pick(clients_); }},
                  {"status", [&] { return pick(statuses); }}},
      .times = {"received_at", "planned_at"},
      .clock_times = {"created_at", "updated_at", "completed_at"},
      .sorts = {"", "created_at", "updated_at", "received_at", "planned_at", "completed_at"}};
  for (const auto& status : statuses)
    order.actions.push_back({Action::change_status, {{"status", status}}});
  check(order);
  // A device's repair history (the device_orders view) is its list of orders, the last
  // received first (those without a time last).
  for (const auto& d : devices) {
    auto history = queries_->device_history(d);
    ASSERT_TRUE(history) << history.error().message;
    std::vector<std::string> ids;
    for (const auto& r : history->items) ids.push_back(r->id);
    EXPECT_EQ(ids, walk({.kind = K::service_order,
                         .filters = {{"device_id", d}},
                         .sort = "received_at",
                         .descending = true}))
        << d;
    EXPECT_FALSE(ids.empty()) << d;
  }
}

TEST_F(ListsAgreeTest, Clients) {
  const std::vector<std::string> statuses = {"prospect", "active", "inactive", "archived"};
  const std::vector<std::string> cities = {"Łódź", "Opole", "Kraków"};
  define_fields("client");
  Kind client{
      .kind = K::client,
      .required = {"name"},
      .fields =
          {{"name", [&] { return Value(title()); }},
           {"status", [&] { return Value(pick(statuses)); }},
           {"account_manager_id", [&] { return Value(pick(operators_)); }},
           {"potential",
            [&] {
              return Value(domain::Object{{"amount", std::to_string(rng_() % 5 * 1000) + ".00"}});
            }},
           {"cooperation_start", [&] { return some_day(); }},
           {"addresses",
            [&] {
              return Value(domain::List{Value(domain::Object{{"street", Value("ul. Długa 1")},
                                                             {"city", Value(pick(cities))}})});
            }}},
      .filters = {{"account_manager_id", [&] { return some_operator(); }},
                  {"status", [&] { return pick(statuses); }},
                  {"addresses.city", [&] { return pick(cities); }}},
      .dates = {"cooperation_start"},
      .clock_times = {"created_at", "updated_at"},
      .sorts = {"", "created_at", "updated_at", "potential", "cooperation_start"}};
  check(client);
}

TEST_F(ListsAgreeTest, Persons) {
  const std::vector<std::string> surnames = {"Wójcik", "Wojcik", "Nowak", "Nowakowska", "Żak"};
  const std::vector<std::string> positions = {"Prezes", "Księgowa", "Kierownik"};
  define_fields("person");
  Kind person{
      .kind = K::person,
      .required = {"last_name", "first_name"},
      .fields = {{"last_name", [&] { return Value(pick(surnames)); }},
                 {"first_name", [&] { return Value(pick(words_)); }},
                 {"position", [&] { return Value(pick(positions)); }},
                 {"birthday", [&] { return some_day(); }},
                 {"name_day", [&] { return Value("12-0" + std::to_string(1 + rng_() % 9)); }},
                 {"client_links",
                  [&] {
                    return Value(
                        domain::List{Value(domain::Object{{"client_id", Value(pick(clients_))}})});
                  }}},
      .filters = {{"last_name", [&] { return pick(surnames); }},
                  {"position", [&] { return pick(positions); }},
                  {"client_links.client_id", [&] { return pick(clients_); }}},
      .dates = {"birthday"},
      .clock_times = {"created_at", "updated_at"},
      .sorts = {"", "created_at", "updated_at", "birthday", "name_day"}};
  check(person);
}

TEST_F(ListsAgreeTest, DevicesProjectsAndInspections) {
  const std::vector<std::string> models = {"Vaillant ecoTEC", "Junkers Cerapur", "Viessmann"};
  define_fields("device");
  Kind device{.kind = K::device,
              .required = {"serial_number"},
              .fields = {{"serial_number",
                          [&] { return Value("SN " + title() + " " + std::to_string(rng_())); }},
                         {"model", [&] { return Value(pick(models)); }},
                         {"manufacturer", [&] { return Value(pick(words_)); }},
                         {"client_id", [&] { return Value(pick(clients_)); }},
                         {"warranty_until", [&] { return some_day(); }}},
              .filters = {{"model", [&] { return pick(models); }},
                          {"client_id", [&] { return pick(clients_); }}},
              .dates = {"warranty_until"},
              .clock_times = {"created_at", "updated_at"},
              .sorts = {"", "created_at", "updated_at", "warranty_until"}};
  check(device, 200, 100);
  const std::vector<std::string> devices = made_;

  const std::vector<std::string> statuses = {"planned", "active", "completed", "cancelled"};
  made_.clear();
  define_fields("project");
  Kind project{
      .kind = K::project,
      .required = {"name"},
      .fields = {{"name", [&] { return Value(title()); }},
                 {"owner_id", [&] { return Value(pick(operators_)); }},
                 {"client_ids",
                  [&] {
                    domain::List ids;
                    for (const auto& c : clients_)
                      if (chance(40)) ids.push_back(Value(c));
                    return Value(std::move(ids));
                  }},
                 {"start", [&] { return some_day(); }},
                 {"end",
                  [&] {
                    return Value(domain::to_display(day(14 + static_cast<int>(rng_() % 9))));
                  }}},
      .filters = {{"owner_id", [&] { return some_operator(); }},
                  {"client_ids", [&] { return pick(clients_); }},
                  {"status", [&] { return pick(statuses); }}},
      .dates = {"start", "end"},
      .clock_times = {"created_at", "updated_at"},
      .sorts = {"", "created_at", "updated_at", "start", "end"}};
  for (const auto& status : statuses)
    project.actions.push_back({Action::change_status, {{"status", status}}});
  check(project, 200, 100);

  made_.clear();
  Kind inspection{
      .kind = K::inspection,
      .required = {"device_id", "due"},
      .fields = {{"device_id", [&] { return Value(pick(devices)); }},
                 {"due", [&] { return some_day(); }},
                 {"technician_id", [&] { return Value(pick(operators_)); }},
                 {"every",
                  [&] {
                    return Value(domain::Object{{chance(50) ? "days" : "months",
                                                 Value(static_cast<int64_t>(1 + rng_() % 6))}});
                  }}},
      .filters = {{"technician_id", [&] { return some_operator(); }},
                  {"device_id", [&] { return pick(devices); }},
                  {"status",
                   [&] {
                     return pick(std::vector<std::string>{"planned", "completed", "cancelled"});
                   }}},
      .dates = {"due"},
      .clock_times = {"created_at", "updated_at"},
      .sorts = {"", "created_at", "updated_at", "due"},
      .actions = {{Action::complete, {}}, {Action::cancel, {}}},
      .custom = false};
  check(inspection, 300, 150);
}

TEST_F(ListsAgreeTest, TradeDocuments) {
  const std::vector<std::string> types = {"invoice", "stock_issue", "order"};
  Kind document{
      .kind = K::trade_document,
      .required = {"number", "type", "date", "client_id", "net"},
      .fields =
          {{"number", [&] { return Value("FV/" + std::to_string(rng_() % 50)); }},
           {"type", [&] { return Value(pick(types)); }},
           {"date", [&] { return some_day(); }},
           {"client_id", [&] { return Value(pick(clients_)); }},
           {"net",
            [&] {
              return Value(domain::Object{{"amount", std::to_string(rng_() % 5 * 100) + ".00"}});
            }}},
      .filters = {{"type", [&] { return pick(types); }},
                  {"client_id", [&] { return pick(clients_); }},
                  {"number", [&] { return "FV/" + std::to_string(rng_() % 50); }}},
      .dates = {"date"},
      .clock_times = {"created_at", "updated_at"},
      .sorts = {"", "created_at", "updated_at", "date", "net"},
      .custom = false};  // nor changes: every field is set once
  check(document);
}

// Work time (the work_time view's day and month rows) holds the work logged, as the test
// recorded it, and the tasks done in a period as the lists give them, for any period: days
// within a month, months whole, or cut at both ends; by days (a timesheet) and in totals.
// An operator's calendar against the records read one by one: their tasks (but the cancelled),
// on the day of the planned start or else of the due date; their service orders with a planned
// time (but the cancelled and handed back); the planned inspections (waiting or in service) of
// theirs and of nobody's, on the due date, a recurring one on each day it falls on after it
// too, counted from the due date the test last set (some at a month's end: a shorter month's
// last day, and the 31st again after it). Each with its time and its status as it is now, by day
// and time. And the inspections due before a day.
TEST_F(ListsAgreeTest, TheCalendarHoldsTasksOrdersAndInspections) {
  std::vector<std::string> devices, tasks, orders, inspections;
  std::map<std::string, domain::Date> recurs_from;  // an inspection's due as the test last set it
  const std::vector<int> month_ends = {-34, -33, -32, -31, -3, -2, -1, 27, 28, 29, 30, 58, 61};
  auto some_due = [&] {  // now and then the 28th to the 31st of a month, a month or two either side
    return chance(30) ? Value(domain::to_display(day(pick(month_ends)))) : some_day();
  };
  auto set_due = [&](const std::string& inspection, const Value& due) {
    recurs_from[inspection] = *domain::Date::parse(*due.get<std::string>());
  };
  for (int i = 0; i < 5; ++i) {
    devices.push_back("de-" + std::to_string(i));
    ok(K::device, Action::create, devices.back(),
       {{"serial_number", "SN" + std::to_string(i)}, {"client_id", pick(clients_)}});
  }
  auto some_operator_or_none = [&] { return chance(20) ? Value() : Value(pick(operators_)); };
  auto maybe = [&](Value v) { return chance(25) ? Value() : std::move(v); };
  const std::vector<std::string> order_statuses = {"diagnosed", "in_repair",   "awaiting_parts",
                                                   "completed", "handed_back", "cancelled"};
  for (int n = 0; n < 1500; ++n) {
    const std::string id = std::to_string(n);
    switch (rng_() % 9) {
      case 0:
        if (attempt(K::task, Action::create, "ta-" + id,
                    {{"title", title()},
                     {"assignee_id", some_operator_or_none()},
                     {"due", maybe(some_day())},
                     {"planned_start", maybe(some_time())}}))
          tasks.push_back("ta-" + id);
        break;
      case 1:
        if (attempt(K::service_order, Action::create, "so-" + id,
                    {{"client_id", pick(clients_)},
                     {"problem", title()},
                     {"technician_id", some_operator_or_none()},
                     {"planned_at", maybe(some_time())}}))
          orders.push_back("so-" + id);
        break;
      case 2: {
        const int64_t every = 1 + static_cast<int64_t>(rng_() % 40);
        const Value due = some_due();
        if (attempt(K::inspection, Action::create, "in-" + id,
                    {{"device_id", pick(devices)},
                     {"due", due},
                     {"technician_id", some_operator_or_none()},
                     {"every", chance(40) ? Value(domain::Object{{chance(50) ? "days" : "months",
                                                                  Value(every % 13 + 1)}})
                                          : Value()}})) {
          inspections.push_back("in-" + id);
          set_due("in-" + id, due);
        }
        break;
      }
      case 3:  // an order for an inspection: in service until the order is completed
        if (!inspections.empty() && attempt(K::service_order, Action::create, "so-" + id,
                                            {{"client_id", pick(clients_)},
                                             {"problem", title()},
                                             {"inspection_id", pick(inspections)},
                                             {"technician_id", some_operator_or_none()},
                                             {"planned_at", some_time()}}))
          orders.push_back("so-" + id);
        break;
      case 4:
        if (!orders.empty())
          attempt(K::service_order, Action::change_status, pick(orders),
                  {{"status", pick(order_statuses)}});
        break;
      case 5:
        if (!inspections.empty())
          attempt(K::inspection, chance(70) ? Action::complete : Action::cancel, pick(inspections),
                  chance(50) ? domain::Object{{"date", some_day()}} : domain::Object{});
        break;
      case 6:
        if (!tasks.empty())
          attempt(K::task,
                  pick(std::vector<Action>{Action::complete, Action::cancel, Action::reopen}),
                  pick(tasks), {});
        break;
      case 7:
        if (!orders.empty()) {
          const bool planned = chance(50);
          attempt(K::service_order, Action::update, pick(orders),
                  {{planned ? "planned_at" : "technician_id",
                    planned ? maybe(some_time()) : some_operator_or_none()}});
        }
        break;
      default: {
        const bool due = chance(50);
        if (!inspections.empty() && chance(50)) {
          const std::string& inspection = pick(inspections);
          const Value value = due ? some_due() : some_operator_or_none();
          if (attempt(K::inspection, Action::update, inspection,
                      {{due ? "due" : "technician_id", value}}) &&
              due)
            set_due(inspection, value);
        } else if (!tasks.empty())
          attempt(K::task, Action::update, pick(tasks),
                  {{due ? "due" : "planned_start", due ? maybe(some_day()) : maybe(some_time())}});
      }
    }
  }
  catch_up();
  std::vector<std::shared_ptr<const domain::Record>> records;
  for (const auto& [kind, ids] : {std::pair{K::task, tasks}, std::pair{K::service_order, orders},
                                  std::pair{K::inspection, inspections}}) {
    for (size_t part = 0; part < ids.size(); part += kMaxListIds) {
      ListQuery q{.kind = kind, .limit = kMaxListIds};
      q.ids.assign(ids.begin() + static_cast<ptrdiff_t>(part),
                   ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), part + kMaxListIds)));
      auto page = queries_->list(q);
      ASSERT_TRUE(page && page->items.size() == q.ids.size());
      std::ranges::copy(page->items, std::back_inserter(records));
    }
  }
  // date kind id start status, by day and time (the calendar keeps no order among the same)
  using Entry = std::tuple<int32_t, int64_t, std::string, std::string, std::string>;
  auto entry = [](domain::Date date, std::optional<domain::DateTime> start, const domain::Record& r,
                  const std::string& status) {
    return Entry{date.days, start ? start->micros : 0, std::string(domain::name_of(r.kind)), r.id,
                 status};
  };
  size_t seen = 0, recurring = 0;
  for (int i = 0; i < 150; ++i) {
    const std::string& op = pick(operators_);
    const int first = static_cast<int>(rng_() % 20) - 3;
    const domain::Date from = *day(first).get<domain::Date>(),
                       to = *day(first + static_cast<int>(rng_() % (chance(20) ? 120 : 10)))
                                 .get<domain::Date>();
    std::vector<Entry> expected;
    for (const auto& r : records) {
      const std::string status = r->text("status");
      auto time = [&](const char* field) -> std::optional<domain::DateTime> {
        const Value* v = r->field(field);
        return v && v->get<domain::DateTime>() ? std::optional(*v->get<domain::DateTime>())
                                               : std::nullopt;
      };
      auto date = [&](const char* field) -> std::optional<domain::Date> {
        const Value* v = r->field(field);
        return v && v->get<domain::Date>() ? std::optional(*v->get<domain::Date>()) : std::nullopt;
      };
      auto in_range = [&](domain::Date d) { return !(d < from) && !(to < d); };
      if (r->kind == K::task || r->kind == K::service_order) {
        const bool task = r->kind == K::task;
        if (r->text(task ? "assignee_id" : "technician_id") != op || status == "cancelled" ||
            status == "handed_back")
          continue;
        const auto start = time(task ? "planned_start" : "planned_at");
        const auto on = start  ? std::optional(domain::local_date(*start))
                        : task ? date("due")
                               : std::nullopt;
        if (on && in_range(*on)) expected.push_back(entry(*on, start, *r, status));
        continue;
      }
      const std::string technician = r->text("technician_id");
      if ((!technician.empty() && technician != op) ||
          (status != "planned" && status != "in_service"))
        continue;
      const domain::Date due = *date("due");
      const Value* every = r->field("every");
      const auto* interval = every ? every->get<domain::Object>() : nullptr;
      if (!interval || interval->empty()) {
        if (in_range(due)) expected.push_back(entry(due, std::nullopt, *r, status));
        continue;
      }
      // Its days: every interval from the date the test last set, from the one it is due on.
      const auto& [unit, count] = interval->front();
      bool on_its_day = false;
      const domain::Date start = recurs_from.at(r->id);
      for (int64_t k = 0;; ++k) {
        const int n = static_cast<int>(k * *count.get<int64_t>());
        const domain::Date d = unit == "days" ? start.add_days(n) : start.add_months(n);
        on_its_day = on_its_day || d == due;
        if (d < due) continue;
        ASSERT_TRUE(on_its_day) << r->id << " due " << due.format()
                                << ", not on a day it recurs on from " << start.format();
        if (to < d) break;
        if (in_range(d)) {
          expected.push_back(entry(d, std::nullopt, *r, status));
          ++recurring;
        }
      }
    }
    auto got = queries_->calendar(op, from, to);
    ASSERT_TRUE(got) << got.error().message;
    std::vector<Entry> listed;
    for (const auto& e : *got) {
      domain::Record r{.kind = e.kind, .id = e.id};
      listed.push_back(entry(e.date, e.start, r, e.status));
    }
    EXPECT_TRUE(std::ranges::is_sorted(listed, {}, [](const Entry& e) {
      return std::pair(std::get<0>(e), std::get<1>(e));
    })) << "by day and time";
    std::ranges::sort(listed);
    std::ranges::sort(expected);
    if (listed != expected) {
      auto show = [](const std::vector<Entry>& in, size_t at) {
        if (at >= in.size()) return std::string("-");
        const auto& [date, start, kind, id, status] = in[at];
        return domain::Date{date}.format() + " " +
               (start ? domain::DateTime{start}.format() : "all day") + " " + kind + "/" + id +
               " " + status;
      };
      const auto at =
          static_cast<size_t>(std::ranges::mismatch(listed, expected).in1 - listed.begin());
      FAIL() << op << " " << from.format() << ".." << to.format() << ": " << listed.size()
             << " entries, " << expected.size() << " expected; the " << at + 1
             << "th in order of day, time, kind and id:\n  listed   " << show(listed, at)
             << "\n  expected " << show(expected, at);
    }
    seen += listed.size();
  }
  EXPECT_GT(seen, 1000u);
  EXPECT_GT(recurring, 100u);

  // The inspections due before a day (waiting or in service), by due date then id, in pages.
  size_t due_seen = 0;
  for (int i = 0; i < 20; ++i) {
    const domain::Date before = *day(static_cast<int>(rng_() % 20) - 3).get<domain::Date>();
    std::vector<std::pair<int32_t, std::string>> expected;
    for (const auto& r : records) {
      const std::string status = r->text("status");
      const auto* due = r->kind == K::inspection ? r->field("due")->get<domain::Date>() : nullptr;
      if (due && *due < before && (status == "planned" || status == "in_service"))
        expected.emplace_back(due->days, r->id);
    }
    std::ranges::sort(expected);
    std::vector<std::pair<int32_t, std::string>> listed;
    std::string cursor;
    const size_t limit = 1 + rng_() % 20;
    for (int pages = 0; pages < 10'000; ++pages) {
      auto page = queries_->inspections_due(before, limit, cursor);
      ASSERT_TRUE(page) << page.error().message;
      for (const auto& r : page->items)
        listed.emplace_back(r->field("due")->get<domain::Date>()->days, r->id);
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    EXPECT_EQ(listed, expected) << "due before " << before.format() << ", pages of " << limit;
    due_seen += listed.size();
  }
  EXPECT_GT(due_seen, 200u);
}

// Recurring inspections against the test's own model of them: due at random, many at a month's
// end, every 1-4 months or 1-45 days, completed again and again on random days (before, on or
// long after the day they are due), rescheduled and given other intervals now and then. Each
// falls on the days the model counts from the due date last set by hand (or when its interval
// changed): a monthly one from the 31st on a shorter month's last day and on the 31st after it,
// completed or not. Its due date after each completion is the model's, and every operator's
// calendar holds the model's days in random ranges of up to 400 days.
TEST_F(ListsAgreeTest, RecurringInspectionsFallOnTheirDaysWhenCompleted) {
  ok(K::device, Action::create, "de-1", {{"serial_number", "SN1"}, {"client_id", pick(clients_)}});
  struct Model {
    domain::Date recurs_from, due;
    std::string unit;
    int every = 0;
    std::string technician;
    bool cancelled = false;
    domain::Date step(int k) const {
      return unit == "days" ? recurs_from.add_days(every * k) : recurs_from.add_months(every * k);
    }
  };
  std::map<std::string, Model> model;
  const domain::Date first = *domain::Date::parse("2026-10-01");
  auto some_date = [&] {
    const domain::Date d = first.add_days(static_cast<int>(rng_() % 240));
    if (!chance(50)) return d;  // else the 28th to the 31st of its month, as it has them
    return domain::Date::from_ymd(d.year(), d.month(), 1)
        .add_months(1)
        .add_days(-1 - static_cast<int>(rng_() % 4));
  };
  auto some_interval = [&](Model& m) {
    m.unit = chance(75) ? "months" : "days";
    m.every = 1 + static_cast<int>(rng_() % (m.unit == "days" ? 45 : 4));
    return domain::Object{{m.unit, Value(int64_t{m.every})}};
  };
  for (int n = 0; n < 60; ++n) {
    Model m;
    m.due = m.recurs_from = some_date();
    m.technician = chance(25) ? "" : pick(operators_);
    const std::string id = "in-" + std::to_string(n);
    ok(K::inspection, Action::create, id,
       {{"device_id", "de-1"},
        {"due", m.due.format()},
        {"every", some_interval(m)},
        {"technician_id", m.technician.empty() ? Value() : Value(m.technician)}});
    model[id] = m;
  }
  size_t completed = 0, shortened = 0;  // completions, those due on a shorter month's last day
  for (int n = 0; n < 1000; ++n) {
    auto it = std::next(model.begin(), static_cast<ptrdiff_t>(rng_() % model.size()));
    auto& [id, m] = *it;
    if (m.cancelled) continue;
    const int what = static_cast<int>(rng_() % 20);
    if (what == 0) {
      m.due = m.recurs_from = some_date();
      ok(K::inspection, Action::update, id, {{"due", m.due.format()}});
    } else if (what == 1) {
      const std::string unit = m.unit;
      const int every = m.every;
      const auto interval = some_interval(m);
      if (m.unit != unit || m.every != every) {
        ok(K::inspection, Action::update, id, {{"every", interval}});
        m.recurs_from = m.due;
      }
    } else if (what == 2 && chance(10)) {
      ok(K::inspection, Action::cancel, id, {});
      m.cancelled = true;
    } else {
      // Done on a day from three weeks before it is due to four months after (a year now and then).
      const domain::Date done =
          m.due.add_days(static_cast<int>(rng_() % (chance(5) ? 386 : 142)) - 21);
      ok(K::inspection, Action::complete, id, {{"date", done.format()}});
      int k = 0;
      while (m.step(k) <= done || m.step(k) <= m.due) ++k;
      m.due = m.step(k);
      ++completed;
      shortened += m.unit == "months" && m.due.day() < m.recurs_from.day();
    }
  }
  catch_up();
  for (const auto& [id, m] : model) {
    ListQuery q{.kind = K::inspection, .limit = 1};
    q.ids = {id};
    auto page = queries_->list(q);
    ASSERT_TRUE(page && page->items.size() == 1);
    EXPECT_EQ(page->items[0]->text("status"), m.cancelled ? "cancelled" : "planned") << id;
    EXPECT_EQ(page->items[0]->field("due")->get<domain::Date>()->format(), m.due.format())
        << id << " every " << m.every << " " << m.unit << " from " << m.recurs_from.format();
  }
  size_t seen = 0;
  const int span = std::ranges::max_element(model, {}, [](const auto& m) { return m.second.due; })
                       ->second.due.days -
                   first.days;
  for (int i = 0; i < 60; ++i) {
    const std::string& op = pick(operators_);
    const domain::Date from = first.add_days(static_cast<int>(rng_() % span));
    const domain::Date to = from.add_days(static_cast<int>(rng_() % (chance(50) ? 40 : 400)));
    std::vector<std::pair<int32_t, std::string>> expected, listed;
    for (const auto& [id, m] : model) {
      if (m.cancelled || (!m.technician.empty() && m.technician != op)) continue;
      for (int k = 0; !(to < m.step(k)); ++k)
        if (!(m.step(k) < m.due) && !(m.step(k) < from)) expected.emplace_back(m.step(k).days, id);
    }
    auto got = queries_->calendar(op, from, to);
    ASSERT_TRUE(got) << got.error().message;
    for (const auto& e : *got) listed.emplace_back(e.date.days, e.id);
    std::ranges::sort(expected);
    std::ranges::sort(listed);
    if (listed != expected) {
      const auto at =
          static_cast<size_t>(std::ranges::mismatch(listed, expected).in1 - listed.begin());
      auto show = [](const auto& in, size_t at) {
        return at < in.size() ? domain::Date{in[at].first}.format() + " " + in[at].second : "-";
      };
      FAIL() << op << " " << from.format() << ".." << to.format() << ": " << listed.size()
             << " entries, " << expected.size() << " expected; the " << at + 1
             << "th by day and id:\n  listed   " << show(listed, at) << "\n  expected "
             << show(expected, at);
    }
    seen += listed.size();
  }
  EXPECT_GT(completed, 700u);
  EXPECT_GT(shortened, 8u);
  EXPECT_GT(seen, 1000u);
}

// A campaign's progress and the work in projects against what the test did: projects moved
// between campaigns and given clients, their statuses changed; tasks and contacts moved between
// projects, tasks done, cancelled and reopened, work logged on them.
TEST_F(ListsAgreeTest, CampaignsAndProjectsCountTheirWork) {
  const std::vector<std::string> campaigns = {"ca-0", "ca-1", "ca-2"};
  for (const auto& c : campaigns) ok(K::campaign, Action::create, c, {{"name", "Kampania " + c}});
  struct Project {
    std::string campaign, status = "planned";
    std::set<std::string> clients;
  };
  struct Task {
    std::string project, status = "open";
    int64_t minutes = 0;
  };
  std::map<std::string, Project> projects;
  std::map<std::string, Task> tasks;
  std::map<std::string, std::string> contacts;  // id: project
  auto some = [&](const std::vector<std::string>& from) {
    return chance(15) ? std::string() : pick(from);
  };
  auto one_of = [&](const auto& made) {
    return std::next(made.begin(), static_cast<ptrdiff_t>(rng_() % made.size()))->first;
  };
  auto project_or_none = [&] { return projects.empty() || chance(15) ? "" : one_of(projects); };
  auto value = [](const std::string& id) { return id.empty() ? Value() : Value(id); };
  const std::map<Action, std::string> task_goes_to = {{Action::start, "in_progress"},
                                                      {Action::complete, "done"},
                                                      {Action::cancel, "cancelled"},
                                                      {Action::reopen, "open"}};
  const std::vector<std::string> statuses = {"planned", "active", "completed", "cancelled"};
  for (int n = 0; n < 2000; ++n) {
    const std::string id = std::to_string(n);
    switch (rng_() % 8) {
      case 0: {
        if (projects.size() >= 40) break;  // more work a project
        Project p{.campaign = some(campaigns)};
        domain::List ids;
        for (const auto& c : clients_)
          if (chance(30)) {
            ids.push_back(Value(c));
            p.clients.insert(c);
          }
        if (attempt(K::project, Action::create, "pr-" + id,
                    {{"name", title()}, {"campaign_id", value(p.campaign)}, {"client_ids", ids}}))
          projects["pr-" + id] = p;
        break;
      }
      case 1:
        if (!projects.empty()) {
          const std::string project = one_of(projects), status = pick(statuses);
          if (attempt(K::project, Action::change_status, project, {{"status", status}}))
            projects[project].status = status;
        }
        break;
      case 2:
        if (!projects.empty()) {
          const std::string project = one_of(projects);
          if (chance(50)) {
            const std::string campaign = some(campaigns);
            if (attempt(K::project, Action::update, project, {{"campaign_id", value(campaign)}}))
              projects[project].campaign = campaign;
          } else {
            const std::string client = pick(clients_);
            if (attempt(K::project, Action::update, project,
                        {{"client_ids", domain::List{Value(client)}}}))
              projects[project].clients = {client};
          }
        }
        break;
      case 3: {
        const std::string project = project_or_none();
        if (attempt(K::task, Action::create, "ta-" + id,
                    {{"title", title()}, {"project_id", value(project)}}))
          tasks["ta-" + id] = {.project = project};
        break;
      }
      case 4:
        if (!tasks.empty()) {
          const std::string task = one_of(tasks), project = project_or_none();
          if (attempt(K::task, Action::update, task, {{"project_id", value(project)}}))
            tasks[task].project = project;
        }
        break;
      case 5:
        if (!tasks.empty()) {
          const std::string task = one_of(tasks);
          const Action action = pick(
              std::vector<Action>{Action::start, Action::complete, Action::cancel, Action::reopen});
          if (attempt(K::task, action, task, {})) tasks[task].status = task_goes_to.at(action);
        }
        break;
      case 6:
        if (!tasks.empty()) {
          const std::string task = one_of(tasks);
          const int64_t minutes = 1 + static_cast<int64_t>(rng_() % 120);
          if (attempt(K::task, Action::log_work, task, {{"minutes", Value(minutes)}}))
            tasks[task].minutes += minutes;
        }
        break;
      default: {
        const std::string project = project_or_none();
        if (!contacts.empty() && chance(40)) {
          const std::string contact = one_of(contacts);
          if (attempt(K::contact, Action::update, contact, {{"project_id", value(project)}}))
            contacts[contact] = project;
        } else if (attempt(K::contact, Action::create, "co-" + id,
                           {{"kind", "meeting"},
                            {"direction", "outbound"},
                            {"subject", title()},
                            {"project_id", value(project)}})) {
          contacts["co-" + id] = project;
        }
      }
    }
  }
  catch_up();
  auto work_in = [&](const std::set<std::string>& in) {
    ProjectWork w;
    for (const auto& [id, t] : tasks)
      if (in.contains(t.project)) {
        ++w.tasks;
        w.tasks_done += t.status == "done";
        w.tasks_cancelled += t.status == "cancelled";
        w.tasks_open += t.status == "open" || t.status == "in_progress";
        w.minutes_logged += t.minutes;
      }
    for (const auto& [id, project] : contacts) w.contacts += in.contains(project);
    std::set<std::string> clients;
    for (const auto& p : in) clients.insert(projects[p].clients.begin(), projects[p].clients.end());
    w.clients = clients.size();
    return w;
  };
  auto expect_work = [](const ProjectWork& got, const ProjectWork& want, const std::string& what) {
    EXPECT_EQ(got.tasks, want.tasks) << what;
    EXPECT_EQ(got.tasks_done, want.tasks_done) << what;
    EXPECT_EQ(got.tasks_open, want.tasks_open) << what;
    EXPECT_EQ(got.tasks_cancelled, want.tasks_cancelled) << what;
    EXPECT_EQ(got.minutes_logged, want.minutes_logged) << what;
    EXPECT_EQ(got.contacts, want.contacts) << what;
    EXPECT_EQ(got.clients, want.clients) << what;
  };
  uint64_t in_campaigns = 0;
  for (const auto& campaign : campaigns) {
    CampaignProgress want;
    std::set<std::string> in;
    for (const auto& [id, p] : projects)
      if (p.campaign == campaign) {
        in.insert(id);
        ++want.projects;
        want.planned += p.status == "planned";
        want.active += p.status == "active";
        want.completed += p.status == "completed";
        want.cancelled += p.status == "cancelled";
      }
    auto got = queries_->campaign_progress(campaign);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->projects, want.projects) << campaign;
    EXPECT_EQ(got->planned, want.planned) << campaign;
    EXPECT_EQ(got->active, want.active) << campaign;
    EXPECT_EQ(got->completed, want.completed) << campaign;
    EXPECT_EQ(got->cancelled, want.cancelled) << campaign;
    const uint64_t counted = want.projects - want.cancelled;
    EXPECT_EQ(got->percent_complete, counted ? 100 * want.completed / counted : 0) << campaign;
    expect_work(got->work, work_in(in), campaign);
    in_campaigns += want.projects;
  }
  EXPECT_GT(in_campaigns, 20u);
  uint64_t tasks_seen = 0;
  for (int i = 0; i < 100; ++i) {
    std::set<std::string> in;
    for (int k = 1 + static_cast<int>(rng_() % 4); k > 0; --k) in.insert(one_of(projects));
    const std::vector<std::string> ids(in.begin(), in.end());
    auto got = queries_->project_work(ids);
    ASSERT_TRUE(got) << got.error().message;
    const ProjectWork want = work_in(in);
    expect_work(*got, want, *in.begin() + " and " + std::to_string(in.size() - 1) + " more");
    tasks_seen += want.tasks;
  }
  EXPECT_GT(tasks_seen, 500u);
}

TEST_F(ListsAgreeTest, WorkTimeHoldsTheWorkLogged) {
  const domain::Date first = *domain::Date::parse("2026-10-01");
  const int kDays = 365;
  std::map<std::pair<std::string, int32_t>, std::pair<int64_t, uint64_t>> logged;  // op, day
  std::vector<std::string> tasks;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "ta-" + std::to_string(i);
    if (attempt(K::task, Action::create, id,
                {{"title", title()}, {"assignee_id", pick(operators_)}}))
      tasks.push_back(id);
  }
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(attempt(K::service_order, Action::create, "so-" + std::to_string(i),
                        {{"client_id", pick(clients_)}, {"problem", title()}}));
  for (int i = 0; i < 2000; ++i) {
    now_us_ += static_cast<int64_t>(rng_() % 6) * 3'600'000'000;  // months of work
    const bool order = chance(10);
    const std::string id = order ? "so-" + std::to_string(rng_() % 20) : pick(tasks);
    const K kind = order ? K::service_order : K::task;
    switch (rng_() % 4) {
      case 0:
        attempt(K::task, pick(std::vector<Action>{Action::complete, Action::reopen}), pick(tasks),
                {});
        break;
      case 1:
        attempt(K::task, Action::update, pick(tasks), {{"assignee_id", pick(operators_)}});
        break;
      default: {
        const domain::Date on = first.add_days(static_cast<int32_t>(rng_() % kDays));
        const int64_t minutes = 1 + static_cast<int64_t>(rng_() % 480);
        const std::string actor = pick(operators_);
        if (attempt(kind, Action::log_work, id,
                    {{"date", Value(on.format())}, {"minutes", Value(minutes)}}, actor)) {
          auto& [sum, entries] = logged[{actor, on.days}];
          sum += minutes;
          ++entries;
        }
      }
    }
  }
  catch_up();
  ASSERT_TRUE(views_->flush());
  uint64_t entries_seen = 0, done_seen = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string& op = pick(operators_);
    const int a = static_cast<int>(rng_() % kDays);
    const int b = std::min(kDays - 1, a + static_cast<int>(rng_() % (chance(50) ? 40 : kDays)));
    const domain::Date from = first.add_days(a), to = first.add_days(b);
    WorkTime expected;
    for (auto it = logged.lower_bound({op, from.days});
         it != logged.end() && it->first.first == op && it->first.second <= to.days; ++it) {
      const auto& [minutes, entries] = it->second;
      expected.minutes += minutes;
      expected.entries += entries;
      expected.days.push_back({domain::Date{it->first.second}.format(), minutes, entries});
    }
    ListQuery done{.kind = K::task,
                   .filters = {{"assignee_id", op}, {"status", "done"}},
                   .ranges = {whole_days("completed_at", from, to)},
                   .limit = 500};
    expected.tasks_done = walk(done).size();
    const std::string period = op + " " + from.format() + ".." + to.format();
    auto sheet = queries_->work_time(op, from, to);
    auto totals = queries_->work_totals(op, from, to);
    ASSERT_TRUE(sheet && totals) << period;
    EXPECT_EQ(sheet->minutes, expected.minutes) << period;
    EXPECT_EQ(sheet->entries, expected.entries) << period;
    EXPECT_EQ(sheet->tasks_done, expected.tasks_done) << period;
    ASSERT_EQ(sheet->days.size(), expected.days.size()) << period;
    for (size_t d = 0; d < expected.days.size(); ++d) {
      EXPECT_EQ(sheet->days[d].date, expected.days[d].date) << period;
      EXPECT_EQ(sheet->days[d].minutes, expected.days[d].minutes) << period;
      EXPECT_EQ(sheet->days[d].entries, expected.days[d].entries) << period;
    }
    EXPECT_EQ(totals->minutes, expected.minutes) << period << " in totals";
    EXPECT_EQ(totals->entries, expected.entries) << period << " in totals";
    EXPECT_EQ(totals->tasks_done, expected.tasks_done) << period << " in totals";
    entries_seen += expected.entries;
    done_seen += expected.tasks_done;
  }
  EXPECT_GT(entries_seen, 1000u);
  EXPECT_GT(done_seen, 100u);
}

// Upcoming birthdays and name days (the anniversaries view) in any window, across a year's end
// and 29 February (celebrated on the 28th in other years), are the persons the test gave those
// days to, by day, birthdays first, then by id; with a filter too, in pages of any size.
TEST_F(ListsAgreeTest, AnniversariesAreThePersonsDays) {
  const domain::Date leap_day = *domain::Date::parse("1988-02-29");
  std::map<std::string, std::pair<std::string, std::string>> days;  // id: birthday, name day
  auto month_day = [&] {  // of a leap year: 29 February too
    return leap_day.add_days(static_cast<int32_t>(rng_() % 366) - 59).format().substr(5);
  };
  auto birthday = [&] {
    return chance(10) ? leap_day.format()
                      : leap_day.add_days(static_cast<int32_t>(rng_() % 8000)).format();
  };
  for (int i = 0; i < 300; ++i) {
    const std::string id = "pe-" + std::to_string(i);
    const std::string b = birthday(), n = month_day();
    if (attempt(K::person, Action::create, id,
                {{"last_name", pick(words_)},
                 {"first_name", "Anna"},
                 {"birthday", Value(b)},
                 {"name_day", Value(n)}}))
      days[id] = {b.substr(5), n};
  }
  for (int i = 0; i < 300; ++i) {
    auto& [id, d] = *std::next(days.begin(), static_cast<ptrdiff_t>(rng_() % days.size()));
    const bool name_day = chance(50), clear = chance(20);
    const std::string v = clear ? "" : name_day ? month_day() : birthday();
    if (attempt(K::person, Action::update, id,
                {{name_day ? "name_day" : "birthday", v.empty() ? Value() : Value(v)}}))
      (name_day ? d.second : d.first) = v.empty() ? "" : name_day ? v : v.substr(5);
  }
  catch_up();
  size_t seen = 0;
  for (int i = 0; i < 100; ++i) {
    const domain::Date from =
        domain::Date::parse("2026-01-01")->add_days(static_cast<int32_t>(rng_() % (3 * 366)));
    const int window =
        chance(50) ? 1 + static_cast<int>(rng_() % 14) : 1 + static_cast<int>(rng_() % 366);
    const std::string surname = chance(30) ? pick(words_) : "";
    std::vector<std::string> expected;  // date kind id
    for (int d = 0; d < window; ++d) {
      const domain::Date day = from.add_days(d);
      const std::string md = day.format().substr(5);
      std::vector<std::string> mds = {md};
      if (md == "02-28" && day.add_days(1).format().substr(5) == "03-01") mds.push_back("02-29");
      for (const auto& m : mds)
        for (const char kind : {'b', 'n'})
          for (const auto& [id, d] : days)  // by id
            if ((kind == 'b' ? d.first : d.second) == m) {
              auto page = queries_->list({.kind = K::person, .ids = {id}});
              ASSERT_TRUE(page && page->items.size() == 1);
              if (surname.empty() || page->items[0]->text("last_name") == surname)
                expected.push_back(day.format() + " " + kind + " " + id);
            }
    }
    std::vector<std::string> got;
    std::string cursor;
    const size_t limit = 1 + rng_() % 20;
    std::function<bool(const domain::Record&)> keep;
    if (!surname.empty())
      keep = [&](const domain::Record& r) { return r.text("last_name") == surname; };
    for (int pages = 0; pages < 100'000; ++pages) {
      auto page = queries_->anniversaries(from, window, limit, cursor, keep);
      ASSERT_TRUE(page) << page.error().message;
      for (const auto& a : page->items)
        got.push_back(a.date.format() + " " + (a.kind == Anniversary::Kind::birthday ? 'b' : 'n') +
                      " " + a.person.id);
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    ASSERT_EQ(got, expected) << from.format() << " for " << window << " days, pages of " << limit
                             << (surname.empty() ? "" : ", " + surname + "'s");
    seen += got.size();
  }
  EXPECT_GT(seen, 1000u);
}

}  // namespace
}  // namespace crm::projections::test
