// projections.rebuild: all built-in views rebuilt from position 0, beside eventstore.scan of the
// same log (read $all and decode). projections.query: list pages of 50 in process, p50/p99.
//
// Datasets come from the demo generator and are kept in benchmarks/results/datasets/ (they take
// minutes to generate: medium ~1.5 min). --quick uses small; the full run uses medium; "large"
// only when named: benchmarks/run projections.rebuild/large.
//
// usage: projections_bench [--quick] [--json FILE] [--keep-views] [NAME-PREFIX ...]
//
// --keep-views builds the views once into the dataset's directory (beside its log) and queries
// them there on later runs, to measure or profile queries without a rebuild each time; the
// rebuild is reported only by the run that built them. A view whose version changed since is
// rebuilt by the catch-up, and not compacted: delete the dataset's views-complete to start over.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "benchmarks/dataset.h"
#include "benchmarks/harness.h"
#include "demo/generator.h"
#include "domain/time.h"
#include "eventstore/event_store.h"
#include "projections/runner.h"
#include "projections/text.h"
#include "projections/views.h"
#include "tests/support/temp_dir.h"

namespace crm::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// The dataset's log, open.
std::unique_ptr<eventstore::EventStore> open_log(const std::string& path) {
  eventstore::Options o;
  o.sync = false;
  return std::move(eventstore::EventStore::open(path, o)).value();
}

double scan_rate(const eventstore::EventStore& log) {
  const auto t0 = clock_type::now();
  uint64_t n = 0, bytes = 0;
  auto r = log.read_all(1, UINT64_MAX, [&](const eventstore::RecordedEvent& e) {
    bytes += e.payload.size();
    return ++n, true;
  });
  if (!r || n != log.head()) std::abort();
  return static_cast<double>(n) / seconds_since(t0);
}

void run_scale(const Settings& s, const demo::Scale& scale) {
  const std::string rebuild_name = std::string("projections.rebuild/") + scale.name;
  const bool query = s.wants("projections.query");
  if (!s.wants(rebuild_name) && !query) return;
  const std::string log_path = dataset_log(scale);
  auto log = open_log(log_path);
  crm::testing::TempDir dir("crm-bench-views");
  namespace fs = std::filesystem;
  const fs::path kept = fs::path(log_path).parent_path() / "views";
  const fs::path complete = kept.string() + "-complete";
  const bool built = !s.keep_views || !fs::exists(complete);
  if (s.keep_views && built) fs::remove_all(kept);  // a build cut short starts again
  auto views =
      std::move(eventstore::TableStore::open(s.keep_views ? kept.string() : dir.sub("views")))
          .value();
  projections::Runner runner(*log, *views, projections::builtin_projections());
  const auto t0 = clock_type::now();
  if (!runner.catch_up()) std::abort();
  const double seconds = seconds_since(t0);
  const double rate = static_cast<double>(log->head()) / seconds;
  if (!built) std::fprintf(stderr, "%s: views kept in %s, not rebuilt\n", scale.name, kept.c_str());
  if (s.wants(rebuild_name) && built) {
    const double baseline = std::max(scan_rate(*log), scan_rate(*log));
    report(s, {rebuild_name,
               std::to_string(log->head()) + " events, all built-in views, " +
                   std::to_string(seconds).substr(0, 5) + " s",
               rate, "events/s", "eventstore.scan of the same log", baseline, rate / baseline});
  }
  if (!query) return;
  if (built && !views->compact())
    std::abort();  // queries are measured on settled views, as after
                   // `crm projections rebuild`
  if (s.keep_views && built) std::ofstream(complete) << log->head() << "\n";
  projections::Queries queries(*views, runner);
  std::mt19937 rng(1);
  // (std::string first: GCC 12's -O3 warns of "c" + std::string&&, a false -Wrestrict.)
  auto random_client = [&] { return std::string("c") + std::to_string(rng() % scale.clients); };
  auto random_operator = [&] {
    return std::string("op") + std::to_string(1 + rng() % (scale.operators - 1));
  };
  auto measure = [&](const std::string& name, const std::string& settings, auto&& one_query) {
    std::vector<double> us;
    const auto start = clock_type::now();  // a slow query: at least 100 samples, else 20 s
    for (int i = 0; i < (s.quick ? 300 : 2000) && (i < 100 || seconds_since(start) < 20); ++i) {
      const auto q0 = clock_type::now();
      one_query();
      us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - q0).count());
    }
    const double p50 = percentile(us, 50), p99 = percentile(us, 99);
    report(s, {name + "/p50", settings, p50, "us", "p99 target 1000 us", 1000, p50 / 1000});
    report(s, {name + "/p99", settings, p99, "us", "p99 target 1000 us", 1000, p99 / 1000});
  };
  // A list's first page, which must be full (a short one would flatter the figure).
  auto full_page = [&](const projections::ListQuery& q) {
    auto page = queries.list(q);
    if (!page || page->items.size() != 50) std::abort();
  };
  // A random operator's list: `q` filtered on the operator in `field`, its first (full) page.
  auto operators_first_page = [&](const std::string& row, const std::string& settings,
                                  projections::ListQuery q, const char* field) {
    measure("projections.query/" + row + "/" + std::string(scale.name), settings, [&] {
      q.filters = {{field, random_operator()}};
      full_page(q);
    });
  };
  // A list's next page, from the cursor the last one gave (past the last page, the first).
  auto next_page = [&](projections::ListQuery& q) {
    auto page = queries.list(q);
    if (!page || page->items.empty()) std::abort();
    q.cursor = page->next_cursor;
  };
  // Active clients in Polish order, 50 a page, walking the pages.
  projections::ListQuery cq;
  cq.filters = {{"status", "active"}};
  measure("projections.query/clients/" + std::string(scale.name),
          "status=active, by name (pl), 50 rows, following cursors", [&] { next_page(cq); });
  projections::ListQuery search;
  const char* terms[] = {"lodz", "mebl", "hurt", "zaklad", "krakow", "sp"};
  measure("projections.query/search/" + std::string(scale.name),
          "search by a folded word prefix, 50 rows", [&] {
            search.search = terms[rng() % 6];
            if (!queries.list(search)) std::abort();
          });
  // A surname, the first word of a person's title: its matches come far on in title order, past
  // a walk's budget (before session 25, "nowak" gave 32 empty pages on medium).
  projections::ListQuery surname{.kind = domain::EntityKind::person};
  const char* surnames[] = {"Nowak", "Kowalska", "Wójcik", "Zieliński", "Woźniak", "Jankowska"};
  std::vector<std::string> folded;  // as a search is typed: "zielinski"
  for (const char* name : surnames) folded.push_back(projections::text::fold(name));
  measure("projections.query/person_surname_search/" + std::string(scale.name),
          "persons by a common surname, first page of 50", [&] {
            surname.search = folded[rng() % 6];
            full_page(surname);
          });
  // The same surnames as a filter (`persons?last_name=Nowak`): the titles that begin with it
  // (before, every title walked from the first: on medium four empty pages of 51-134 ms over
  // HTTP for "Nowak").
  projections::ListQuery by_surname{.kind = domain::EntityKind::person};
  measure("projections.query/persons_of_a_surname/" + std::string(scale.name),
          "last_name = a common surname, first page of 50", [&] {
            by_surname.filters = {{"last_name", surnames[rng() % 6]}};
            full_page(by_surname);
          });
  // The newest contacts first, walking the pages (a sort index other than the title's).
  projections::ListQuery contacts{
      .kind = domain::EntityKind::contact, .sort = "occurred_at", .descending = true};
  measure("projections.query/contacts_newest/" + std::string(scale.name),
          "contacts by occurred_at descending, 50 rows, following cursors",
          [&] { next_page(contacts); });
  // Filtered on a reference and sorted by the kind's time: the reference's paired sort rows are
  // walked (lists v9; before, its ids were read first, then sorted here, a client's ~20
  // contacts, or walked for in the whole sort index, an operator's ~3,400 tasks on medium).
  projections::ListQuery client_contacts{
      .kind = domain::EntityKind::contact, .sort = "occurred_at", .descending = true};
  measure("projections.query/client_contacts_newest/" + std::string(scale.name),
          "a random client's contacts by occurred_at descending, first page of 50", [&] {
            client_contacts.filters = {{"client_id", random_client()}};
            if (!queries.list(client_contacts)) std::abort();
          });
  operators_first_page("assignee_tasks_by_due",
                       "a random operator's tasks (all statuses) by due date, first page of 50",
                       {.kind = domain::EntityKind::task, .sort = "due"}, "assignee_id");
  // An operator's tasks newest first, assigned to them or delegated by them: the operator's rows
  // paired with the tasks' creation (lists v17; before, every task's creation rows were walked
  // and each tested by key, 10 to 14 ms a page over HTTP on large).
  projections::ListQuery operators{
      .kind = domain::EntityKind::task, .sort = "created_at", .descending = true};
  measure(
      "projections.query/operator_tasks_newest/" + std::string(scale.name),
      "a random operator's tasks, assigned or (half) delegated, by created_at descending, "
      "first page of 50",
      [&] {
        operators.filters = {{rng() % 2 ? "assignee_id" : "delegated_by_id", random_operator()}};
        full_page(operators);
      });
  // An operator's tasks by another of their dates, either way, assigned to them or delegated by
  // them: the operator's rows paired with each date (lists v27; before, the operator's bucket
  // read as a set and every task's rows of the date walked for it, 2.3-6 ms a page over HTTP).
  projections::ListQuery operator_dated{.kind = domain::EntityKind::task};
  const char* task_dates[] = {"planned_start", "planned_end", "completed_at", "due"};
  measure("projections.query/operator_tasks_by_a_date/" + std::string(scale.name),
          "a random operator's tasks, assigned or (half) delegated, by a random date either "
          "way, first page of 50",
          [&] {
            const bool delegated = rng() % 2;
            operator_dated.filters = {
                {delegated ? "delegated_by_id" : "assignee_id", random_operator()}};
            operator_dated.sort = task_dates[rng() % (delegated ? 4 : 3)];
            operator_dated.descending = rng() % 2;
            full_page(operator_dated);
          });
  // An operator's open tasks by due date, in the tasks' list (My tasks has a view of its own):
  // the assignee and the status paired together with the due date (lists v17; before, the
  // operator's rows and the open ones were met side by side: 29 of 50 in 11 ms over HTTP on
  // medium, a first page of 6 on large).
  projections::ListQuery operator_open{.kind = domain::EntityKind::task, .sort = "due"};
  measure("projections.query/operator_open_tasks_by_due/" + std::string(scale.name),
          "a random operator's open tasks by due date, first page of 50", [&] {
            operator_open.filters = {{"assignee_id", random_operator()}, {"status", "open"}};
            auto page = queries.list(operator_open);
            if (!page || page->items.empty()) std::abort();
          });
  // Everyone's open tasks by due date, following cursors: the status's paired rows (lists v9;
  // before, the ~10,700 open ids were read and the due index of every task walked for them).
  projections::ListQuery open{
      .kind = domain::EntityKind::task, .filters = {{"status", "open"}}, .sort = "due"};
  measure("projections.query/open_tasks_by_due/" + std::string(scale.name),
          "status=open by due date, 50 rows, following cursors", [&] { next_page(open); });
  // An operator's open tasks, the most urgent first (lists v28; before, a priority was no sort
  // field).
  projections::ListQuery operator_urgent{
      .kind = domain::EntityKind::task, .sort = "priority", .descending = true};
  measure("projections.query/operator_open_tasks_most_urgent/" + std::string(scale.name),
          "a random operator's open tasks by priority descending, first page of 50", [&] {
            operator_urgent.filters = {{"assignee_id", random_operator()}, {"status", "open"}};
            auto page = queries.list(operator_urgent);
            if (!page || page->items.empty()) std::abort();
          });
  // Open tasks of a kind by due date (the open calls): the kind and the status paired together
  // (lists v17; 1.1-1.5 ms at p50 before, the kind's paired rows met as the status's were
  // walked, lists v12; before that, the kind's ids, 28,000 calls on medium, were read).
  projections::ListQuery open_of_kind{.kind = domain::EntityKind::task, .sort = "due"};
  const char* kinds[] = {"call", "meeting", "send_materials", "complaint", "offer", "other"};
  measure("projections.query/open_tasks_of_a_kind_by_due/" + std::string(scale.name),
          "status=open and a random kind by due date, first page of 50", [&] {
            open_of_kind.filters = {{"status", "open"}, {"kind", kinds[rng() % 6]}};
            auto page = queries.list(open_of_kind);
            if (!page || page->items.empty()) std::abort();
          });
  // The open tasks by another of their dates, either way, half of them of high priority: the
  // status's rows paired with the date (lists v15; before session 28, every task's rows of the
  // date were walked for the 4,708 open ones on medium, 5 to 26 ms a page), and (lists v18) by
  // the completion they lack (before session 30, an empty first page in 32 ms).
  projections::ListQuery open_by_date{.kind = domain::EntityKind::task};
  const char* dates[] = {"planned_start", "planned_end", "created_at", "completed_at"};
  measure("projections.query/open_tasks_by_a_date/" + std::string(scale.name),
          "status=open (and priority=high, half) by a random date either way, first page of 50",
          [&] {
            open_by_date.sort = dates[rng() % 4];
            open_by_date.descending = rng() % 2;
            open_by_date.filters = {{"status", "open"}};
            if (rng() % 2) open_by_date.filters.emplace_back("priority", "high");
            full_page(open_by_date);
          });
  // The same by title: the two buckets' rows, both in title order, met as the first is walked
  // (before session 27, the first filter's bucket was walked and each record read: pages of 2
  // to 4).
  projections::ListQuery open_of_kind_by_title{.kind = domain::EntityKind::task};
  measure("projections.query/open_tasks_of_a_kind_by_title/" + std::string(scale.name),
          "status=open and a random kind by title, first page of 50", [&] {
            open_of_kind_by_title.filters = {{"status", "open"}, {"kind", kinds[rng() % 6]}};
            full_page(open_of_kind_by_title);
          });
  // A kind's tasks newest first: its bucket (28,000 calls on medium) is too large to read, so
  // the walk of the tasks by creation tests each row by its key in the bucket (before session
  // 27, by reading the record, and the first 20,000 of the bucket's rows were read first).
  projections::ListQuery of_kind_newest{
      .kind = domain::EntityKind::task, .sort = "created_at", .descending = true};
  measure("projections.query/tasks_of_a_kind_newest/" + std::string(scale.name),
          "a random kind by created_at descending, first page of 50", [&] {
            of_kind_newest.filters = {{"kind", kinds[rng() % 6]}};
            full_page(of_kind_newest);
          });
  // The clients in a city by name: the cities of their addresses are buckets (lists v14; before
  // session 27 each client was read, 1,000 a request, in short pages).
  projections::ListQuery in_city{.kind = domain::EntityKind::client};
  const char* cities[] = {"Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk"};
  measure("projections.query/clients_in_a_city/" + std::string(scale.name),
          "a random one of six large cities by name, first page of 50", [&] {
            in_city.filters = {{"addresses.city", cities[rng() % 6]}};
            full_page(in_city);
          });
  // A word of some tasks' titles by due date: its 9,400 matches on medium are read from the word's
  // rows first (before session 27, more than 1,000 were not: each record the walk met was
  // read, 1,000 a request, and its pages held 10 to 49).
  projections::ListQuery by_word_by_due{.kind = domain::EntityKind::task, .sort = "due"};
  const char* words[] = {"potwierdzić", "ankieta", "wysłać", "rabat", "przypomnieć"};
  measure("projections.query/tasks_by_a_word_by_due/" + std::string(scale.name),
          "a random one of five title words, by due date, first page of 50", [&] {
            by_word_by_due.search = words[rng() % 5];
            full_page(by_word_by_due);
          });
  // A filter on half of the contacts, newest first: its bucket is too large to be worth reading
  // (before session 26, its first 20,000 rows were read, to find it too large, before the walk).
  projections::ListQuery of_direction{
      .kind = domain::EntityKind::contact, .sort = "occurred_at", .descending = true};
  const char* directions[] = {"inbound", "outbound"};
  measure("projections.query/contacts_of_a_direction_newest/" + std::string(scale.name),
          "a random direction by occurred_at descending, first page of 50", [&] {
            of_direction.filters = {{"direction", directions[rng() % 2]}};
            full_page(of_direction);
          });
  // An operator's contacts by when they were entered, the newest first: the operator's rows
  // paired with the creation (lists v26; before, a bucket of thousands, 7,517 for one operator
  // on medium, read as a set and the sort's rows walked for its members: 2.0-2.3 ms at p50).
  operators_first_page(
      "operator_contacts_by_entry",
      "a random operator_id by created_at descending, first page of 50",
      {.kind = domain::EntityKind::contact, .sort = "created_at", .descending = true},
      "operator_id");
  // A trade document looked up by its number (an ERP, an accountant on the phone): the
  // identifier's bucket (lists v30; before, the documents read in title order, 1,000 to 4,000 a
  // request: empty first pages on medium). The demo makes three documents a client.
  std::vector<std::string> numbers;
  for (int i = 0; i < 256; ++i) {
    const auto id = "doc" + std::to_string(rng() % (scale.clients * 3));
    if (auto r = queries.record(domain::EntityKind::trade_document, id); r && *r)
      numbers.push_back((*r)->text("number"));
  }
  // A record looked up by one of `values` of its `field`: its page (never empty).
  auto lookup = [&](const char* row, const char* what, domain::EntityKind kind, const char* field,
                    const std::vector<std::string>& values) {
    if (values.empty()) std::abort();
    projections::ListQuery by_value{.kind = kind};
    measure("projections.query/" + std::string(row) + "/" + std::string(scale.name), what, [&] {
      by_value.filters = {{field, values[rng() % values.size()]}};
      auto page = queries.list(by_value);
      if (!page || page->items.empty()) std::abort();
    });
  };
  lookup("document_by_number", "a random trade document's number, its page of one",
         domain::EntityKind::trade_document, "number", numbers);
  // A person looked up by the number a call came from, written otherwise than it was saved
  // ("+48 601 234 567" as 601234567): the phone's bucket, filed by its number (lists v31; before,
  // the persons read in title order, empty first pages on medium, and nobody found so written).
  std::vector<std::string> dialled;
  for (int i = 0; i < 256; ++i) {
    const auto id = "p" + std::to_string(rng() % scale.persons);
    if (auto r = queries.record(domain::EntityKind::person, id); r && *r)
      if (const auto* phones = (*r)->field("phones"))
        if (const auto* list = phones->get<domain::List>(); list && !list->empty()) {
          std::string digits = *list->front().get<std::string>();
          std::erase_if(digits, [](char c) { return c < '0' || c > '9'; });
          dialled.push_back(digits);
        }
  }
  lookup("person_by_phone", "a random person's phone as its digits, their page",
         domain::EntityKind::person, "phones", dialled);
  // Clients by rolling 12-month turnover, a figure of the day, either way: walked in the rows of
  // each client's figures from its last invoice on (lists v19; before, the best first by bounds
  // of the figure, the lowest first by reading every client: 77-92 ms at p50).
  for (const bool best : {true, false}) {
    projections::ListQuery by_turnover{.kind = domain::EntityKind::client,
                                       .sort = std::string(projections::kTurnover),
                                       .descending = best,
                                       .today = *domain::Date::parse("2026-11-22")};
    measure("projections.query/clients_by_turnover_" + std::string(best ? "best" : "lowest") +
                "_first/" + std::string(scale.name),
            "turnover_12m on 2026-11-22, first page of 50", [&] { full_page(by_turnover); });
  }
  // An account manager's clients, the best first: about 350 on medium, walked in their own span
  // rows (lists v20; before, read and sorted: 844 us at p50 and 4.65 ms at p99).
  projections::ListQuery managed_by_turnover{.kind = domain::EntityKind::client,
                                             .sort = std::string(projections::kTurnover),
                                             .descending = true,
                                             .today = *domain::Date::parse("2026-11-22")};
  operators_first_page(
      "managed_clients_by_turnover",
      "a random account_manager_id, turnover_12m on 2026-11-22 best first, first page of 50",
      managed_by_turnover, "account_manager_id");
  // An account manager's clients, the newest first: about 350 on medium, walked in their own
  // rows (lists v25; before, read and sorted).
  operators_first_page(
      "managed_clients_newest",
      "a random account_manager_id by created_at descending, first page of 50",
      {.kind = domain::EntityKind::client, .sort = "created_at", .descending = true},
      "account_manager_id");
  // The clients in a city, the best first: walked in the city's own span rows (lists v22; before,
  // every client's were walked and each one met read, or a small city's clients read and sorted).
  projections::ListQuery city_by_turnover = managed_by_turnover;
  measure("projections.query/city_clients_by_turnover/" + std::string(scale.name),
          "a random one of six large cities, turnover_12m on 2026-11-22 best first, first page "
          "of 50",
          [&] {
            city_by_turnover.filters = {{"addresses.city", cities[rng() % 6]}};
            full_page(city_by_turnover);
          });
  // A range by title: its sort rows carry the titles, so its records are sorted as they are read
  // (about 1,100 tasks a week on medium; before lists v9 they were walked for in the titles).
  projections::ListQuery week{.kind = domain::EntityKind::task};
  const domain::Date last_week = *domain::Date::parse("2026-11-16");
  measure("projections.query/tasks_due_in_a_week_by_title/" + std::string(scale.name),
          "tasks due in a random week of the year before 2026-11-22, by title, first page of 50",
          [&] {
            const domain::Date monday = last_week.add_days(-7 * static_cast<int>(rng() % 52));
            week.ranges = {{"due", domain::Value(monday), domain::Value(monday.add_days(6))}};
            full_page(week);
          });
  // By when a record last changed (lists v35; before, a range of it walked the titles reading
  // records, and a sort by it was refused): the clients changed since a day, by name, and the
  // contacts changed most recently, walking the pages.
  projections::ListQuery changed{.kind = domain::EntityKind::client};
  measure("projections.query/clients_changed_since_a_day/" + std::string(scale.name),
          "clients changed since a random day of the 30 to 2026-11-18, by name, first page "
          "of 50",
          [&] {
            const domain::Date day = last_week.add_days(2 - static_cast<int>(rng() % 30));
            changed.ranges = {
                {"updated_at", domain::Value(domain::local_midnight(day)), domain::Value()}};
            full_page(changed);
          });
  projections::ListQuery recent{
      .kind = domain::EntityKind::contact, .sort = "updated_at", .descending = true};
  measure("projections.query/contacts_recently_changed/" + std::string(scale.name),
          "contacts by updated_at descending, 50 rows, following cursors",
          [&] { next_page(recent); });
  // A client's timeline (by when things happened) and its history (in the order recorded: the
  // timeline's rows merged with those of the entries recorded at another time).
  for (const auto order : {projections::Queries::TimelineOrder::occurred,
                           projections::Queries::TimelineOrder::recorded}) {
    const bool history = order == projections::Queries::TimelineOrder::recorded;
    measure(std::string("projections.query/client_") + (history ? "history/" : "timeline/") +
                scale.name,
            std::string("a random client's ") + (history ? "history" : "timeline") +
                ", first page of 50",
            [&] {
              const auto client = random_client();
              auto page = queries.timeline(client, 50, {}, order);
              if (!page || page->entries.empty()) std::abort();
            });
  }
  // A client's service alone (its devices, their orders and inspections): a filtered timeline
  // walks the client's rows until its page is full, all of them for a client with no device.
  measure("projections.query/client_service_timeline/" + std::string(scale.name),
          "a random client's timeline of devices, service orders and inspections, first page of 50",
          [&] {
            const auto client = random_client();
            using K = domain::EntityKind;
            if (!queries.timeline(client, 50, {}, projections::Queries::TimelineOrder::occurred, {},
                                  {K::device, K::service_order, K::inspection}))
              std::abort();
          });
  // An operator's calendar: a week's and a month's entries, each named as it is now (a task by
  // its title and client, a service order by its number and device).
  for (const int days : {7, 31}) {
    measure(std::string("projections.query/operator_calendar_") + (days == 7 ? "week/" : "month/") +
                scale.name,
            "a random operator's calendar for " + std::to_string(days) +
                " days from a random day of the year before 2026-11-22, every entry",
            [&] {
              const domain::Date from = last_week.add_days(-static_cast<int>(rng() % 365));
              if (!queries.calendar(random_operator(), from, from.add_days(days - 1))) std::abort();
            });
  }
  projections::TaskQuery tq;
  measure("projections.query/my_tasks/" + std::string(scale.name),
          "open tasks of a random operator by due date, 50 rows", [&] {
            tq.operator_id = random_operator();
            if (!queries.tasks(tq)) std::abort();
          });
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  const auto s = crm::bench::parse_settings(argc, argv);
  crm::bench::run_scales(s, {"projections.rebuild/large"},
                         [&](const crm::demo::Scale& scale) { crm::bench::run_scale(s, scale); });
}
