#include <algorithm>

#include "domain/internal.h"

namespace crm::domain::internal {

std::vector<FieldChange> Builder::field_changes(const Object& input, bool creating) {
  const Record& target = state_.target;
  const std::string kind(name_of(cmd_.kind));
  std::vector<FieldChange> changes;
  auto change = [&](const std::string& key, bool custom, Value after) {
    const Value* before = find(custom ? target.custom : target.core, key);
    Value b = before ? *before : Value{};
    if (b != after) changes.push_back({key, custom, std::move(b), std::move(after)});
  };

  for (const auto& [key, raw] : input) {
    if (key == "fields") continue;
    const FieldSpec* spec = core_field(cmd_.kind, key);
    FieldSpec in_force;  // a listed field: a choice among the catalog's values in force
    if (spec && spec->listed) {
      in_force = listed_field(*spec, state_.catalog);
      spec = &in_force;
    }
    if (!spec) {
      problem(key, "is not a field of a " + kind);
      continue;
    }
    if (spec->access == Access::system) {
      problem(key, "is read only");
      continue;
    }
    if (spec->access == Access::action_only && !creating) {
      problem(key, "changes only through its action (e.g. POST .../status)");
      continue;
    }
    if (spec->access == Access::action_only && creating && !raw.is_null()) {
      problem(key, "is set by the workflow; a new " + kind + " starts as " +
                       to_display(spec->default_value));
      continue;
    }
    if (spec->access == Access::create_only && !creating) {
      problem(key, "cannot be changed after creation");
      continue;
    }
    auto v = convert(*spec, raw, key, errors_, refs_);
    if (!v) continue;
    if (v->is_null() && spec->required) {
      problem(key, "is required");
      continue;
    }
    change(key, false, std::move(*v));
  }

  const Value* custom_input = find(input, "fields");
  const auto custom = custom_fields(state_.catalog);
  if (custom_input && !custom_input->is_null()) {
    const Object* fields = custom_input->get<Object>();
    if (!fields) {
      problem("fields", "must be an object of custom field values");
    } else if (!has_custom_fields(cmd_.kind) && !fields->empty()) {
      problem("fields", "a " + kind + " has no custom fields");
    } else {
      for (const auto& [key, raw] : *fields) {
        auto spec = std::find_if(custom.begin(), custom.end(),
                                 [&](const FieldSpec& s) { return s.key == key; });
        const std::string path = "fields." + key;
        if (spec == custom.end()) {
          problem(path, "is not a custom field of a " + kind);
          continue;
        }
        if (spec->retired) {
          problem(path, "is retired and takes no new values");
          continue;
        }
        auto v = convert(*spec, raw, path, errors_, refs_);
        if (!v) continue;
        if (v->is_null() && spec->required) {
          problem(path, "is required");
          continue;
        }
        change(key, true, std::move(*v));
      }
    }
  }

  if (creating) {
    auto given = [&](const std::string& key) {
      const Value* v = find(input, key);
      return v && !v->is_null();
    };
    for (const auto& spec : core_fields(cmd_.kind)) {
      if (given(spec.key) || spec.access == Access::system) continue;
      if (!spec.default_value.is_null())
        change(spec.key, false, spec.default_value);
      else if (spec.required)
        problem(spec.key, "is required");
    }
    const Object* fields = custom_input ? custom_input->get<Object>() : nullptr;
    for (const auto& spec : custom) {
      if (spec.retired ||
          (fields && find(*fields, spec.key) && !find(*fields, spec.key)->is_null()))
        continue;
      if (!spec.default_value.is_null())
        change(spec.key, true, spec.default_value);
      else if (spec.required)
        problem("fields." + spec.key, "is required");
    }
  }
  return changes;
}

std::optional<Value> Builder::value(const FieldSpec& spec, const Object& input,
                                    const std::string& key) {
  const Value* raw = find(input, key);
  if (!raw || raw->is_null()) {
    if (spec.required) {
      problem(key, "is required");
      return std::nullopt;
    }
    return spec.default_value;
  }
  return convert(spec, *raw, key, errors_, refs_);
}

bool Builder::ok() {
  for (const auto& r : refs_)
    if (!state_.exists || !state_.exists(r.kind, r.id)) {
      std::string what(name_of(r.kind));  // "an operator", "a service order"
      std::replace(what.begin(), what.end(), '_', ' ');
      what.insert(0,
                  std::string_view("aeiou").find(what[0]) == std::string_view::npos ? "a " : "an ");
      problem(r.field, "refers to " + what + " that does not exist: '" + r.id + "'");
    }
  refs_.clear();
  return errors_.empty();
}

unexpected<error> Builder::refusal() const {
  std::string message = errors_.size() == 1
                            ? errors_[0].field + " " + errors_[0].message
                            : std::to_string(errors_.size()) + " fields are invalid";
  return refuse(errc::invalid_input, std::move(message), errors_);
}

const Record& Builder::related(EntityKind kind, const std::string& id) {
  if (auto it = state_.related.find({kind, id}); it != state_.related.end()) return it->second;
  // Not loaded: treat as absent (version 0), with the identity filled in.
  for (const auto& p : placeholders_)
    if (p.kind == kind && p.id == id) return p;
  placeholders_.push_back(Record{kind, id});
  return placeholders_.back();
}

}  // namespace crm::domain::internal
