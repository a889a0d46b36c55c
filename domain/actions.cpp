// Actions other than create and update: status machines (tasks, service orders, projects,
// campaigns, inspections), logged work, relations between persons, passwords.

#include <algorithm>
#include <map>
#include <set>

#include "domain/internal.h"
#include "domain/time.h"

namespace crm::domain::internal {
namespace {

using K = EntityKind;
using Transitions = std::map<std::string, std::set<std::string>>;

const Transitions& transitions(K kind) {
  static const Transitions task = {{"open", {"in_progress", "done", "cancelled"}},
                                   {"in_progress", {"open", "done", "cancelled"}},
                                   {"done", {"open"}},
                                   {"cancelled", {"open"}}};
  static const Transitions service_order = {
      {"registered", {"diagnosed", "in_repair", "cancelled"}},
      {"diagnosed", {"in_repair", "awaiting_parts", "completed", "cancelled"}},
      {"in_repair", {"awaiting_parts", "completed", "cancelled"}},
      {"awaiting_parts", {"in_repair", "cancelled"}},
      {"completed", {"handed_back", "in_repair"}},
      {"handed_back", {}},
      {"cancelled", {}}};
  static const Transitions project = {{"planned", {"active", "cancelled"}},
                                      {"active", {"completed", "cancelled"}},
                                      {"completed", {"active"}},
                                      {"cancelled", {"planned"}}};
  static const Transitions inspection = {{"planned", {"in_service", "completed", "cancelled"}},
                                         {"in_service", {"completed", "planned"}},
                                         {"completed", {}},
                                         {"cancelled", {"planned"}}};
  static const Transitions none;
  switch (kind) {
    case K::task:
      return task;
    case K::service_order:
      return service_order;
    case K::project:
    case K::campaign:
      return project;
    case K::inspection:
      return inspection;
    default:
      return none;
  }
}

// Checks from -> to against the kind's state machine; explains a refusal.
std::optional<error> check_transition(K kind, const std::string& from, const std::string& to) {
  const auto& t = transitions(kind);
  auto it = t.find(from);
  if (it != t.end() && it->second.count(to)) return std::nullopt;
  std::string why = "cannot go from '" + from + "' to '" + to + "'";
  if (kind == K::service_order && to == "handed_back")
    why = "a device is handed back only after its order is completed (it is '" + from + "')";
  if (kind == K::task && to == "done" && from == "cancelled")
    why = "a cancelled task cannot be completed; reopen it first";
  return error{
      errc::transition_not_allowed, std::string(name_of(kind)) + ": " + why, {{"status", why}}};
}

std::string status_event(K kind, const std::string& to) {
  if (kind == K::task) {
    if (to == "in_progress") return "TaskStarted";
    if (to == "done") return "TaskCompleted";
    if (to == "cancelled") return "TaskCancelled";
    return "TaskReopened";
  }
  if (kind == K::service_order) return "ServiceOrderStatusChanged";
  if (kind == K::project) return "ProjectStatusChanged";
  if (kind == K::campaign) return "CampaignStatusChanged";
  return "StatusChanged";
}

// The next due date of a recurring inspection after it was done on `done_on`: the schedule keeps
// its rhythm (recurs_from + a number of intervals), after the date it was due, skipping periods
// that already passed; none after Date::last().
std::optional<Date> next_due(const Record& inspection, Date done_on) {
  const Value* every = inspection.field("every");
  const Object* o = every ? every->get<Object>() : nullptr;
  const Value* due_v = inspection.field("due");
  if (!o || o->empty() || !due_v || !due_v->get<Date>()) return std::nullopt;
  const auto& [unit, n] = o->front();
  const Date due = *due_v->get<Date>();
  const Value* from = inspection.field("recurs_from");
  const Rhythm rhythm =
      Rhythm::of(from && from->get<Date>() ? std::optional(*from->get<Date>()) : std::nullopt, due,
                 unit == "days", static_cast<int>(*n.get<int64_t>()));
  const Date next = rhythm.on(rhythm.first_from(std::max(done_on, due).add_days(1)));
  if (Date::last() < next) return std::nullopt;
  return next;
}

// The event that completes an inspection: a recurring one is planned again at its next date.
DomainEvent complete_inspection(const Builder& b, const Record& inspection, Date done_on) {
  std::vector<FieldChange> changes;
  const std::string status = inspection.text("status");
  const Value* last = inspection.field("last_completed");
  changes.push_back({"last_completed", false, last ? *last : Value{}, done_on});
  if (auto next = next_due(inspection, done_on)) {
    if (status != "planned") changes.push_back({"status", false, status, "planned"});
    changes.push_back({"due", false, *inspection.field("due"), *next});
  } else {
    changes.push_back({"status", false, status, "completed"});
  }
  if (const Value* so = inspection.field("service_order_id"))
    changes.push_back({"service_order_id", false, *so, Value{}});
  return b.event("InspectionCompleted", std::move(changes));
}

// The event that puts an inspection whose service order was cancelled back among those waiting.
DomainEvent service_cancelled(const Builder& b, const std::string& order_id) {
  std::vector<FieldChange> changes;
  changes.push_back({"status", false, std::string("in_service"), std::string("planned")});
  changes.push_back({"service_order_id", false, order_id, Value{}});
  return b.event("InspectionServiceCancelled", std::move(changes));
}

result<Decision> change_status(const State& state, const Command& cmd, Builder& b,
                               const std::string& to) {
  const Record& target = state.target;
  const std::string from = target.text("status");
  if (auto refusal = check_transition(cmd.kind, from, to)) return unexpected(*refusal);
  std::vector<FieldChange> changes{{"status", false, from, to}};
  // When a task was done or a service order completed (what work is settled and reported by);
  // cleared when it is reopened, kept when the device is handed back.
  if (cmd.kind == K::task || cmd.kind == K::service_order) {
    const Value* was = target.field("completed_at");
    if (work_done(cmd.kind, to) && !work_done(cmd.kind, from))
      changes.push_back({"completed_at", false, was ? *was : Value{}, cmd.now});
    else if (was && !work_done(cmd.kind, to))
      changes.push_back({"completed_at", false, *was, Value{}});
  }
  Object entry;
  if (cmd.action == Action::complete && cmd.kind == K::task) {
    if (auto r = b.value(*core_field(K::task, "result"), cmd.input, "result"); r && !r->is_null()) {
      const Value* before = target.field("result");
      changes.push_back({"result", false, before ? *before : Value{}, *r});
    }
  }
  if (const Value* note = find(cmd.input, "note"); note && !note->is_null()) {
    FieldSpec spec{"note", FieldType::long_text};
    if (auto n = b.value(spec, cmd.input, "note")) entry.emplace_back("note", *n);
  }
  if (const Value* reason = find(cmd.input, "reason"); reason && !reason->is_null()) {
    FieldSpec spec{"reason", FieldType::long_text};
    if (auto n = b.value(spec, cmd.input, "reason")) entry.emplace_back("reason", *n);
  }
  if (!b.ok()) return b.refusal();

  Decision d;
  d.streams.push_back(
      b.on(target, {b.event(status_event(cmd.kind, to), std::move(changes), std::move(entry))}));
  // Completing the service order of an inspection completes the inspection (and plans the next);
  // cancelling it puts the inspection back among those waiting for a visit, due as it was.
  if (cmd.kind == K::service_order && (to == "completed" || to == "cancelled")) {
    if (const std::string id = target.text("inspection_id"); !id.empty()) {
      const Record& inspection = b.related(K::inspection, id);
      if (inspection.exists() && inspection.text("status") == "in_service" &&
          inspection.text("service_order_id") == cmd.id) {
        d.streams.push_back(b.on(
            inspection, {to == "completed" ? complete_inspection(b, inspection, local_date(cmd.now))
                                           : service_cancelled(b, cmd.id)}));
      }
    }
  }
  return d;
}

result<Decision> log_work(const State& state, const Command& cmd, Builder& b) {
  const Record& target = state.target;
  const std::string status = target.text("status");
  if (status == "cancelled" || status == "handed_back")
    return refuse(errc::transition_not_allowed,
                  "no work can be logged on a " + status + " " + std::string(name_of(cmd.kind)),
                  {{"status", "is " + status}});
  for (const auto& [k, v] : cmd.input)
    if (k != "date" && k != "minutes" && k != "note")
      b.problem(k, "is not a member of a work log entry");
  FieldSpec date_spec{"date", FieldType::date};
  date_spec.default_value = local_date(cmd.now);
  FieldSpec minutes_spec{"minutes", FieldType::integer};
  minutes_spec.required = true;
  FieldSpec note_spec{"note", FieldType::long_text};
  auto date = b.value(date_spec, cmd.input, "date");
  auto minutes = b.value(minutes_spec, cmd.input, "minutes");
  auto note = b.value(note_spec, cmd.input, "note");
  if (minutes && minutes->get<int64_t>() &&
      (*minutes->get<int64_t>() < 1 || *minutes->get<int64_t>() > 24 * 60))
    b.problem("minutes", "must be between 1 and 1440");
  if (!b.ok()) return b.refusal();
  Object entry{{"operator_id", cmd.actor}, {"date", *date}, {"minutes", *minutes}};
  if (note && !note->is_null()) entry.emplace_back("note", *note);
  Decision d;
  d.streams.push_back(b.on(target, {b.event("WorkLogged", {}, std::move(entry))}));
  return d;
}

result<Decision> relate(const State& state, const Command& cmd, Builder& b, bool add) {
  const Record& target = state.target;
  FieldSpec person_spec{"person_id", FieldType::reference};
  person_spec.required = true;
  person_spec.target = K::person;
  auto other_id = b.value(person_spec, cmd.input, "person_id");
  std::optional<Value> label;
  if (add) {
    FieldSpec label_spec{"label", FieldType::text};
    label_spec.required = true;
    label = b.value(label_spec, cmd.input, "label");
  }
  for (const auto& [k, v] : cmd.input)
    if (k != "person_id" && k != "label") b.problem(k, "is not a member of a relation");
  if (other_id && other_id->get<std::string>() && *other_id->get<std::string>() == cmd.id)
    b.problem("person_id", "a person cannot be related to themselves");
  if (!b.ok()) return b.refusal();
  const std::string other = *other_id->get<std::string>();
  const Record& person = b.related(K::person, other);
  if (!person.exists())
    return refuse(errc::invalid_input, "person_id refers to a person that does not exist",
                  {{"person_id", "refers to a person that does not exist: '" + other + "'"}});
  Decision d;
  if (add) {
    d.streams.push_back(
        b.on(target, {b.event("PersonRelated", {}, {{"person_id", other}, {"label", *label}})}));
    d.streams.push_back(
        b.on(person, {b.event("PersonRelated", {}, {{"person_id", cmd.id}, {"label", *label}})}));
  } else {
    const Value* relations = target.field("relations");
    const List* list = relations ? relations->get<List>() : nullptr;
    const bool related =
        list && std::any_of(list->begin(), list->end(), [&](const Value& r) {
          const Object* o = r.get<Object>();
          return o && find(*o, "person_id") && *find(*o, "person_id") == Value(other);
        });
    if (!related)
      return refuse(errc::not_found, "the persons are not related",
                    {{"person_id", "is not related to this person"}});
    d.streams.push_back(b.on(target, {b.event("PersonUnrelated", {}, {{"person_id", other}})}));
    d.streams.push_back(b.on(person, {b.event("PersonUnrelated", {}, {{"person_id", cmd.id}})}));
  }
  return d;
}

}  // namespace

result<Decision> decide_action(const State& state, const Command& cmd) {
  const Record& target = state.target;
  if (!target.exists())
    return refuse(errc::not_found,
                  std::string(name_of(cmd.kind)) + " '" + cmd.id + "' does not exist");
  Builder b(state, cmd);
  auto unsupported = [&] {
    return refuse(errc::invalid_input, "a " + std::string(name_of(cmd.kind)) + " has no action '" +
                                           std::string(name_of(cmd.action)) + "'");
  };
  switch (cmd.action) {
    case Action::start:
      if (cmd.kind != K::task) return unsupported();
      return change_status(state, cmd, b, "in_progress");
    case Action::complete:
      if (cmd.kind == K::task) return change_status(state, cmd, b, "done");
      if (cmd.kind == K::inspection) {
        const std::string from = target.text("status");
        if (auto refusal = check_transition(K::inspection, from, "completed"))
          return unexpected(*refusal);
        FieldSpec date_spec{"date", FieldType::date};
        date_spec.default_value = local_date(cmd.now);
        auto done_on = b.value(date_spec, cmd.input, "date");
        if (!b.ok()) return b.refusal();
        Decision d;
        d.streams.push_back(b.on(target, {complete_inspection(b, target, *done_on->get<Date>())}));
        return d;
      }
      return unsupported();
    case Action::cancel:
      if (cmd.kind == K::task || cmd.kind == K::inspection) {
        if (cmd.kind == K::inspection) {
          if (auto refusal = check_transition(K::inspection, target.text("status"), "cancelled"))
            return unexpected(*refusal);
          Decision d;
          d.streams.push_back(
              b.on(target, {b.event("InspectionCancelled",
                                    {{"status", false, target.text("status"), "cancelled"}})}));
          return d;
        }
        return change_status(state, cmd, b, "cancelled");
      }
      return unsupported();
    case Action::reopen:
      if (cmd.kind != K::task) return unsupported();
      return change_status(state, cmd, b, "open");
    case Action::change_status: {
      if (cmd.kind != K::service_order && cmd.kind != K::project && cmd.kind != K::campaign)
        return unsupported();
      const FieldSpec* spec = core_field(cmd.kind, "status");
      FieldSpec required = *spec;
      required.required = true;
      auto to = b.value(required, cmd.input, "status");
      for (const auto& [k, v] : cmd.input)
        if (k != "status" && k != "note") b.problem(k, "is not a member of a status change");
      if (!b.ok()) return b.refusal();
      return change_status(state, cmd, b, *to->get<std::string>());
    }
    case Action::log_work:
      if (cmd.kind != K::task && cmd.kind != K::service_order) return unsupported();
      return log_work(state, cmd, b);
    case Action::relate:
    case Action::unrelate:
      if (cmd.kind != K::person) return unsupported();
      return relate(state, cmd, b, cmd.action == Action::relate);
    case Action::set_password: {
      if (cmd.kind != K::operator_) return unsupported();
      if (cmd.secret.empty())
        return refuse(errc::invalid_input, "a password is required", {{"password", "is required"}});
      const Value* before = target.field("password_hash");
      Decision d;
      d.streams.push_back(b.on(
          target, {b.event("PasswordChanged",
                           {{"password_hash", false, before ? *before : Value{}, cmd.secret}})}));
      return d;
    }
    default:
      return unsupported();
  }
}

}  // namespace crm::domain::internal
