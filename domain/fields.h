#pragma once
// What a record may hold: the entity kinds, the core fields of each (a table, see fields.cpp),
// user-defined custom fields, and the conversion of raw input values to typed field values.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/errors.h"
#include "domain/value.h"

namespace crm::domain {

enum class EntityKind {
  client,
  person,
  contact,
  task,
  project,
  campaign,
  device,
  service_order,
  inspection,
  trade_document,
  operator_,
  field_catalog,  // the custom-field definitions of one entity kind
  counter,        // number sequences (service-order numbers)
  login,          // reservation of an operator login (keeps logins unique)
};
inline constexpr EntityKind kAllKinds[] = {
    EntityKind::client,         EntityKind::person,        EntityKind::contact,
    EntityKind::task,           EntityKind::project,       EntityKind::campaign,
    EntityKind::device,         EntityKind::service_order, EntityKind::inspection,
    EntityKind::trade_document, EntityKind::operator_,     EntityKind::field_catalog,
    EntityKind::counter,        EntityKind::login};

/// "client", "service_order", "operator", ... (also the event-store stream category).
std::string_view name_of(EntityKind kind);
std::optional<EntityKind> kind_from_name(std::string_view name);
/// "client-42": the stream of one record.
std::string stream_of(EntityKind kind, std::string_view id);
/// Entity kinds whose records carry user-defined custom fields.
bool has_custom_fields(EntityKind kind);

enum class FieldType {
  // Types a custom field may have (PRODUCT.md, "User-definable structure").
  text,
  long_text,
  integer,
  decimal,
  money,
  date,
  datetime,
  boolean,
  choice,
  multi_choice,
  reference,
  email,
  phone,
  url,
  // Types of core fields only.
  month_day,  // "MM-DD"
  tax_id,     // Polish NIP with a valid check digit
  text_list,  // tags
  phone_list,
  email_list,
  reference_list,  // ids of `target`
  object_list,     // objects whose members are `members`
  interval,        // {"days": n} or {"months": n}
};
std::string_view name_of(FieldType type);
std::optional<FieldType> field_type_from_name(std::string_view name);
bool allowed_for_custom_fields(FieldType type);

enum class Access {
  writable,     // set on create and by update
  create_only,  // set on create, never changed afterwards
  action_only,  // changed only through an action (status transitions, delegation, ...)
  system,       // maintained by the domain itself; never set from input
};

struct FieldSpec {
  std::string key;
  FieldType type = FieldType::text;
  bool required = false;
  Access access = Access::writable;
  std::vector<std::string> options;  // choice, multi_choice
  std::optional<EntityKind> target;  // reference, reference_list
  Value default_value;               // applied on create when absent
  std::vector<FieldSpec> members;    // object_list
  std::string label;                 // custom fields
  bool retired = false;              // custom fields: kept for old data, refused in input
  /// Text whose values come from a list kept at run time rather than `options`: a task's kind
  /// (the task kinds in its catalog). Checked against the list on input; few values.
  bool listed = false;
  /// A choice whose options are ranks, lowest first (a task's priority): lists sort by it in
  /// that order.
  bool ranked = false;
  /// Text that names one record as people know it (a client's code, a device's serial number,
  /// a service order's or a document's number, an operator's login, each of a client's or a
  /// person's phones and e-mails): lists find a record by it at once, as by a NIP, in any case
  /// (a phone by its number however it is written).
  bool identifier = false;
  /// Free text that sorts records into groups, written by each as they write it (a person's
  /// position, a device's model, maker and location): lists find a group's records at once,
  /// whatever the case and the Polish letters ("prezes zarzadu" is "Prezes Zarządu").
  bool grouping = false;
  /// Kept by the domain for itself (a password hash, the invoices behind turnover_12m, the day an
  /// inspection's rhythm counts from): never shown outside it.
  bool hidden = false;
};

/// The core fields of an entity kind (empty for internal kinds).
const std::vector<FieldSpec>& core_fields(EntityKind kind);
const FieldSpec* core_field(EntityKind kind, std::string_view key);
/// Whether a core field of the kind is hidden (FieldSpec::hidden).
bool is_hidden(EntityKind kind, std::string_view key);

/// Answers whether a record exists; injected so the domain stays free of storage.
using ExistsFn = std::function<bool(EntityKind, std::string_view id)>;

/// A reference found in input, to be checked for existence by the caller of convert().
struct Reference {
  std::string field;
  EntityKind kind;
  std::string id;
};

/// Converts a raw input value (from JSON) to the typed value of `spec`, or explains why not.
/// `path` names the field in error messages ("fields.segment", "addresses[1].city").
/// References found are appended to `refs` (checked for existence by the caller).
std::optional<Value> convert(const FieldSpec& spec, const Value& raw, const std::string& path,
                             std::vector<FieldError>& errors, std::vector<Reference>& refs);

/// Polish NIP: 10 digits (dashes and spaces allowed) with a valid check digit.
bool valid_nip(std::string_view text);
/// Digits only, e.g. "526-000-12-46" -> "5260001246".
std::string normalize_nip(std::string_view text);
/// The check digit of the first 9 digits of a NIP, or -1 if none is valid (remainder 10).
int nip_check_digit(std::string_view nine_digits);

}  // namespace crm::domain
