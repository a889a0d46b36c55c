// The custom-field catalog of an entity kind: one record per kind (stream
// "field_catalog-<kind>") whose "definitions" list holds every field ever defined. Definitions
// change by events (defined, changed, retired) and are never removed, so values stored under a
// retired or changed definition stay readable. The task catalog also holds the list of task
// kinds ("task_kinds"), which changes the same way: kinds are defined, relabelled and retired,
// never removed.

#include <algorithm>
#include <set>

#include "domain/internal.h"

namespace crm::domain {
namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || key[0] < 'a' || key[0] > 'z') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const Object* definition(const Record& catalog, std::string_view key) {
  const Value* defs = catalog.field("definitions");
  if (!defs || !defs->get<List>()) return nullptr;
  for (const auto& d : *defs->get<List>())
    if (const Object* o = d.get<Object>();
        o && find(*o, "key") && *find(*o, "key") == Value(std::string(key)))
      return o;
  return nullptr;
}

FieldSpec spec_of(const Object& def) {
  FieldSpec s;
  auto str = [&](std::string_view k) {
    const Value* v = find(def, k);
    return v && v->get<std::string>() ? *v->get<std::string>() : std::string();
  };
  s.key = str("key");
  s.label = str("label");
  s.type = field_type_from_name(str("type")).value_or(FieldType::text);
  s.required = find(def, "required") && *find(def, "required") == Value(true);
  s.retired = find(def, "retired") && *find(def, "retired") == Value(true);
  if (const Value* options = find(def, "options"); options && options->get<List>())
    for (const auto& o : *options->get<List>())
      if (o.get<std::string>()) s.options.push_back(*o.get<std::string>());
  if (const Value* def_value = find(def, "default")) s.default_value = *def_value;
  if (auto target = kind_from_name(str("target"))) s.target = *target;
  return s;
}

struct BuiltInKind {
  std::string_view key, label;
};
// The kinds of PRODUCT.md, labelled for the Polish market; in force until the list is changed.
constexpr BuiltInKind kBuiltInTaskKinds[] = {{"call", "Telefon"},
                                             {"meeting", "Spotkanie"},
                                             {"send_materials", "Wysłanie materiałów"},
                                             {"complaint", "Reklamacja"},
                                             {"tender", "Przetarg"},
                                             {"offer", "Oferta"},
                                             {kDefaultTaskKind, "Inne"}};

// The "key" member of a command's input ("" when absent or not text).
std::string key_of(const Object& input) {
  const Value* key = find(input, "key");
  return key && key->get<std::string>() ? *key->get<std::string>() : "";
}

Object object_of(const TaskKind& k) {
  return Object{{"key", k.key}, {"label", k.label}, {"retired", k.retired}};
}

}  // namespace

std::vector<TaskKind> task_kinds(const Record& task_catalog) {
  std::vector<TaskKind> out;
  const Value* kinds = task_catalog.field("task_kinds");
  if (!kinds || !kinds->get<List>()) {
    for (const auto& k : kBuiltInTaskKinds)
      out.push_back({std::string(k.key), std::string(k.label)});
    return out;
  }
  for (const auto& v : *kinds->get<List>()) {
    const Object* o = v.get<Object>();
    if (!o) continue;
    auto text = [&](std::string_view m) {
      const Value* x = find(*o, m);
      return x && x->get<std::string>() ? *x->get<std::string>() : std::string();
    };
    const Value* retired = find(*o, "retired");
    out.push_back({text("key"), text("label"), retired && *retired == Value(true)});
  }
  return out;
}

std::vector<FieldSpec> custom_fields(const Record& catalog) {
  std::vector<FieldSpec> out;
  const Value* defs = catalog.field("definitions");
  if (!defs || !defs->get<List>()) return out;
  for (const auto& d : *defs->get<List>())
    if (const Object* o = d.get<Object>()) out.push_back(spec_of(*o));
  return out;
}

namespace internal {

FieldSpec listed_field(const FieldSpec& spec, const Record& catalog) {
  FieldSpec out = spec;
  out.type = FieldType::choice;
  for (auto& k : task_kinds(catalog))  // the one listed field: a task's kind
    if (!k.retired) out.options.push_back(std::move(k.key));
  return out;
}

result<Decision> decide_task_kinds(const State& state, const Command& cmd) {
  const Record& catalog = state.target;
  if (cmd.id != name_of(EntityKind::task))
    return refuse(errc::invalid_input, "only tasks have kinds",
                  {{"entity", "'" + cmd.id + "' has no kinds"}});
  Builder b(state, cmd);
  const bool defining = cmd.action == Action::define_task_kind;
  for (const auto& [k, v] : cmd.input)
    if (k != "key" && k != "label" && (defining || k != "retired"))
      b.problem(k, "is not a member of this request");
  const std::string key = key_of(cmd.input);
  std::vector<TaskKind> kinds = task_kinds(catalog);
  auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.key == key; });
  if (defining) {
    if (!valid_key(key))
      b.problem("key", "must be 1-64 characters: a lowercase letter, then letters, digits or '_'");
    else if (it != kinds.end())
      b.problem("key", "is already a task kind (retired kinds keep their key)");
  } else if (it == kinds.end()) {
    return refuse(errc::not_found, "no task kind '" + key + "'", {{"key", "is not a task kind"}});
  }
  TaskKind changed = defining ? TaskKind{key} : *it;
  FieldSpec label_spec{"label", FieldType::text};
  label_spec.required = defining || find(cmd.input, "label");
  if (auto v = b.value(label_spec, cmd.input, "label"); v && v->get<std::string>()) {
    changed.label = *v->get<std::string>();
    for (const auto& k : kinds)
      if (k.key != key && k.label == changed.label)
        b.problem("label", "is the label of the task kind '" + k.key + "'");
  }
  if (find(cmd.input, "retired")) {
    FieldSpec retired_spec{"retired", FieldType::boolean};
    retired_spec.required = true;
    if (auto v = b.value(retired_spec, cmd.input, "retired"); v && v->get<bool>())
      changed.retired = *v->get<bool>();
    if (changed.retired && key == kDefaultTaskKind)
      b.problem("retired", "'" + key + "' is the kind of a task created without one; it stays");
  }
  if (!b.ok()) return b.refusal();
  if (!defining && changed == *it) return Decision{};

  const std::string type = defining                          ? "TaskKindDefined"
                           : changed.retired && !it->retired ? "TaskKindRetired"
                           : !changed.retired && it->retired ? "TaskKindReinstated"
                                                             : "TaskKindChanged";
  if (defining)
    kinds.push_back(changed);
  else
    *it = changed;
  List after;
  for (const auto& k : kinds) after.emplace_back(object_of(k));
  const Value* before = catalog.field("task_kinds");
  Decision d;
  d.streams.push_back(
      b.on(catalog.exists() ? catalog : Record{EntityKind::field_catalog, cmd.id},
           {b.event(type, {{"task_kinds", false, before ? *before : Value{}, std::move(after)}},
                    object_of(changed))}));
  return d;
}

result<Decision> decide_catalog(const State& state, const Command& cmd) {
  if (cmd.action == Action::define_task_kind || cmd.action == Action::change_task_kind)
    return decide_task_kinds(state, cmd);
  const Record& catalog = state.target;
  auto entity = kind_from_name(cmd.id);
  if (!entity || !has_custom_fields(*entity))
    return refuse(errc::invalid_input,
                  "custom fields exist for client, person, contact, task, project, "
                  "campaign, device and service_order",
                  {{"entity", "'" + cmd.id + "' has no custom fields"}});
  Builder b(state, cmd);
  const std::string key = key_of(cmd.input);
  const Object* existing = definition(catalog, key);

  static const std::set<std::string> kDefineMembers = {"key",     "label",   "type",  "required",
                                                       "options", "default", "target"};
  static const std::set<std::string> kChangeMembers = {"key", "label", "required", "options",
                                                       "default"};
  const auto& allowed = cmd.action == Action::define_field   ? kDefineMembers
                        : cmd.action == Action::change_field ? kChangeMembers
                                                             : std::set<std::string>{"key"};
  for (const auto& [k, v] : cmd.input)
    if (!allowed.count(k))
      b.problem(k, cmd.action == Action::change_field && (k == "type" || k == "target")
                       ? "cannot be changed; retire the field and define a new one"
                       : "is not a member of this request");

  if (cmd.action == Action::define_field) {
    if (!valid_key(key))
      b.problem("key", "must be 1-64 characters: a lowercase letter, then letters, digits or '_'");
    else if (existing)
      b.problem("key", "is already defined (retired fields keep their key)");
    else if (core_field(*entity, key) || key == "fields" || key == "id" || key == "version")
      b.problem("key", "is the name of a built-in field");
  } else if (!existing) {
    return refuse(errc::not_found, "no custom field '" + key + "' on " + cmd.id,
                  {{"key", "is not defined"}});
  }
  if (!b.ok()) return b.refusal();

  // The definition as it will be after this command.
  Object def = existing ? *existing : Object{{"key", key}, {"retired", false}};
  FieldSpec label_spec{"label", FieldType::text};
  label_spec.required = cmd.action == Action::define_field;
  if (find(cmd.input, "label") || label_spec.required)
    if (auto v = b.value(label_spec, cmd.input, "label"); v && !v->is_null()) set(def, "label", *v);
  if (cmd.action == Action::define_field) {
    FieldSpec type_spec{"type", FieldType::choice};
    type_spec.required = true;
    for (int i = 0; i <= static_cast<int>(FieldType::url); ++i)
      type_spec.options.emplace_back(name_of(static_cast<FieldType>(i)));
    if (auto v = b.value(type_spec, cmd.input, "type")) set(def, "type", *v);
    if (spec_of(def).type == FieldType::reference) {
      FieldSpec target_spec{"target", FieldType::choice};
      target_spec.required = true;
      for (auto k : kAllKinds)
        if (k != EntityKind::field_catalog && k != EntityKind::counter && k != EntityKind::login)
          target_spec.options.emplace_back(name_of(k));
      if (auto v = b.value(target_spec, cmd.input, "target")) set(def, "target", *v);
    } else if (find(cmd.input, "target")) {
      b.problem("target", "only a reference field has a target");
    }
  }
  if (find(cmd.input, "required")) {
    FieldSpec req_spec{"required", FieldType::boolean};
    if (auto v = b.value(req_spec, cmd.input, "required"); v && !v->is_null())
      set(def, "required", *v);
  } else if (cmd.action == Action::define_field) {
    set(def, "required", false);
  }
  const FieldType type = spec_of(def).type;
  const bool has_options = type == FieldType::choice || type == FieldType::multi_choice;
  if (find(cmd.input, "options") || (cmd.action == Action::define_field && has_options)) {
    FieldSpec options_spec{"options", FieldType::text_list};
    options_spec.required = has_options;
    auto v = b.value(options_spec, cmd.input, "options");
    if (v && !has_options && !v->is_null()) {
      b.problem("options", "only choice fields have options");
    } else if (v && !v->is_null()) {
      const List& list = *v->get<List>();
      std::set<std::string> seen;
      for (const auto& o : list)
        if (!seen.insert(*o.get<std::string>()).second)
          b.problem("options", "lists '" + *o.get<std::string>() + "' twice");
      if (list.empty()) b.problem("options", "needs at least one option");
      set(def, "options", *v);
    }
  }
  if (cmd.action == Action::retire_field) {
    if (find(def, "retired") && *find(def, "retired") == Value(true))
      return refuse(errc::invalid_input, "field '" + key + "' is already retired",
                    {{"key", "is already retired"}});
    set(def, "retired", true);
  }
  if (const Value* raw = find(cmd.input, "default")) {
    // The default must be a valid value of the field as now defined.
    FieldSpec spec = spec_of(def);
    spec.required = false;
    std::vector<FieldError> errors;
    std::vector<Reference> refs;
    auto v = convert(spec, *raw, "default", errors, refs);
    for (auto& e : errors) b.problem(e.field, e.message);
    if (v) {
      if (v->is_null())
        std::erase_if(def, [](const auto& kv) { return kv.first == "default"; });
      else
        set(def, "default", *v);
    }
  }
  if (!b.ok()) return b.refusal();

  // Field-level changes of the definition, for the audit trail.
  std::vector<FieldChange> changes;
  auto member = [](const Object* o, const std::string& k) -> Value {
    const Value* v = o ? find(*o, k) : nullptr;
    return v ? *v : Value{};
  };
  for (const auto& [k, v] : def)
    if (k != "key" && member(existing, k) != v)
      changes.push_back({key + "." + k, false, member(existing, k), v});
  if (existing && changes.empty()) return Decision{};
  const char* type_name = cmd.action == Action::define_field   ? "FieldDefined"
                          : cmd.action == Action::retire_field ? "FieldRetired"
                                                               : "FieldDefinitionChanged";
  Decision d;
  d.streams.push_back(b.on(catalog.exists() ? catalog : Record{EntityKind::field_catalog, cmd.id},
                           {b.event(type_name, std::move(changes), std::move(def))}));
  return d;
}

}  // namespace internal
}  // namespace crm::domain
