#pragma once
// The state of one record (an aggregate) and the events that change it.
//
// Design (see domain/README.md): events are plain C++ values with an intention-revealing type
// ("ClientRegistered", "AccountManagerAssigned", "TaskDelegated", "WorkLogged", ...). Their
// payload has one shape for all types: field-level changes (old and new value, core or custom
// field) plus, for events that add to a list, an entry. So an auditor sees field-level history of
// every record, custom fields included, and a new custom field needs no schema change.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/fields.h"
#include "domain/value.h"

namespace crm::domain {

struct FieldChange {
  std::string field;
  bool custom = false;
  Value before;  // null: was not set
  Value after;   // null: cleared
  bool operator==(const FieldChange&) const = default;
};

struct DomainEvent {
  std::string type;
  DateTime at;     // when the command was decided
  std::string by;  // the operator who issued it (or "system")
  std::vector<FieldChange> changes;
  Object entry;  // WorkLogged, TurnoverRecorded, PersonRelated, FieldDefined, ...
  bool operator==(const DomainEvent&) const = default;
};

struct Record {
  EntityKind kind = EntityKind::client;
  std::string id;
  uint64_t version = 0;  // the stream version: number of events applied
  DateTime created_at;
  std::string created_by;
  DateTime updated_at;
  std::string updated_by;
  Object core;
  Object custom;

  bool exists() const { return version > 0; }
  const Value* field(std::string_view key) const { return find(core, key); }
  /// The string value of a core field, or "" when unset.
  std::string text(std::string_view key) const;
  bool operator==(const Record&) const = default;
};

/// apply(state, event) -> state. Never fails: events are facts already decided.
Record apply(Record state, const DomainEvent& event);

}  // namespace crm::domain
