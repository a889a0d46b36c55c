#pragma once
// Commands and decisions: decide(state, command) -> events, or a refusal naming the field.
//
// A command targets one record but may need others (the contact a reply answers, the other
// person of a relation, the inspection of a service order, the client of an invoice, the number
// counter, the login reservation). The caller asks related_records() what to load, loads them,
// and passes everything in a State; the Decision lists the events per record with the version
// each was decided against, so the caller can append them atomically with those expectations.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/errors.h"
#include "domain/fields.h"
#include "domain/record.h"

namespace crm::domain {

enum class Action {
  create,
  update,            // partial: only the fields given; null clears an optional field
  start,             // task: open -> in_progress
  complete,          // task: -> done {result}; inspection: -> done without a service order {date}
  cancel,            // task, inspection
  reopen,            // task: done|cancelled -> open
  change_status,     // project, campaign, service order: {status, note}
  log_work,          // task, service order: {date, minutes, note}
  relate,            // person: {person_id, label}, recorded on both persons
  unrelate,          // person: {person_id}
  set_password,      // operator: Command::secret holds the new password hash
  define_field,      // field catalog: {key, label, type, required, options, default, target}
  change_field,      // field catalog: {key, label?, options?, required?}
  retire_field,      // field catalog: {key}
  define_task_kind,  // the task catalog: {key, label}
  change_task_kind,  // the task catalog: {key, label?, retired?}
};
std::string_view name_of(Action action);

struct Command {
  EntityKind kind = EntityKind::client;
  Action action = Action::create;
  std::string id;      // the target record's id (for a field catalog: the entity name)
  Object input;        // raw values from the API; custom fields under "fields"
  std::string actor;   // operator id
  DateTime now;        // when the command is decided (injected clock)
  std::string secret;  // operator create / set_password: the password hash (never in input)
};

using RecordKey = std::pair<EntityKind, std::string>;

struct State {
  Record target;                        // version 0 when it does not exist yet
  Record catalog;                       // custom-field catalog of target.kind (may be empty)
  std::map<RecordKey, Record> related;  // what related_records() asked for
  ExistsFn exists;                      // for references named in the input
};

struct StreamEvents {
  EntityKind kind;
  std::string id;
  uint64_t expected_version = 0;  // the version the decision was based on
  std::vector<DomainEvent> events;
};

struct Decision {
  std::vector<StreamEvents> streams;  // the target's first; empty: nothing to change
  bool empty() const { return streams.empty(); }
};

/// Records (besides the target and its catalog) that deciding `command` needs to see.
std::vector<RecordKey> related_records(const Command& command, const Record& target);

/// Validates the command against the state and returns the events to append, or a refusal.
/// Pure: no I/O except through State::exists.
result<Decision> decide(const State& state, const Command& command);

/// The custom fields in force for an entity kind, from its catalog record.
std::vector<FieldSpec> custom_fields(const Record& catalog);

/// A kind of task (PRODUCT.md: "the list is configurable"): `key` is what a task's `kind` holds,
/// `label` what people read. A retired kind stays on the tasks that have it and takes no new ones.
struct TaskKind {
  std::string key;
  std::string label;
  bool retired = false;
  bool operator==(const TaskKind&) const = default;
};
/// The task kinds in force, from the task catalog record (its "task_kinds"), in the order they
/// were defined; the built-in list (call, meeting, send_materials, complaint, tender, offer,
/// other) while it was never changed.
std::vector<TaskKind> task_kinds(const Record& task_catalog);
/// The kind a task gets when none is given; it cannot be retired.
inline constexpr std::string_view kDefaultTaskKind = "other";

/// Whether an operator may be given work and log in: unless its `active` says no.
bool operator_active(const Record& op);

/// Whether a task's or a service order's status says its work is done: a task done, an order
/// completed or handed back (what `completed_at` is kept for).
bool work_done(EntityKind kind, std::string_view status);

/// The id of the counter record that numbers service orders of a year, e.g. "service_order-2026".
std::string service_order_counter(int year);

/// Turnover from invoices dated within the 12 months ending on `as_of` (inclusive).
Money turnover_12m(const Record& client, Date as_of);

/// The first day an invoice dated `date` no longer counts in turnover_12m: the first whose date
/// 12 months back is not before it.
Date turnover_12m_left(Date date);

/// The days on which an invoice of the client enters turnover_12m (its date) or leaves it
/// (turnover_12m_left), ascending, each once: between two of them the figure stays the same.
std::vector<Date> turnover_12m_changes(const Record& client);

/// The days a recurring inspection falls on: `from` and every `every` days or months after it (a
/// monthly one from the 31st on a shorter month's last day, and on the 31st after it).
struct Rhythm {
  Date from;
  bool by_days = false;
  int every = 1;  // 1 or more
  /// Counted from the inspection's `recurs_from`, or from its due date when it has none (planned
  /// before it was kept) or a later one.
  static Rhythm of(std::optional<Date> recurs_from, Date due, bool by_days, int every);
  /// The k-th day, k >= 0 (from + k intervals).
  Date on(int k) const;
  /// The first k whose day is on or after `day`.
  int first_from(Date day) const;
};

}  // namespace crm::domain
