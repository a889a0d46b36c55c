#include "domain/fields.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace crm::domain {
namespace {

constexpr size_t kMaxText = 1'000;
constexpr size_t kMaxLongText = 100'000;
constexpr size_t kMaxListItems = 1'000;

// Small builders keep the tables below readable.
FieldSpec f(std::string key, FieldType type) {
  return FieldSpec{std::move(key), type};
}
FieldSpec req(FieldSpec s) {
  s.required = true;
  return s;
}
FieldSpec access(FieldSpec s, Access a) {
  s.access = a;
  return s;
}
FieldSpec choice(std::string key, std::vector<std::string> options, std::string def = {}) {
  FieldSpec s{std::move(key), FieldType::choice};
  s.options = std::move(options);
  if (!def.empty()) s.default_value = def;
  return s;
}
FieldSpec multi(std::string key, std::vector<std::string> options) {
  FieldSpec s{std::move(key), FieldType::multi_choice};
  s.options = std::move(options);
  return s;
}
FieldSpec ref(std::string key, EntityKind target) {
  FieldSpec s{std::move(key), FieldType::reference};
  s.target = target;
  return s;
}
FieldSpec refs(std::string key, EntityKind target) {
  FieldSpec s{std::move(key), FieldType::reference_list};
  s.target = target;
  return s;
}
FieldSpec objects(std::string key, std::vector<FieldSpec> members) {
  FieldSpec s{std::move(key), FieldType::object_list};
  s.members = std::move(members);
  return s;
}
FieldSpec with_default(FieldSpec s, Value v) {
  s.default_value = std::move(v);
  return s;
}
FieldSpec system(std::string key, FieldType type) {
  return access(f(std::move(key), type), Access::system);
}
FieldSpec hidden(FieldSpec s) {
  s.hidden = true;
  return s;
}
FieldSpec listed(FieldSpec s) {
  s.listed = true;
  return s;
}
FieldSpec ranked(FieldSpec s) {
  s.ranked = true;
  return s;
}
FieldSpec identifier(FieldSpec s) {
  s.identifier = true;
  return s;
}
FieldSpec grouping(FieldSpec s) {
  s.grouping = true;
  return s;
}

using K = EntityKind;
using T = FieldType;

const std::vector<std::string> kProjectStatuses = {"planned", "active", "completed", "cancelled"};

std::map<EntityKind, std::vector<FieldSpec>> build_tables() {
  std::map<EntityKind, std::vector<FieldSpec>> t;
  t[K::client] = {
      req(f("name", T::text)),
      identifier(f("code", T::text)),
      with_default(
          multi("roles", {"customer", "supplier", "institution", "bank", "office", "other"}),
          List{Value("customer")}),
      f("tax_id", T::tax_id),
      choice("status", {"prospect", "active", "inactive", "archived"}, "prospect"),
      ref("account_manager_id", K::operator_),
      f("potential", T::money),
      // The invoices turnover_12m is computed from, {document_id, date, net}: they are trade
      // documents of their own, and a client's record must not grow with every invoice.
      hidden(system("turnover_entries", T::object_list)),
      f("cooperation_start", T::date),
      objects("addresses",
              {choice("kind", {"main", "billing", "shipping", "branch", "other"}, "main"),
               req(f("street", T::text)), f("postal_code", T::text), req(f("city", T::text)),
               with_default(f("country", T::text), "PL")}),
      identifier(f("phones", T::phone_list)),
      identifier(f("emails", T::email_list)),
      f("website", T::url),
      f("tags", T::text_list),
  };
  t[K::person] = {
      req(f("first_name", T::text)),
      req(f("last_name", T::text)),
      grouping(f("position", T::text)),
      identifier(f("phones", T::phone_list)),
      identifier(f("emails", T::email_list)),
      f("birthday", T::date),
      f("name_day", T::month_day),
      objects("client_links", {req(ref("client_id", K::client)), f("role", T::text)}),
      system("relations", T::object_list),  // {person_id, label}; both ways, via relate
      with_default(f("marketing_consent", T::boolean), false),
  };
  t[K::contact] = {
      req(choice("kind", {"phone_call", "fax", "email", "letter", "meeting", "note",
                          "quote_request", "other"})),
      req(choice("direction", {"inbound", "outbound", "internal"})),
      req(f("occurred_at", T::datetime)),
      ref("client_id", K::client),
      refs("person_ids", K::person),
      ref("operator_id", K::operator_),
      req(f("subject", T::text)),
      f("notes", T::long_text),
      f("outcome", T::text),
      with_default(f("awaits_reply", T::boolean), false),
      access(ref("reply_to_id", K::contact), Access::create_only),
      ref("project_id", K::project),
      system("replied_by_id", T::reference),
      system("replied_at", T::datetime),
  };
  t[K::task] = {
      req(f("title", T::text)),
      listed(with_default(f("kind", T::text), "other")),
      f("description", T::long_text),
      ref("client_id", K::client),
      refs("person_ids", K::person),
      ref("project_id", K::project),
      ref("service_order_id", K::service_order),
      ref("assignee_id", K::operator_),
      system("delegated_by_id", T::reference),
      ranked(choice("priority", {"low", "normal", "high"}, "normal")),
      access(choice("status", {"open", "in_progress", "done", "cancelled"}, "open"),
             Access::action_only),
      f("planned_start", T::datetime),
      f("planned_end", T::datetime),
      f("due", T::date),
      f("result", T::long_text),
      system("completed_at", T::datetime),  // when it was last done (none while not done)
      system("work_log", T::object_list),   // {operator_id, date, minutes, note}
  };
  t[K::project] = {
      req(f("name", T::text)),
      f("goal", T::long_text),
      refs("client_ids", K::client),
      ref("owner_id", K::operator_),
      access(choice("status", kProjectStatuses, "planned"), Access::action_only),
      f("start", T::date),
      f("end", T::date),
      ref("campaign_id", K::campaign),
  };
  t[K::campaign] = {
      req(f("name", T::text)),
      f("goal", T::long_text),
      ref("owner_id", K::operator_),
      f("start", T::date),
      f("end", T::date),
      access(choice("status", kProjectStatuses, "planned"), Access::action_only),
  };
  t[K::device] = {
      req(identifier(f("serial_number", T::text))),
      grouping(f("model", T::text)),
      grouping(f("manufacturer", T::text)),
      ref("client_id", K::client),
      grouping(f("location", T::text)),
      f("warranty_until", T::date),
  };
  t[K::service_order] = {
      identifier(system("number", T::text)),
      req(ref("client_id", K::client)),
      ref("device_id", K::device),
      req(f("problem", T::long_text)),
      f("received_at", T::datetime),
      ref("technician_id", K::operator_),
      f("planned_at", T::datetime),
      access(choice("status",
                    {"registered", "diagnosed", "in_repair", "awaiting_parts", "completed",
                     "handed_back", "cancelled"},
                    "registered"),
             Access::action_only),
      f("result", T::long_text),
      objects("parts",
              {req(f("name", T::text)), req(f("quantity", T::decimal)), f("unit", T::text)}),
      access(ref("inspection_id", K::inspection), Access::create_only),
      system("completed_at", T::datetime),  // when it was completed (kept when handed back)
      system("work_log", T::object_list),
  };
  t[K::inspection] = {
      req(access(ref("device_id", K::device), Access::create_only)),
      req(f("due", T::date)),
      f("every", T::interval),
      ref("technician_id", K::operator_),  // whose calendar it is in (everyone's when unset)
      access(choice("status", {"planned", "in_service", "completed", "cancelled"}, "planned"),
             Access::action_only),
      system("service_order_id", T::reference),
      system("last_completed", T::date),
      // The day a recurring inspection's rhythm counts from: its due date as last set by hand
      // (or when its interval changed). Its due dates are this date and every interval after it,
      // so one monthly on the 31st is due on a shorter month's last day and on the 31st after it.
      hidden(system("recurs_from", T::date)),
  };
  t[K::trade_document] = {
      // A document from the trade side is a fact: corrections are new documents.
      req(access(choice("type", {"invoice", "stock_issue", "delivery_note", "order"}),
                 Access::create_only)),
      req(access(identifier(f("number", T::text)), Access::create_only)),
      req(access(f("date", T::date), Access::create_only)),
      req(access(f("net", T::money), Access::create_only)),
      req(access(ref("client_id", K::client), Access::create_only)),
      ref("task_id", K::task),
      ref("contact_id", K::contact),
      ref("service_order_id", K::service_order),
  };
  t[K::operator_] = {
      req(access(identifier(f("login", T::text)), Access::create_only)),
      req(f("name", T::text)),
      req(choice("role", {"operator", "manager", "auditor", "admin"})),
      ref("supervisor_id", K::operator_),
      with_default(f("active", T::boolean), true),
      hidden(system("password_hash", T::text)),
  };
  return t;
}

const std::map<EntityKind, std::vector<FieldSpec>>& tables() {
  static const auto t = build_tables();
  return t;
}

bool valid_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  const auto domain = s.substr(at + 1);
  const auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         s.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos && s.size() <= 254;
}

bool valid_phone(std::string_view s) {
  size_t digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9')
      ++digits;
    else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0)))
      return false;
  }
  return digits >= 6 && digits <= 15;
}

bool valid_url(std::string_view s) {
  const bool scheme = s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
  const auto host_start = s.find("//") + 2;
  return scheme && s.size() > host_start && s.size() <= 2048 &&
         s.find_first_of(" \t\r\n<>\"") == std::string_view::npos;
}

// Well-formed UTF-8 without control characters other than tab and newlines.
bool valid_text(std::string_view s, bool multiline) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && !(c == '\t' || (multiline && (c == '\n' || c == '\r')))) return false;
      if (c == 0x7f) return false;
      ++i;
      continue;
    }
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + len > s.size()) return false;
    uint32_t cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

std::string expected_name(FieldType t) {
  switch (t) {
    case T::integer:
      return "an integer";
    case T::decimal:
      return "a decimal number (as a string or number)";
    case T::money:
      return "money: {\"amount\": \"1234.50\", \"currency\": \"PLN\"}";
    case T::date:
      return "a date YYYY-MM-DD";
    case T::datetime:
      return "an RFC 3339 date-time such as 2026-11-22T09:30:00Z";
    case T::boolean:
      return "true or false";
    case T::month_day:
      return "a day of the year MM-DD";
    case T::interval:
      return "{\"days\": n} or {\"months\": n}";
    case T::multi_choice:
    case T::text_list:
    case T::phone_list:
    case T::email_list:
    case T::reference_list:
    case T::object_list:
      return "a list";
    default:
      return "a string";
  }
}

}  // namespace

std::string_view name_of(EntityKind kind) {
  switch (kind) {
    case K::client:
      return "client";
    case K::person:
      return "person";
    case K::contact:
      return "contact";
    case K::task:
      return "task";
    case K::project:
      return "project";
    case K::campaign:
      return "campaign";
    case K::device:
      return "device";
    case K::service_order:
      return "service_order";
    case K::inspection:
      return "inspection";
    case K::trade_document:
      return "trade_document";
    case K::operator_:
      return "operator";
    case K::field_catalog:
      return "field_catalog";
    case K::counter:
      return "counter";
    case K::login:
      return "login";
  }
  return "?";
}

std::optional<EntityKind> kind_from_name(std::string_view name) {
  for (auto k : kAllKinds)
    if (name_of(k) == name) return k;
  return std::nullopt;
}

std::string stream_of(EntityKind kind, std::string_view id) {
  std::string s(name_of(kind));
  s += '-';
  s += id;
  return s;
}

bool has_custom_fields(EntityKind kind) {
  switch (kind) {
    case K::client:
    case K::person:
    case K::contact:
    case K::task:
    case K::project:
    case K::campaign:
    case K::device:
    case K::service_order:
      return true;
    default:
      return false;
  }
}

std::string_view name_of(FieldType type) {
  switch (type) {
    case T::text:
      return "text";
    case T::long_text:
      return "long_text";
    case T::integer:
      return "integer";
    case T::decimal:
      return "decimal";
    case T::money:
      return "money";
    case T::date:
      return "date";
    case T::datetime:
      return "datetime";
    case T::boolean:
      return "bool";
    case T::choice:
      return "choice";
    case T::multi_choice:
      return "multi_choice";
    case T::reference:
      return "reference";
    case T::email:
      return "email";
    case T::phone:
      return "phone";
    case T::url:
      return "url";
    case T::month_day:
      return "month_day";
    case T::tax_id:
      return "tax_id";
    case T::text_list:
      return "text_list";
    case T::phone_list:
      return "phone_list";
    case T::email_list:
      return "email_list";
    case T::reference_list:
      return "reference_list";
    case T::object_list:
      return "object_list";
    case T::interval:
      return "interval";
  }
  return "?";
}

std::optional<FieldType> field_type_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(T::interval); ++i)
    if (name_of(static_cast<T>(i)) == name) return static_cast<T>(i);
  return std::nullopt;
}

bool allowed_for_custom_fields(FieldType type) {
  return static_cast<int>(type) <= static_cast<int>(T::url);
}

const std::vector<FieldSpec>& core_fields(EntityKind kind) {
  static const std::vector<FieldSpec> none;
  auto it = tables().find(kind);
  return it == tables().end() ? none : it->second;
}

const FieldSpec* core_field(EntityKind kind, std::string_view key) {
  for (const auto& s : core_fields(kind))
    if (s.key == key) return &s;
  return nullptr;
}

bool is_hidden(EntityKind kind, std::string_view key) {
  // Few kinds have hidden fields, and few of them: a short list, looked up per field shown.
  static const auto all = [] {
    std::vector<std::pair<EntityKind, std::string>> out;
    for (const auto& [k, specs] : tables())
      for (const auto& s : specs)
        if (s.hidden) out.emplace_back(k, s.key);
    return out;
  }();
  return std::any_of(all.begin(), all.end(),
                     [&](const auto& h) { return h.first == kind && h.second == key; });
}

std::string normalize_nip(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c >= '0' && c <= '9') out.push_back(c);
  return out;
}

int nip_check_digit(std::string_view nine) {
  static constexpr int kWeights[9] = {6, 5, 7, 2, 3, 4, 5, 6, 7};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (nine[i] - '0') * kWeights[i];
  const int check = sum % 11;
  return check == 10 ? -1 : check;
}

bool valid_nip(std::string_view text) {
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '-' || c == ' ')) return false;
  const std::string d = normalize_nip(text);
  return d.size() == 10 && nip_check_digit(d.substr(0, 9)) == d[9] - '0';
}

std::optional<Value> convert(const FieldSpec& spec, const Value& raw, const std::string& path,
                             std::vector<FieldError>& errors, std::vector<Reference>& refs) {
  auto bad = [&](std::string message) -> std::optional<Value> {
    errors.push_back({path, std::move(message)});
    return std::nullopt;
  };
  auto wrong_type = [&] { return bad("must be " + expected_name(spec.type)); };
  if (raw.is_null()) return Value{};  // clearing; "required" is checked by the caller

  const std::string* s = raw.get<std::string>();
  auto text = [&](size_t max, bool multiline) -> std::optional<Value> {
    if (!s) return wrong_type();
    if (!valid_text(*s, multiline))
      return bad("must be valid UTF-8 text without control characters");
    if (s->size() > max) return bad("is longer than " + std::to_string(max) + " bytes");
    if (spec.required && s->find_first_not_of(" \t\r\n") == std::string::npos)
      return bad("is required and must not be blank");
    return Value(*s);
  };
  // Lists of simple items reuse the item conversions with an indexed path.
  auto list_of = [&](FieldSpec item) -> std::optional<Value> {
    const List* l = raw.get<List>();
    if (!l) return wrong_type();
    if (l->size() > kMaxListItems) return bad("has more than 1000 items");
    List out;
    bool ok = true;
    for (size_t i = 0; i < l->size(); ++i) {
      if ((*l)[i].is_null()) {
        errors.push_back({path + "[" + std::to_string(i) + "]", "must not be null"});
        ok = false;
        continue;
      }
      auto v = convert(item, (*l)[i], path + "[" + std::to_string(i) + "]", errors, refs);
      if (!v)
        ok = false;
      else
        out.push_back(std::move(*v));
    }
    if (!ok) return std::nullopt;
    return Value(std::move(out));
  };

  // A list of strings (choices, ids) in which no item comes twice.
  auto without_repeats = [&](std::optional<Value> v) -> std::optional<Value> {
    if (!v) return v;
    std::unordered_set<std::string> seen;
    for (const auto& x : *v->get<List>())
      if (!seen.insert(*x.get<std::string>()).second)
        return bad("lists '" + *x.get<std::string>() + "' twice");
    return v;
  };

  switch (spec.type) {
    case T::text:
      return text(kMaxText, false);
    case T::long_text:
      return text(kMaxLongText, true);
    case T::email:
      if (!s) return wrong_type();
      if (!valid_email(*s)) return bad("is not an e-mail address");
      return Value(*s);
    case T::phone:
      if (!s) return wrong_type();
      if (!valid_phone(*s)) return bad("is not a phone number (6-15 digits, optional leading +)");
      return Value(*s);
    case T::url:
      if (!s) return wrong_type();
      if (!valid_url(*s)) return bad("is not an http(s) URL");
      return Value(*s);
    case T::tax_id:
      if (!s) return wrong_type();
      if (!valid_nip(*s)) return bad("is not a valid NIP (10 digits with a correct check digit)");
      return Value(normalize_nip(*s));
    case T::integer:
      if (const auto* i = raw.get<int64_t>()) return Value(*i);
      return wrong_type();
    case T::decimal:
      if (const auto* i = raw.get<int64_t>()) {
        if (*i > INT64_MAX / Decimal::kScale || *i < INT64_MIN / Decimal::kScale)
          return bad("is out of range");
        return Value(Decimal{*i * Decimal::kScale});
      }
      if (const auto* d = raw.get<Decimal>()) return Value(*d);
      if (s) {
        if (auto d = Decimal::parse(*s)) return Value(*d);
        return bad("is not a decimal number with at most 4 fractional digits");
      }
      return wrong_type();
    case T::money: {
      const Object* o = raw.get<Object>();
      if (!o) return wrong_type();
      const Value* amount = find(*o, "amount");
      const Value* currency = find(*o, "currency");
      for (const auto& [k, v] : *o)
        if (k != "amount" && k != "currency") return bad("has an unknown member '" + k + "'");
      const std::string* a = amount ? amount->get<std::string>() : nullptr;
      if (!a) return bad("needs \"amount\" as a decimal string such as \"1234.50\"");
      auto d = Decimal::parse(*a);
      if (!d) return bad("amount is not a decimal number with at most 4 fractional digits");
      std::string cur = "PLN";
      if (currency) {
        const std::string* c = currency->get<std::string>();
        if (!c || c->size() != 3 ||
            !std::all_of(c->begin(), c->end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
          return bad("currency must be an ISO 4217 code such as \"PLN\"");
        cur = *c;
      }
      return Value(Money{*d, cur});
    }
    case T::date:
      if (!s) return wrong_type();
      if (auto d = Date::parse(*s)) return Value(*d);
      return bad("is not a valid date YYYY-MM-DD");
    case T::datetime:
      if (!s) return wrong_type();
      if (auto t = DateTime::parse(*s)) return Value(*t);
      return bad("is not an RFC 3339 date-time such as 2026-11-22T09:30:00Z");
    case T::month_day:
      if (!s) return wrong_type();
      if (auto md = MonthDay::parse(*s)) return Value(*md);
      return bad("is not a valid day of the year MM-DD");
    case T::boolean:
      if (const auto* b = raw.get<bool>()) return Value(*b);
      return wrong_type();
    case T::choice:
      if (!s) return wrong_type();
      if (std::find(spec.options.begin(), spec.options.end(), *s) == spec.options.end())
        return bad("must be one of: " + [&] {
          std::string all;
          for (const auto& o : spec.options) all += (all.empty() ? "" : ", ") + o;
          return all;
        }());
      return Value(*s);
    case T::multi_choice: {
      FieldSpec item = spec;
      item.type = T::choice;
      return without_repeats(list_of(item));
    }
    case T::reference:
      if (!s) return wrong_type();
      if (s->empty() || s->size() > 128 || s->find_first_of(" \t\r\n/\\\0") != std::string::npos)
        return bad("is not a valid id");
      if (spec.target) refs.push_back({path, *spec.target, *s});
      return Value(*s);
    case T::text_list:
      return list_of(f(spec.key, T::text));
    case T::phone_list:
      return list_of(f(spec.key, T::phone));
    case T::email_list:
      return list_of(f(spec.key, T::email));
    case T::reference_list: {
      FieldSpec item = spec;
      item.type = T::reference;
      return without_repeats(list_of(item));
    }
    case T::object_list: {
      const List* l = raw.get<List>();
      if (!l) return wrong_type();
      if (l->size() > kMaxListItems) return bad("has more than 1000 items");
      List out;
      bool ok = true;
      for (size_t i = 0; i < l->size(); ++i) {
        const std::string item_path = path + "[" + std::to_string(i) + "]";
        const Object* o = (*l)[i].get<Object>();
        if (!o) {
          errors.push_back({item_path, "must be an object"});
          ok = false;
          continue;
        }
        Object item;
        for (const auto& [k, v] : *o)
          if (std::none_of(spec.members.begin(), spec.members.end(),
                           [&](const FieldSpec& m) { return m.key == k; })) {
            errors.push_back({item_path + "." + k, "is not a known member"});
            ok = false;
          }
        for (const auto& m : spec.members) {
          const Value* v = find(*o, m.key);
          if (!v || v->is_null()) {
            if (m.required) {
              errors.push_back({item_path + "." + m.key, "is required"});
              ok = false;
            } else if (!m.default_value.is_null()) {
              item.emplace_back(m.key, m.default_value);
            }
            continue;
          }
          auto cv = convert(m, *v, item_path + "." + m.key, errors, refs);
          if (!cv)
            ok = false;
          else
            item.emplace_back(m.key, std::move(*cv));
        }
        out.push_back(std::move(item));
      }
      if (!ok) return std::nullopt;
      return Value(std::move(out));
    }
    case T::interval: {
      const Object* o = raw.get<Object>();
      if (!o || o->size() != 1) return wrong_type();
      const auto& [unit, n] = o->front();
      const int64_t* count = n.get<int64_t>();
      if ((unit != "days" && unit != "months") || !count) return wrong_type();
      if (*count < 1 || *count > (unit == "days" ? 3660 : 120))
        return bad("must be 1..3660 days or 1..120 months");
      return Value(Object{{unit, *count}});
    }
  }
  return wrong_type();
}

}  // namespace crm::domain
