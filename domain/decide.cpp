// decide(): create and update of every record kind, and the cross-record effects of creating
// (replies, invoices, service-order numbers, inspections, login reservations). Status machines
// and other actions are in actions.cpp; the custom-field catalog in catalog.cpp.

#include "domain/decide.h"

#include <algorithm>
#include <cstdio>

#include "domain/internal.h"
#include "domain/time.h"

namespace crm::domain {

using internal::Builder;

namespace {

using K = EntityKind;

std::string created_event(K kind) {
  switch (kind) {
    case K::client:
      return "ClientRegistered";
    case K::person:
      return "PersonRegistered";
    case K::contact:
      return "ContactLogged";
    case K::task:
      return "TaskCreated";
    case K::project:
      return "ProjectCreated";
    case K::campaign:
      return "CampaignCreated";
    case K::device:
      return "DeviceRegistered";
    case K::service_order:
      return "ServiceOrderRegistered";
    case K::inspection:
      return "InspectionPlanned";
    case K::trade_document:
      return "TradeDocumentRecorded";
    case K::operator_:
      return "OperatorCreated";
    default:
      return "RecordCreated";
  }
}

std::string updated_event(K kind) {
  switch (kind) {
    case K::client:
      return "ClientUpdated";
    case K::person:
      return "PersonUpdated";
    case K::contact:
      return "ContactUpdated";
    case K::task:
      return "TaskUpdated";
    case K::project:
      return "ProjectUpdated";
    case K::campaign:
      return "CampaignUpdated";
    case K::device:
      return "DeviceUpdated";
    case K::service_order:
      return "ServiceOrderUpdated";
    case K::inspection:
      return "InspectionUpdated";
    case K::trade_document:
      return "TradeDocumentUpdated";
    case K::operator_:
      return "OperatorUpdated";
    default:
      return "RecordUpdated";
  }
}

// Changes of these fields get an event of their own, named for what they mean.
std::string special_event(K kind, const FieldChange& c) {
  if (c.custom) return {};
  if (kind == K::client && c.field == "status") return "ClientStatusChanged";
  if (kind == K::client && c.field == "account_manager_id") return "AccountManagerAssigned";
  if (kind == K::task && c.field == "assignee_id") return "TaskDelegated";
  if (kind == K::service_order && c.field == "technician_id") return "TechnicianAssigned";
  if (kind == K::inspection && c.field == "due") return "InspectionRescheduled";
  if (kind == K::operator_ && c.field == "role") return "OperatorRoleChanged";
  if (kind == K::operator_ && c.field == "active")
    return c.after == Value(false) ? "OperatorDeactivated" : "OperatorReactivated";
  return {};
}

bool valid_login(std::string_view login) {
  if (login.size() < 2 || login.size() > 64) return false;
  for (char c : login)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

// The change of a core field among `changes`, if there is one.
const FieldChange* core_change(const std::vector<FieldChange>& changes, std::string_view key) {
  for (const auto& c : changes)
    if (!c.custom && c.field == key) return &c;
  return nullptr;
}

// A task delegated to someone else records who delegated it.
void add_delegation(const Command& cmd, const Record& task, std::vector<FieldChange>& changes) {
  for (const auto& c : changes) {
    if (c.custom || c.field != "assignee_id") continue;
    const std::string* assignee = c.after.get<std::string>();
    Value delegated_by = assignee && *assignee != cmd.actor ? Value(cmd.actor) : Value{};
    const Value* before = task.field("delegated_by_id");
    if ((before ? *before : Value{}) != delegated_by)
      changes.push_back({"delegated_by_id", false, before ? *before : Value{}, delegated_by});
    return;
  }
}

// An inspection whose due date or interval is set by hand counts its rhythm from that due date
// (recurs_from): completing it plans the next from there, not from the date it was last due.
void add_rhythm(const Record& inspection, std::vector<FieldChange>& changes) {
  const FieldChange* due_change = core_change(changes, "due");
  if (!due_change && !core_change(changes, "every")) return;
  const Value* due = due_change ? &due_change->after : inspection.field("due");
  const Value* before = inspection.field("recurs_from");
  if (due && (before ? *before : Value{}) != *due)
    changes.push_back({"recurs_from", false, before ? *before : Value{}, *due});
}

// The fields that give an operator work to do: a task's assignee, a client's account manager, a
// project's owner, ... (not a contact's operator_id: who took part in it, which history may
// record of anyone). Found once per kind: every create and update asks.
const std::vector<std::string>& work_fields(K kind) {
  static const auto all = [] {
    std::map<K, std::vector<std::string>> out;
    for (K k : kAllKinds)
      for (const auto& f : core_fields(k))
        if (f.type == FieldType::reference && f.target == K::operator_ && f.key != "operator_id")
          out[k].push_back(f.key);
    return out;
  }();
  static const std::vector<std::string> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

// Rules between a record's fields, and against today, checked on the record as the changes
// leave it, for the fields they change (a stored record is not re-validated by a change of
// something else): work given to an operator who has left, an end before its start, a
// birthday to come, a negative potential.
void check_record_rules(const Command& cmd, const Record& target,
                        const std::vector<FieldChange>& changes, Builder& b) {
  auto changed = [&](std::string_view key) { return core_change(changes, key) != nullptr; };
  auto value = [&](std::string_view key) -> const Value* {
    if (const FieldChange* c = core_change(changes, key))
      return c->after.is_null() ? nullptr : &c->after;
    return target.field(key);
  };
  auto in_order = [&](const char* first, const char* second) {
    if (!changed(first) && !changed(second)) return;
    const Value* from = value(first);
    const Value* to = value(second);
    if (!from || !to) return;
    const bool before =
        (from->get<Date>() && to->get<Date>() && *to->get<Date>() < *from->get<Date>()) ||
        (from->get<DateTime>() && to->get<DateTime>() &&
         *to->get<DateTime>() < *from->get<DateTime>());
    if (before) b.problem(second, std::string("must not be before ") + first);
  };
  for (const auto& key : work_fields(cmd.kind)) {
    if (!changed(key) || !value(key)) continue;
    const Record& op = b.related(K::operator_, *value(key)->get<std::string>());
    if (op.exists() && !operator_active(op))
      b.problem(key, "refers to an operator who is no longer active");
  }
  switch (cmd.kind) {
    case K::task:
      in_order("planned_start", "planned_end");
      break;
    case K::project:
    case K::campaign:
      in_order("start", "end");
      break;
    case K::person:
      if (const Value* birthday = changed("birthday") ? value("birthday") : nullptr;
          birthday && birthday->get<Date>() && local_date(cmd.now) < *birthday->get<Date>())
        b.problem("birthday", "is in the future");
      break;
    case K::client:
      if (const Value* potential = changed("potential") ? value("potential") : nullptr;
          potential && potential->get<Money>() && potential->get<Money>()->amount.units < 0)
        b.problem("potential", "must not be negative");
      break;
    default:
      break;
  }
}

result<Decision> decide_create(const State& state, const Command& cmd) {
  const Record& target = state.target;
  if (target.exists())
    return refuse(errc::already_exists,
                  std::string(name_of(cmd.kind)) + " '" + cmd.id + "' already exists");
  Builder b(state, cmd);
  Object input = cmd.input;
  if (cmd.kind == K::contact && !find(input, "operator_id")) set(input, "operator_id", cmd.actor);
  if (cmd.kind == K::contact && !find(input, "occurred_at"))
    set(input, "occurred_at", cmd.now.format());  // logged as it happens
  if (cmd.kind == K::service_order && !find(input, "received_at"))
    set(input, "received_at", cmd.now.format());
  auto changes = b.field_changes(input, /*creating=*/true);

  if (cmd.kind == K::operator_) {
    const std::string* login =
        find(input, "login") ? find(input, "login")->get<std::string>() : nullptr;
    if (login && !valid_login(*login))
      b.problem("login", "must be 2-64 characters: lowercase letters, digits, '.', '_' or '-'");
    else if (login && b.related(K::login, *login).exists())
      b.problem("login", "is already taken");
  }
  check_record_rules(cmd, target, changes, b);
  if (!b.ok()) return b.refusal();

  if (cmd.kind == K::task) add_delegation(cmd, target, changes);
  if (cmd.kind == K::inspection) add_rhythm(target, changes);
  if (cmd.kind == K::operator_ && !cmd.secret.empty())
    changes.push_back({"password_hash", false, Value{}, cmd.secret});

  // Effects on other records.
  Decision d;
  std::vector<StreamEvents> others;
  auto after = [&](std::string_view key) -> const Value* {
    for (const auto& c : changes)
      if (!c.custom && c.field == key) return &c.after;
    return nullptr;
  };
  switch (cmd.kind) {
    case K::contact:
      if (const Value* reply_to = after("reply_to_id")) {
        const Record& answered = b.related(K::contact, *reply_to->get<std::string>());
        if (answered.exists() && answered.text("replied_by_id").empty()) {
          const Value* when = after("occurred_at");
          others.push_back(b.on(
              answered,
              {b.event("ContactReplied",
                       {{"replied_by_id", false, Value{}, cmd.id},
                        {"replied_at", false, Value{}, when ? *when : Value(cmd.now)},
                        {"awaits_reply", false,
                         answered.field("awaits_reply") ? *answered.field("awaits_reply") : Value{},
                         false}})}));
        }
      }
      break;
    case K::trade_document:
      if (after("type") && *after("type") == Value("invoice")) {
        const Record& client = b.related(K::client, *after("client_id")->get<std::string>());
        Object entry{{"document_id", cmd.id}, {"date", *after("date")}, {"net", *after("net")}};
        others.push_back(b.on(client, {b.event("TurnoverRecorded", {}, entry)}));
      }
      break;
    case K::service_order: {
      const Record& counter =
          b.related(K::counter, service_order_counter(local_date(cmd.now).year()));
      char number[32];
      std::snprintf(number, sizeof number, "ZS/%d/%05llu", local_date(cmd.now).year(),
                    static_cast<unsigned long long>(counter.version + 1));
      changes.insert(changes.begin(), FieldChange{"number", false, Value{}, std::string(number)});
      others.push_back(b.on(
          counter, {b.event("NumberAllocated", {},
                            {{"number", std::string(number)}, {"service_order_id", cmd.id}})}));
      if (const Value* inspection_id = after("inspection_id")) {
        const Record& inspection = b.related(K::inspection, *inspection_id->get<std::string>());
        if (inspection.text("status") != "planned")
          return refuse(
              errc::invalid_input, "the inspection is not waiting for service",
              {{"inspection_id", "inspection is " + inspection.text("status") + ", not planned"}});
        others.push_back(b.on(
            inspection,
            {b.event("InspectionServiceStarted", {{"status", false, "planned", "in_service"},
                                                  {"service_order_id", false, Value{}, cmd.id}})}));
      }
      break;
    }
    case K::operator_:
      others.push_back(b.on(b.related(K::login, *after("login")->get<std::string>()),
                            {b.event("LoginReserved", {}, {{"operator_id", cmd.id}})}));
      break;
    default:
      break;
  }
  d.streams.push_back(b.on(target, {b.event(created_event(cmd.kind), std::move(changes))}));
  for (auto& o : others) d.streams.push_back(std::move(o));
  return d;
}

result<Decision> decide_update(const State& state, const Command& cmd) {
  const Record& target = state.target;
  if (!target.exists())
    return refuse(errc::not_found,
                  std::string(name_of(cmd.kind)) + " '" + cmd.id + "' does not exist");
  Builder b(state, cmd);
  auto changes = b.field_changes(cmd.input, /*creating=*/false);
  check_record_rules(cmd, target, changes, b);
  if (!b.ok()) return b.refusal();
  if (cmd.kind == K::task) add_delegation(cmd, target, changes);
  if (cmd.kind == K::inspection) add_rhythm(target, changes);
  if (changes.empty()) return Decision{};  // nothing changes: nothing to append

  // One event per special change (and the delegation that goes with a delegated task, the
  // rhythm's start with a rescheduled inspection), one for the rest.
  auto goes_with = [&](const FieldChange& c) -> std::string_view {
    if (c.custom) return {};
    if (c.field == "delegated_by_id") return "assignee_id";
    if (c.field == "recurs_from") return "due";
    return {};
  };
  std::vector<DomainEvent> events;
  std::vector<FieldChange> plain;
  for (const auto& c : changes) {
    if (const auto lead = goes_with(c); !lead.empty() && core_change(changes, lead)) continue;
    const std::string special = special_event(cmd.kind, c);
    if (special.empty()) {
      plain.push_back(c);
      continue;
    }
    std::vector<FieldChange> own{c};
    for (const auto& d : changes)
      if (goes_with(d) == c.field) own.push_back(d);
    events.push_back(b.event(special, std::move(own)));
  }
  if (!plain.empty())
    events.insert(events.begin(), b.event(updated_event(cmd.kind), std::move(plain)));
  Decision d;
  d.streams.push_back(b.on(target, std::move(events)));
  return d;
}

}  // namespace

std::string_view name_of(Action action) {
  switch (action) {
    case Action::create:
      return "create";
    case Action::update:
      return "update";
    case Action::start:
      return "start";
    case Action::complete:
      return "complete";
    case Action::cancel:
      return "cancel";
    case Action::reopen:
      return "reopen";
    case Action::change_status:
      return "change_status";
    case Action::log_work:
      return "log_work";
    case Action::relate:
      return "relate";
    case Action::unrelate:
      return "unrelate";
    case Action::set_password:
      return "set_password";
    case Action::define_field:
      return "define_field";
    case Action::change_field:
      return "change_field";
    case Action::retire_field:
      return "retire_field";
    case Action::define_task_kind:
      return "define_task_kind";
    case Action::change_task_kind:
      return "change_task_kind";
  }
  return "?";
}

bool operator_active(const Record& op) {
  const Value* active = op.field("active");
  return !active || !active->get<bool>() || *active->get<bool>();
}

bool work_done(EntityKind kind, std::string_view status) {
  if (kind == K::task) return status == "done";
  return kind == K::service_order && (status == "completed" || status == "handed_back");
}

std::string service_order_counter(int year) {
  return "service_order-" + std::to_string(year);
}

std::vector<RecordKey> related_records(const Command& cmd, const Record& target) {
  std::vector<RecordKey> out;
  auto input_id = [&](std::string_view key) -> const std::string* {
    const Value* v = find(cmd.input, key);
    return v ? v->get<std::string>() : nullptr;
  };
  if (cmd.action == Action::create || cmd.action == Action::update)
    for (const auto& key : work_fields(cmd.kind))
      if (auto id = input_id(key)) out.emplace_back(K::operator_, *id);
  if (cmd.action == Action::create) {
    if (cmd.kind == K::contact)
      if (auto id = input_id("reply_to_id")) out.emplace_back(K::contact, *id);
    if (cmd.kind == K::trade_document)
      if (auto id = input_id("client_id")) out.emplace_back(K::client, *id);
    if (cmd.kind == K::service_order) {
      out.emplace_back(K::counter, service_order_counter(local_date(cmd.now).year()));
      if (auto id = input_id("inspection_id")) out.emplace_back(K::inspection, *id);
    }
    if (cmd.kind == K::operator_)
      if (auto login = input_id("login")) out.emplace_back(K::login, *login);
  }
  if ((cmd.action == Action::relate || cmd.action == Action::unrelate) && cmd.kind == K::person)
    if (auto id = input_id("person_id")) out.emplace_back(K::person, *id);
  if (cmd.kind == K::service_order && cmd.action == Action::change_status)
    if (const std::string inspection = target.text("inspection_id"); !inspection.empty())
      out.emplace_back(K::inspection, inspection);
  return out;
}

result<Decision> decide(const State& state, const Command& cmd) {
  if (cmd.kind == K::field_catalog) return internal::decide_catalog(state, cmd);
  switch (cmd.action) {
    case Action::create:
      return decide_create(state, cmd);
    case Action::update:
      return decide_update(state, cmd);
    default:
      return internal::decide_action(state, cmd);
  }
}

namespace {

// Visits the client's invoices that count toward turnover_12m: those with a date and a net.
template <class Visit>
void visit_turnover_entries(const Record& client, Visit visit) {
  const Value* entries = client.field("turnover_entries");
  if (!entries || !entries->get<List>()) return;
  for (const auto& e : *entries->get<List>()) {
    const Object* o = e.get<Object>();
    const Date* date = o && find(*o, "date") ? find(*o, "date")->get<Date>() : nullptr;
    const Money* net = o && find(*o, "net") ? find(*o, "net")->get<Money>() : nullptr;
    if (date && net) visit(*date, *net);
  }
}

}  // namespace

Money turnover_12m(const Record& client, Date as_of) {
  Money total{Decimal{0}, "PLN"};
  const Date from = as_of.add_months(-12);
  bool first = true;
  visit_turnover_entries(client, [&](Date date, const Money& net) {
    if (date <= from || date > as_of) return;
    if (first) total.currency = net.currency;
    first = false;
    if (net.currency == total.currency) total.amount.units += net.amount.units;
  });
  return total;
}

Date turnover_12m_left(Date date) {
  Date left = date.add_months(12).add_days(-3);  // a day or three early where months are short
  while (left.add_months(-12) < date) left = left.add_days(1);
  return left;
}

std::vector<Date> turnover_12m_changes(const Record& client) {
  std::vector<Date> days;
  visit_turnover_entries(client, [&](Date date, const Money&) {
    days.push_back(date);
    days.push_back(turnover_12m_left(date));
  });
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

Rhythm Rhythm::of(std::optional<Date> recurs_from, Date due, bool by_days, int every) {
  return {recurs_from && *recurs_from <= due ? *recurs_from : due, by_days, every};
}

Date Rhythm::on(int k) const {
  return by_days ? from.add_days(every * k) : from.add_months(every * k);
}

int Rhythm::first_from(Date day) const {
  if (day <= from) return 0;
  const auto month_of = [](Date d) { return d.year() * 12 + static_cast<int>(d.month()); };
  int k = (by_days ? day.days - from.days : month_of(day) - month_of(from)) / every;
  while (on(k) < day) ++k;  // at most once or twice: the estimate is never past it
  return k;
}

}  // namespace crm::domain
