#pragma once
// The built-in read models and their queries.
//
//  records   every record's current state, by "<kind>/<id>" (GET one record, the rows of lists)
//  lists     records of every kind by title in Polish alphabetical order, by the folded words
//            of their titles and of the numbers people look them up by (search), in buckets of
//            field values (filters), and by sort field values (sorts and ranges)
//  my_tasks  tasks by assignee and by delegator, open before done, by due date
//  timeline  per client, everything that happened to it or to records referring to it, in the
//            order it happened and in the order it was recorded
//  inspections  planned inspections by due date (due and overdue)
//  anniversaries  persons' birthdays and name days by day of the year
//  work_time  logged work by operator and date
//  calendar  tasks, service orders and planned inspections by operator and day
//  device_orders, campaign_projects  a device's service orders, a campaign's projects (with status)
//
// Lists page with opaque cursors: the cursor is the last index key returned, so a page never
// repeats or skips a row that stays where it was while others are written.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/cache.h"
#include "domain/record.h"
#include "projections/projection.h"
#include "projections/runner.h"

namespace crm::projections {

std::vector<std::unique_ptr<Projection>> builtin_projections();

/// The core fields that make a record's title, which lists are sorted and searched by (a
/// person's surname then first name, a service order's number, ...).
const std::vector<std::string>& title_fields(domain::EntityKind kind);

/// The fields a list can be sorted by besides its title: created_at, the core fields of ordered
/// types (dates, times, numbers, money) and ranked choices (a task's priority, in its options'
/// order), and kUpdatedAt last. Records without a value come last.
const std::vector<std::string>& sort_fields(domain::EntityKind kind);

/// When a record last changed (its last event): lists sort by it and filter on a range of it
/// (the clients changed since Monday, the contacts most recently changed first).
inline constexpr std::string_view kUpdatedAt = "updated_at";

/// Whether lists sort by a field of this type: numbers, money, dates and times. A custom field of
/// one of these is a sort field too ("fields.<key>"; records without a value last).
bool sortable_type(domain::FieldType type);

/// A client's rolling 12-month turnover: a figure of the day, not of the events (an invoice leaves
/// it a year after its date), so no index holds it. Clients sort by it and filter on a range of it
/// (`turnover_12m.from`, `.to`) as of ListQuery::today.
inline constexpr std::string_view kTurnover = "turnover_12m";

/// The names a list's sort accepts (each also with '-' first: descending): "title", the first
/// title field (the title by its own name, e.g. "name"), then sort_fields(kind), and for clients
/// kTurnover.
std::vector<std::string> sort_names(domain::EntityKind kind);

/// A filter's value as lists compare it with a field's values: the typed value's text (a money
/// amount "310000" is "310000.00", a date "2026-01-31"); "" (unset) stays "". nullopt when `text`
/// is no value of the field's type (or not one of its options, where the spec lists them), and
/// `why` then says what it must be.
std::optional<std::string> filter_value(const domain::FieldSpec& field, std::string_view text,
                                        std::string& why);

/// An end of a ListQuery::Range given as text for a field of `type` (a sortable_type): a date for
/// a time field means that day in Warsaw, from its start or, when `upper`, to its end. nullopt
/// with `why` when the text is no such value.
std::optional<domain::Value> range_bound(domain::FieldType type, std::string_view text, bool upper,
                                         std::string& why);

struct Page {
  std::vector<std::shared_ptr<const domain::Record>> items;  // shared with Queries' cache
  std::string next_cursor;                                   // empty: no more
};

/// The most ids one list may name (ListQuery::ids): a page's worth.
inline constexpr size_t kMaxListIds = 500;

struct ListQuery {
  domain::EntityKind kind = domain::EntityKind::client;
  std::string search;  // words (any case, with or without diacritics); a word matches prefixes
  /// field = value; filters on different fields must all hold, on the same field any may
  /// (status=registered & status=diagnosed); "fields.<key>" is a custom field; a list field
  /// matches if one of its items does; "" matches an unset field.
  std::vector<std::pair<std::string, std::string>> filters;
  /// Values of a date, time, number or money field from..to, both included (a null end is open):
  /// a core field, "fields.<key>", "created_at" or "updated_at"; records without a value fail.
  /// Sorted by the same field, a list reads only that part of its index.
  struct Range {
    std::string field;
    domain::Value from, to;
  };
  std::vector<Range> ranges;
  /// If not empty: only the records of these ids (at most kMaxListIds; those that exist and pass
  /// the other filters), as one id filter given several times (id=c1&id=c7).
  std::vector<std::string> ids;
  /// Empty: by title (name; a person's surname then first name; ...), in Polish order; else one
  /// of sort_fields(kind) or "fields.<key>" (a custom field of a sortable_type), ties by id (a
  /// ranked choice's, a task's priority, by creation first).
  std::string sort;
  bool descending = false;
  size_t limit = 50;
  std::string cursor;
  /// The day clients' turnover (kTurnover) is computed for, in a sort or a range.
  domain::Date today;
};

/// Whether both ends of a list's range are given and the first is after the last: a range that
/// holds no value (a list with it is empty; the API answers it with a 400).
bool backwards(const ListQuery::Range& range);

/// My tasks: the tasks assigned to an operator and the service orders they are the technician of
/// (or the tasks they delegated to others), to do first, each group by due date (an order's
/// planned day), undated last.
struct TaskQuery {
  std::string operator_id;
  enum class Scope { assigned, delegated } scope = Scope::assigned;
  // open: open and in progress, an order not completed; done: done or cancelled, an order
  // completed, handed back or cancelled
  enum class Status { open, done, all } status = Status::open;
  size_t limit = 50;
  std::string cursor;
};

/// One thing that happened to a client or to a record that refers to it.
/// The kinds of record a client's timeline holds entries of: the client's own, and those of the
/// records that refer to it (an inspection through its device).
inline constexpr domain::EntityKind kTimelineKinds[] = {
    domain::EntityKind::client,        domain::EntityKind::person,
    domain::EntityKind::contact,       domain::EntityKind::task,
    domain::EntityKind::project,       domain::EntityKind::device,
    domain::EntityKind::inspection,    domain::EntityKind::service_order,
    domain::EntityKind::trade_document};

struct TimelineEntry {
  uint64_t position = 0;
  domain::EntityKind kind = domain::EntityKind::client;
  std::string id;
  std::string type;     // the event type, e.g. ContactLogged, TaskCompleted, TurnoverRecorded
  domain::DateTime at;  // when it was recorded
  /// When it happened: `at`, but a contact's occurred_at, a service order's received_at, a
  /// reply's replied_at, and the day of an invoice, of logged work or of an inspection's
  /// completion (at the time of day it was recorded) for events that record them.
  domain::DateTime occurred_at;
  std::string by;
  /// The record's name as it is now: a contact's subject, a task's title, "Zlecenie serwisowe
  /// ZS/2026/00042", "Przegląd urządzenia SN1 (Kocioł)", a person's surname and first name...;
  /// empty if the record no longer exists.
  std::string title;
  std::string by_name;  // the operator's name as it is now ("" if unknown)
};

/// The instants from <= t < until.
struct TimeRange {
  domain::DateTime from{INT64_MIN}, until{INT64_MAX};
};

struct Timeline {
  std::vector<TimelineEntry> entries;  // newest first
  std::string next_cursor;
};

/// A birthday or name day of a person on a date.
struct Anniversary {
  domain::Date date;
  enum class Kind { birthday, name_day } kind = Kind::birthday;
  domain::Record person;
};

struct AnniversaryPage {
  std::vector<Anniversary> items;
  std::string next_cursor;  // empty on the last page
};

struct WorkTime {
  int64_t minutes = 0;
  uint64_t entries = 0;
  uint64_t tasks_done = 0;  // the operator's tasks completed in the period and still done
  /// The days with logged work, in order: what a timesheet settles.
  struct Day {
    std::string date;  // YYYY-MM-DD
    int64_t minutes = 0;
    uint64_t entries = 0;
  };
  std::vector<Day> days;
};

/// One item of an operator's calendar: a task (planned start, or its due date), a service order
/// (its planned time) or a planned inspection (everyone's; recurring ones once per occurrence).
struct CalendarEntry {
  domain::Date date;                           // the local (Europe/Warsaw) day
  std::optional<domain::DateTime> start, end;  // absent: an all-day item
  domain::EntityKind kind = domain::EntityKind::task;
  std::string id;
  std::string title;
  /// The record's status as it is now: a task open, in progress or done; an order registered,
  /// in repair, awaiting parts, completed...; an inspection planned or in service.
  std::string status;
};

/// The work in some projects: their tasks by status, the minutes logged on those tasks, their
/// contacts, and the clients the projects are for (each once).
struct ProjectWork {
  uint64_t tasks = 0, tasks_done = 0, tasks_open = 0, tasks_cancelled = 0;
  int64_t minutes_logged = 0;
  uint64_t contacts = 0, clients = 0;
};

struct CampaignProgress {
  uint64_t projects = 0, planned = 0, active = 0, completed = 0, cancelled = 0;
  int percent_complete = 0;  // completed of the projects not cancelled
  ProjectWork work;          // in its projects
};

struct Turnover {
  domain::Money turnover_12m;              // invoices of the 12 months up to the date
  std::optional<domain::Money> potential;  // the client's expected yearly value, if set
};

/// How many decoded records Queries keep in each thread's copy (each about a kilobyte or two).
inline constexpr size_t kDecodedRecords = 20'000;

/// Reads the views. Thread-safe; every call reads the version of each view that queries use.
class Queries {
 public:
  Queries(const TableStore& views, const Runner& runner) : views_(views), runner_(runner) {}

  eventstore::result<std::optional<domain::Record>> record(domain::EntityKind kind,
                                                           const std::string& id) const;
  eventstore::result<Page> list(const ListQuery& query) const;
  eventstore::result<Page> tasks(const TaskQuery& query) const;
  /// Planned inspections (waiting, or in service) due before `before`, earliest first; with
  /// `before` = tomorrow these are the ones due or overdue today.
  eventstore::result<Page> inspections_due(domain::Date before, size_t limit = 50,
                                           const std::string& cursor = {}) const;
  /// Birthdays and name days in the `days` days from `from` (29 February on the 28th in other
  /// years), by day, then birthdays before name days, then by person id; a page of `limit`. A
  /// cursor belongs to the same `from` and `days`. `keep`, if given, chooses the persons (those
  /// of one client, say); then a page reads at most 20 pages' worth of rows and may be short.
  eventstore::result<AnniversaryPage> anniversaries(
      domain::Date from, int days, size_t limit = 50, const std::string& cursor = {},
      const std::function<bool(const domain::Record&)>& keep = {}) const;
  /// The operator's calendar for the days from..to inclusive (at most 400 days), by day and time.
  eventstore::result<std::vector<CalendarEntry>> calendar(const std::string& operator_id,
                                                          domain::Date from, domain::Date to) const;
  /// A device's repair history: its service orders, newest first (one page, no cursor).
  eventstore::result<Page> device_history(const std::string& device_id) const;
  /// How far a campaign's projects are, and the tasks, contacts and clients in them.
  eventstore::result<CampaignProgress> campaign_progress(const std::string& campaign_id) const;
  /// The work in these projects (a project's progress, or a campaign's).
  eventstore::result<ProjectWork> project_work(const std::vector<std::string>& projects) const;
  /// A client's rolling 12-month turnover beside its potential (nullopt: no such client).
  eventstore::result<std::optional<Turnover>> turnover(const std::string& client_id,
                                                       domain::Date as_of) const;
  /// Work logged by an operator (tasks and service orders) on the days from..to inclusive, and
  /// the tasks assigned to them that were completed on those days (local time) and are done.
  eventstore::result<WorkTime> work_time(const std::string& operator_id, domain::Date from,
                                         domain::Date to) const;
  /// The same sums without the days, read from a row a month where that reads fewer rows: what
  /// a team's figures need.
  eventstore::result<WorkTime> work_totals(const std::string& operator_id, domain::Date from,
                                           domain::Date to) const;
  /// Everything about one client, newest first: its own events and those of every contact,
  /// task, project, service order, device, trade document and person that refers to it. By
  /// when each happened (occurred_at, the timeline), or by when it was recorded (`at`, then its
  /// log position: the history an auditor reads). A cursor belongs to one order.
  /// `range` bounds the times of that order; `kinds`, when given, are the only kinds of record
  /// whose entries it holds.
  enum class TimelineOrder { occurred, recorded };
  eventstore::result<Timeline> timeline(const std::string& client_id, size_t limit = 50,
                                        const std::string& cursor = {},
                                        TimelineOrder order = TimelineOrder::occurred,
                                        TimeRange range = {},
                                        const std::vector<domain::EntityKind>& kinds = {}) const;

 private:
  /// The tables of a view (and its version in `version`, if given), or an error if it is not
  /// running.
  eventstore::result<std::vector<TableId>> tables_of(std::string_view view,
                                                     uint32_t* version = nullptr) const;
  /// The physical table of the records view, and one record read from it: a list resolves the
  /// table once per page instead of once per row.
  eventstore::result<TableId> records_table() const;
  eventstore::result<std::shared_ptr<const domain::Record>> record_in(TableId records,
                                                                      domain::EntityKind kind,
                                                                      const std::string& id) const;
  /// Several records at once, in the order of `ids`; null where none. Records read before come
  /// from the cache while their rows' stamps (TableStore::row_stamp) are unchanged; the others
  /// are read with one MultiGet.
  eventstore::result<std::vector<std::shared_ptr<const domain::Record>>> records_in(
      TableId records, domain::EntityKind kind, const std::vector<std::string>& ids) const;
  /// Records to name for a reader, as they are now: an entry's kind and id, and where its name
  /// goes.
  struct ToName {
    domain::EntityKind kind;
    std::string_view id;
    std::string* title;
    std::string* status = nullptr;  // where its status goes, if wanted
    /// If set, the title is already the record's (a calendar row's): only this client's name is
    /// added to it, the record not read.
    const std::string* client = nullptr;
  };
  /// Names a service order by its number, an inspection by its device's serial number and
  /// model, any other record by its title fields, a service order, an inspection and a task
  /// followed by its client's name if `with_client`; one MultiGet per kind. A record that does
  /// not exist keeps its title.
  eventstore::result<void> name_records(const std::vector<ToName>& items, bool with_client) const;
  /// The records named by the keys of `index` in [from, to) (the id after the last '\0'), a page;
  /// of the kind a row's value names, `kind` where it names none.
  eventstore::result<Page> page_of(TableId index, domain::EntityKind kind, const std::string& from,
                                   const std::string& to, size_t limit) const;
  /// work_time's sums over the days from..to in the view's `tables` of `version`; the days too
  /// if `days`.
  eventstore::result<WorkTime> work_days(const std::vector<TableId>& tables, uint32_t version,
                                         const std::string& operator_id, domain::Date from,
                                         domain::Date to, bool days) const;

  struct Decoded {
    TableId table;
    uint64_t stamp;  // the row's stamp, taken before it was read
    domain::Record record;
  };

  const TableStore& views_;
  const Runner& runner_;
  ThreadCaches<Decoded> decoded_{kDecodedRecords};
};

}  // namespace crm::projections
