#pragma once
// Internal to domain: helpers shared by decide.cpp, actions.cpp and catalog.cpp.

#include <deque>
#include <string>
#include <vector>

#include "domain/decide.h"

namespace crm::domain::internal {

/// Collects field errors and references while a command is checked, and builds its events.
class Builder {
 public:
  Builder(const State& state, const Command& cmd) : state_(state), cmd_(cmd) {}

  /// The changes `input` asks for on the target: every key checked against the core fields and
  /// the custom-field catalog; on create, required fields and defaults too. References are
  /// checked for existence. Problems are collected (see ok()).
  std::vector<FieldChange> field_changes(const Object& input, bool creating);

  /// Converts one input value with `spec` (no access checks); nullopt after recording an error.
  std::optional<Value> value(const FieldSpec& spec, const Object& input, const std::string& key);

  void problem(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  /// Checks the references collected so far; true if no problem was recorded.
  bool ok();
  unexpected<error> refusal() const;

  /// A related record as loaded (version 0 if it does not exist).
  const Record& related(EntityKind kind, const std::string& id);

  DomainEvent event(std::string type, std::vector<FieldChange> changes = {},
                    Object entry = {}) const {
    return DomainEvent{std::move(type), cmd_.now, cmd_.actor, std::move(changes), std::move(entry)};
  }
  StreamEvents on(const Record& record, std::vector<DomainEvent> events) const {
    return StreamEvents{record.kind, record.id, record.version, std::move(events)};
  }

 private:
  const State& state_;
  const Command& cmd_;
  std::vector<FieldError> errors_;
  std::vector<Reference> refs_;
  std::deque<Record> placeholders_;  // stable addresses for related()
};

result<Decision> decide_action(const State& state, const Command& cmd);
result<Decision> decide_catalog(const State& state, const Command& cmd);
/// A listed field (FieldSpec::listed) as its catalog has it: a choice among the values not
/// retired (a task's kind: the task kinds).
FieldSpec listed_field(const FieldSpec& spec, const Record& catalog);

}  // namespace crm::domain::internal
