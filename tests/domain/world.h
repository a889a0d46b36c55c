#pragma once
// An in-memory world for domain tests: records by (kind, id); run() decides a command against
// them and applies the events, as the application layer does with the event store.

#include <gtest/gtest.h>

#include <map>

#include "domain/decide.h"

namespace crm::domain::test {

inline DateTime at(const char* rfc3339) {
  return *DateTime::parse(rfc3339);
}
inline Value money(const char* amount, const char* currency = "PLN") {
  return Object{{"amount", amount}, {"currency", currency}};
}

class World {
 public:
  DateTime now = at("2026-11-22T09:30:00Z");
  std::string actor = "op-admin";

  result<Decision> run(EntityKind kind, Action action, const std::string& id, Object input = {},
                       std::string secret = {}) {
    Command cmd{kind, action, id, std::move(input), actor, now, std::move(secret)};
    State state;
    state.target = get(kind, id);
    state.catalog = kind == EntityKind::field_catalog
                        ? state.target
                        : get(EntityKind::field_catalog, std::string(name_of(kind)));
    for (const auto& key : related_records(cmd, state.target))
      state.related[key] = get(key.first, key.second);
    state.exists = [this](EntityKind k, std::string_view i) {
      return get(k, std::string(i)).exists();
    };
    auto d = decide(state, cmd);
    if (d) {
      for (const auto& s : d->streams) {
        Record& r = records_[{s.kind, s.id}];
        EXPECT_EQ(r.version, s.expected_version) << "decided against the current version";
        if (r.version == 0) {
          r.kind = s.kind;
          r.id = s.id;
        }
        for (const auto& e : s.events) {
          r = apply(std::move(r), e);
          log_.push_back(e.type);
        }
      }
    }
    return d;
  }

  /// Runs a command that must be accepted.
  Decision ok(EntityKind kind, Action action, const std::string& id, Object input = {},
              std::string secret = {}) {
    auto d = run(kind, action, id, std::move(input), std::move(secret));
    EXPECT_TRUE(d) << name_of(kind) << " " << name_of(action) << " " << id << ": "
                   << d.error().message;
    return d ? *d : Decision{};
  }

  /// Runs a command that must be refused with `code`; returns the field errors.
  std::vector<FieldError> refused(errc code, EntityKind kind, Action action, const std::string& id,
                                  Object input = {}) {
    const auto before = records_;
    auto d = run(kind, action, id, std::move(input));
    EXPECT_FALSE(d) << name_of(kind) << " " << name_of(action) << " was accepted";
    EXPECT_EQ(records_, before) << "a refusal must change nothing";
    if (d) return {};
    EXPECT_EQ(d.error().code, code) << d.error().message;
    return d.error().fields;
  }

  Record get(EntityKind kind, const std::string& id) const {
    auto it = records_.find({kind, id});
    return it == records_.end() ? Record{kind, id} : it->second;
  }

  const std::vector<std::string>& log() const { return log_; }

  /// A minimal valid record of each kind, for tests that need something to refer to.
  void seed() {
    ok(EntityKind::operator_, Action::create, "op-admin",
       {{"login", "admin"}, {"name", "Admin"}, {"role", "admin"}});
    ok(EntityKind::operator_, Action::create, "op-anna",
       {{"login", "anna"},
        {"name", "Anna Nowak"},
        {"role", "operator"},
        {"supervisor_id", "op-admin"}});
    ok(EntityKind::client, Action::create, "c-1",
       {{"name", "Fabryka Mebli Łódź sp. z o.o."}, {"tax_id", "526-000-12-46"}});
    ok(EntityKind::person, Action::create, "p-1",
       {{"first_name", "Jan"}, {"last_name", "Kowalski"}});
    ok(EntityKind::person, Action::create, "p-2",
       {{"first_name", "Ewa"}, {"last_name", "Wiśniewska"}});
    ok(EntityKind::device, Action::create, "d-1",
       {{"serial_number", "SN-001"}, {"client_id", "c-1"}});
  }

 private:
  std::map<RecordKey, Record> records_;
  std::vector<std::string> log_;
};

inline bool names(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field) return true;
  return false;
}

}  // namespace crm::domain::test
