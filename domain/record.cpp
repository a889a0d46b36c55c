#include "domain/record.h"

#include <algorithm>

namespace crm::domain {
namespace {

void put(Object& fields, const std::string& key, const Value& value) {
  if (value.is_null()) {
    std::erase_if(fields, [&](const auto& kv) { return kv.first == key; });
  } else {
    set(fields, key, value);
  }
}

List& list_field(Object& fields, const std::string& key) {
  for (auto& [k, v] : fields)
    if (k == key) {
      if (!v.get<List>()) v = List{};
      return std::get<List>(v.v);
    }
  fields.emplace_back(key, List{});
  return std::get<List>(fields.back().second.v);
}

// Replaces (or adds) the object of `list` whose `key` member equals that of `entry`.
void upsert_by(List& list, std::string_view key, const Object& entry) {
  const Value* id = find(entry, key);
  for (auto& item : list)
    if (const Object* o = item.get<Object>(); o && id && find(*o, key) && *find(*o, key) == *id) {
      item = entry;
      return;
    }
  list.push_back(entry);
}

void remove_by(List& list, std::string_view key, const Value& id) {
  std::erase_if(list, [&](const Value& item) {
    const Object* o = item.get<Object>();
    return o && find(*o, key) && *find(*o, key) == id;
  });
}

}  // namespace

std::string Record::text(std::string_view key) const {
  const Value* v = field(key);
  const std::string* s = v ? v->get<std::string>() : nullptr;
  return s ? *s : std::string();
}

Record apply(Record state, const DomainEvent& event) {
  if (state.version == 0) {
    state.created_at = event.at;
    state.created_by = event.by;
  }
  ++state.version;
  state.updated_at = event.at;
  state.updated_by = event.by;
  for (const auto& c : event.changes) put(c.custom ? state.custom : state.core, c.field, c.after);

  // Events that add to a list carry the entry instead of the whole list.
  const std::string& t = event.type;
  if (t == "WorkLogged") {
    list_field(state.core, "work_log").push_back(event.entry);
  } else if (t == "TurnoverRecorded") {
    list_field(state.core, "turnover_entries").push_back(event.entry);
  } else if (t == "PersonRelated") {
    upsert_by(list_field(state.core, "relations"), "person_id", event.entry);
  } else if (t == "PersonUnrelated") {
    if (const Value* id = find(event.entry, "person_id"))
      remove_by(list_field(state.core, "relations"), "person_id", *id);
  } else if (t == "FieldDefined" || t == "FieldDefinitionChanged" || t == "FieldRetired") {
    upsert_by(list_field(state.core, "definitions"), "key", event.entry);
  }
  return state;
}

}  // namespace crm::domain
