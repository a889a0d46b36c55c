#include "projections/views.h"

#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_set.hpp>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/be64.h"
#include "base/hex.h"
#include "domain/codec.h"
#include "domain/decide.h"
#include "domain/time.h"
#include "projections/text.h"

namespace crm::projections {
namespace {

using domain::EntityKind;
using domain::FieldChange;
using domain::Value;
using eventstore::Direction;
using eventstore::errc;
using eventstore::error;

std::string record_key(EntityKind kind, std::string_view id) {
  return std::string(domain::name_of(kind)) + "/" + std::string(id);
}

const FieldChange* core_change(const domain::DomainEvent& e, std::string_view field) {
  for (const auto& c : e.changes)
    if (!c.custom && c.field == field) return &c;
  return nullptr;
}

// A field's value as text (state rows, titles, filters): strings as they are, others formatted.
std::string text_of(const Value& v) {
  if (const auto* s = v.get<std::string>()) return *s;
  if (const auto* b = v.get<bool>()) return *b ? "true" : "false";
  if (const auto* i = v.get<int64_t>()) return std::to_string(*i);
  if (const auto* d = v.get<domain::Decimal>()) return d->format();
  if (const auto* m = v.get<domain::Money>()) return m->amount.format(2);
  if (const auto* d = v.get<domain::Date>()) return d->format();
  if (const auto* t = v.get<domain::DateTime>()) return t->format();
  if (const auto* md = v.get<domain::MonthDay>()) return md->format();
  return {};
}

// A query's refusal of its cursor.
error bad_cursor(std::string_view why) {
  return error{errc::invalid_argument, std::string(why), {}, 0, "cursor"};
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

// A state row of n '\x1f'-separated fields, as stored for the event's record (a stream's first
// event has nothing stored); nullopt when there is none.
std::optional<std::vector<std::string>> stored_fields(const Event& e, ViewWriter& out, size_t table,
                                                      const std::string& key, size_t n) {
  if (e.raw.version <= 1) return std::nullopt;
  auto row = out.get(table, key);
  if (!row) return std::nullopt;
  auto fields = split(*row, '\x1f');
  if (fields.size() != n) return std::nullopt;
  return fields;
}

std::string joined(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "\x1f" : "") + fields[i];
  return out;
}

// A title from its parts (a person's surname then first name, ...), as lists index it.
std::string title_from(const std::vector<std::string>& parts) {
  std::string title;
  for (const auto& p : parts) title += (title.empty() || p.empty() ? "" : " ") + p;
  return title;
}

// A title's folded words, space-separated, as the words and by_title rows carry them.
std::string spaced(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// ---- records --------------------------------------------------------------------------------

// Records touched in a batch stay decoded until the batch ends, then are encoded once each.
class RecordsView final : public Projection {
 public:
  std::string name() const override { return "records"; }
  uint32_t version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"rows"}; }
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind == EntityKind::counter || e.kind == EntityKind::login) return;  // internal
    std::string key = record_key(e.kind, e.id);
    auto it = pending_.find(key);
    if (it == pending_.end()) {
      domain::Record record{e.kind, std::string(e.id)};
      if (e.raw.version > 1)  // a stream's first event makes a new record: nothing to read
        if (auto row = out.get(0, key))
          if (auto decoded = domain::codec::decode_record(*row)) record = std::move(*decoded);
      it = pending_.emplace(std::move(key), std::move(record)).first;
    }
    it->second = domain::apply(std::move(it->second), e.domain);
  }
  void flush(ViewWriter& out) override {
    for (const auto& [key, record] : pending_) out.put_blind(0, key, domain::codec::encode(record));
    pending_.clear();
  }

 private:
  std::unordered_map<std::string, domain::Record> pending_;
};

// ---- lists of every kind, by title -----------------------------------------------------------
// by_title: kind \0 sort_key(title) \0 id -> the title's words (v4; earlier "")
// words: kind \0 word \0 id -> sort_key(title) \0 the title's words (v2; v1 stored "")
// state: kind/id -> title parts (\x1f-separated) \0 sort_key \0 words \0 bucket values (\x1f)
// by_field (v3): kind \0 field \0 value \0 sort_key(title) \0 id -> "" for the bucket fields
// by_sort (v5): kind \0 field \0 sort_value \0 id -> "" for the sort fields
// state (v5): ... \0 the sort values (\x1f)
// v8: custom fields too, as "fields.<key>": a bucket row per short value, a by_sort row per
// ordered value (none when unset); state: ... \0 key \x1d bucket text \x1d sort value (\x1f)

}  // namespace

const std::vector<std::string>& title_fields(EntityKind kind) {
  static const std::vector<std::string> none;
  static const std::map<EntityKind, std::vector<std::string>> fields = {
      {EntityKind::client, {"name"}},           {EntityKind::person, {"last_name", "first_name"}},
      {EntityKind::contact, {"subject"}},       {EntityKind::task, {"title"}},
      {EntityKind::project, {"name"}},          {EntityKind::campaign, {"name"}},
      {EntityKind::device, {"serial_number"}},  {EntityKind::service_order, {"number"}},
      {EntityKind::trade_document, {"number"}}, {EntityKind::operator_, {"name"}},
      {EntityKind::inspection, {"due"}}};
  auto it = fields.find(kind);
  return it == fields.end() ? none : it->second;
}

bool sortable_type(domain::FieldType type) {
  using T = domain::FieldType;
  return type == T::integer || type == T::decimal || type == T::money || type == T::date ||
         type == T::datetime || type == T::month_day;
}

const std::vector<std::string>& sort_fields(EntityKind kind) {
  static const auto all = [] {
    std::map<EntityKind, std::vector<std::string>> out;
    for (EntityKind k : domain::kAllKinds) {
      if (title_fields(k).empty()) continue;
      out[k] = {"created_at"};
      for (const auto& f : domain::core_fields(k))
        if ((sortable_type(f.type) || f.ranked) && !f.hidden) out[k].push_back(f.key);
      out[k].push_back(std::string(kUpdatedAt));  // last (lists v35)
    }
    return out;
  }();
  static const std::vector<std::string> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

namespace {

// A value of an ordered or yes/no type given as text; nullopt for other types (text as it is).
// `why` says what the text must be when it is not one.
std::optional<std::optional<Value>> typed(domain::FieldType type, std::string_view text,
                                          std::string& why) {
  using T = domain::FieldType;
  auto parsed = [&](auto v, const char* must) -> std::optional<Value> {
    if (v) return Value(*v);
    why = must;
    return std::nullopt;
  };
  switch (type) {
    case T::integer: {
      int64_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      return parsed(
          ec == std::errc() && end == text.data() + text.size() ? std::optional(n) : std::nullopt,
          "must be a whole number");
    }
    case T::decimal:
      return parsed(domain::Decimal::parse(text), "must be a number, e.g. 12.5");
    case T::money: {
      const auto amount = domain::Decimal::parse(text);
      return parsed(amount ? std::optional(domain::Money{*amount, "PLN"}) : std::nullopt,
                    "must be an amount, e.g. 1200.50");
    }
    case T::date:
      return parsed(domain::Date::parse(text), "must be a date (YYYY-MM-DD)");
    case T::datetime:
      return parsed(domain::DateTime::parse(text),
                    "must be a time in RFC 3339, e.g. 2026-11-22T09:30:00Z");
    case T::month_day:
      return parsed(domain::MonthDay::parse(text), "must be a day of the year (MM-DD)");
    case T::boolean:
      return parsed(
          text == "true" || text == "false" ? std::optional(text == "true") : std::nullopt,
          "must be true or false");
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> filter_value(const domain::FieldSpec& field, std::string_view text,
                                        std::string& why) {
  using T = domain::FieldType;
  if (text.empty()) return std::string();
  if (auto v = typed(field.type, text, why)) {
    if (!*v) return std::nullopt;
    return text_of(**v);
  }
  switch (field.type) {
    case T::tax_id:
      return domain::normalize_nip(text);
    case T::phone:
    case T::phone_list:
      if (std::none_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        why = "must be a phone number (its digits are compared: +48 601 234 567 is 601234567)";
        return std::nullopt;
      }
      return std::string(text);
    case T::choice:
    case T::multi_choice:
      if (!field.options.empty() &&
          std::find(field.options.begin(), field.options.end(), text) == field.options.end()) {
        why = "must be one of:";
        for (const auto& o : field.options) why += (why.back() == ':' ? " " : ", ") + o;
        return std::nullopt;
      }
      return std::string(text);
    case T::object_list:
      why = "is a list of objects: filter by one of its members (" + field.key + "." +
            (field.members.empty() ? "…" : field.members[0].key) + "=…)";
      return std::nullopt;
    case T::interval:
      why = "cannot be filtered by";
      return std::nullopt;
    default:
      return std::string(text);
  }
}

std::optional<Value> range_bound(domain::FieldType type, std::string_view text, bool upper,
                                 std::string& why) {
  const bool time = type == domain::FieldType::datetime;
  if (const auto day = time ? domain::Date::parse(text) : std::nullopt)  // that day in Warsaw
    return domain::DateTime{domain::local_midnight(day->add_days(upper ? 1 : 0)).micros -
                            (upper ? 1 : 0)};
  auto v = typed(type, text, why);
  if (!v) {
    why = "is not a field with a range of values";
    return std::nullopt;
  }
  if (!*v && time) why = "must be a date (YYYY-MM-DD) or a time in RFC 3339";
  return *v;
}

std::vector<std::string> sort_names(EntityKind kind) {
  // Each once: a title field may be "title" itself, or a sort field (an inspection's due date).
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    if (std::ranges::find(names, name) == names.end()) names.push_back(name);
  };
  add("title");
  if (!title_fields(kind).empty()) add(title_fields(kind)[0]);
  for (const auto& f : sort_fields(kind)) add(f);
  if (kind == EntityKind::client) add(std::string(kTurnover));
  return names;
}

namespace {

// Text members of lists of objects filed under their values, as a bucket field's, from the
// lists version returned (0: none): the cities and countries of a client's addresses (v14:
// `clients?addresses.city=Łódź` read every client, in short pages), and their postal codes
// (v34: `clients?addresses.postal_code=15-791` on medium gave pages of 1, 0, 0, 0 in 7-310 ms).
constexpr uint32_t kListsTextMembers = 14;
constexpr uint32_t kListsPostalCodes = 34;
// Records by when they last changed (v35): a sort row of kUpdatedAt, moved by every event.
// `contacts?updated_at.from=2026-12-01` walked the titles reading records (four empty pages on
// medium), and a list could not be sorted by it.
constexpr uint32_t kListsUpdatedAt = 35;
constexpr std::string_view kPostalCode = "addresses.postal_code";
uint32_t text_member_since(EntityKind kind, std::string_view path) {
  if (kind != EntityKind::client) return 0;
  if (path == "addresses.city" || path == "addresses.country") return kListsTextMembers;
  return path == kPostalCode ? kListsPostalCodes : 0;
}
bool text_bucket_member(EntityKind kind, std::string_view path) {
  return text_member_since(kind, path) != 0;
}

// The fields lists keep a bucket index of, so that a filter on one of them reads only its rows:
// choice, reference and yes/no fields (status, account manager, assignee, client, awaits reply,
// ...), listed fields (a task's kind), a NIP (what an ERP looks a client up by) and the other
// identifiers (a client's code, a device's serial number, a document's number, an e-mail), and
// lists of references, by each item (a contact's persons, a project's clients), or by a reference
// member of their objects (a person's `client_links.client_id`).
const std::vector<std::string>& bucket_fields(EntityKind kind) {
  using T = domain::FieldType;
  static const auto all = [] {
    std::map<EntityKind, std::vector<std::string>> out;
    for (EntityKind k : domain::kAllKinds)
      for (const auto& f : domain::core_fields(k)) {
        if (f.type == T::choice || f.type == T::reference || f.type == T::boolean ||
            f.type == T::reference_list || f.type == T::tax_id || f.listed ||
            f.type == T::multi_choice || f.type == T::text_list || f.identifier || f.grouping)
          out[k].push_back(f.key);
        if (f.type == T::object_list)
          for (const auto& m : f.members)
            if (m.type == T::reference || text_bucket_member(k, f.key + "." + m.key))
              out[k].push_back(f.key + "." + m.key);
      }
    return out;
  }();
  static const std::vector<std::string> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

// Whether a core bucket field is free text filed under its values (a client's tags, its
// addresses' cities, its code, a person's phones and position): only those custom_bucketed are,
// as a custom field's text, and as compared_text gives them.
bool free_text_bucket(EntityKind kind, std::string_view field) {
  if (text_bucket_member(kind, field)) return true;
  const domain::FieldSpec* spec = domain::core_field(kind, field);
  return spec && (spec->type == domain::FieldType::text_list || spec->identifier || spec->grouping);
}

constexpr uint32_t kListsSortRows = 5;  // by_sort: the records by a field's value

// The lists version whose tables first hold a bucket field's rows: until a server has built it
// after an upgrade, a filter on the field reads the records instead.
constexpr uint32_t kListsCustomFields = 8;  // custom fields' buckets and sort rows, too
constexpr uint32_t kListsTaskKinds = 11;    // listed fields (a task's kind) are buckets
constexpr uint32_t kListsChoiceLists = 12;  // and multiple choices and tags (a client's roles)
// Identifiers (domain's FieldSpec::identifier) are buckets (lists v30): an invoice or a service
// order looked up by its number, a device by its serial number, a person by an e-mail, read every
// record of the kind in title order, 1,000 to 4,000 a request: on medium
// `trade-documents?number=FV/2026/60000` gave empty pages (209, 51, 34, 31 ms) with a cursor to
// follow, `devices?serial_number=` found its device on the third page, a person's e-mail pages of
// 1, 0, 0, 0 in 47-113 ms. A row per record (and e-mail).
constexpr uint32_t kListsIdentifiers = 30;
// And a client's and a person's phones (v31), and grouping text (FieldSpec::grouping: a person's
// position, a device's model, maker and location); every free text bucket's values are filed as
// compared (compared_text: a phone by its number, the rest folded): `persons?phones=+48 678 457
// 300` on medium gave four empty pages of 89-490 ms, and found nobody written otherwise
// (678457300, 0048 678 457 300); an e-mail with a capital letter found nobody;
// `persons?position=Prezes zarządu` four empty pages of 60-212 ms (the presidents are "Prezes
// Zarządu"; written so, pages of 5-31 ms); `clients?addresses.city=Lodz` nothing.
constexpr uint32_t kListsComparedText = 31;
// And a custom field's short values (v32), which lists know only as text: `fields.branza=handel`
// found no client whose branch was written "Handel", `fields.region=lodzkie` none in "Łódzkie".
constexpr uint32_t kListsComparedCustom = 32;
// (v33: a service order's problem is searched, search_fields.)
// A word's rows (`words`) hold the title's sort key before the id, so a search pages a word's
// records in title order from them (before, kind \0 word \0 id -> sort key \0 words).
constexpr uint32_t kListsWordsInOrder = 12;
// Clients had sort rows by a bound of their rolling turnover (client \0 turnover_bound \0 bound
// \0 id), so the best clients by turnover_12m were found without reading every client (until v19).
constexpr uint32_t kListsTurnoverBounds = 13;
constexpr std::string_view kTurnoverState = "turnover/";  // the last day an invoice was recorded
// Clients have sort rows of their turnover on each day from their last invoice on
// (turnover_since), so clients by turnover_12m are walked for the day asked either way instead of
// every client read and sorted (lowest first) or the best walked by their bounds.
constexpr uint32_t kListsTurnoverSpans = 19;
// And under their account manager (v20): an account manager's clients by turnover_12m are walked
// in their own rows (client \0 turnover_since@account_manager_id \0 manager \0 rank id) instead
// of read and sorted.
constexpr uint32_t kListsTurnoverManagers = 20;
// And under each city of their addresses (v22): the clients in Opole (9,860 of large's 200,000)
// by turnover_12m were walked in every client's rows, each met read, 35 ms a page at the median
// over HTTP, up to 138 ms.
constexpr uint32_t kListsTurnoverCities = 22;
// And under their status (v24): the inactive clients by turnover_12m (those still buying are the
// ones to win back; 2,980 of medium's 20,000, too many to read first) walked every client's rows.
constexpr uint32_t kListsTurnoverStatuses = 24;
// The bucket fields whose values (given once as a filter) have clients' span rows of their own:
// client \0 turnover_since@field \0 value \0 rank id, from the lists version given.
constexpr std::pair<std::string_view, uint32_t> kTurnoverPairs[] = {
    {"account_manager_id", kListsTurnoverManagers},
    {"addresses.city", kListsTurnoverCities},
    {"status", kListsTurnoverStatuses}};
constexpr std::string_view kTurnoverSince = "turnover_since";
constexpr std::string_view kTurnoverSpans = "spans/";  // state: a client's spans and invoices
// The clients' turnover span rows in by_sort: client \0 turnover_since \0 rank id, where the
// rank is turnover_rank's; the value, the first day after the span (INT32_MAX: none).
const std::string& turnover_spans_prefix() {
  static const std::string prefix = std::string("client\0", 7) + std::string(kTurnoverSince) + '\0';
  return prefix;
}
// The last day on or before `day` on which an invoice entered or left a client's turnover_12m
// (turnover_12m_changes; INT32_MIN: none): since when the figure of that day has been what it is.
int32_t turnover_since(const std::vector<domain::Date>& changes, int32_t day) {
  const auto after = std::upper_bound(changes.begin(), changes.end(), domain::Date{day});
  return after == changes.begin() ? INT32_MIN : std::prev(after)->days;
}
// The lists version whose state first keeps a bucket field's values (an upgraded server reads an
// older version's state by that version's list of them).
uint32_t state_since(EntityKind kind, std::string_view field) {
  using T = domain::FieldType;
  const auto dot = field.find('.');
  if (dot != std::string_view::npos)  // a member of a list of objects
    return text_bucket_member(kind, field) ? text_member_since(kind, field) : 7;
  const domain::FieldSpec* spec = domain::core_field(kind, field);
  if (!spec) return UINT32_MAX;
  if (spec->listed) return kListsTaskKinds;
  if (spec->grouping || spec->type == T::phone_list) return kListsComparedText;
  if (spec->identifier) return kListsIdentifiers;
  switch (spec->type) {
    case T::boolean:
      return 6;
    case T::reference_list:
      return 7;
    case T::tax_id:
      return 8;
    case T::multi_choice:
    case T::text_list:
      return kListsChoiceLists;
    default:
      return 3;
  }
}
// Since when a bucket field's rows are filed as a filter is compared: free text's since v31.
uint32_t bucket_since(EntityKind kind, std::string_view field) {
  const uint32_t since = state_since(kind, field);
  return free_text_bucket(kind, field) ? std::max(since, kListsComparedText) : since;
}

// Sort rows paired with a filter, (bucket field, sort field): per value of a reference, a status
// or a kind, its records in the sort's order, for the lists people open every day: an
// operator's, a client's or a project's tasks by due date and the open ones; a client's or an
// operator's contacts newest first, those awaiting a reply, the requests for quote; a client's,
// a device's or a technician's service orders, those registered; a client's invoices. Without
// them such a list reads the filter's ids (an operator's 3,400 tasks on the medium dataset, the
// 10,700 open ones) and walks the sort's index of every record for them; with them, a page's
// rows. Keys in the by_sort table: kind \0 sort@bucket \0 value \0 sort value \0 id. A list
// filtered on several walks the first paired here (references before statuses and kinds) and
// meets the others in their own rows as it goes (Queries::list's leapfrog).
constexpr uint32_t kListsSortPairs = 9;
constexpr uint32_t kListsTaskPairs = 12;  // a task's kind and priority paired with its due date
// A contact's direction paired with when it happened: the inbound ones newest first (the
// newest contacts of the large dataset are thousands of campaign e-mails, outbound: a walk of
// the contacts by time gave an empty first page).
constexpr uint32_t kListsContactDirections = kListsTurnoverBounds;
// The to-do lists in any order (lists v15): a task's or a service order's status paired with
// its other dates, but for the statuses most of them end in (`dense`: a walk of the sort's own
// rows meets them often enough), so a record has rows while it is open and none once done. The
// 4,708 open tasks of the medium dataset's 200,000 came by planned start in 5 ms, those of high
// priority by planned end in 26; the registered service orders by planned date in 6.
constexpr uint32_t kListsStatusPairs = 15;
// A sort row, and a paired one, carries the title's sort key and words (lists v16: sort key \0
// words; a paired row had none), as a title's row does, so a search sorted by another field is
// tested on the rows its walk takes: a common word's tasks by due date read all of the word's
// rows first (9,400 on medium, 3.5 to 5 ms a page), the open ones came in short pages (each
// record the walk met was read).
constexpr uint32_t kListsSortWords = 16;
// An operator's tasks newest first, assigned to them or delegated by them (lists v17): a task's
// assignee and delegator paired with its creation. On the large dataset (about 60,000 tasks an
// operator) every task's creation rows were walked, each tested by key: 10 to 14 ms a page. And
// an operator's open tasks by due date: the assignee (or the delegator) and the status but done
// paired together with the due date. The operator's rows and the open ones, both paired with
// the due date, were met side by side, but an operator's 80 open tasks among 6,700 on medium
// (and the 4,708 open ones among every operator's) interleave so often that a request's 1,000
// seeks gave 29 of them in 11 ms, on large 6 of 50 in a first page. A kind or a priority and the
// status but done likewise: the open calls by due date, 1.1-1.5 ms at p50 met side by side.
constexpr uint32_t kListsOperatorPairs = 17;
// The to-do lists by a field those to do lack (lists v18): a task's status but done, a service
// order's but handed back, paired with the completion too, and a contact awaiting a reply with
// the reply's time. Records without a value come last, after every other's, so the open tasks by
// completion walked all the done tasks' rows first (an empty first page in 32 ms on medium, 1,311
// pages, 384 of them short, on large), the contacts awaiting a reply by its time every replied
// one's (on large, empty pages of 50 ms each). Paired, they are one run of unset rows, in id
// order. And a completed service order, waiting to be handed back (2,592 of large's), has paired
// rows by every date now, not only once handed back: by when it was received, its first pages
// came empty, 20 ms each, on large.
constexpr uint32_t kListsCompletionPairs = 18;
// A task's kind paired with its creation (lists v21): the calls newest first walked every task's
// creation rows and tested each by key in the kind's bucket, about six rows a call taken (781 us
// at p50 and 1.0-1.6 ms at p99 in process on medium, over the 1 ms a list page may take).
constexpr uint32_t kListsKindsNewest = 21;
// A contact's kind paired with its reply (lists v23): the e-mails by reply time walked every
// replied contact (on the datasets none of them an e-mail) before the unset rows, two empty pages
// of 65-150 ms on medium, 18.7 ms each on large.
constexpr uint32_t kListsReplyKinds = 23;
// An owner's records by their dates (lists v25): an account manager's clients by creation or
// cooperation start, a technician's service orders by creation. Their buckets were read and the
// whole sort index walked for them: on large 4-9 ms a page over HTTP (a few hundred to a
// thousand records among 200,000 clients or 300,000 orders), for a row per record.
constexpr uint32_t kListsOwnersDates = 25;
// An operator's contacts by when they were entered (lists v26): the operator's bucket (7,517
// contacts for one operator on medium, over 20,000 on large) was read as a set and every
// contact's creation rows walked for it: 2.3 ms a page in process on medium, on large short
// pages (3 to 29 of 50, 8-12 ms each). Paired with the operator, a row per contact.
constexpr uint32_t kListsOperatorEntries = 26;
// An operator's tasks by any of their dates (lists v27): the assignee with the planned start
// and end and the completion, the delegator with those and the due date (the open ones by due
// date were paired with the status). Each list read the operator's bucket (on medium 3,400
// tasks assigned, 1,300 delegated) and walked every task's rows of the date for it: 2.3-6 ms a
// page over HTTP on medium.
constexpr uint32_t kListsOperatorTaskDates = 27;
// A ranked choice is a sort field (lists v28): a task's priority, the most urgent first with
// `sort=-priority` (refused before: a choice had no sort rows).
constexpr uint32_t kListsRankedChoices = 28;
// The open tasks, everyone's or an operator's, the most urgent first (lists v29): the status but
// done paired with the priority, and with the assignee too. Walked in every task's priority rows
// and met in the status's or the operator's buckets: 1.8-3.6 and 2.2-2.9 ms a page over HTTP on
// medium (the same lists by due date, paired, 0.6-1.0 ms). A row per task while it is not done.
constexpr uint32_t kListsUrgentPairs = 29;
struct SortPair {
  std::string bucket, sort;
  uint32_t since = kListsSortPairs;     // the lists version whose tables first hold its rows
  std::vector<std::string> dense = {};  // values without paired rows (`with`'s, if given)
  std::string with = {};                // a second bucket field: rows per value of both
  std::string dense_before = {};        // a value dense (without rows) in tables before
  uint32_t rowed_since = 0;             // this lists version
};
// A pair of two fields' rows are filed as one field's, `bucket+with`, under `value\x1fvalue`.
std::string pair_field(const std::string& bucket, const std::string& with) {
  return with.empty() ? bucket : bucket + '+' + with;
}
std::string pair_value(const std::string& value, const std::string& with_value) {
  return value + '\x1f' + with_value;
}

// A core date field a list sorts by (a task's due date, an invoice's date) also files its records
// under their day, in the by_field table like a bucket (its value the day's ordered_hex): a range
// of days listed by title (the tasks due this week) merges its days' rows, which are in title
// order, and reads a page's rows, not every row of the range.
constexpr uint32_t kListsTitledDays = 10;
const std::vector<size_t>& day_sort_positions(EntityKind kind) {
  static const auto all = [] {
    std::map<EntityKind, std::vector<size_t>> out;
    for (EntityKind k : domain::kAllKinds) {
      const auto& sorts = sort_fields(k);
      for (size_t i = 0; i < sorts.size(); ++i)
        if (const auto* spec = domain::core_field(k, sorts[i]);
            spec && spec->type == domain::FieldType::date)
          out[k].push_back(i);
    }
    return out;
  }();
  static const std::vector<size_t> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}
const std::vector<SortPair>& sort_pairs(EntityKind kind) {
  // A service order's status but handed back (completed too before lists v18) with a date.
  auto until_handed_back = [](std::string sort, uint32_t since) {
    return SortPair{.bucket = "status",
                    .sort = std::move(sort),
                    .since = since,
                    .dense = {"handed_back"},
                    .dense_before = "completed",
                    .rowed_since = kListsCompletionPairs};
  };
  static const std::map<EntityKind, std::vector<SortPair>> pairs = {
      {EntityKind::client,
       {{"account_manager_id", "potential"},
        {"status", "potential"},
        {"account_manager_id", "created_at", kListsOwnersDates},
        {"account_manager_id", "cooperation_start", kListsOwnersDates}}},
      {EntityKind::task,
       {{"assignee_id", "due"},
        {"client_id", "due"},
        {"project_id", "due"},
        {"status", "due"},
        {"kind", "due", kListsTaskPairs},
        {"priority", "due", kListsTaskPairs},
        {"status", "created_at", kListsStatusPairs, {"done"}},
        {"status", "planned_start", kListsStatusPairs, {"done"}},
        {"status", "planned_end", kListsStatusPairs, {"done"}},
        {"status", "completed_at", kListsCompletionPairs, {"done"}},
        {"assignee_id", "created_at", kListsOperatorPairs},
        {"delegated_by_id", "created_at", kListsOperatorPairs},
        {"assignee_id", "due", kListsOperatorPairs, {"done"}, "status"},
        {"delegated_by_id", "due", kListsOperatorPairs, {"done"}, "status"},
        {"kind", "due", kListsOperatorPairs, {"done"}, "status"},
        {"priority", "due", kListsOperatorPairs, {"done"}, "status"},
        {"kind", "created_at", kListsKindsNewest},
        {"assignee_id", "planned_start", kListsOperatorTaskDates},
        {"assignee_id", "planned_end", kListsOperatorTaskDates},
        {"assignee_id", "completed_at", kListsOperatorTaskDates},
        {"delegated_by_id", "due", kListsOperatorTaskDates},
        {"delegated_by_id", "planned_start", kListsOperatorTaskDates},
        {"delegated_by_id", "planned_end", kListsOperatorTaskDates},
        {"delegated_by_id", "completed_at", kListsOperatorTaskDates},
        {"status", "priority", kListsUrgentPairs, {"done"}},
        {"assignee_id", "priority", kListsUrgentPairs, {"done"}, "status"}}},
      {EntityKind::contact,
       {{"client_id", "occurred_at"},
        {"operator_id", "occurred_at"},
        {"awaits_reply", "occurred_at"},
        {"awaits_reply", "replied_at", kListsCompletionPairs, {"false"}},
        {"kind", "occurred_at"},
        {"kind", "replied_at", kListsReplyKinds},
        {"direction", "occurred_at", kListsContactDirections},
        {"operator_id", "created_at", kListsOperatorEntries}}},
      {EntityKind::service_order,
       {{"client_id", "created_at"},
        {"device_id", "created_at"},
        {"technician_id", "planned_at"},
        {"status", "created_at"},
        {"technician_id", "created_at", kListsOwnersDates},
        until_handed_back("received_at", kListsStatusPairs),
        until_handed_back("planned_at", kListsStatusPairs),
        until_handed_back("completed_at", kListsCompletionPairs)}},
      {EntityKind::inspection, {{"device_id", "due"}, {"technician_id", "due"}, {"status", "due"}}},
      {EntityKind::trade_document, {{"client_id", "date"}, {"type", "date"}}}};
  static const std::vector<SortPair> none;
  auto it = pairs.find(kind);
  return it == pairs.end() ? none : it->second;
}

// sort_pairs(kind) as positions in bucket_fields(kind) and sort_fields(kind), found once rather
// than for every event the lists view applies.
struct PairAt {
  size_t bucket, sort;
  const std::vector<std::string>* dense;
  size_t with;  // SIZE_MAX: none
};
const std::vector<PairAt>& sort_pair_positions(EntityKind kind) {
  static const auto all = [] {
    std::map<EntityKind, std::vector<PairAt>> out;
    for (EntityKind k : domain::kAllKinds)
      for (const auto& pair : sort_pairs(k)) {
        const auto& buckets = bucket_fields(k);
        const auto& sorts = sort_fields(k);
        auto at = [&](const std::string& bucket) {
          return static_cast<size_t>(std::ranges::find(buckets, bucket) - buckets.begin());
        };
        out[k].push_back({at(pair.bucket),
                          static_cast<size_t>(std::ranges::find(sorts, pair.sort) - sorts.begin()),
                          &pair.dense, pair.with.empty() ? SIZE_MAX : at(pair.with)});
      }
    return out;
  }();
  static const std::vector<PairAt> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

// A sort row's value: the title's sort key and, since lists v16, its words (else empty).
std::pair<std::string_view, std::string_view> sort_row_title(std::string_view value) {
  const size_t nul = value.find('\0');
  if (nul == std::string_view::npos) return {value, {}};
  return {value.substr(0, nul), value.substr(nul + 1)};
}

// The end of the keys beginning with `prefix`, which ends in \0: the prefix with \1 last.
std::string rows_end(std::string prefix) {
  prefix.back() = '\x01';
  return prefix;
}

std::string pair_prefix(std::string_view kind, std::string_view sort, std::string_view field,
                        std::string_view value) {
  std::string out;
  out.append(kind).append(1, '\0').append(sort).append(1, '@').append(field).append(1, '\0');
  return out.append(value).append(1, '\0');
}

// The prefix of `pair`'s rows for `value` (and `with_value`, in a pair of two) in lists tables
// of `version`; "" when they hold none (a dense value, or a version before the pair's rows).
std::string pair_rows_prefix(std::string_view kind, const SortPair& pair, const std::string& value,
                             const std::string* with_value, uint32_t version) {
  const std::string& rowed = with_value ? *with_value : value;
  if (version < pair.since || std::ranges::find(pair.dense, rowed) != pair.dense.end() ||
      (rowed == pair.dense_before && version < pair.rowed_since))
    return {};
  return pair_prefix(kind, pair.sort, pair_field(pair.bucket, pair.with),
                     with_value ? pair_value(value, *with_value) : value);
}

// The keys of one bucket of the lists' by_field table start with this; the title's sort key and
// the record's id follow.
std::string bucket_prefix(std::string_view kind, std::string_view field, std::string_view value) {
  std::string out;
  out.append(kind).append(1, '\0').append(field).append(1, '\0').append(value).append(1, '\0');
  return out;
}

// A bucket field's name split at its dot: the record's field, and the member of its objects.
std::pair<std::string_view, std::string_view> field_and_member(std::string_view path) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return {path, {}};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

// What a value files under in a bucket (or matches in a filter): itself, or each item of a list
// (its `member` when the items are objects).
std::vector<std::string> filed_under(const Value& v, std::string_view member) {
  const auto* list = v.get<domain::List>();
  if (!list) return {text_of(v)};
  std::vector<std::string> out;
  for (const auto& item : *list) {
    const Value* x = &item;
    if (!member.empty()) {
      const auto* o = item.get<domain::Object>();
      x = o ? domain::find(*o, member) : nullptr;
    }
    if (x) out.push_back(text_of(*x));
  }
  return out;
}

// A bucket field's values (filed_under) as the lists' state row keeps them: sorted,
// '\x1e'-separated.
std::string bucket_text(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::erase(values, "");
  std::string out;
  for (const auto& x : values) out += (out.empty() ? "" : "\x1e") + x;
  return out;
}

// Fields besides the title that a search finds a record by, as people look records up: a
// client's code, NIP, phones and e-mails, a person's phones and e-mails, a device's model and
// maker, a service order's problem (lists v33: its title is its number, and
// `service-orders?q=przeglad` found nothing).
const std::vector<const domain::FieldSpec*>& search_fields(EntityKind kind) {
  static const auto all = [] {
    const std::map<EntityKind, std::vector<std::string>> names = {
        {EntityKind::client, {"code", "tax_id", "phones", "emails"}},
        {EntityKind::person, {"phones", "emails"}},
        {EntityKind::device, {"model", "manufacturer"}},
        {EntityKind::service_order, {"problem"}}};
    std::map<EntityKind, std::vector<const domain::FieldSpec*>> out;
    for (const auto& [kind, fields] : names)
      for (const auto& f : fields) out[kind].push_back(domain::core_field(kind, f));
    return out;
  }();
  static const std::vector<const domain::FieldSpec*> none;
  auto it = all.find(kind);
  return it == all.end() ? none : it->second;
}

// A number as one word of its digits, a Polish phone without its +48 or 0048 ("+48 601 234 567",
// "0048 601 234 567" and "601-234-567" are 601234567; the NIP "526-000-12-46" is 5260001246).
std::string number_word(std::string_view text) {
  std::string digits(text);
  std::erase_if(digits, [](char c) { return c < '0' || c > '9'; });
  if (digits.size() == 13 && digits.starts_with("0048")) digits.erase(0, 2);
  if (digits.size() == 11 && digits.starts_with("48")) digits.erase(0, 2);
  return digits;
}

// A value of a free text bucket field (free_text_bucket) as lists file it and compare it with a
// filter: a phone as its number (number_word; one without digits as it is, so that it matches
// none), any other text folded as search words are (text::fold: Jan.Kowalski@Firma.pl is
// jan.kowalski@firma.pl, "Prezes Zarządu" is "prezes zarzadu", "Łódź" is "lodz": people write
// them either way). A title's text (a client's name, a person's surname) and a custom field's
// (lists know no custom field's type; a choice's or a date's text folds to itself) are compared
// folded too (title_rows finds a title's rows). A postal code by its letters and digits, folded
// ("15-791" is 15791, "SW1A 1AA" sw1a1aa). Other fields' values (a status, an id) as they are.
enum class Comparison { as_written, number, folded, letters_and_digits };
Comparison comparison_of(EntityKind kind, std::string_view field) {
  if (field.starts_with("fields.")) return Comparison::folded;
  if (kind == EntityKind::client && field == kPostalCode) return Comparison::letters_and_digits;
  const auto* spec = domain::core_field(kind, field);
  if (free_text_bucket(kind, field))
    return spec && spec->type == domain::FieldType::phone_list ? Comparison::number
                                                               : Comparison::folded;
  const bool title = spec && spec->type == domain::FieldType::text &&
                     std::ranges::find(title_fields(kind), field) != title_fields(kind).end();
  return title ? Comparison::folded : Comparison::as_written;
}
std::string compared_text(Comparison how, std::string text) {
  if (how == Comparison::as_written) return text;
  if (how == Comparison::number) {
    auto number = number_word(text);
    return number.empty() ? text : number;
  }
  if (how == Comparison::letters_and_digits) {
    auto out = text::fold(text);
    std::erase_if(out, [](char c) { return !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'); });
    return out.empty() ? text : out;  // none: as it is, as a phone without digits
  }
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; }))
    return text::fold(text);  // lower case
  // ICU's transliteration costs 1.3-4 us a value ("Kraków", "Prezes Zarządu"), and a page's
  // records are compared one by one (50 cities folded took a city's page from 40 to 140-260
  // us): free text repeats, so each thread keeps what it has folded, a few thousand values.
  thread_local std::unordered_map<std::string, std::string> folded;
  if (auto it = folded.find(text); it != folded.end()) return it->second;
  if (folded.size() >= 4096) folded.clear();
  auto out = text::fold(text);
  folded.emplace(std::move(text), out);
  return out;
}
std::string compared_text(EntityKind kind, std::string_view field, std::string text) {
  return compared_text(comparison_of(kind, field), std::move(text));
}

// A searched field's value as text for words(): the items of a list side by side; a phone as
// number_word(); a long text as far as its last space in the first kSearchedLongText bytes (every
// word is a row of its own, and every index row of the record carries them all).
constexpr size_t kSearchedLongText = 160;
std::string searched_text(const domain::FieldSpec& field, const Value& v) {
  const bool phones = field.type == domain::FieldType::phone_list;
  std::string out;
  for (const auto& item : filed_under(v, {}))
    out += (out.empty() ? "" : " ") + (phones ? number_word(item) : item);
  if (field.type == domain::FieldType::long_text && out.size() > kSearchedLongText) {
    size_t cut = out.rfind(' ', kSearchedLongText);
    if (cut == std::string::npos)  // one long word: cut before a character, not in one
      for (cut = kSearchedLongText; (out[cut] & 0xC0) == 0x80;) --cut;
    out.resize(cut);
  }
  return out;
}

// The words of a search: a text of digits and the signs phones are written with is one number
// (a phone or NIP as pasted: "+48 601 234 567"); anything else, its folded words ("2026/158",
// the beginning of a document's or an order's number, is two).
std::vector<std::string> search_terms(std::string_view search) {
  const bool number =
      std::any_of(search.begin(), search.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::all_of(search.begin(), search.end(), [](char c) {
        return (c >= '0' && c <= '9') ||
               std::string_view(" +-().").find(c) != std::string_view::npos;
      });
  if (number) return {number_word(search)};
  return text::words(search);
}

// Custom fields: the projection knows no definitions, so it files every value whose text is
// short enough for a key under a bucket (a choice, a yes/no, a reference, a code, a date...), and
// sorts by every value of an ordered type (a number, money, a date or time). A filter on a longer
// value reads the records instead.
constexpr size_t kMaxCustomBucketText = 64;

bool custom_bucketed(std::string_view value) {
  return !value.empty() && value.size() <= kMaxCustomBucketText;
}

// The values a change files its record under in a bucket field, as the lists' state keeps them
// (bucket_text).
std::string bucket_text_of(EntityKind kind, std::string_view bucket, const FieldChange& c) {
  auto filed = filed_under(c.after, field_and_member(bucket).second);
  const auto how = comparison_of(kind, bucket);  // once, not per value
  for (auto& v : filed) v = compared_text(how, std::move(v));
  if (how != Comparison::as_written)  // free text
    std::erase_if(filed, [](const std::string& v) { return !custom_bucketed(v); });
  return bucket_text(std::move(filed));
}

// A signed number as an unsigned one in the same order (its sign bit flipped); its own inverse.
constexpr uint64_t sign_flipped(int64_t n) {
  return static_cast<uint64_t>(n) ^ (uint64_t{1} << 63);
}

// The ordered value of a sort field as index text: 16 hex digits of the number with its sign bit
// flipped (so negative numbers sort first), "~" (after every digit) when unset.
std::string ordered_hex(int64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint64_t u = sign_flipped(n);
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[i] = kHex[(u >> (60 - 4 * i)) & 15];
  return out;
}

std::optional<int64_t> ordered_number(const Value* v) {
  std::optional<int64_t> n;
  if (v) {
    if (const auto* i = v->get<int64_t>()) n = *i;
    if (const auto* d = v->get<domain::Decimal>()) n = d->units;
    if (const auto* m = v->get<domain::Money>()) n = m->amount.units;
    if (const auto* d = v->get<domain::Date>()) n = d->days;
    if (const auto* t = v->get<domain::DateTime>()) n = t->micros;
    if (const auto* md = v->get<domain::MonthDay>()) n = md->month * 100 + md->day;
  }
  return n;
}

}  // namespace

bool backwards(const ListQuery::Range& range) {
  if (range.from.is_null() || range.to.is_null()) return false;
  const auto from = ordered_number(&range.from), to = ordered_number(&range.to);
  return from && to && *from > *to;
}

namespace {

// A client's place by turnover_12m, before its id: the figure, then since when it has been so
// (lowest first, the longest unchanged first: those without invoices, then those whose last
// ones left the 12 months longest ago), each followed by \0.
std::string turnover_rank(int64_t units, int32_t since) {
  return ordered_hex(units) + '\0' + ordered_hex(since) + '\0';
}

std::string sort_value(const Value* v) {
  const auto n = ordered_number(v);
  return n ? ordered_hex(*n) : "~";
}

// A ranked choice's sort value: its rank among the options, then `created` (the record's
// creation's sort value), so that the records of one rank come in the order they were made,
// the newest first in a descending list; "~" (last) without one.
std::string ranked_sort_value(const domain::FieldSpec& spec, const Value* v,
                              std::string_view created) {
  const std::string* option = v ? v->get<std::string>() : nullptr;
  const auto at = option ? std::ranges::find(spec.options, *option) : spec.options.end();
  if (at == spec.options.end()) return "~";
  return ordered_hex(at - spec.options.begin()) + std::string(created);
}

// The core field of `kind` named `field` when it is a ranked choice, else nullptr.
const domain::FieldSpec* ranked_field(EntityKind kind, std::string_view field) {
  const auto* spec = domain::core_field(kind, field);
  return spec && spec->ranked ? spec : nullptr;
}

// The lists version whose tables first hold the sort rows of one of sort_fields(kind): a list
// sorts by it, and a range of it is read from them, from that version on.
uint32_t sort_rows_since(EntityKind kind, std::string_view field) {
  if (field == kUpdatedAt) return kListsUpdatedAt;
  return ranked_field(kind, field) ? kListsRankedChoices : kListsSortRows;
}

// ranked_field of each of sort_fields(kind), by position, found once rather than for every
// event the lists view applies.
const std::vector<const domain::FieldSpec*>& ranked_sorts(EntityKind kind) {
  static const auto all = [] {
    std::map<EntityKind, std::vector<const domain::FieldSpec*>> out;
    for (EntityKind k : domain::kAllKinds) {
      auto& specs = out[k];  // empty for a kind without lists
      for (const auto& f : sort_fields(k)) specs.push_back(ranked_field(k, f));
    }
    return out;
  }();
  return all.at(kind);
}

// A record's custom fields as the lists' state row keeps them: per field with a row, its key,
// bucket text (only when short: custom_bucketed) and sort value (only when ordered).
struct CustomRows {
  std::string key, bucket, sort;
};

std::vector<CustomRows> custom_rows_from(std::string_view stored) {
  std::vector<CustomRows> out;
  if (stored.empty()) return out;
  for (const auto& entry : split(stored, '\x1f'))
    if (auto p = split(entry, '\x1d'); p.size() == 3)
      out.push_back({std::move(p[0]), std::move(p[1]), std::move(p[2])});
  return out;
}

std::string custom_rows_text(const std::vector<CustomRows>& rows) {
  std::string out;
  for (const auto& r : rows)
    out += (out.empty() ? "" : "\x1f") + r.key + '\x1d' + r.bucket + '\x1d' + r.sort;
  return out;
}

class ListsView final : public Projection {
 public:
  std::string name() const override { return "lists"; }
  uint32_t version() const override { return kListsUpdatedAt; }
  std::vector<std::string> tables() const override {
    return {"by_title", "words", "state", "by_field", "by_sort"};
  }
  unsigned lane() const override { return 1; }  // half of all the projecting (collation, words)
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind == EntityKind::client) file_turnover_spans(e, out);
    const auto& fields = title_fields(e.kind);
    if (fields.empty()) return;
    const auto& searched = search_fields(e.kind);
    const auto& buckets = bucket_fields(e.kind);
    const auto& sorts = sort_fields(e.kind);  // created_at first, updated_at last
    const std::string kind(domain::name_of(e.kind));
    const std::string id(e.id);
    const std::string state_key = kind + "/" + id;
    // The title's parts, then the searched fields' text.
    std::vector<std::string> parts(fields.size() + searched.size()), values(buckets.size()),
        ordered(sorts.size());
    // The index rows of the record before this event: its sort key, title words, bucket values,
    // sort values.
    std::string old_key;
    std::vector<std::string> old_words, old_values(buckets.size()), old_ordered(sorts.size());
    std::vector<CustomRows> old_custom;
    bool had_rows = false, retitled = true;  // retitled: the title's key and words to compute
    if (auto old = e.raw.version > 1 ? out.get(2, state_key) : std::nullopt) {
      const auto pieces = split(*old, '\0');
      if (pieces.size() == 6) {
        had_rows = true;
        auto old_parts = split(pieces[0], '\x1f');
        if (old_parts.size() == parts.size()) parts = old_parts, retitled = false;
        auto stored_values = split(pieces[3], '\x1f');
        if (stored_values.size() == values.size()) values = old_values = stored_values;
        old_key = pieces[1];
        for (auto& w : split(pieces[2], ' '))
          if (!w.empty()) old_words.push_back(std::move(w));
        auto stored_ordered = split(pieces[4], '\x1f');
        if (stored_ordered.size() == ordered.size()) ordered = old_ordered = stored_ordered;
        old_custom = custom_rows_from(pieces[5]);
      }
    }
    std::vector<CustomRows> custom = old_custom;  // by key
    for (const auto& c : e.domain.changes) {
      if (!c.custom) continue;
      std::erase_if(custom, [&](const CustomRows& r) { return r.key == c.field; });
      auto values = filed_under(c.after, {});
      const auto how = comparison_of(e.kind, "fields." + c.field);  // as a filter compares it
      for (auto& v : values) v = compared_text(how, std::move(v));
      std::erase_if(values, [](const std::string& v) { return !custom_bucketed(v); });
      CustomRows row{c.field, bucket_text(std::move(values)), ""};
      if (const auto n = ordered_number(&c.after)) row.sort = ordered_hex(*n);
      if (row.bucket.empty() && row.sort.empty()) continue;
      custom.insert(std::lower_bound(custom.begin(), custom.end(), row,
                                     [](const auto& a, const auto& b) { return a.key < b.key; }),
                    std::move(row));
    }
    for (size_t i = 0; i < fields.size(); ++i)
      if (const FieldChange* c = core_change(e.domain, fields[i]))
        parts[i] = text_of(c->after), retitled = true;
    for (size_t i = 0; i < searched.size(); ++i)
      if (const FieldChange* c = core_change(e.domain, searched[i]->key))
        parts[fields.size() + i] = searched_text(*searched[i], c->after), retitled = true;
    for (size_t i = 0; i < buckets.size(); ++i)
      if (const FieldChange* c = core_change(e.domain, field_and_member(buckets[i]).first))
        values[i] = bucket_text_of(e.kind, buckets[i], *c);
    // The title's key and words (ICU's collation and folding, a few microseconds each) only when
    // its parts changed: most events (a status, a date, a reply) keep those the state holds.
    std::string key = old_key;
    std::vector<std::string> title_words = old_words;
    if (retitled) {
      key = text::sort_key(
          title_from({parts.begin(), parts.begin() + static_cast<ptrdiff_t>(fields.size())}));
      title_words = text::words(title_from(parts));  // and the searched fields'
    }
    const std::string words = spaced(title_words);
    // Only the index rows that change are written: a status change moves one bucket row, a
    // rename moves them all (every row carries the sort key, words rows the title's words too).
    const bool renamed = !had_rows || old_key != key || old_words != title_words;
    if (renamed) {
      if (had_rows) out.erase_blind(0, kind + '\0' + old_key + '\0' + id);
      out.put_blind(0, kind + '\0' + key + '\0' + id, words);
      // A word's rows in title order (v12), as by_title's: its records are paged from them.
      for (const auto& w : old_words)
        out.erase_blind(1, kind + '\0' + w + '\0' + old_key + '\0' + id);
      for (const auto& w : title_words)
        out.put_blind(1, kind + '\0' + w + '\0' + key + '\0' + id, words);
    }
    // A bucket row per value filed under (a list files under each of its items); "" files none.
    auto move_bucket_rows = [&](const std::string& field, const std::string& old_text,
                                const std::string& text) {
      if (!renamed && old_text == text) return;
      const auto before = split(old_text, '\x1e'), after = split(text, '\x1e');
      auto in = [](const std::vector<std::string>& set, const std::string& v) {
        return std::find(set.begin(), set.end(), v) != set.end();
      };
      for (const auto& v : before)
        if (!v.empty() && (renamed || !in(after, v)))
          out.erase_blind(3, bucket_prefix(kind, field, v) + old_key + '\0' + id);
      for (const auto& v : after)
        if (!v.empty() && (renamed || !in(before, v)))
          out.put_blind(3, bucket_prefix(kind, field, v) + key + '\0' + id, "");
    };
    // A sort row per field with a sort value ("" has none: a custom field without a value),
    // carrying the title's sort key, so that a range read first is sorted by title as it is read,
    // and its words, so that a search is tested on it.
    const std::string sort_row_value = key + '\0' + words;
    auto move_sort_row = [&](const std::string& field, const std::string& old_value,
                             const std::string& value) {
      if (old_value == value && !renamed) return;
      if (!old_value.empty() && old_value != value)
        out.erase_blind(4, kind + '\0' + field + '\0' + old_value + '\0' + id);
      if (!value.empty())
        out.put_blind(4, kind + '\0' + field + '\0' + value + '\0' + id, sort_row_value);
    };
    for (size_t i = 0; i < buckets.size(); ++i)
      move_bucket_rows(buckets[i], old_values[i], values[i]);
    for (size_t i = 0; i < sorts.size(); ++i) {
      if (i == 0) {
        if (!had_rows) ordered[0] = ordered_hex(e.domain.at.micros);  // created_at
      } else if (i + 1 == sorts.size()) {
        ordered[i] = ordered_hex(e.domain.at.micros);  // updated_at: every event moves it
      } else if (const FieldChange* c = core_change(e.domain, sorts[i])) {
        const auto* ranked = ranked_sorts(e.kind)[i];
        ordered[i] =
            ranked ? ranked_sort_value(*ranked, &c->after, ordered[0]) : sort_value(&c->after);
      } else if (!had_rows) {
        ordered[i] = sort_value(nullptr);
      }
      move_sort_row(sorts[i], old_ordered[i], ordered[i]);
    }
    // A date's day rows (day_sort_positions), moved as a bucket's; an unset date ("~") has none.
    auto day = [](const std::string& sort_value) { return sort_value == "~" ? "" : sort_value; };
    for (const size_t i : day_sort_positions(e.kind))
      move_bucket_rows(sorts[i], day(old_ordered[i]), day(ordered[i]));
    // A paired row per value filed under (but a dense one), or per value of both fields of a pair
    // of two, and sort value (sort_pairs), carrying what a sort row does: moved when any of them
    // changes, rewritten on a rename.
    for (const auto& [b, s, dense, w] : sort_pair_positions(e.kind)) {
      const bool moved = old_ordered[s] != ordered[s];
      const bool two = w != SIZE_MAX;
      if (!renamed && !moved && old_values[b] == values[b] && (!two || old_values[w] == values[w]))
        continue;
      const std::string field = pair_field(buckets[b], two ? buckets[w] : "");
      const std::string& sort = sorts[s];
      // The values the record is paired under: each of the bucket's, or each of both's.
      auto paired = [&](const std::vector<std::string>& of) {
        auto rowed = [&](const std::string& v) {
          return !v.empty() && std::ranges::find(*dense, v) == dense->end();
        };
        std::vector<std::string> under;
        for (const auto& v : split(of[b], '\x1e'))
          if (!two && rowed(v))
            under.push_back(v);
          else if (two && !v.empty())
            for (const auto& x : split(of[w], '\x1e'))
              if (rowed(x)) under.push_back(pair_value(v, x));
        return under;
      };
      const auto before = paired(old_values), after = paired(values);
      for (const auto& v : before)
        if (!old_ordered[s].empty() && (moved || std::ranges::find(after, v) == after.end()))
          out.erase_blind(4, pair_prefix(kind, sort, field, v) + old_ordered[s] + '\0' + id);
      for (const auto& v : after)
        if (renamed || moved || std::ranges::find(before, v) == before.end())
          out.put_blind(4, pair_prefix(kind, sort, field, v) + ordered[s] + '\0' + id,
                        sort_row_value);
    }
    // Custom fields, the old and new rows of each key in either (both sorted by key).
    static const CustomRows kNone;
    for (auto o = old_custom.begin(), n = custom.begin();
         o != old_custom.end() || n != custom.end();) {
      const bool take_old = o != old_custom.end() && (n == custom.end() || o->key <= n->key);
      const bool take_new = n != custom.end() && (o == old_custom.end() || n->key <= o->key);
      const CustomRows& before = take_old ? *o++ : kNone;
      const CustomRows& after = take_new ? *n++ : kNone;
      const std::string field = "fields." + (take_old ? before.key : after.key);
      move_bucket_rows(field, before.bucket, after.bucket);
      move_sort_row(field, before.sort, after.sort);
    }
    out.put(2, state_key,
            joined(parts) + '\0' + key + '\0' + words + '\0' + joined(values) + '\0' +
                joined(ordered) + '\0' + custom_rows_text(custom));
  }

 private:
  // A client's turnover_12m from the day an invoice was recorded on (in Warsaw) is known for
  // every later day: a span row (turnover_spans_prefix) for each figure between two days an
  // invoice enters or leaves it, rewritten with each invoice, and the same under its account
  // manager (v20), each of its cities (v22) and its status (v24; kTurnoverPairs), moved when
  // they change. The state (`spans/<id>`, TurnoverSpans) keeps what they come from; `turnover/`
  // the last day an invoice was recorded on: a list for an earlier day cannot use them.
  struct TurnoverSpans {
    int32_t since = INT32_MIN;      // since when the figure of the last invoice's day was so
    std::string invoices;           // those that will count again: day:units:currency, \x1f
    std::vector<std::string> rows;  // each span's rank and the first day after it (INT32_MAX)
    // The values of each of kTurnoverPairs' fields (bucket_text: \x1e between them).
    std::array<std::string, std::size(kTurnoverPairs)> under;
  };
  static constexpr size_t kRankSize = 34;  // turnover_rank's: 16 + 1 + 16 + 1

  static void file_turnover_spans(const Event& e, ViewWriter& out) {
    const bool invoiced = e.raw.type == "TurnoverRecorded";
    constexpr size_t kPairs = std::size(kTurnoverPairs);
    std::array<const FieldChange*, kPairs> changed{};
    for (size_t i = 0; i < kPairs; ++i)
      changed[i] = core_change(e.domain, field_and_member(kTurnoverPairs[i].first).first);
    if (e.raw.version != 1 && !invoiced && std::ranges::count(changed, nullptr) == kPairs) return;
    const std::string id(e.id), state_key = std::string(kTurnoverSpans) + id;
    TurnoverSpans before, after;
    if (e.raw.version == 1) {  // no invoices yet
      after.rows = {turnover_rank(0, INT32_MIN) + std::to_string(INT32_MAX)};
    } else if (auto old = out.get(2, state_key)) {
      auto parts = split(*old, '\x1e');
      if (parts.size() != 3 + kPairs) return;
      before = {std::stoi(parts[0]), parts[1], split(parts[2], '\x1f')};
      for (size_t i = 0; i < kPairs; ++i) {
        before.under[i] = parts[3 + i];
        std::ranges::replace(before.under[i], '\x1f', '\x1e');
      }
      after = before;
    } else {
      return;
    }
    for (size_t i = 0; i < kPairs; ++i)
      if (changed[i]) after.under[i] = bucket_text_of(e.kind, kTurnoverPairs[i].first, *changed[i]);
    if (invoiced) reckon_turnover_spans(e, after, out);
    if (after.rows == before.rows && after.under == before.under) return;
    // The rows that change, found once for every prefix: those before whose rank is gone, those
    // after that were not so before (a new rank, or a span's end moved).
    auto rank_of = [](const std::string& row) {
      return std::string_view(row).substr(0, kRankSize);
    };
    std::unordered_set<std::string_view> ranks_after;
    for (const auto& row : after.rows) ranks_after.insert(rank_of(row));
    std::vector<std::string_view> gone;
    for (const auto& row : before.rows)
      if (!ranks_after.contains(rank_of(row))) gone.push_back(rank_of(row));
    const std::unordered_set<std::string_view> rows_before(before.rows.begin(), before.rows.end());
    std::vector<const std::string*> fresh;
    for (const auto& row : after.rows)
      if (!rows_before.contains(row)) fresh.push_back(&row);
    auto prefixes = [](const TurnoverSpans& spans) {
      std::vector<std::string> out{turnover_spans_prefix()};
      for (size_t i = 0; i < kPairs; ++i)
        for (const auto& value : split(spans.under[i], '\x1e'))
          if (!value.empty())
            out.push_back(pair_prefix("client", kTurnoverSince, kTurnoverPairs[i].first, value));
      return out;
    };
    // Under a prefix kept, only the rows that change; under one left or new, all of them.
    const auto old_prefixes = prefixes(before), new_prefixes = prefixes(after);
    for (const auto& prefix : old_prefixes) {
      const bool kept = std::ranges::find(new_prefixes, prefix) != new_prefixes.end();
      if (!kept)
        for (const auto& row : before.rows)
          out.erase_blind(4, prefix + std::string(rank_of(row)) + id);
      else
        for (const auto rank : gone) out.erase_blind(4, prefix + std::string(rank) + id);
    }
    for (const auto& prefix : new_prefixes) {
      auto put = [&](const std::string& row) {
        out.put_blind(4, prefix + row.substr(0, kRankSize) + id, row.substr(kRankSize));
      };
      if (std::ranges::find(old_prefixes, prefix) == old_prefixes.end())
        std::ranges::for_each(after.rows, put);
      else
        for (const auto* row : fresh) put(*row);
    }
    std::string state = std::to_string(after.since) + '\x1e' + after.invoices + '\x1e';
    for (size_t i = 0; i < after.rows.size(); ++i) state += (i ? "\x1f" : "") + after.rows[i];
    for (std::string values : after.under) {  // each field's values \x1f apart
      std::ranges::replace(values, '\x1e', '\x1f');
      state += '\x1e' + values;
    }
    out.put(2, state_key, state);
  }

  // The spans from the day of an invoice (e) on, from the invoices that will count again and it.
  static void reckon_turnover_spans(const Event& e, TurnoverSpans& spans, ViewWriter& out) {
    const int32_t day = domain::local_date(e.domain.at).days;
    const auto last = out.get(2, kTurnoverState);
    if (!last || std::stoi(*last) < day) out.put(2, kTurnoverState, std::to_string(day));
    domain::List invoices;
    for (const auto& invoice : split(spans.invoices, '\x1f')) {
      auto fields = split(invoice, ':');
      if (fields.size() != 3) continue;
      invoices.push_back(domain::Object{
          {"date", domain::Date{std::stoi(fields[0])}},
          {"net", domain::Money{domain::Decimal{std::stoll(fields[1])}, fields[2]}}});
    }
    const domain::Value* date = domain::find(e.domain.entry, "date");
    const domain::Value* net = domain::find(e.domain.entry, "net");
    if (date && date->get<domain::Date>() && net && net->get<domain::Money>())
      invoices.push_back(domain::Object{{"date", *date}, {"net", *net}});
    domain::Record client;
    client.core = {{"turnover_entries", invoices}};
    const auto changes = domain::turnover_12m_changes(client);
    int32_t since = std::max(spans.since, turnover_since(changes, day));
    // Invoices that have left the figure for good went before `since`: only the others are kept
    // (they neither change nor count toward the figure on any day from this one on).
    spans.since = since;
    spans.invoices.clear();
    for (const Value& v : invoices) {
      const auto& invoice = *v.get<domain::Object>();
      const domain::Date on = *domain::find(invoice, "date")->get<domain::Date>();
      if (domain::turnover_12m_left(on).days <= day) continue;
      const auto& money = *domain::find(invoice, "net")->get<domain::Money>();
      spans.invoices += (spans.invoices.empty() ? "" : "\x1f") + std::to_string(on.days) + ':' +
                        std::to_string(money.amount.units) + ':' + money.currency;
    }
    spans.rows.clear();
    for (auto next = std::upper_bound(changes.begin(), changes.end(), domain::Date{day});;) {
      const int32_t until = next == changes.end() ? INT32_MAX : next->days;
      spans.rows.push_back(
          turnover_rank(
              domain::turnover_12m(client, domain::Date{std::max(since, day)}).amount.units,
              since) +
          std::to_string(until));
      if (next == changes.end()) break;
      since = next++->days;
    }
  }
};

// ---- my tasks ---------------------------------------------------------------------------------
// Tasks under their assignee and the operator who delegated them; service orders under their
// technician (the seed's "Moje zadania": the tasks and orders the operator has to do).
// index: ("a"|"d") \0 operator \0 ("0" to do | "1" done or cancelled) \0 due \0 id -> kind name
// state: kind/id -> assignee \x1f delegated_by \x1f status \x1f due (an order's planned day)

class MyTasksView final : public Projection {
 public:
  std::string name() const override { return "my_tasks"; }
  uint32_t version() const override { return 2; }
  std::vector<std::string> tables() const override { return {"index", "state"}; }
  void apply(const Event& e, ViewWriter& out) override {
    static constexpr const char* kTask[] = {"assignee_id", "delegated_by_id", "status", "due"};
    static constexpr const char* kOrder[] = {"technician_id", "", "status", "planned_at"};
    if (e.kind != EntityKind::task && e.kind != EntityKind::service_order) return;
    const auto& fields = e.kind == EntityKind::task ? kTask : kOrder;
    const std::string id(e.id);
    const std::string state_key = std::string(domain::name_of(e.kind)) + "/" + id;
    const auto old = stored_fields(e, out, 1, state_key, 4);
    std::vector<std::string> state = old.value_or(std::vector<std::string>(4));
    bool changed = !old;
    for (int i = 0; i < 4; ++i)
      if (const FieldChange* c = *fields[i] ? core_change(e.domain, fields[i]) : nullptr) {
        const auto* at = c->after.get<domain::DateTime>();
        state[i] = at ? domain::local_date(*at).format() : text_of(c->after);
        changed = true;
      }
    if (!changed) return;
    const auto old_keys = old ? keys(e.kind, id, *old) : std::vector<std::string>();
    const auto new_keys = keys(e.kind, id, state);
    if (old_keys != new_keys) {
      for (const auto& k : old_keys) out.erase_blind(0, k);
      for (const auto& k : new_keys) out.put_blind(0, k, std::string(domain::name_of(e.kind)));
    }
    out.put(1, state_key, joined(state));
  }

 private:
  static std::string bucket(EntityKind kind, const std::string& status) {
    return status == "cancelled" || domain::work_done(kind, status) ? "1" : "0";
  }

  static std::vector<std::string> keys(EntityKind kind, const std::string& id,
                                       const std::vector<std::string>& s) {
    std::vector<std::string> out;
    if (s.size() != 4) return out;
    const std::string tail =
        '\0' + bucket(kind, s[2]) + '\0' + (s[3].empty() ? "9999-12-31" : s[3]) + '\0' + id;
    if (!s[0].empty()) out.push_back(std::string("a") + '\0' + s[0] + tail);
    if (!s[1].empty()) out.push_back(std::string("d") + '\0' + s[1] + tail);
    return out;
  }
};

// ---- client timeline ---------------------------------------------------------------------------
// by_time:  client \0 be64(when) be64(position) -> kind \x1f id \x1f type \x1f at (µs) \x1f by
// recorded: client \0 be64(at) be64(position) -> the same \x1f when (µs), for an entry whose when
//           is not its at: with by_time's other rows, the entries in the order they were recorded
// owners:   kind/id -> the clients the record refers to, space-separated; for a contact or a
//           service order then \x1e its creation entry: clients \x1e when \x1e at \x1e position
//           \x1e value; for an inspection its device (whose clients it is about)
//
// `when` is when the event happened, which is when it was recorded (`at`) but for a contact
// logged after the fact (occurred_at), a service order received before it was entered
// (received_at), a reply (replied_at), and an invoice, logged work or an inspection done on
// another day (their date, at the time of day they were recorded). A later change of occurred_at or
// received_at moves the creation entry.

// A time key in be64: signed micros biased so that earlier sorts first.
std::string time_key(domain::DateTime t) {
  return be64(sign_flipped(t.micros));
}
domain::DateTime time_from_key(const char* p) {
  return {static_cast<int64_t>(sign_flipped(static_cast<int64_t>(get_be64(p))))};
}

// `day` at the local time of day of `at` (`at` itself when it is that day).
domain::DateTime on_day(domain::Date day, domain::DateTime at) {
  const domain::Date recorded = domain::local_date(at);
  if (recorded == day) return at;
  const int64_t time_of_day = at.micros - domain::local_midnight(recorded).micros;
  return {std::min(domain::local_midnight(day).micros + time_of_day,
                   domain::local_midnight(day.add_days(1)).micros - 1)};
}

// The fields that say when a record's creation happened; changing one moves its creation entry.
constexpr std::array<std::string_view, 2> kOccurrenceFields = {"occurred_at", "received_at"};

const domain::DateTime* changed_occurrence(const domain::DomainEvent& e) {
  for (const auto field : kOccurrenceFields)
    if (const FieldChange* c = core_change(e, field))
      if (const auto* t = c->after.get<domain::DateTime>()) return t;
  return nullptr;
}

domain::DateTime occurred(const Event& e) {
  const domain::DomainEvent& d = e.domain;
  if (e.raw.version == 1) {
    if (const domain::DateTime* t = changed_occurrence(d)) return *t;
    if (const FieldChange* c = core_change(d, "date"); c && c->after.get<domain::Date>())
      return on_day(*c->after.get<domain::Date>(), d.at);
  }
  if (const FieldChange* c = core_change(d, "replied_at"); c && c->after.get<domain::DateTime>())
    return *c->after.get<domain::DateTime>();
  if (const FieldChange* c = core_change(d, "last_completed"); c && c->after.get<domain::Date>())
    return on_day(*c->after.get<domain::Date>(), d.at);
  if (const Value* date = domain::find(d.entry, "date"); date && date->get<domain::Date>())
    return on_day(*date->get<domain::Date>(), d.at);
  return d.at;
}

class TimelineView final : public Projection {
 public:
  std::string name() const override { return "timeline"; }
  uint32_t version() const override { return 4; }
  std::vector<std::string> tables() const override { return {"by_time", "owners", "recorded"}; }
  void apply(const Event& e, ViewWriter& out) override {
    if (std::find(std::begin(kTimelineKinds), std::end(kTimelineKinds), e.kind) ==
        std::end(kTimelineKinds))
      return;
    const domain::DateTime when = occurred(e);
    const std::string entry = std::string(domain::name_of(e.kind)) + '\x1f' + std::string(e.id) +
                              '\x1f' + e.raw.type + '\x1f' + std::to_string(e.domain.at.micros) +
                              '\x1f' + e.domain.by;
    std::vector<std::string> clients;
    if (e.kind == EntityKind::client) {
      clients.emplace_back(e.id);
    } else if (e.kind == EntityKind::inspection) {
      clients = inspection_clients(e, out);
    } else {
      const std::string key = record_key(e.kind, e.id);
      Owners owners;
      if (auto old = e.raw.version > 1 ? out.get(1, key) : std::nullopt)
        owners = Owners::parse(*old);
      bool changed = false;
      clients = owners.clients;
      if (auto now = referenced_clients(e.domain)) {
        // The entry of the change itself goes to the old and the new clients alike.
        owners.clients = std::move(*now);
        changed = true;
        for (const auto& c : owners.clients)
          if (std::find(clients.begin(), clients.end(), c) == clients.end()) clients.push_back(c);
      }
      const bool movable = e.kind == EntityKind::contact || e.kind == EntityKind::service_order;
      if (movable && e.raw.version == 1 && !owners.clients.empty()) {
        owners.creation = {owners.clients, when, e.domain.at, e.raw.position, entry};
        changed = true;
      } else if (const domain::DateTime* moved = changed_occurrence(e.domain);
                 moved && owners.creation && e.raw.version > 1) {
        auto& creation = *owners.creation;
        const std::string position = be64(creation.position);
        for (const auto& c : creation.clients) {
          out.erase_blind(0, c + '\0' + time_key(creation.when) + position);
          if (*moved == creation.at)
            out.erase_blind(2, c + '\0' + time_key(creation.at) + position);
          place(out, c, *moved, creation.at, position, creation.entry);
        }
        creation.when = *moved;
        changed = true;
      }
      if (changed) out.put(1, key, owners.format());
    }
    const std::string position = be64(e.raw.position);
    for (const auto& c : clients) place(out, c, when, e.domain.at, position, entry);
  }

 private:
  // An inspection is about its device's clients as they are at each of its events (its owners
  // row keeps the device it was planned for).
  static std::vector<std::string> inspection_clients(const Event& e, ViewWriter& out) {
    const std::string key = record_key(e.kind, e.id);
    std::optional<std::string> device;
    if (const FieldChange* c = core_change(e.domain, "device_id"); c && c->after.get<std::string>())
      out.put(1, key, *(device = *c->after.get<std::string>()));
    else
      device = out.get(1, key);
    auto row = device ? out.get(1, record_key(EntityKind::device, *device)) : std::nullopt;
    return row ? Owners::parse(*row).clients : std::vector<std::string>{};
  }

  // An entry's rows: where it happened, and where it was recorded when that is another time.
  static void place(ViewWriter& out, const std::string& client, domain::DateTime when,
                    domain::DateTime at, const std::string& position, const std::string& entry) {
    out.put_blind(0, client + '\0' + time_key(when) + position, entry);
    if (when != at)
      out.put_blind(2, client + '\0' + time_key(at) + position,
                    entry + '\x1f' + std::to_string(when.micros));
  }

  struct Owners {
    struct Creation {
      std::vector<std::string> clients;
      domain::DateTime when, at;
      uint64_t position = 0;
      std::string entry;
    };
    std::vector<std::string> clients;
    std::optional<Creation> creation;

    static std::vector<std::string> words(std::string_view joined) {
      std::vector<std::string> out;
      for (auto& c : split(joined, ' '))
        if (!c.empty()) out.push_back(std::move(c));
      return out;
    }
    static std::string joined(const std::vector<std::string>& words) {
      std::string out;
      for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
      return out;
    }
    static Owners parse(std::string_view row) {
      const auto parts = split(row, '\x1e');
      Owners out{words(parts[0]), std::nullopt};
      if (parts.size() == 6)
        out.creation = {words(parts[1]), domain::DateTime{std::stoll(parts[2])},
                        domain::DateTime{std::stoll(parts[3])}, std::stoull(parts[4]), parts[5]};
      return out;
    }
    std::string format() const {
      std::string out = joined(clients);
      if (creation)
        out += '\x1e' + joined(creation->clients) + '\x1e' + std::to_string(creation->when.micros) +
               '\x1e' + std::to_string(creation->at.micros) + '\x1e' +
               std::to_string(creation->position) + '\x1e' + creation->entry;
      return out;
    }
  };

  // The clients a record refers to after this event, if the event changes them.
  static std::optional<std::vector<std::string>> referenced_clients(const domain::DomainEvent& e) {
    std::optional<std::vector<std::string>> out;
    for (const auto& c : e.changes) {
      if (c.custom) continue;
      if (c.field == "client_id") {
        out.emplace();
        if (const auto* id = c.after.get<std::string>()) out->push_back(*id);
      } else if (c.field == "client_ids" || c.field == "client_links") {
        out.emplace();
        if (const auto* list = c.after.get<domain::List>())
          for (const auto& item : *list) {
            if (const auto* id = item.get<std::string>()) out->push_back(*id);
            if (const auto* link = item.get<domain::Object>())
              if (const Value* id = domain::find(*link, "client_id"); id && id->get<std::string>())
                out->push_back(*id->get<std::string>());
          }
      }
    }
    return out;
  }
};

// ---- inspections by due date -------------------------------------------------------------------
// due: YYYY-MM-DD \0 id -> ""   (planned or in service only)     state: id -> its current due key

class InspectionsView final : public Projection {
 public:
  std::string name() const override { return "inspections"; }
  uint32_t version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"due", "state"}; }
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind != EntityKind::inspection) return;
    const std::string id(e.id);
    const auto old = stored_fields(e, out, 1, id, 2);  // status, due
    std::vector<std::string> state = old.value_or(std::vector<std::string>(2));
    bool changed = false;
    for (const auto& [field, index] : {std::pair<const char*, size_t>{"status", 0}, {"due", 1}})
      if (const FieldChange* c = core_change(e.domain, field)) {
        state[index] = text_of(c->after);
        changed = true;
      }
    if (!changed) return;
    if (old) out.erase_blind(0, (*old)[1] + '\0' + id);
    if ((state[0] == "planned" || state[0] == "in_service") && !state[1].empty())
      out.put_blind(0, state[1] + '\0' + id, "");
    out.put(1, id, joined(state));
  }
};

// ---- birthdays and name days --------------------------------------------------------------------
// by_day: MM-DD \0 ("b" birthday | "n" name day) \0 person id -> ""     state: id -> b-key \x1f
// n-key

class AnniversariesView final : public Projection {
 public:
  std::string name() const override { return "anniversaries"; }
  uint32_t version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"by_day", "state"}; }
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind != EntityKind::person) return;
    const FieldChange* birthday = core_change(e.domain, "birthday");
    const FieldChange* name_day = core_change(e.domain, "name_day");
    if (!birthday && !name_day) return;
    const std::string id(e.id);
    std::vector<std::string> keys =
        stored_fields(e, out, 1, id, 2).value_or(std::vector<std::string>(2));
    auto update = [&](const FieldChange* c, size_t index, const char* tag) {
      if (!c) return;
      if (!keys[index].empty()) out.erase_blind(0, keys[index]);
      std::string day;
      if (const auto* d = c->after.get<domain::Date>()) day = d->format().substr(5);
      if (const auto* md = c->after.get<domain::MonthDay>()) day = md->format();
      keys[index] = day.empty() ? "" : day + '\0' + tag + '\0' + id;
      if (!keys[index].empty()) out.put_blind(0, keys[index], "");
    };
    update(birthday, 0, "b");
    update(name_day, 1, "n");
    out.put(1, id, joined(keys));
  }
};

// ---- work time --------------------------------------------------------------------------------
// entries (v1-v3): operator \0 YYYY-MM-DD \0 be64(position) -> minutes \x1f kind/id
// done (v2-v3): assignee \0 YYYY-MM-DD (the local day it was completed) \0 task id -> ""
// state: task id -> assignee \x1f status \x1f that day
// months: operator \0 YYYY-MM -> minutes \x1f entries \x1f tasks done (while done, under the
//   assignee and the day it was completed), the sums of the month's work (v3): a period of whole
//   months reads a row a month, not every entry of them (a team's year on the large dataset: 2.2
//   million rows)
// days: operator \0 YYYY-MM-DD -> the same sums of a day (v4, which writes neither entries nor
//   done: an operator's year reads 365 rows, not 4,000 entries, and a period cut mid-month its
//   edges' days); entries and done stay in tables() for a server that reads them in an older
//   version while it builds this one

struct WorkSums {
  int64_t minutes = 0, entries = 0, done = 0;
  WorkSums& operator+=(const WorkSums& o) {
    minutes += o.minutes;
    entries += o.entries;
    done += o.done;
    return *this;
  }
};

WorkSums work_sums(std::string_view row) {
  const auto parts = split(row, '\x1f');
  if (parts.size() != 3) return {};
  return {std::stoll(parts[0]), std::stoll(parts[1]), std::stoll(parts[2])};
}

class WorkTimeView final : public Projection {
 public:
  std::string name() const override { return "work_time"; }
  // v2: the done tasks by assignee and day; v3: the month rows; v4: the day rows
  uint32_t version() const override { return 4; }
  std::vector<std::string> tables() const override {
    return {"entries", "done", "state", "months", "days"};
  }
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind == EntityKind::task) file_done_task(e, out);
    if (e.raw.type != "WorkLogged") return;
    const Value* op = domain::find(e.domain.entry, "operator_id");
    const Value* date = domain::find(e.domain.entry, "date");
    const Value* minutes = domain::find(e.domain.entry, "minutes");
    if (!op || !date || !minutes || !op->get<std::string>() || !date->get<domain::Date>() ||
        !minutes->get<int64_t>())
      return;
    add_to_day(out, *op->get<std::string>(), date->get<domain::Date>()->format(),
               {*minutes->get<int64_t>(), 1, 0});
  }

 private:
  // A task is filed under its assignee and the day it was completed while it is done.
  static void file_done_task(const Event& e, ViewWriter& out) {
    const FieldChange* assignee = core_change(e.domain, "assignee_id");
    const FieldChange* status = core_change(e.domain, "status");
    const FieldChange* completed = core_change(e.domain, "completed_at");
    if (!assignee && !status && !completed) return;
    const std::string id(e.id);
    std::vector<std::string> state =  // assignee, status, day completed
        stored_fields(e, out, 2, id, 3).value_or(std::vector<std::string>(3));
    auto filed = [&] { return state[1] == "done" && !state[2].empty(); };
    const bool was = filed();
    const std::string was_assignee = state[0], was_day = state[2];
    if (assignee) state[0] = text_of(assignee->after);
    if (status) state[1] = text_of(status->after);
    if (completed) {
      const auto* at = completed->after.get<domain::DateTime>();
      state[2] = at ? domain::local_date(*at).format() : std::string();
    }
    const bool is = filed();
    if (was != is || (is && (was_assignee != state[0] || was_day != state[2]))) {
      if (was) add_to_day(out, was_assignee, was_day, {0, 0, -1});
      if (is) add_to_day(out, state[0], state[2], {0, 0, 1});
    }
    out.put(2, id, joined(state));
  }

  // Adds minutes, entries and tasks done to an operator's `day` (YYYY-MM-DD) and its month.
  static void add_to_day(ViewWriter& out, const std::string& op, const std::string& day,
                         const WorkSums& added) {
    for (const auto& [table, key] :
         {std::pair<size_t, std::string>{4, op + '\0' + day}, {3, op + '\0' + day.substr(0, 7)}}) {
      WorkSums sums = work_sums(out.get(table, key).value_or(""));
      sums += added;
      if (sums.minutes == 0 && sums.entries == 0 && sums.done == 0)
        out.erase(table, key);
      else
        out.put(table, key,
                std::to_string(sums.minutes) + '\x1f' + std::to_string(sums.entries) + '\x1f' +
                    std::to_string(sums.done));
    }
  }
};

// ---- operator calendar ------------------------------------------------------------------------
// entries: owner \0 YYYY-MM-DD \0 kind \0 id -> title \x1f start µs \x1f end µs \x1f recurrence
//   \x1f status \x1f client id (v3: a task or a service order is named without reading it)
//   tasks under their assignee (planned start, else due date), service orders under their
//   technician (planned time), planned inspections under their technician or, without one, "*"
//   (everyone), with "days:N"/"months:N" \x1f the day it recurs from (v4: a monthly one due on
//   the 31st is on the 30th in April and on the 31st again in May)
// state: kind/id -> the fields below, \x1f-separated, then \0 and the current entries key

// How service orders and inspections are titled (a query adds the names a visit needs).
constexpr std::string_view kOrderTitle = "Zlecenie serwisowe ";
constexpr std::string_view kInspectionTitle = "Przegląd urządzenia ";

struct CalendarSource {
  EntityKind kind;
  // owner, title, start, end, date, status, every, client, recurs from (as they apply)
  std::vector<std::string> fields;
};

const CalendarSource* calendar_source(EntityKind kind) {
  static const CalendarSource task{EntityKind::task,
                                   {"assignee_id", "title", "planned_start", "planned_end", "due",
                                    "status", "", "client_id", ""}};
  static const CalendarSource order{
      EntityKind::service_order,
      {"technician_id", "number", "planned_at", "", "", "status", "", "client_id", ""}};
  static const CalendarSource inspection{
      EntityKind::inspection,
      {"technician_id", "device_id", "", "", "due", "status", "every", "", "recurs_from"}};
  switch (kind) {
    case EntityKind::task:
      return &task;
    case EntityKind::service_order:
      return &order;
    case EntityKind::inspection:
      return &inspection;
    default:
      return nullptr;
  }
}

std::string calendar_text(const Value& v) {
  if (const auto* t = v.get<domain::DateTime>()) return std::to_string(t->micros);
  if (const auto* o = v.get<domain::Object>(); o && !o->empty())
    if (const auto* n = o->front().second.get<int64_t>())
      return o->front().first + ":" + std::to_string(*n);
  return text_of(v);
}

// The calendar's rows of recurring inspections begin with this before their owner.
constexpr std::string_view kRecurring = "~";

class CalendarView final : public Projection {
 public:
  std::string name() const override { return "calendar"; }
  // v2: recurring inspections filed apart; v3: an entry's status and client; v4: the day a
  // recurring inspection recurs from
  uint32_t version() const override { return 4; }
  std::vector<std::string> tables() const override { return {"entries", "state"}; }
  void apply(const Event& e, ViewWriter& out) override {
    const CalendarSource* source = calendar_source(e.kind);
    if (!source) return;
    const std::string state_key = std::string(domain::name_of(e.kind)) + "/" + std::string(e.id);
    auto old = e.raw.version > 1 ? out.get(1, state_key) : std::nullopt;
    std::vector<std::string> v(source->fields.size());
    std::string old_entry;
    if (old) {
      const auto nul = old->find('\0');
      auto parts = split(old->substr(0, nul), '\x1f');
      if (parts.size() == v.size()) v = std::move(parts);
      if (nul != std::string::npos) old_entry = old->substr(nul + 1);
    }
    bool changed = !old;
    for (size_t i = 0; i < v.size(); ++i)
      if (!source->fields[i].empty())
        if (const FieldChange* c = core_change(e.domain, source->fields[i])) {
          v[i] = calendar_text(c->after);
          changed = true;
        }
    if (!changed) return;
    if (!old_entry.empty()) out.erase_blind(0, old_entry);
    // v: 0 owner, 1 title, 2 start, 3 end, 4 date, 5 status, 6 every, 7 client, 8 recurs from
    // An inspection without a technician is in everyone's calendar; a recurring one is filed
    // apart (kRecurring), as it falls on days after its due date too.
    std::string owner = e.kind == EntityKind::inspection && v[0].empty() ? "*" : v[0];
    if (e.kind == EntityKind::inspection && !v[6].empty()) owner.insert(0, kRecurring);
    std::string date = v[4];
    if (!v[2].empty()) date = domain::local_date(domain::DateTime{std::stoll(v[2])}).format();
    const bool shown = e.kind == EntityKind::inspection
                           ? (v[5] == "planned" || v[5] == "in_service")
                           : (v[5] != "cancelled" && v[5] != "handed_back");
    std::string entry;
    if (shown && !owner.empty() && !date.empty()) {
      std::string title = v[1];
      if (e.kind == EntityKind::service_order) title.insert(0, kOrderTitle);
      if (e.kind == EntityKind::inspection) title.insert(0, kInspectionTitle);
      entry = owner + '\0' + date + '\0' + std::string(domain::name_of(e.kind)) + '\0' +
              std::string(e.id);
      out.put_blind(0, entry,
                    title + '\x1f' + v[2] + '\x1f' + v[3] + '\x1f' + v[6] + '\x1f' + v[5] + '\x1f' +
                        v[7] + '\x1f' + v[8]);
    }
    std::string state;
    for (size_t i = 0; i < v.size(); ++i) state += (i ? "\x1f" : "") + v[i];
    out.put(1, state_key, state + '\0' + entry);
  }
};

// ---- device repair history and campaign progress -----------------------------------------------
// A small "members" index: parent \0 child id -> the child's status, for service orders by device
// and projects by campaign; state: child id -> parent \x1f status.

class MembersView final : public Projection {
 public:
  MembersView(std::string name, EntityKind child, std::string parent_field)
      : name_(std::move(name)), child_(child), parent_field_(std::move(parent_field)) {}
  std::string name() const override { return name_; }
  uint32_t version() const override { return 1; }
  std::vector<std::string> tables() const override { return {"members", "state"}; }
  void apply(const Event& e, ViewWriter& out) override {
    if (e.kind != child_) return;
    const FieldChange* parent = core_change(e.domain, parent_field_);
    const FieldChange* status = core_change(e.domain, "status");
    if (!parent && !status) return;
    const std::string id(e.id);
    std::vector<std::string> state =  // parent, status
        stored_fields(e, out, 1, id, 2).value_or(std::vector<std::string>(2));
    if (!state[0].empty()) out.erase_blind(0, state[0] + '\0' + id);
    if (parent) state[0] = text_of(parent->after);
    if (status) state[1] = text_of(status->after);
    if (!state[0].empty()) out.put_blind(0, state[0] + '\0' + id, state[1]);
    out.put(1, id, joined(state));
  }

 private:
  std::string name_;
  EntityKind child_;
  std::string parent_field_;
};

std::string_view last_field(std::string_view key) {
  return key.substr(key.rfind('\0') + 1);
}

std::string after_last_nul(std::string_view key) {
  return std::string(last_field(key));
}

// A set of ids, up to kBucketIds (a bucket's): Boost's open-addressing set, looked up by a
// key's last field without a copy. std::unordered_set's nodes, allocated and freed one per id,
// were half the time of a page walked for an operator's 7,517 contacts.
struct IdHash {
  using is_transparent = void;
  size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
};
using IdSet = boost::unordered_flat_set<std::string, IdHash, std::equal_to<>>;

// Whether each of `terms` begins a word of `words` (a row's: folded, space-separated).
bool has_words(std::string_view words, const std::vector<std::string>& terms) {
  return std::all_of(terms.begin(), terms.end(), [&](const std::string& t) {
    for (size_t at = 0;; ++at) {
      if (words.substr(at).starts_with(t)) return true;
      at = words.find(' ', at);
      if (at == std::string_view::npos) return false;
    }
  });
}

// The ids ending the keys of `table`'s rows in `ranges` (a title's rows: kind \0 sort key \0 id
// -> its words), when they are at most `most`; nullopt when there are more. With `words`, only
// the rows whose words have them, in at most `most_rows` rows read.
eventstore::result<std::optional<IdSet>> ids_of_rows(
    const eventstore::TableStore& views, TableId table,
    const std::vector<std::pair<std::string, std::string>>& ranges, uint64_t most,
    const std::vector<std::string>& words = {}, uint64_t most_rows = 0) {
  if (words.empty()) most_rows = most + 1;
  IdSet ids;
  uint64_t rows = 0;
  for (const auto& [lo, hi] : ranges) {
    auto n = views.scan(table, lo, hi, Direction::forward, most_rows - rows,
                        [&](std::string_view key, std::string_view value) {
                          if (value.empty() || has_words(value, words))
                            ids.emplace(last_field(key));
                          return ids.size() <= most;
                        });
    if (!n) return unexpected(n.error());
    if (ids.size() > most || (rows += *n) >= most_rows) return std::nullopt;
  }
  return ids;
}

// The parts end to end, in one allocation.
std::string joined(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (auto part : parts) out.append(part);
  return out;
}

}  // namespace

std::vector<std::unique_ptr<Projection>> builtin_projections() {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<RecordsView>());
  out.push_back(std::make_unique<ListsView>());
  out.push_back(std::make_unique<MyTasksView>());
  out.push_back(std::make_unique<TimelineView>());
  out.push_back(std::make_unique<InspectionsView>());
  out.push_back(std::make_unique<AnniversariesView>());
  out.push_back(std::make_unique<WorkTimeView>());
  out.push_back(std::make_unique<CalendarView>());
  out.push_back(
      std::make_unique<MembersView>("device_orders", EntityKind::service_order, "device_id"));
  out.push_back(
      std::make_unique<MembersView>("campaign_projects", EntityKind::project, "campaign_id"));
  return out;
}

eventstore::result<std::vector<TableId>> Queries::tables_of(std::string_view view,
                                                            uint32_t* version) const {
  auto tables = runner_.tables(view, version);
  if (tables.empty())
    return unexpected(
        error{errc::invalid_argument, "the " + std::string(view) + " view is not running"});
  return tables;
}

eventstore::result<Page> Queries::page_of(TableId index, EntityKind kind, const std::string& from,
                                          const std::string& to, size_t limit) const {
  limit = std::clamp<size_t>(limit, 1, 500);
  auto records = records_table();
  if (!records) return unexpected(records.error());
  std::vector<std::pair<EntityKind, std::string>> rows;
  std::string last;
  bool more = false;  // a row past the page: a next page
  auto r = views_.scan(index, from, to, Direction::forward, limit + 1,
                       [&](std::string_view key, std::string_view value) {
                         if (rows.size() == limit) {
                           more = true;
                           return false;
                         }
                         last = key;
                         rows.emplace_back(
                             value.empty() ? kind : domain::kind_from_name(value).value_or(kind),
                             after_last_nul(key));
                         return true;
                       });
  if (!r) return unexpected(r.error());
  // One read per kind, the rows put back in the index's order.
  std::vector<std::shared_ptr<const domain::Record>> found(rows.size());
  std::set<EntityKind> kinds;
  for (const auto& row : rows) kinds.insert(row.first);
  for (EntityKind k : kinds) {
    std::vector<std::string> ids;
    std::vector<size_t> at;
    for (size_t i = 0; i < rows.size(); ++i)
      if (rows[i].first == k) {
        ids.push_back(rows[i].second);
        at.push_back(i);
      }
    auto read = records_in(*records, k, ids);
    if (!read) return unexpected(read.error());
    for (size_t j = 0; j < at.size(); ++j) found[at[j]] = std::move((*read)[j]);
  }
  Page page;
  for (auto& row : found)
    if (row) page.items.push_back(std::move(row));
  if (more) page.next_cursor = hex(last);
  return page;
}

eventstore::result<std::optional<domain::Record>> Queries::record(EntityKind kind,
                                                                  const std::string& id) const {
  auto records = records_table();
  if (!records) return unexpected(records.error());
  auto found = record_in(*records, kind, id);
  if (!found) return unexpected(found.error());
  if (!*found) return std::nullopt;
  return **found;
}

eventstore::result<TableId> Queries::records_table() const {
  auto found = tables_of("records");
  if (!found) return unexpected(found.error());
  return (*found)[0];
}

eventstore::result<std::shared_ptr<const domain::Record>> Queries::record_in(
    TableId records, EntityKind kind, const std::string& id) const {
  auto rows = records_in(records, kind, {id});
  if (!rows) return unexpected(rows.error());
  return std::move(rows->front());
}

eventstore::result<std::vector<std::shared_ptr<const domain::Record>>> Queries::records_in(
    TableId records, EntityKind kind, const std::vector<std::string>& ids) const {
  std::vector<std::shared_ptr<const domain::Record>> out(ids.size());
  std::vector<std::string> all_keys;
  all_keys.reserve(ids.size());
  for (const auto& id : ids) all_keys.push_back(record_key(kind, id));
  // Stamps first: a row written after its stamp was taken is read again on the next look-up.
  std::vector<uint64_t> stamps;
  stamps.reserve(ids.size());
  for (const auto& key : all_keys) stamps.push_back(views_.row_stamp(records, key));
  const auto& cache = decoded_.mine();
  const auto cached = cache.find_many(all_keys);
  std::vector<std::string> keys;  // of the rows to read
  std::vector<size_t> at;         // their places in `out`
  for (size_t i = 0; i < ids.size(); ++i) {
    if (const auto& c = cached[i]; c && c->table == records && c->stamp == stamps[i]) {
      out[i] = std::shared_ptr<const domain::Record>(c, &c->record);
      continue;
    }
    keys.push_back(std::move(all_keys[i]));
    at.push_back(i);
  }
  if (keys.empty()) return out;
  auto rows = views_.get_many(records, keys);
  if (!rows) return unexpected(rows.error());
  for (size_t j = 0; j < keys.size(); ++j) {
    const auto& row = (*rows)[j];
    if (!row) continue;
    auto decoded = domain::codec::decode_record(*row);
    if (!decoded)
      return unexpected(error{errc::corruption, "a stored record does not decode: " + ids[at[j]]});
    auto cached =
        std::make_shared<const Decoded>(Decoded{records, stamps[at[j]], std::move(*decoded)});
    cache.put(std::move(keys[j]), cached);
    out[at[j]] = std::shared_ptr<const domain::Record>(cached, &cached->record);
  }
  return out;
}

namespace {

// The ways a folded text (compared_text) may have been written that the Polish collator sorts
// apart: each a, c, e, l, n, o, s with or without its Polish diacritic, z as z, ź or ż (ą sorts
// after a, ł after l; case and other accents come after the letters). The longest beginning of
// the text with at most kTitleWays ways is spelled out; `whole` says if that is all of it.
constexpr size_t kTitleWays = 32;
std::vector<std::string> ways_of_writing(std::string_view folded, bool& whole) {
  static constexpr std::pair<char, std::string_view> kPolish[] = {
      {'a', "ą"}, {'c', "ć"}, {'e', "ę"}, {'l', "ł"}, {'n', "ń"},
      {'o', "ó"}, {'s', "ś"}, {'z', "ź"}, {'z', "ż"}};
  std::vector<std::string> ways = {""};
  whole = false;
  for (const char c : folded) {
    const auto others = std::ranges::count(kPolish, c, &std::pair<char, std::string_view>::first);
    if (ways.size() * static_cast<size_t>(others + 1) > kTitleWays) return ways;
    const size_t n = ways.size();
    for (const auto& [letter, other] : kPolish)
      if (letter == c)
        for (size_t i = 0; i < n; ++i) ways.push_back(ways[i] + std::string(other));
    for (size_t i = 0; i < n; ++i) ways[i] += c;
  }
  whole = true;
  return ways;
}

// The by_title rows, as key ranges [lo, hi) in title order, that hold every record filters on the
// title's first fields, each given once, can match (none: not such a filter). Titles are compared
// folded (a client's name "alfa" is "Alfa", a surname "wojcik" is "Wójcik"), and the collator
// sorts Polish letters apart: a range for each way of writing the value (ways_of_writing), of
// the titles whose sort keys begin with its letters' weights (the key's first level, up to its
// 01 byte; case and accents are in the levels after it). With all the title fields (a client's
// name; a person's surname and first name) the title has just those letters; with some (a
// person's surname) it begins with them and a space, and sorts before them, a space and U+FFFF
// (in UTF-8 EF BF BF), which the collator puts after every character (CLDR's range end); with a
// value of too many ways, it begins with the spelled part, and the rows' words (each title's)
// tell those of others apart. The records read are compared whole.
struct TitleRows {
  std::vector<std::pair<std::string, std::string>> ranges;  // none: not such a filter
  std::vector<std::string> words;  // the value's, when the ranges hold other titles too
};
TitleRows title_rows(const ListQuery& q, const std::string& kind) {
  std::vector<std::string> parts;
  for (const auto& f : title_fields(q.kind)) {
    const std::string* value = nullptr;
    for (const auto& [field, v] : q.filters)
      if (field == f) {
        if (value) return {};  // either of several
        value = &v;
      }
    if (!value || value->empty()) break;
    parts.push_back(*value);
  }
  if (parts.empty() || comparison_of(q.kind, title_fields(q.kind)[0]) != Comparison::folded)
    return {};
  const std::string title = title_from(parts);
  bool whole = false;
  const auto ways = ways_of_writing(title, whole);
  const bool all = whole && parts.size() == title_fields(q.kind).size();
  TitleRows out;
  if (!whole) out.words = text::words(title);
  for (const auto& way : ways) {
    const std::string key = text::sort_key(way);
    const std::string letters = kind + key.substr(0, key.find('\x01'));
    if (all)
      out.ranges.emplace_back(letters + '\x01', letters + '\x02');
    else
      out.ranges.emplace_back(letters,
                              kind + text::sort_key(way + (whole ? " " : "") + "\xEF\xBF\xBF"));
  }
  std::ranges::sort(out.ranges);
  return out;
}

// field = value (compared_text's, for free text); "fields.<key>" names a custom field; a list
// matches if one item does.
bool matches(const domain::Record& r, const std::string& field, const std::string& value) {
  const bool custom = field.rfind("fields.", 0) == 0;
  const auto [name, member] = custom
                                  ? std::pair(std::string_view(field).substr(7), std::string_view())
                                  : field_and_member(field);
  const Value* v = domain::find(custom ? r.custom : r.core, name);
  if (!v) return value.empty();
  const auto how = comparison_of(r.kind, field);  // once per record, not per item
  return std::ranges::any_of(filed_under(*v, member), [&](std::string& x) {
    return compared_text(how, std::move(x)) == value;
  });
}

// The title of a record as lists index it.
std::string title_of(const domain::Record& r) {
  std::vector<std::string> parts;
  for (const auto& f : title_fields(r.kind))
    parts.push_back(r.field(f) ? text_of(*r.field(f)) : "");
  return title_from(parts);
}

// The words a search finds a record by, as lists index them: its title's and its searched
// fields'.
std::string searched_words(const domain::Record& r) {
  std::vector<std::string> parts = {title_of(r)};
  for (const auto* f : search_fields(r.kind))
    parts.push_back(r.field(f->key) ? searched_text(*f, *r.field(f->key)) : "");
  return spaced(text::words(title_from(parts)));
}

// Searches whose first word has more matches than this walk the titles instead of sorting
// every match.
constexpr uint64_t kSearchCandidates = 1000;
// The most words a search's first word may prefix for their rows to be merged.
constexpr size_t kMergedWords = 32;

// A list filtered on bucket fields and sorted by another field reads its buckets' ids first and
// keeps the records in all of them (a bucket of more than kBucketIds records is not read: so
// many ids would cost more than the walk below spends on them, and are dense enough in most
// lists for its pages to fill). At most kSortedHere records are sorted at query time, their sort
// values read from the lists' state (a random read each: about 10 us on the medium dataset);
// more are walked for in the sort's index, taking only their rows (about 0.2 us a row, so
// kWalkedRows is a few milliseconds).
constexpr uint64_t kBucketIds = 20'000;
constexpr uint64_t kSortedHere = 500;
// At most this many days' rows are merged for a range by title (a quarter); more are read whole.
constexpr int64_t kMergedDays = 92;
constexpr uint64_t kWalkedRows = 100'000;
// At most this many ids of a range by title are read for a walk of the titles that has not met
// its records (a set of them is about 10 MB).
constexpr uint64_t kRangeIds = 300'000;
// A record read costs about as much as kRowsARecord rows of a scan; buckets estimated at most
// kBucketRowsRead rows are read whatever the walk (the estimate of a small range may be 0).
constexpr uint64_t kRowsARecord = 50;
constexpr uint64_t kBucketRowsRead = 2'000;
// How many rows of a bucket (a range, a word) are worth reading first for a page of `limit`
// from a walk of `walked` rows, a row walked costing `cost` row reads: a set of n rows costs n,
// and the walk meets its records every walked / n rows, so n * n <= cost * walked * (a page).
uint64_t worth_reading(uint64_t cost, uint64_t walked, size_t limit) {
  return static_cast<uint64_t>(std::sqrt(static_cast<double>(cost * walked * (limit + 1))));
}

// Keys to be sorted here, each with the range of the list it is in (a range's rows are
// thousands; one allocation each cost a tenth of a list of them): held end to end in one buffer.
class Candidates {
 public:
  struct Entry {
    size_t range;
    size_t offset, size;
  };
  // Appends the key `parts` make if `range_of` (given the key) says it is in a range.
  template <class RangeOf>
  void add(std::initializer_list<std::string_view> parts, RangeOf range_of) {
    const size_t offset = bytes_.size();
    for (auto part : parts) bytes_.append(part);
    const size_t range = range_of(std::string_view(bytes_).substr(offset));
    if (range == SIZE_MAX)
      bytes_.resize(offset);
    else
      entries.push_back({range, offset, bytes_.size() - offset});
  }
  std::string_view key(const Entry& e) const {
    return std::string_view(bytes_).substr(e.offset, e.size);
  }
  void clear() {
    bytes_.clear();
    entries.clear();
  }

  std::vector<Entry> entries;  // in no order: the list sorts what it takes

 private:
  std::string bytes_;
};

struct BucketRead {
  Candidates candidates;
  IdSet members;  // or the ids to walk the index for
};

// The filtered fields whose every value has a bucket (`bucketed` says whether one has), each
// with its values.
using BucketFilters = std::vector<std::pair<std::string, std::vector<std::string>>>;
template <class Bucketed>
BucketFilters bucket_filters(const ListQuery& q, Bucketed bucketed) {
  BucketFilters fields;
  for (const auto& [field, value] : q.filters) {
    auto f = std::find_if(fields.begin(), fields.end(), [&](auto& e) { return e.first == field; });
    if (f == fields.end()) f = fields.insert(fields.end(), {field, {}});
    f->second.push_back(value);
  }
  std::erase_if(fields, [&](const auto& f) {
    return !std::all_of(f.second.begin(), f.second.end(),
                        [&](const std::string& v) { return bucketed(f.first, v); });
  });
  return fields;
}

// A range of a field with sort rows (a core sort field or a custom field), as ordered numbers
// (ordered_number), both ends included.
struct SortedRange {
  std::string_view field;
  int64_t from = INT64_MIN, to = INT64_MAX;
};

// The sort rows' keys [lo, hi) of `range`'s records.
std::pair<std::string, std::string> range_rows(std::string_view kind, const SortedRange& range) {
  const std::string prefix = std::string(kind) + '\0' + std::string(range.field) + '\0';
  return {prefix + ordered_hex(range.from), prefix + ordered_hex(range.to) + '\x01'};
}

// Whether RocksDB's estimate of a range's rows (TableStore::approximate_rows) likely means more
// than `rows`: it ran at 0.55 to 0.65 of the rows of a large bucket or a word on the medium
// dataset (their keys share a prefix, which the table's blocks store once).
bool likely_over(uint64_t estimate, uint64_t rows) {
  return estimate > rows / 2;
}

// The ids in every one of `fields`' buckets (either of a field's values) and of `ranges`' sort
// rows, of those holding at most kBucketIds records and estimated at most `max_rows` rows, and
// in `in_all` if given; nullopt when none is. `tables` are the lists view's: 3 the buckets, 4
// the sort rows.
eventstore::result<std::optional<IdSet>> bucket_ids(
    const eventstore::TableStore& views, const std::vector<TableId>& tables, std::string_view kind,
    const BucketFilters& fields, const std::vector<SortedRange>& ranges = {},
    std::optional<IdSet> in_all = {}, uint64_t max_rows = UINT64_MAX) {
  // Keys [lo, hi) of one set: read whole unless they are more than kBucketIds.
  std::vector<std::vector<std::pair<std::string, std::string>>> sets;
  for (const auto& [field, values] : fields) {
    auto& set = sets.emplace_back();
    for (const auto& value : values) {
      std::string prefix = bucket_prefix(kind, field, value);
      set.emplace_back(prefix, rows_end(prefix));
    }
  }
  const size_t buckets = sets.size();
  for (const auto& range : ranges) sets.push_back({range_rows(kind, range)});
  for (size_t i = 0; i < sets.size(); ++i) {
    const TableId table = i < buckets ? tables[3] : tables[4];
    // One likely over kBucketIds is left to the walk rather than read to find it too large.
    if (max_rows != UINT64_MAX) {
      // A range's sort rows carry the title's key and words: their estimate runs high, where a
      // bucket's runs low (on medium 1.5 to 2.3 times a range's rows: a week's 5,317 contacts
      // at 10,080, 8,741 tasks completed since a day at 19,916), so it is taken at half.
      const uint64_t estimate = views.approximate_rows(table, sets[i]) / (i < buckets ? 1 : 2);
      if (estimate > max_rows ||
          (i < buckets ? likely_over(estimate, kBucketIds) : estimate > kBucketIds))
        continue;
    }
    IdSet found;
    uint64_t rows = 0;
    for (const auto& [lo, hi] : sets[i]) {
      auto r = views.scan(table, lo, hi, Direction::forward, kBucketIds + 1,
                          [&](std::string_view key, std::string_view) {
                            if (++rows > kBucketIds) return false;
                            const std::string_view id = last_field(key);
                            if (!in_all || in_all->contains(id)) found.emplace(id);
                            return true;
                          });
      if (!r) return unexpected(r.error());
      if (rows > kBucketIds) break;
    }
    if (rows <= kBucketIds) in_all = std::move(found);
  }
  return in_all;
}

// The records a search found (`searched`, if given) that are filed under every filtered field's
// buckets and within every range that can be read (bucket_ids): with their keys in the walk of
// the sort's index, to be sorted as it gives them (`range_of` says which of its key ranges holds a
// sort row's key; past the last, none; by title or a core sort field, the walked index's rows, the
// titles', a bucket's, the sort's or a paired sort's, start with `walked_prefix`), or, when there
// are too many to sort, as a set; nullopt when there is neither a search nor a set small enough.
template <class RangeOf, class Bucketed>
eventstore::result<std::optional<BucketRead>> read_buckets(
    const eventstore::TableStore& views, const std::vector<TableId>& tables, const ListQuery& q,
    RangeOf range_of, Bucketed bucketed, const std::vector<SortedRange>& ranges,
    std::optional<IdSet> searched, std::string_view walked_prefix, uint32_t version,
    uint64_t max_rows, const std::string& paired,
    const std::function<bool(std::string_view)>& row_matches = nullptr) {
  const std::string kind(domain::name_of(q.kind));
  const BucketFilters fields = bucket_filters(q, bucketed);
  BucketRead out;
  // A pair's rows (`paired`: two buckets met by title that make a pair of two) hold the records
  // with both values: read first, when they are few enough to be sorted here. Not when RocksDB
  // estimates them at twice that or more (the open calls on large: 6,568 rows, estimated 3,628;
  // reading 501 to find so cost 0.6 ms a page), since a small range counts as a file block's
  // worth of rows (30 estimated 592).
  if (!paired.empty() &&
      views.approximate_rows(tables[4], paired, rows_end(paired)) < 2 * kSortedHere) {
    IdSet both;
    uint64_t rows = 0;
    auto r = views.scan(tables[4], paired, rows_end(paired), Direction::forward, kSortedHere + 1,
                        [&](std::string_view key, std::string_view) {
                          const std::string_view id = last_field(key);
                          if (++rows <= kSortedHere && (!searched || searched->contains(id)))
                            both.emplace(id);
                          return true;
                        });
    if (!r) return unexpected(r.error());
    if (rows <= kSortedHere) searched = std::move(both);
  }

  // By title, the last range is read here: its sort rows carry their records' titles' sort keys
  // (lists v9), so its records, at most kWalkedRows, are sorted as they are read (the tasks due
  // this week by title: 1,100 of 200,000 on the medium dataset), those whose rows' words
  // `row_matches` says do not match left out. Walking the titles for a range's records instead
  // found none in pages and pages: records of one time have ids of one run, and the titles'
  // rows of a subject that many contacts share are in the order of their ids (on medium the
  // 26,174 contacts since a day came after 17,000 others' rows of each subject: empty pages).
  // Past kBucketIds rows, only while RocksDB estimates them at most kWalkedRows: reading them to
  // find more cost more than the walk (on medium the estimate ran at 0.8 of the 200,000 tasks
  // due by a day, whose pages took 20-95 ms instead of 11-25 when read; at 1.5 and 1.9 of the
  // contacts since a day). Estimating every range first cost a week's tasks 15 us a page.
  const bool titled_range = q.sort.empty() && !ranges.empty();
  auto in_all = bucket_ids(views, tables, kind, fields,
                           {ranges.begin(), ranges.end() - (titled_range ? 1 : 0)},
                           std::move(searched), max_rows);
  if (!in_all) return unexpected(in_all.error());
  if (titled_range) {
    const auto [lo, hi] = range_rows(kind, ranges.back());
    bool untitled = false, more = false;
    std::string from = lo;
    for (uint64_t rows = 0, most = kBucketIds;; most = kWalkedRows) {
      auto r = views.scan(tables[4], from, hi, Direction::forward, most - rows + 1,
                          [&](std::string_view key, std::string_view value) {
                            if ((more = rows == most)) {
                              from = key;
                              return false;
                            }
                            ++rows;
                            const auto [title, words] = sort_row_title(value);
                            if ((untitled = title.empty())) return false;  // lists v8
                            if (row_matches && !words.empty() && !row_matches(words)) return true;
                            const std::string_view id = last_field(key);
                            if (*in_all && !(*in_all)->contains(id)) return true;
                            out.candidates.add({walked_prefix, title, {"\0", 1}, id}, range_of);
                            return true;
                          });
      if (!r) return unexpected(r.error());
      if (!more && !untitled) return out;
      if (untitled || most == kWalkedRows ||
          views.approximate_rows(tables[4], lo, hi) > kWalkedRows)
        break;
    }
    out.candidates.clear();
    if (untitled) {
      in_all = bucket_ids(views, tables, kind, {}, {ranges.back()}, std::move(*in_all));
      if (!in_all) return unexpected(in_all.error());
    }
  }
  if (!*in_all) return std::nullopt;
  if ((*in_all)->size() > kSortedHere) return BucketRead{{}, std::move(**in_all)};
  const std::vector<std::string> ids((*in_all)->begin(), (*in_all)->end());

  std::vector<std::string> keys;
  for (const auto& id : ids) keys.push_back(kind + '/' + id);
  auto states = views.get_many(tables[2], keys);
  if (!states) return unexpected(states.error());
  // The bucket fields whose values the state of this lists version keeps (an upgraded server
  // reads the version before until the new one has been built; the free text it kept as written
  // is not read here, as a filter on it is not bucketed then).
  std::vector<std::string> older;
  if (version < kListsComparedText)
    for (const auto& f : bucket_fields(q.kind))
      if (state_since(q.kind, f) <= version) older.push_back(f);
  const auto& buckets = version < kListsComparedText ? older : bucket_fields(q.kind);
  const auto& sorts = sort_fields(q.kind);
  // The sort values a state keeps: before lists v35, all but updated_at (the last).
  const size_t kept_sorts = sorts.size() - (version < kListsUpdatedAt ? 1 : 0);
  const auto core_sort = std::find(sorts.begin(), sorts.end(), q.sort) - sorts.begin();
  const std::string custom_sort = q.sort.starts_with("fields.") ? q.sort.substr(7) : "";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!(*states)[i]) continue;
    const auto pieces = split(*(*states)[i], '\0');
    if (pieces.size() != 6) continue;
    const auto values = split(pieces[3], '\x1f'), ordered = split(pieces[4], '\x1f');
    const auto custom = custom_rows_from(pieces[5]);
    if (values.size() != buckets.size() || ordered.size() != kept_sorts) continue;
    // What the record is filed under for a bucket field, as the lists' state keeps it.
    auto filed = [&](const std::string& field) -> std::string_view {
      if (field.starts_with("fields.")) {
        for (const auto& c : custom)
          if (c.key == std::string_view(field).substr(7)) return c.bucket;
        return {};
      }
      const auto at = std::find(buckets.begin(), buckets.end(), field);
      return at == buckets.end() ? std::string_view()
                                 : std::string_view(values[at - buckets.begin()]);
    };
    const bool passes = std::all_of(fields.begin(), fields.end(), [&](const auto& f) {
      const auto under = split(filed(f.first), '\x1e');
      return std::any_of(f.second.begin(), f.second.end(), [&](const std::string& v) {
        return std::find(under.begin(), under.end(), v) != under.end();
      });
    });
    if (!passes) continue;
    // Its sort row's key: a custom field without a value sorts by creation, after the rest.
    std::string key;
    if (q.sort.empty()) {
      key = std::string(walked_prefix) + pieces[1];
    } else if (custom_sort.empty()) {
      key = std::string(walked_prefix) + ordered[core_sort];
    } else {
      const auto c = std::find_if(custom.begin(), custom.end(),
                                  [&](const CustomRows& r) { return r.key == custom_sort; });
      key = c != custom.end() && !c->sort.empty() ? kind + '\0' + q.sort + '\0' + c->sort
                                                  : kind + '\0' + "created_at" + '\0' + ordered[0];
    }
    out.candidates.add({key, {"\0", 1}, ids[i]}, range_of);
  }
  return out;
}

}  // namespace

eventstore::result<Page> Queries::list(const ListQuery& q) const {
  if (std::ranges::any_of(q.ranges, backwards)) return Page{};  // nothing is in such a range
  // A core date or day of the year given once as a filter (the tasks due on a day:
  // due=2026-12-07; the persons whose name day it is: name_day=12-04) is the range of that day,
  // whose records its rows give (a date's day rows, or the sort rows), so that its pages fill as
  // a range's do; a filter on a field without buckets reads records, and a page may be short.
  for (const auto& [field, value] : q.filters) {
    const auto* spec = domain::core_field(q.kind, field);
    std::optional<Value> day;
    if (spec && spec->type == domain::FieldType::date) {
      if (const auto d = domain::Date::parse(value)) day = Value(*d);
    } else if (spec && spec->type == domain::FieldType::month_day) {
      if (const auto d = domain::MonthDay::parse(value)) day = Value(*d);
    }
    if (!day || std::count_if(q.filters.begin(), q.filters.end(),
                              [&](const auto& f) { return f.first == field; }) != 1)
      continue;
    ListQuery ranged = q;
    std::erase_if(ranged.filters, [&](const auto& f) { return f.first == field; });
    ranged.ranges.push_back({field, *day, *day});
    return list(ranged);
  }
  // Free text is compared as its buckets file it (compared_text).
  for (const auto& [field, value] : q.filters) {
    if (compared_text(q.kind, field, value) == value) continue;
    ListQuery compared = q;
    for (auto& [f, v] : compared.filters) v = compared_text(q.kind, f, v);
    return list(compared);
  }
  uint32_t version = 0;  // of the tables read: index rows a version added are read only from it
  auto found = tables_of("lists", &version);
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  auto cursor = unhex(q.cursor);
  if (!cursor) return unexpected(bad_cursor("is not one this server gave"));
  const size_t limit = std::clamp<size_t>(q.limit, 1, 500);
  const std::string kind = std::string(domain::name_of(q.kind)) + '\0';
  auto records = records_table();  // once per page, not once per row
  if (!records) return unexpected(records.error());
  const auto terms = search_terms(q.search);
  // Every search word prefixes one of the title's words (space-separated).
  auto title_matches = [&](std::string_view words) { return has_words(words, terms); };
  // Ranges as ordered numbers (ordered_number), open ends as the extremes.
  std::vector<SortedRange> bounds;
  for (const auto& range : q.ranges) {
    SortedRange b{range.field};
    if (!range.from.is_null()) b.from = ordered_number(&range.from).value_or(INT64_MAX);
    if (!range.to.is_null()) b.to = ordered_number(&range.to).value_or(INT64_MIN);
    bounds.push_back(b);
  }
  // A record's value of a range's or a sort's field as an ordered number.
  auto number_of = [&](const domain::Record& r, std::string_view field) {
    if (field == "created_at") return std::optional<int64_t>(r.created_at.micros);
    if (field == "updated_at") return std::optional<int64_t>(r.updated_at.micros);
    if (field.starts_with("fields."))
      return ordered_number(domain::find(r.custom, field.substr(7)));
    if (field == kTurnover && r.kind == EntityKind::client)
      return std::optional<int64_t>(domain::turnover_12m(r, q.today).amount.units);
    return ordered_number(r.field(field));
  };
  auto in_bounds = [&](const domain::Record& r) {
    return std::all_of(bounds.begin(), bounds.end(), [&](const SortedRange& b) {
      const auto n = number_of(r, b.field);
      return n && b.from <= *n && *n <= b.to;
    });
  };
  // Filters on the same field: any may match; on different fields: all must.
  auto passes = [&](const domain::Record& r) {
    if (!in_bounds(r)) return false;
    for (const auto& [field, value] : q.filters) {
      bool any = false;
      for (const auto& [f, v] : q.filters)
        if (f == field && matches(r, f, v)) any = true;
      if (!any) return false;
    }
    return true;
  };
  Page page;
  std::string_view unset_only;  // a custom field the records taken must not have
  // Reads the records of `ids` (one MultiGet) and keeps those that pass the filters (and the
  // search, where `check_title` says the index could not tell). One that passes when the page is
  // full says there is a next page, after the page's last record's key (`keys` are the ids' keys
  // in the walked index): then the page is complete and take answers true.
  std::string last_key;
  auto take = [&](const std::vector<std::string>& ids, const std::vector<std::string>& keys,
                  const std::vector<bool>& check_title) -> eventstore::result<bool> {
    auto rows = records_in(*records, q.kind, ids);
    if (!rows) return unexpected(rows.error());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto& row = (*rows)[i];
      if (!row || !passes(*row)) continue;
      if (!unset_only.empty() && domain::find(row->custom, unset_only)) continue;
      if (check_title[i] && !title_matches(searched_words(*row))) continue;
      if (page.items.size() == limit) {
        page.next_cursor = hex(last_key);
        return true;
      }
      page.items.push_back(std::move(row));
      last_key = keys[i];
    }
    return false;
  };
  // Takes the records of candidates sorted here, by their index keys (which end with their
  // ids), a page's worth of reads at a time (testing their titles against the search if
  // `check_title`).
  auto take_in_order = [&](const std::vector<std::string>& keys,
                           bool check_title = false) -> eventstore::result<bool> {
    for (size_t at = 0; at < keys.size();) {
      const size_t n = std::min(limit + 1 - page.items.size(), keys.size() - at);
      const auto k = keys.begin() + static_cast<ptrdiff_t>(at);
      std::vector<std::string> ids;
      for (auto key = k; key != k + static_cast<ptrdiff_t>(n); ++key)
        ids.push_back(after_last_nul(*key));
      auto complete =
          take(ids, {k, k + static_cast<ptrdiff_t>(n)}, std::vector<bool>(n, check_title));
      if (!complete) return unexpected(complete.error());
      if (*complete) return true;
      at += n;
    }
    return false;
  };

  // Takes the records of candidates read with their keys in the walked index, in the list's
  // order from the cursor on (in the key range `first_range` of the list's, past the cursor).
  auto take_candidates = [&](Candidates& found, size_t first_range,
                             bool check_title) -> eventstore::result<void> {
    using Entry = Candidates::Entry;
    auto& candidates = found.entries;
    auto before = [&](const Entry& a, const Entry& b) {  // in the list's order
      if (a.range != b.range) return a.range < b.range;
      return q.descending ? found.key(a) > found.key(b) : found.key(a) < found.key(b);
    };
    if (!cursor->empty())
      std::erase_if(candidates, [&](const Entry& c) {
        if (c.range != first_range) return c.range < first_range;
        return q.descending ? found.key(c) >= *cursor : found.key(c) <= *cursor;
      });
    // Sorted a few pages' worth at a time: a page needs only the first of up to kWalkedRows.
    for (size_t at = 0; at < candidates.size();) {
      const auto from = candidates.begin() + static_cast<ptrdiff_t>(at);
      const size_t n = std::min(candidates.size() - at, 4 * (limit + 1));
      std::partial_sort(from, from + static_cast<ptrdiff_t>(n), candidates.end(), before);
      std::vector<std::string> keys;
      for (auto c = from; c != from + static_cast<ptrdiff_t>(n); ++c)
        keys.emplace_back(found.key(*c));
      auto complete = take_in_order(keys, check_title);
      if (!complete) return unexpected(complete.error());
      if (*complete) break;
      at += n;
    }
    return {};
  };

  const bool by_title = q.sort.empty();
  const bool custom_sort = q.sort.starts_with("fields.");
  const bool by_turnover = q.kind == EntityKind::client && q.sort == kTurnover;
  const domain::FieldSpec* ranked = ranked_field(q.kind, q.sort);  // a task's priority
  // A client's place by its turnover of the day and since when it has been so.
  auto turnover_rank_of = [&](const domain::Record& client) {
    return turnover_rank(domain::turnover_12m(client, q.today).amount.units,
                         turnover_since(domain::turnover_12m_changes(client), q.today.days));
  };
  if (custom_sort && version < kListsCustomFields)
    return unexpected(error{errc::closed,
                            "sorting by a custom field is available once the lists view has been "
                            "rebuilt (under way)"});
  if (!by_title && !custom_sort && !by_turnover) {
    const auto& sortable = sort_fields(q.kind);
    if (std::find(sortable.begin(), sortable.end(), q.sort) == sortable.end()) {
      std::string names;
      for (const auto& f : sortable) names += (names.empty() ? "" : ", ") + f;
      return unexpected(
          error{errc::invalid_argument,
                "this list sorts by its title or by " + (names.empty() ? "nothing else" : names)});
    }
    if (version < sort_rows_since(q.kind, q.sort))
      return unexpected(error{
          errc::closed, "sorting by " + q.sort +
                            " is available once the lists view has been rebuilt (under way)"});
  }
  if (!q.ids.empty()) {
    // The records of the ids given (id=a&id=b: the clients a page of tasks refers to, in one
    // request) that pass the other filters, sorted here. A record's key in this order (and the
    // cursor): its title's sort key, or "0" and its sort value ("1" when it has none: last
    // either way), then \0 and its id.
    if (q.ids.size() > kMaxListIds)
      return unexpected(error{errc::invalid_argument,
                              "a list names at most " + std::to_string(kMaxListIds) + " ids"});
    std::vector<std::string> ids = q.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto rows = records_in(*records, q.kind, ids);
    if (!rows) return unexpected(rows.error());
    std::vector<std::string> keys;
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto& row = (*rows)[i];
      if (!row || !passes(*row)) continue;
      if (by_title) {
        keys.push_back(joined({text::sort_key(title_of(*row)), {"\0", 1}, ids[i]}));
      } else if (by_turnover) {
        keys.push_back("0" + turnover_rank_of(*row) + ids[i]);
      } else if (ranked) {
        const auto v =
            ranked_sort_value(*ranked, row->field(q.sort), ordered_hex(row->created_at.micros));
        keys.push_back(joined({v == "~" ? "1" : "0" + v, {"\0", 1}, ids[i]}));
      } else {
        // Without a value: a core field's by id, a custom field's by creation, as their rows
        // (a core field's "~" rows; for a custom field, the creation rows) list them.
        const auto n = number_of(*row, q.sort);
        keys.push_back(joined({n             ? "0" + ordered_hex(*n)
                               : custom_sort ? "1" + ordered_hex(row->created_at.micros)
                                             : "1",
                               {"\0", 1},
                               ids[i]}));
      }
    }
    auto before = [&](const std::string& a, const std::string& b) {
      if (a[0] != b[0] && !by_title) return a[0] < b[0];
      return q.descending ? a > b : a < b;
    };
    if (!cursor->empty())
      std::erase_if(keys, [&](const std::string& key) { return !before(*cursor, key); });
    std::sort(keys.begin(), keys.end(), before);
    if (auto r = take_in_order(keys, !terms.empty()); !r) return unexpected(r.error());
    return page;
  }
  // Ranges whose records their field's sort rows give (bucket_ids): a core sort field's or a
  // custom field's, but the one the list walks.
  std::vector<SortedRange> indexed_ranges;
  if (version >= kListsCustomFields) {
    const auto& sortable = sort_fields(q.kind);
    for (const auto& b : bounds)
      if (b.field != q.sort &&
          (b.field.starts_with("fields.") ||
           (std::find(sortable.begin(), sortable.end(), b.field) != sortable.end() &&
            version >= sort_rows_since(q.kind, b.field))))
        indexed_ranges.push_back(b);
  }
  // Whether the bucket of field = value holds every record that matches: a core bucket field's
  // (not for "", unset), or a custom field's short value.
  const auto& buckets = bucket_fields(q.kind);
  auto bucketed = [&](const std::string& field, const std::string& value) {
    if (field.starts_with("fields."))  // filed as compared since v32
      return version >= kListsComparedCustom && custom_bucketed(value);
    return !value.empty() && std::find(buckets.begin(), buckets.end(), field) != buckets.end() &&
           version >= bucket_since(q.kind, field) &&
           (custom_bucketed(value) || !free_text_bucket(q.kind, field));
  };
  // A search among a filter's records (a client's contacts about an invoice: "faktura" is in
  // thousands of others' on medium, each read for the filter, in pages of 1, 0, 0, 0) or a
  // range's (a week's): the filters' buckets and the ranges' sort rows give the ids first, when
  // worth_reading says so, every record of the kind being the walk. None but these are taken.
  std::optional<IdSet> among;
  if (!terms.empty() && by_title)
    if (const auto filtered = bucket_filters(q, bucketed);
        !filtered.empty() || !indexed_ranges.empty()) {
      const uint64_t all = views_.approximate_rows(tables[0], kind, rows_end(kind));
      const uint64_t worth = std::max(worth_reading(kRowsARecord, all, limit), kBucketRowsRead);
      auto ids =
          bucket_ids(views_, tables, domain::name_of(q.kind), filtered, indexed_ranges, {}, worth);
      if (!ids) return unexpected(ids.error());
      among = std::move(*ids);
      // A range of more records (a month's contacts about an offer) is read by title with the
      // rows that have the search's words, as the range alone is (read_buckets).
      if (!among && !indexed_ranges.empty()) {
        auto read = read_buckets(
            views_, tables, q, [](std::string_view) { return size_t{0}; }, bucketed, indexed_ranges,
            std::nullopt, kind, version, worth, "", title_matches);
        if (!read) return unexpected(read.error());
        if (*read && (*read)->members.empty()) {
          if (auto r = take_candidates((*read)->candidates, 0, true); !r)
            return unexpected(r.error());
          return page;
        }
        if (*read) among = std::move((*read)->members);
      }
    }
  auto in_among = [&](std::string_view id) { return !among || among->contains(id); };
  // By title, the ids of a range too large to be read with its titles (read_buckets), up to
  // kRangeIds, for a walk that has met none of its records: records of one time have ids of
  // one run, which a shared subject's titles hold in a run behind thousands of others' (on
  // medium the contacts since March, June or August came in empty pages, each of the others'
  // records read for the range). Nullopt when there are more.
  auto range_ids = [&]() -> eventstore::result<std::optional<IdSet>> {
    const auto [lo, hi] = range_rows(domain::name_of(q.kind), indexed_ranges.back());
    if (views_.approximate_rows(tables[4], lo, hi) > kRangeIds) return std::nullopt;
    return ids_of_rows(views_, tables[4], {{lo, hi}}, kRangeIds);
  };
  // The `words` rows of the words `term` prefixes: from, to (exclusive).
  auto word_rows = [&](const std::string& term) {
    std::pair<std::string, std::string> range{kind + term, kind + term};
    range.second.back() = static_cast<char>(range.second.back() + 1);
    return range;
  };
  // A search's candidates: a word's prefix in the words index (the first's unless `term` says)
  // gives them with their title's sort keys and words; nullopt when there are more than `most`
  // (a common word, say "sp"). Each is its key kind \0 sort_key \0 id: the order and the cursor
  // by title.
  auto search_candidates =
      [&](uint64_t most = kSearchCandidates,
          size_t term = 0) -> eventstore::result<std::optional<std::vector<std::string>>> {
    std::vector<std::string> candidates;
    std::optional<error> failure;
    const auto [first, upper] = word_rows(terms[term]);
    auto r = views_.scan(
        tables[1], first, upper, Direction::forward, most + 1,
        [&](std::string_view key, std::string_view value) {
          const std::string_view id = last_field(key);
          std::string_view sort_key, words;
          std::string asked_key, asked_words;   // of the record, when the row cannot tell
          if (version >= kListsWordsInOrder) {  // kind \0 word \0 sort key \0 id -> words
            const size_t word_end = key.find('\0', kind.size());
            sort_key = key.substr(word_end + 1, key.size() - id.size() - word_end - 2);
            words = value;
          } else if (const auto nul = value.find('\0'); nul != std::string_view::npos) {
            sort_key = value.substr(0, nul);
            words = value.substr(nul + 1);
          } else {  // a row of version 1, read while a later one is built: ask the record
            auto rec = record_in(*records, q.kind, std::string(id));
            if (!rec) {
              failure = rec.error();
              return false;
            }
            if (!*rec) return true;
            sort_key = asked_key = text::sort_key(title_of(**rec));
            words = asked_words = searched_words(**rec);
          }
          if (title_matches(words) && in_among(id))
            candidates.push_back(joined({kind, sort_key, {"\0", 1}, id}));
          return true;
        });
    if (failure) return unexpected(*failure);
    if (!r) return unexpected(r.error());
    if (*r > most) return std::nullopt;
    return candidates;
  };
  // A search's page from its candidates (at most `most`), sorted in Polish order here; false
  // when there are more.
  auto sorted_page = [&](std::vector<std::string>& candidates) -> eventstore::result<void> {
    std::sort(candidates.begin(), candidates.end(),
              [&](const auto& a, const auto& b) { return q.descending ? a > b : a < b; });
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    if (!cursor->empty())
      std::erase_if(candidates, [&](const std::string& key) {
        return q.descending ? key >= *cursor : key <= *cursor;
      });
    if (auto r = take_in_order(candidates); !r) return unexpected(r.error());
    return {};
  };
  auto search_page = [&](uint64_t most, size_t term = 0) -> eventstore::result<bool> {
    auto found = search_candidates(most, term);
    if (!found) return unexpected(found.error());
    if (!*found) return false;
    if (auto r = sorted_page(**found); !r) return unexpected(r.error());
    return true;
  };
  // A search cut short before its page was full: its candidates, up to kBucketIds, sorted here
  // instead; false (more of them) keeps the page as it was.
  auto candidates_instead = [&]() -> eventstore::result<bool> {
    Page cut = std::exchange(page, Page{});
    auto done = search_page(kBucketIds);
    if (done && !*done) page = std::move(cut);
    return done;
  };
  // A search's page merged from the rows of the words `term` prefixes, each word's rows in title
  // order (lists v12): a page's rows of each, however common the word ("nowak", "zapytanie"
  // among 400,000 contacts); cut short (with a cursor) when a run's budget ends first.
  enum class Merged { too_many_words, done, cut_short };
  auto merged_words_page = [&](const std::string& term) -> eventstore::result<Merged> {
    const auto [first, upper] = word_rows(term);
    std::vector<std::string> runs;  // kind \0 word \0: the prefix of a word's rows
    auto seeker = views_.seeker(tables[1], first, upper, Direction::forward);
    if (!seeker) return unexpected(seeker.error());
    for (std::string at = first;;) {
      auto row = seeker->seek(at);
      if (!row) return unexpected(row.error());
      if (!*row) break;
      if (runs.size() == kMergedWords) return Merged::too_many_words;
      runs.push_back((*row)->substr(0, (*row)->find('\0', kind.size()) + 1));
      at = rows_end(runs.back());  // past the word's rows
    }
    const Direction direction = q.descending ? Direction::backward : Direction::forward;
    const uint64_t per_run = std::max<uint64_t>(limit * 20, 1000);
    std::string after = cursor->empty() ? "" : cursor->substr(kind.size());  // sort key \0 id
    uint64_t walked = 0;  // rows: taking only `among`'s, no record is read for them
    for (int round = 0; round < 20 || (among && walked < kWalkedRows); ++round) {
      const size_t want = limit + 1 - page.items.size();
      std::vector<std::string> found;    // sort key \0 id of the matches read, from every run
      std::optional<std::string> bound;  // the nearest place a run was cut short at
      for (const auto& run : runs) {
        std::string lo = run, hi = rows_end(run);
        if (!after.empty())
          (q.descending ? hi : lo) =
              run + after + (q.descending ? std::string() : std::string(1, '\0'));
        size_t matched = 0;
        std::string last;
        auto r = views_.scan(tables[1], q.descending ? hi : lo, q.descending ? lo : hi, direction,
                             per_run, [&](std::string_view key, std::string_view words) {
                               last = key.substr(run.size());
                               if (title_matches(words) && in_among(last_field(key))) {
                                 found.push_back(last);
                                 ++matched;
                               }
                               return matched < want;
                             });
        if (!r) return unexpected(r.error());
        walked += *r;
        if (matched < want && *r == per_run &&
            (!bound || (q.descending ? last > *bound : last < *bound)))
          bound = last;
      }
      auto before = [&](const std::string& a, const std::string& b) {
        return q.descending ? a > b : a < b;
      };
      std::sort(found.begin(), found.end(), before);
      found.erase(std::unique(found.begin(), found.end()), found.end());
      if (bound) std::erase_if(found, [&](const std::string& f) { return before(*bound, f); });
      if (found.size() > want) found.resize(want);
      std::vector<std::string> ids, keys;
      for (const auto& f : found) {
        keys.push_back(kind + f);
        ids.push_back(after_last_nul(f));
      }
      auto complete = take(ids, keys, std::vector<bool>(ids.size(), false));
      if (!complete) return unexpected(complete.error());
      if (*complete) return Merged::done;
      if (!bound && found.size() < want) return Merged::done;  // every run has ended
      after = bound ? *bound : found.back();
      if (bound && (!among || walked >= kWalkedRows)) break;
    }
    page.next_cursor = hex(kind + after);
    return Merged::cut_short;
  };
  if (!terms.empty() && by_title && among && among->size() <= kSortedHere) {
    // A filter's few records (a client's contacts) are read, tested and sorted here.
    std::vector<std::string> keys;
    for (const auto& id : *among) {
      auto rec = record_in(*records, q.kind, id);
      if (!rec) return unexpected(rec.error());
      if (*rec && title_matches(searched_words(**rec)))
        keys.push_back(joined({kind, text::sort_key(title_of(**rec)), {"\0", 1}, id}));
    }
    if (auto r = sorted_page(keys); !r) return unexpected(r.error());
    return page;
  }
  if (!terms.empty() && by_title) {
    // A search is paged from the rows of a word's words, each of its words tried in turn until
    // one fills the page ("oferta handlowa": the offers come first by title, the trade offers
    // among them), or from its candidates when they are few (before lists v12); more walk the
    // titles below instead.
    std::optional<Page> cut;  // the first page a word's rows gave cut short
    bool range_ids_untried = !among && !indexed_ranges.empty();
    for (size_t i = 0; version >= kListsWordsInOrder && i < terms.size(); ++i) {
      auto merged = merged_words_page(terms[i]);
      if (merged && *merged == Merged::cut_short && page.items.empty() && range_ids_untried) {
        // A range's records not met: the word's rows again, for its ids (range_ids).
        range_ids_untried = false;
        auto ids = range_ids();
        if (!ids) return unexpected(ids.error());
        if (*ids) {
          among = std::move(**ids);
          page = Page{};
          merged = merged_words_page(terms[i]);
        }
      }
      if (!merged) return unexpected(merged.error());
      if (*merged == Merged::done) return page;
      if (*merged == Merged::cut_short && !cut) cut = std::move(page);
      page = Page{};
    }
    // Or from a word's few candidates: "K227" is "k", in every client's code, and "227", which
    // begins a hundred codes' numbers and more phones' (its rows merged, cut short, gave pages
    // of 10, 6, 7 and 5 on medium, 8-19 ms each).
    for (size_t i = 0; i < terms.size(); ++i) {
      auto done = search_page(kSearchCandidates, i);
      if (!done) return unexpected(done.error());
      if (*done) return page;
    }
    if (cut) {  // the candidates, or the page cut short with its cursor
      page = std::move(*cut);
      auto done = candidates_instead();
      if (!done) return unexpected(done.error());
      return page;
    }
  }

  // Walk an index from the cursor: the sort field's, or the titles in Polish order, or, for a
  // filter on a bucket field (status, assignee, ...) given once, that bucket (in title order),
  // where every row matches it. A selective filter or search may read past a page, but never
  // more than 20 pages' worth of rows per call (1,000 at least); the cursor then says where to
  // go on.
  TableId index = by_title ? tables[0] : tables[4];
  std::string prefix = by_title ? kind : kind + q.sort + '\0';
  std::string either;  // a bucket field given several times, none of them empty
  const uint64_t budget_per_call = std::max<uint64_t>(limit * 20, 1000);
  // By a sort field paired with a filter given once (sort_pairs), that value's paired rows are
  // walked, where every row matches the filter; a second such filter (an operator's open tasks
  // by due date) is met in its own paired rows as the walk goes (the walk below). By title, the
  // buckets of several filters given once are met so (their rows are in title order): walking
  // the first and reading each record for the others gave the open calls in pages of 2 to 4,
  // the urgent calls in empty pages first.
  std::vector<std::string> paired;       // the fields
  std::vector<std::string> also_paired;  // the paired rows' prefixes of the second and more
  for (const auto& [field, value] : q.filters) {
    if (!terms.empty() || !by_title) break;  // a search walks the titles, which carry the words
    const bool once = std::count_if(q.filters.begin(), q.filters.end(),
                                    [&](const auto& f) { return f.first == field; }) == 1;
    const bool all_bucketed = std::all_of(q.filters.begin(), q.filters.end(), [&](const auto& f) {
      return f.first != field || bucketed(field, f.second);
    });
    if (!all_bucketed) continue;
    if (!once) {  // unless a range is read first (below): its records are walked for
      if (either.empty() && indexed_ranges.empty() && index != tables[3]) either = field;
      continue;
    }
    std::string bucket = bucket_prefix(domain::name_of(q.kind), field, value);
    if (index != tables[3]) {  // the first is walked
      index = tables[3];
      prefix = std::move(bucket);
      either.clear();
    } else if (indexed_ranges.empty()) {  // the others met (with a range, read with its records)
      also_paired.push_back(std::move(bucket));
    }
    if (indexed_ranges.empty()) paired.push_back(field);
  }
  // A field's value given once (not empty), else nullptr; given_once: and not paired yet.
  auto only_value = [&](const std::string& field) -> const std::string* {
    const std::string* value = nullptr;
    for (const auto& [f, v] : q.filters)
      if (f == field && (value || v.empty()))
        return nullptr;
      else if (f == field)
        value = &v;
    return value;
  };
  auto given_once = [&](const std::string& field) -> const std::string* {
    return std::ranges::find(paired, field) != paired.end() ? nullptr : only_value(field);
  };
  for (const bool two : {true, false})  // a pair of two fields first: one walk for both
    for (const auto& pair : sort_pairs(q.kind)) {
      if (two == pair.with.empty() || pair.sort != q.sort) continue;
      const std::string* value = given_once(pair.bucket);
      const std::string* other = two ? given_once(pair.with) : nullptr;
      if (!value || (two && !other)) continue;
      std::string rows = pair_rows_prefix(domain::name_of(q.kind), pair, *value, other, version);
      if (rows.empty()) continue;
      (paired.empty() ? prefix : also_paired.emplace_back()) = std::move(rows);
      paired.push_back(pair.bucket);
      if (two) paired.push_back(pair.with);
    }
  // The buckets merged in title order: either of a field's values, or the days of a range.
  std::vector<std::string> merged_buckets;
  for (const auto& [field, value] : q.filters)
    if (field == either)
      merged_buckets.push_back(bucket_prefix(domain::name_of(q.kind), field, value));
  // By title, a range of at most kMergedDays days of a date is its days' rows merged, when
  // nothing else narrows the list (a filter's or a search's records are read first instead:
  // read_buckets).
  if (by_title && q.filters.empty() && terms.empty() && bounds.size() == 1 &&
      version >= kListsTitledDays && bounds[0].from != INT64_MIN && bounds[0].to != INT64_MAX &&
      bounds[0].to - bounds[0].from < kMergedDays) {
    const auto& sorts = sort_fields(q.kind);
    const auto& days = day_sort_positions(q.kind);
    if (std::any_of(days.begin(), days.end(),
                    [&](size_t i) { return sorts[i] == bounds[0].field; }))
      for (int64_t day = bounds[0].from; day <= bounds[0].to; ++day)
        merged_buckets.push_back(
            bucket_prefix(domain::name_of(q.kind), bounds[0].field, ordered_hex(day)));
  }
  if (!merged_buckets.empty()) {
    // The buckets are walked side by side and merged in title order, so a page fills as with
    // one value (status=registered&status=diagnosed) or one day. Rows compare by what follows
    // their bucket's prefix (sort key \0 id), and kind + that is the row's key in the title
    // index: the cursor is one of those, as when walking the titles.
    if (!cursor->empty() && cursor->rfind(kind, 0) != 0)
      return unexpected(bad_cursor("belongs to another list"));
    const std::string after = cursor->empty() ? "" : cursor->substr(kind.size());
    struct Bucket {
      std::string prefix, from, to;
      std::vector<std::string> tails;  // read, not yet merged
      size_t next = 0;
      bool ended = false;
      uint64_t chunk = 0;  // rows the next read takes: a page's share, then twice as many
    };
    std::vector<Bucket> merged;
    for (const auto& p : merged_buckets) {
      if (std::any_of(merged.begin(), merged.end(), [&](const Bucket& b) { return b.prefix == p; }))
        continue;
      const std::string end = rows_end(p);
      Bucket b{p, q.descending ? end : p, q.descending ? p : end};
      if (!after.empty()) b.from = q.descending ? p + after : p + after + '\0';
      merged.push_back(std::move(b));
    }
    for (auto& b : merged) b.chunk = std::max<uint64_t>((limit + 1) / merged.size() + 1, 16);
    auto refill = [&](Bucket& b) -> eventstore::result<void> {
      b.tails.clear();
      b.next = 0;
      const uint64_t chunk = b.chunk;
      b.chunk = std::min<uint64_t>(2 * chunk, 1024);
      std::string last;
      auto r = views_.scan(tables[3], b.from, b.to,
                           q.descending ? Direction::backward : Direction::forward, chunk,
                           [&](std::string_view key, std::string_view) {
                             last = key;
                             b.tails.emplace_back(key.substr(b.prefix.size()));
                             return true;
                           });
      if (!r) return unexpected(r.error());
      b.ended = *r < chunk;
      b.from = q.descending ? last : last + '\0';
      return {};
    };
    uint64_t budget = budget_per_call;
    std::string last_tail = after;  // a record filed under several of the values comes once
    while (true) {
      std::vector<std::string> ids, keys;
      bool all_read = false;
      while (ids.size() < limit + 1 - page.items.size() && budget > 0) {
        Bucket* first = nullptr;  // the bucket whose next row comes first
        for (auto& b : merged) {
          if (b.next == b.tails.size() && !b.ended)
            if (auto r = refill(b); !r) return unexpected(r.error());
          if (b.next == b.tails.size()) continue;
          if (!first || (q.descending ? b.tails[b.next] > first->tails[first->next]
                                      : b.tails[b.next] < first->tails[first->next]))
            first = &b;
        }
        if (!first) {
          all_read = true;
          break;
        }
        std::string tail = std::move(first->tails[first->next++]);
        --budget;
        if (tail == last_tail) continue;
        last_tail = tail;
        ids.push_back(after_last_nul(tail));
        keys.push_back(kind + tail);
      }
      auto complete = take(ids, keys, std::vector<bool>(ids.size(), false));
      if (!complete) return unexpected(complete.error());
      if (*complete) return page;
      if (all_read) return page;
      if (budget == 0) {
        page.next_cursor = hex(kind + last_tail);
        return page;
      }
    }
  }
  const std::string prefix_end = rows_end(prefix);
  // The key ranges [lo, hi) walked one after the other, each in the list's direction: a sort
  // field's records with a value, then those without, so these come last either way: a core
  // field's "~" rows, or, as a custom field has rows only for values, every record by when it was
  // created less those with a value.
  struct Range {
    std::string lo, hi;
    std::string_view unset_only;
  };
  std::vector<Range> ranges;
  std::vector<std::string> title_words;  // a title filter's, that its rows' words must have
  const auto sorted_in = std::find_if(bounds.begin(), bounds.end(),
                                      [&](const SortedRange& b) { return b.field == q.sort; });
  if (by_title) {
    ranges = {{prefix, prefix_end}};
    // A filter on the title (a client's name, a contact's subject) or on its first part (a
    // person's surname) holds only the titles that begin with its value: their rows alone are
    // walked (a cursor from before this, elsewhere in the titles, walks them all).
    if (index == tables[0])
      if (auto titled = title_rows(q, kind);
          !titled.ranges.empty() &&
          (cursor->empty() || std::ranges::any_of(titled.ranges, [&](const auto& r) {
             return r.first <= *cursor && *cursor < r.second;
           }))) {
        ranges.clear();
        for (auto& [lo, hi] : titled.ranges) ranges.push_back({std::move(lo), std::move(hi)});
        if (q.descending) std::ranges::reverse(ranges);  // walked one after the other
        title_words = std::move(titled.words);
      }
  } else if (sorted_in != bounds.end()) {  // only rows with values within the bounds
    ranges = {
        {prefix + ordered_hex(sorted_in->from), prefix + ordered_hex(sorted_in->to) + '\x01'}};
  } else if (custom_sort) {
    const std::string created = kind + "created_at" + '\0';
    ranges = {{prefix, prefix_end},
              {created, created.substr(0, created.size() - 1) + '\x01',
               std::string_view(q.sort).substr(7)}};
  } else {
    ranges = {{prefix, prefix + '~'}, {prefix + '~', prefix_end}};
  }
  size_t first_range = 0;
  while (!cursor->empty() && first_range < ranges.size() &&
         !(ranges[first_range].lo <= *cursor && *cursor < ranges[first_range].hi))
    ++first_range;
  if (first_range == ranges.size()) return unexpected(bad_cursor("belongs to another list"));
  if (by_turnover) {
    // The key of a client of the list: its place, then its id.
    auto turnover_key = [&](const domain::Record& client, const std::string& id) {
      return prefix + turnover_rank_of(client) + id;
    };
    // The span rows kept with each invoice are walked for a day no invoice was recorded after:
    // an account manager's, a city's or a status's own (kTurnoverPairs, given once), else every
    // client's unless the filters' buckets are small (then, and on other days, the clients in
    // the filters' buckets, or all of them, at most kBucketIds, are read and sorted, below).
    const auto filtered = bucket_filters(q, bucketed);
    std::string paired_spans;  // the prefix of such a value's rows
    for (const auto& [field, since] : kTurnoverPairs)
      if (const std::string* value = only_value(std::string(field));
          value && version >= since && bucketed(std::string(field), *value)) {
        paired_spans = pair_prefix("client", kTurnoverSince, field, *value);
        break;
      }
    auto in = !paired_spans.empty() ? std::optional<IdSet>()
                                    : bucket_ids(views_, tables, domain::name_of(q.kind), filtered,
                                                 indexed_ranges, {}, kBucketRowsRead);
    if (!in) return unexpected(in.error());
    auto last_day = views_.get(tables[2], kTurnoverState);
    if (!last_day) return unexpected(last_day.error());
    if (!*in && version >= kListsTurnoverSpans &&
        (!*last_day || std::stoi(**last_day) <= q.today.days)) {
      // The clients' span rows in the list's order, but those of spans that ended by the day
      // asked or begin after it (a figure's rows of later days are passed with one seek); the
      // others' records are read a page and one at a time.
      const std::string spans = !paired_spans.empty() ? paired_spans : turnover_spans_prefix();
      std::string lo = spans, hi = rows_end(spans);
      if (sorted_in != bounds.end()) {  // a range of the figure
        lo = spans + ordered_hex(sorted_in->from);
        hi = spans + ordered_hex(sorted_in->to) + '\x01';
      }
      const auto direction = q.descending ? Direction::backward : Direction::forward;
      auto seeker = views_.seeker(tables[4], lo, hi, direction);
      if (!seeker) return unexpected(seeker.error());
      const std::string today = ordered_hex(q.today.days);
      std::string from = q.descending ? hi : lo;  // after the cursor's row either way
      if (!cursor->empty()) {
        const std::string row = spans + cursor->substr(prefix.size());
        from = q.descending ? std::min(from, row) : std::max(from, row + '\0');
      }
      auto row = seeker->seek(from);
      std::vector<std::string> keys;  // the list's keys of the clients to read next, in order
      std::string walked_to;
      for (uint64_t walked = 0;;) {
        if (!row) return unexpected(row.error());
        const bool ended = !*row;
        if (!ended) {
          const std::string& key = **row;
          const std::string_view rank = std::string_view(key).substr(spans.size());
          if (rank.substr(17, 16) > today) {  // the figure's spans from a later day on
            const std::string figure = key.substr(0, spans.size() + 17);
            row = seeker->seek(q.descending ? figure + ordered_hex(q.today.days + 1)
                                            : figure.substr(0, figure.size() - 1) + '\x01');
            continue;
          }
          ++walked;
          walked_to = prefix + std::string(rank);
          if (std::stoi(std::string(seeker->value())) > q.today.days) keys.push_back(walked_to);
          row = seeker->next();
        }
        const bool cut = walked >= kBucketIds;
        if (ended || cut || keys.size() > limit - page.items.size()) {
          auto complete = take_in_order(keys, !terms.empty());
          if (!complete) return unexpected(complete.error());
          if (*complete || ended) return page;
          keys.clear();
          if (cut) {
            page.next_cursor = hex(walked_to);
            return page;
          }
        }
      }
    }
    if (!*in) in = bucket_ids(views_, tables, domain::name_of(q.kind), filtered, indexed_ranges);
    if (!in) return unexpected(in.error());
    if (!*in) {
      auto every = ids_of_rows(views_, tables[0], {{kind, rows_end(kind)}}, kBucketIds);  // titles
      if (!every) return unexpected(every.error());
      if (!*every && version < kListsTurnoverSpans)
        return unexpected(error{errc::closed,
                                "sorting all clients by turnover_12m is available once the lists "
                                "view has been rebuilt (under way): filter by account_manager_id, "
                                "status or another field with an index until then"});
      if (!*every)
        return unexpected(error{errc::invalid_argument,
                                "a sort by turnover_12m for a day before the last invoice was "
                                "recorded reads each client the filters leave, at most 20,000: "
                                "filter by account_manager_id, status or another field with an "
                                "index first"});
      *in = std::move(*every);
    }
    const std::vector<std::string> all((*in)->begin(), (*in)->end());
    std::vector<std::string> sorted;  // their keys (turnover_key): the cursor
    for (size_t at = 0; at < all.size(); at += 1000) {
      const std::vector<std::string> ids(
          all.begin() + static_cast<ptrdiff_t>(at),
          all.begin() + static_cast<ptrdiff_t>(std::min(at + 1000, all.size())));
      auto rows = records_in(*records, q.kind, ids);
      if (!rows) return unexpected(rows.error());
      for (size_t i = 0; i < ids.size(); ++i) {
        const auto& row = (*rows)[i];
        if (!row || !passes(*row) || (!terms.empty() && !title_matches(searched_words(*row))))
          continue;
        sorted.push_back(turnover_key(*row, ids[i]));
      }
    }
    std::sort(sorted.begin(), sorted.end(),
              [&](const auto& a, const auto& b) { return q.descending ? a > b : a < b; });
    std::vector<std::string> keys;
    for (auto& key : sorted)
      if (cursor->empty() || (q.descending ? key < *cursor : key > *cursor))
        keys.push_back(std::move(key));
    if (auto r = take_in_order(keys); !r) return unexpected(r.error());
    return page;
  }
  IdSet members;                           // if not empty: the ids the walk takes
  if (among) members = std::move(*among);  // a search's by title
  // The walk's rows test a search themselves: a sort's or a paired sort's rows (lists v16).
  const bool search_in_rows = !terms.empty() && !by_title && version >= kListsSortWords;
  // By title, buckets walked (and met) without a range: another field's read if given twice.
  const bool titled_buckets = by_title && !paired.empty();
  if ((!by_title || !indexed_ranges.empty() || titled_buckets) && version >= kListsCustomFields) {
    // Walking the sort's index and dropping what a bucket filter, a range or a search does not
    // match gave a client's contacts newest first, an operator's open tasks by due date, the
    // tasks due this week by title or the clients in Łódź by potential in short pages, mostly
    // empty ones. The buckets, the ranges and the search's candidates are read first
    // (read_buckets): few records are sorted here, in the order (and with the cursor) the walk
    // gives; more are walked for, taking only their rows. (By title, a search here has too many
    // candidates to read.)
    auto range_of = [&](std::string_view key) {
      for (size_t i = 0; i < ranges.size(); ++i)
        if (ranges[i].lo <= key && key < ranges[i].hi) return i;
      return SIZE_MAX;
    };
    auto unpaired = [&](const std::string& field, const std::string& value) {
      return std::find(paired.begin(), paired.end(), field) == paired.end() &&
             bucketed(field, value);
    };
    // A bucket (or a range) of n rows among the walk's w costs n row reads; the walk meets the
    // records it holds every w/n rows, each record read (about kRowsARecord row reads) to test
    // it: the bucket is read while n * n <= kRowsARecord * w * (a page), as RocksDB estimates
    // them. (A client's inbound contacts newest first read 20,000 of the 200,000 inbound ones
    // before, to find there were too many, and then walked the client's 19.) A bucket walked by
    // title holds no more of another's records than the rest: w is every record of the kind.
    uint64_t walked = 0;  // estimated only when there is a bucket, a range or a search to judge
    const bool searched_here = !terms.empty() && !by_title;
    const bool bucket_filtered = !bucket_filters(q, unpaired).empty();
    // A filter on the title under another sort (the Nowaks by birthday): its titles' rows hold
    // the ids, read as a search's matches are.
    const auto titled = by_title || searched_here ? TitleRows() : title_rows(q, kind);
    if (!indexed_ranges.empty() || searched_here || bucket_filtered || !titled.ranges.empty()) {
      std::vector<std::pair<std::string, std::string>> walk;
      for (const auto& r : ranges) walk.emplace_back(r.lo, r.hi);
      if (titled_buckets) walk = {{kind, rows_end(kind)}};
      walked = views_.approximate_rows(titled_buckets ? tables[0] : index, walk);
    }
    const auto worth = worth_reading(kRowsARecord, walked, limit);
    // A search's matches are read as a bucket's, from the rows of its rarest word as RocksDB
    // estimates them, as many as are worth it (a word's tasks by due date came in pages of 10 to
    // 49 when more than 1,000 matched; "biuro białystok" among clients in pages of 22), unless
    // there are likely more. When the walk's rows test the search, a row walked costs about as
    // much as a row of the word's read: fewer are worth reading, and none when there are likely
    // more.
    std::optional<IdSet> searched;
    bool searched_all = terms.empty();  // every id read has the search's words
    if (searched_here) {
      size_t rarest = 0;
      uint64_t fewest = UINT64_MAX;
      for (size_t t = 0; t < terms.size(); ++t) {
        const auto [first, upper] = word_rows(terms[t]);
        if (const uint64_t rows = views_.approximate_rows(tables[1], first, upper); rows < fewest)
          rarest = t, fewest = rows;
      }
      // Alone (no bucket or range to meet its matches in), a search the walk's rows test.
      const bool in_rows_alone = search_in_rows && indexed_ranges.empty() && !bucket_filtered;
      const auto worth_here = in_rows_alone ? worth_reading(1, walked, limit) : worth;
      uint64_t most = std::clamp(worth_here, kSearchCandidates, kBucketIds);
      if (likely_over(fewest, most)) most = in_rows_alone ? 0 : kSearchCandidates;
      auto found =
          most > 0 ? search_candidates(most, rarest) : std::optional<std::vector<std::string>>();
      if (!found) return unexpected(found.error());
      if (*found) {
        searched.emplace();
        for (const auto& key : **found) searched->emplace(last_field(key));
        searched_all = true;
      }
    }
    if (!titled.ranges.empty()) {
      // (Rows a long name's words tell apart are read as the walk's are.)
      const uint64_t most = std::clamp(worth, kSearchCandidates, kBucketIds);
      const uint64_t most_rows = titled.words.empty() ? most : kWalkedRows;
      if (!likely_over(views_.approximate_rows(tables[0], titled.ranges), most_rows)) {
        auto ids = ids_of_rows(views_, tables[0], titled.ranges, most, titled.words, most_rows);
        if (!ids) return unexpected(ids.error());
        if (*ids) searched = std::move(**ids);
      }
    }
    // By title, two buckets met that make a pair of two under some sort (an operator's open
    // tasks: the assignee and the status, by due date) are read from the pair's rows first:
    // only the records with both values, where each bucket may hold tens of thousands met in
    // title order (an operator's 165 open tasks on large came in pages of 11 to 38).
    std::string paired_rows;
    if (titled_buckets && paired.size() == 2)
      for (const auto& pair : sort_pairs(q.kind)) {
        if (pair.with.empty() || std::ranges::find(paired, pair.bucket) == paired.end() ||
            std::ranges::find(paired, pair.with) == paired.end())
          continue;
        const std::string* value = only_value(pair.bucket);
        const std::string* with = only_value(pair.with);
        if (value && with)
          paired_rows = pair_rows_prefix(domain::name_of(q.kind), pair, *value, with, version);
        if (!paired_rows.empty()) break;
      }
    auto read =
        read_buckets(views_, tables, q, range_of, unpaired, indexed_ranges, std::move(searched),
                     prefix, version, std::max(worth, kBucketRowsRead), paired_rows);
    if (!read) return unexpected(read.error());
    if (*read && (*read)->members.empty()) {
      if (auto r = take_candidates((*read)->candidates, first_range, !searched_all); !r)
        return unexpected(r.error());
      return page;
    }
    if (*read) members = std::move((*read)->members);
  }
  // Rows of `index` from `from` to `to` in the list's direction that the other paired rows hold
  // too (`also_paired`: the same sort value and id follow their prefixes), visited as a scan's:
  // each set is sought at the furthest row any other is at, so the walk leaps over the rows
  // only some hold (an operator's done tasks when the open ones are listed). A row without the
  // search's words is stepped over before the others are sought. Returns the seeks and steps
  // made (at most about `max`), fewer when the rows have ended or `visit` stopped; `last` is
  // the last row of `index` looked at.
  const Direction direction = q.descending ? Direction::backward : Direction::forward;
  auto leapfrog = [&](std::string from, const std::string& to, uint64_t max, std::string& last,
                      const TableStore::RowVisitor& visit) -> eventstore::result<uint64_t> {
    const bool forward = !q.descending;
    auto walked = views_.seeker(index, forward ? from : to, forward ? to : from, direction);
    if (!walked) return unexpected(walked.error());
    std::vector<TableStore::Seeker> others;
    for (const auto& other : also_paired) {
      auto seeker = views_.seeker(index, other, rows_end(other), direction);
      if (!seeker) return unexpected(seeker.error());
      others.push_back(std::move(*seeker));
    }
    uint64_t seeks = 0;
    bool step = false;  // the walk goes on at the row after `last`
    while (seeks < max) {
      auto row = step ? walked->next() : walked->seek(from);
      ++seeks;
      if (!row) return unexpected(row.error());
      if (!*row) return seeks;  // `index` has ended
      last = **row;
      if (search_in_rows) {
        const auto words = sort_row_title(walked->value()).second;
        if (!words.empty() && !title_matches(words)) {
          step = true;
          continue;
        }
      }
      const std::string suffix = last.substr(prefix.size());  // sort value \0 id
      std::string furthest = suffix;
      for (size_t i = 0; i < others.size(); ++i) {
        auto met = others[i].seek(also_paired[i] + suffix + (forward ? "" : std::string(1, '\0')));
        ++seeks;
        if (!met) return unexpected(met.error());
        if (!*met) return seeks;  // this one has ended: so have the rows in all
        const std::string at = met->value().substr(also_paired[i].size());
        if (forward ? at > furthest : at < furthest) furthest = at;
      }
      if (furthest != suffix)
        from = forward ? prefix + furthest : prefix + furthest + '\0';
      else if (!visit(last, walked->value()))
        return seeks;
      step = furthest == suffix;
    }
    return seeks;
  };
  // Rows of ids not in `members` are passed over without reading their records. A core sort
  // row carries the title's sort key (lists v9), so a bucket filter is tested on the rows the
  // walk takes by their keys in the bucket (title \0 id) before a record is read: a lookup each
  // rather than a record read (a call's tasks newest first read 7 records for each one taken),
  // and about a fifth of its cost, so such a walk goes 5 times as far in a request. (On a paired
  // walk, whose rows carry the key too since v16, reading the few records was faster: the urgent
  // open tasks by a date 322-411 us at p99 that way, 657-784 by key.)
  std::vector<std::vector<std::string>> keyed;  // each such filter's values' bucket prefixes
  if (index == tables[4] && paired.empty() && !custom_sort)
    for (const auto& [field, values] : bucket_filters(q, bucketed)) {
      auto& prefixes = keyed.emplace_back();
      for (const auto& value : values)
        prefixes.push_back(bucket_prefix(domain::name_of(q.kind), field, value));
    }
  uint64_t budget = !members.empty() || search_in_rows || !title_words.empty() ? kWalkedRows
                    : keyed.empty()                                            ? budget_per_call
                                    : 5 * budget_per_call;
  // A request that has taken nothing when its budget ends walks on, once, for three budgets more
  // (on the large dataset up to about 20 ms more): records that come after a long run of others'
  // (on the large dataset the service orders handed back, newest first, after the thousands in
  // service) come in a full first page, not after empty ones.
  uint64_t extension = budget < kWalkedRows ? 3 * budget : 0;
  bool range_ids_untried = by_title && members.empty() && !indexed_ranges.empty();
  auto in_buckets = [&](std::vector<std::string>& ids, std::vector<std::string>& keys,
                        std::vector<bool>& check,
                        const std::vector<std::string>& titles) -> eventstore::result<void> {
    std::vector<std::string> rows;  // each filter's values' rows for each id with a title
    for (size_t i = 0; i < ids.size(); ++i)
      if (!titles[i].empty())
        for (const auto& prefixes : keyed)
          for (const auto& prefix : prefixes) rows.push_back(prefix + titles[i] + '\0' + ids[i]);
    if (rows.empty()) return {};
    auto found = views_.get_many(tables[3], rows);
    if (!found) return unexpected(found.error());
    size_t at = 0, kept = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      bool in_all = true;  // untitled (lists v8): the record is read and tested
      for (size_t f = 0; f < keyed.size() && !titles[i].empty(); ++f) {
        bool in_any = false;
        for (size_t v = 0; v < keyed[f].size(); ++v) in_any |= (*found)[at++].has_value();
        in_all &= in_any;
      }
      if (!in_all) continue;
      if (kept != i) {
        ids[kept] = std::move(ids[i]);
        keys[kept] = std::move(keys[i]);
        check[kept] = check[i];
      }
      ++kept;
    }
    ids.resize(kept);
    keys.resize(kept);
    check.resize(kept);
    return {};
  };
  for (size_t range = first_range; range < ranges.size(); ++range) {
    const auto& [lo, hi, unset] = ranges[range];
    unset_only = unset;
    const bool resume = range == first_range && !cursor->empty();
    std::string from =
        resume ? (q.descending ? *cursor : *cursor + '\0') : (q.descending ? hi : lo);
    const std::string& to = q.descending ? lo : hi;
    while (true) {
      const size_t want = limit + 1 - page.items.size();
      std::vector<std::string> ids, keys, titles;
      std::vector<bool> check;  // rows without words (by_sort, or lists v3): search the record
      std::string scanned_last;
      auto row = [&](std::string_view key, std::string_view value) {
        scanned_last = key;
        // by_title's rows carry the title's words; a sort row's value is the title's sort key
        // and (lists v16) its words, as a paired row's is (v16; empty before), a bucket's is empty.
        const auto [title, words] =
            index == tables[0] ? std::pair(std::string_view(), value) : sort_row_title(value);
        if (!terms.empty() && !words.empty() && !title_matches(words)) return true;
        if (!title_words.empty() && !words.empty() && !has_words(words, title_words)) return true;
        if (!members.empty() && !members.contains(last_field(key))) return true;
        keys.emplace_back(key);
        ids.push_back(after_last_nul(key));
        check.push_back(!terms.empty() && words.empty());
        if (!keyed.empty()) titles.emplace_back(title);
        return ids.size() < want;
      };
      auto r = also_paired.empty() ? views_.scan(index, from, to, direction, budget, row)
                                   : leapfrog(from, to, budget, scanned_last, row);
      if (!r) return unexpected(r.error());
      const bool range_ended = ids.size() < want && *r < budget;
      budget -= std::min(*r, budget);
      if (!keyed.empty())
        if (auto tested = in_buckets(ids, keys, check, titles); !tested)
          return unexpected(tested.error());
      auto complete = take(ids, keys, check);
      if (!complete) return unexpected(complete.error());
      if (*complete) return page;
      if (range_ended) break;
      if (budget == 0 && by_title && !terms.empty()) {
        // A common word whose titles come far on in title order walks past pages and pages
        // of others first (a surname that begins more than kMergedWords words: an e-mail's
        // "nowak123").
        auto done = candidates_instead();
        if (!done) return unexpected(done.error());
        if (*done) return page;
      }
      if (budget == 0 && page.items.empty() && range_ids_untried) {
        // A range's records not met: the walk goes on for its ids (range_ids).
        range_ids_untried = false;
        auto ids = range_ids();
        if (!ids) return unexpected(ids.error());
        if (*ids) {
          members = std::move(**ids);
          budget = kWalkedRows;
        }
      }
      if (budget == 0 && page.items.empty()) std::swap(budget, extension);
      if (budget == 0) {
        page.next_cursor = hex(scanned_last);
        return page;
      }
      from = q.descending ? scanned_last : scanned_last + '\0';
    }
  }
  return page;
}

eventstore::result<Timeline> Queries::timeline(const std::string& client_id, size_t limit,
                                               const std::string& cursor, TimelineOrder order,
                                               TimeRange range,
                                               const std::vector<EntityKind>& kinds) const {
  auto found = tables_of("timeline");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  auto from = unhex(cursor);
  if (!from) return unexpected(bad_cursor("is not one this server gave"));
  // A cursor is the order's letter and the last row's key.
  const bool in_log_order = order == TimelineOrder::recorded;
  const char letter = in_log_order ? 'r' : 'o';
  const std::string prefix = client_id + '\0';
  if (!from->empty() && (from->front() != letter || from->compare(1, prefix.size(), prefix) != 0 ||
                         from->size() != 1 + prefix.size() + 16))
    return unexpected(bad_cursor("belongs to another timeline"));
  const std::string lower = prefix + time_key(range.from);
  std::string upper = prefix + time_key(range.until);
  if (!from->empty()) upper = std::min(upper, from->substr(1));
  limit = std::clamp<size_t>(limit, 1, 500);
  // An entry's kind is its value's first part.
  std::vector<std::string> kind_names;
  for (const EntityKind k : kinds) kind_names.push_back(std::string(domain::name_of(k)) + '\x1f');
  const auto wanted = [&](std::string_view value) {
    return kind_names.empty() ||
           std::any_of(kind_names.begin(), kind_names.end(),
                       [&](const std::string& name) { return value.starts_with(name); });
  };
  // Newest first, from the cursor (exclusive): by_time's rows; in the order recorded, those of
  // entries recorded at another time than they happened come from `recorded` instead, merged.
  std::vector<std::pair<std::string, std::string>> rows;
  auto r = views_.scan(
      tables[0], upper, lower, Direction::backward, UINT64_MAX,
      [&](std::string_view key, std::string_view value) {
        if (!wanted(value)) return true;
        if (in_log_order) {  // skip the entries recorded at another time (at, the 4th of 5)
          const size_t by = value.rfind('\x1f');
          const size_t at = by == 0 || by == value.npos ? value.npos : value.rfind('\x1f', by - 1);
          int64_t micros = 0;
          if (at != value.npos &&
              std::from_chars(value.data() + at + 1, value.data() + by, micros).ec == std::errc() &&
              micros != time_from_key(key.data() + prefix.size()).micros)
            return true;
        }
        rows.emplace_back(key, value);
        return rows.size() <= limit;  // one past the page: a next page
      });
  if (!r) return unexpected(r.error());
  if (in_log_order) {
    size_t recorded = 0;
    r = views_.scan(tables[2], upper, lower, Direction::backward, UINT64_MAX,
                    [&](std::string_view key, std::string_view value) {
                      if (!wanted(value)) return true;
                      rows.emplace_back(key, value);
                      return ++recorded <= limit;
                    });
    if (!r) return unexpected(r.error());
    std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x > y; });
  }
  Timeline out;
  if (rows.size() > limit) {
    rows.resize(limit);
    out.next_cursor = hex(letter + rows.back().first);
  }
  for (const auto& [key, value] : rows) {
    const auto parts = split(value, '\x1f');
    if (parts.size() != 5 && parts.size() != 6) continue;
    const char* times = key.data() + prefix.size();
    out.entries.push_back(
        {get_be64(times + 8), domain::kind_from_name(parts[0]).value_or(EntityKind::client),
         parts[1], parts[2], domain::DateTime{std::stoll(parts[3])},
         parts.size() == 6 ? domain::DateTime{std::stoll(parts[5])} : time_from_key(times),
         parts[4]});
  }
  std::vector<ToName> records;
  for (auto& e : out.entries) {
    records.push_back({e.kind, e.id, &e.title});
    records.push_back({EntityKind::operator_, e.by, &e.by_name});
  }
  if (auto named = name_records(records, false); !named) return unexpected(named.error());
  return out;
}

eventstore::result<Page> Queries::inspections_due(domain::Date before, size_t limit,
                                                  const std::string& cursor) const {
  auto found = tables_of("inspections");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  auto from = unhex(cursor);
  if (!from) return unexpected(bad_cursor("is not one this server gave"));
  return page_of(tables[0], EntityKind::inspection, from->empty() ? std::string() : *from + '\0',
                 before.format(), limit);
}

eventstore::result<AnniversaryPage> Queries::anniversaries(
    domain::Date from, int days, size_t limit, const std::string& cursor,
    const std::function<bool(const domain::Record&)>& keep) const {
  auto found = tables_of("anniversaries");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  days = std::clamp(days, 1, 366);
  limit = std::clamp<size_t>(limit, 1, 500);
  // The cursor: the day of the last row read, \0, its key.
  auto after = unhex(cursor);
  std::optional<domain::Date> after_day;
  if (after && !after->empty()) {
    after_day = domain::Date::parse(after->substr(0, 10));
    if (after->size() < 11 || !after_day || after_day->days < from.days ||
        after_day->days >= from.days + days)
      after.reset();
  }
  if (!after) return unexpected(bad_cursor("is not one this server gave"));
  const std::string after_key = after_day ? after->substr(11) + '\0' : std::string();
  struct Row {
    domain::Date day;
    std::string key;  // month-day \0 "b" | "n" \0 person id
  };
  // One more row than a page tells there is a next one; with a filter, at most 20 pages' worth
  // of rows are read per call, and the page may then be short, with a cursor to go on.
  const size_t cap = keep ? limit * 20 : limit + 1;
  std::vector<Row> rows;
  for (int i = after_day ? after_day->days - from.days : 0; i < days && rows.size() < cap; ++i) {
    const domain::Date day = from.add_days(i);
    const std::string md = day.format().substr(5);
    std::vector<std::pair<std::string, std::string>> ranges = {{md, md}};
    ranges[0].second.back() = static_cast<char>(md.back() + 1);
    // 29 February: in years without it, celebrated on the 28th (after the 28th's own).
    if (md == "02-28" && from.add_days(i + 1).format().substr(5) == "03-01")
      ranges.emplace_back("02-29", "02-2:");
    for (auto& [lower, upper] : ranges) {
      if (after_day && after_day->days == day.days) lower = std::max(lower, after_key);
      auto r = views_.scan(tables[0], lower, upper, Direction::forward, cap - rows.size(),
                           [&](std::string_view key, std::string_view) {
                             rows.push_back({day, std::string(key)});
                             return true;
                           });
      if (!r) return unexpected(r.error());
    }
  }
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(after_last_nul(row.key));
  auto records = records_table();
  if (!records) return unexpected(records.error());
  auto persons = records_in(*records, EntityKind::person, ids);
  if (!persons) return unexpected(persons.error());
  auto cursor_at = [&](const Row& row) { return hex(row.day.format() + '\0' + row.key); };
  AnniversaryPage page;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& person = (*persons)[i];
    if (!person || (keep && !keep(*person))) continue;
    if (page.items.size() == limit) {  // a row for the next page: go on after the last given
      page.next_cursor = cursor_at(rows[i - 1]);
      return page;
    }
    page.items.push_back({rows[i].day,
                          rows[i].key[6] == 'b' ? Anniversary::Kind::birthday  // MM-DD \0 b|n
                                                : Anniversary::Kind::name_day,
                          *person});
  }
  if (rows.size() == cap) page.next_cursor = cursor_at(rows.back());  // not all read
  return page;
}

// The work an operator logged on the days from..to, each day's too when `days` is set, and the
// tasks done on them: from the day rows (version 4 on), else from each entry and each done task
// (version 2 on; version 1's from the lists).
eventstore::result<WorkTime> Queries::work_days(const std::vector<TableId>& tables,
                                                uint32_t version, const std::string& operator_id,
                                                domain::Date from, domain::Date to,
                                                bool days) const {
  WorkTime out;
  const std::string prefix = operator_id + '\0';
  const std::string lower = prefix + from.format(), upper = prefix + to.add_days(1).format();
  if (version >= 4) {
    auto r = views_.scan(tables[4], lower, upper, Direction::forward, UINT64_MAX,
                         [&](std::string_view key, std::string_view value) {
                           const WorkSums day = work_sums(value);
                           out.minutes += day.minutes;
                           out.entries += static_cast<uint64_t>(day.entries);
                           out.tasks_done += static_cast<uint64_t>(day.done);
                           if (days && day.entries > 0)
                             out.days.push_back({std::string(key.substr(prefix.size())),
                                                 day.minutes, static_cast<uint64_t>(day.entries)});
                           return true;
                         });
    if (!r) return unexpected(r.error());
    return out;
  }
  auto r = views_.scan(tables[0], lower, upper, Direction::forward, UINT64_MAX,
                       [&](std::string_view key, std::string_view value) {
                         const auto parts = split(value, '\x1f');
                         if (parts.size() != 2) return true;
                         const int64_t minutes = std::stoll(parts[0]);
                         out.minutes += minutes;
                         ++out.entries;
                         if (!days) return true;
                         const std::string_view date = key.substr(prefix.size(), 10);
                         if (out.days.empty() || out.days.back().date != date)
                           out.days.push_back({std::string(date)});
                         out.days.back().minutes += minutes;
                         ++out.days.back().entries;
                         return true;
                       });
  if (!r) return unexpected(r.error());
  if (version < 2) {
    // Version 1, read while an upgraded server builds version 2: the done tasks from the lists.
    ListQuery done{
        .kind = EntityKind::task,
        .filters = {{"status", "done"}, {"assignee_id", operator_id}},
        .ranges = {{"completed_at", domain::local_midnight(from),
                    domain::DateTime{domain::local_midnight(to.add_days(1)).micros - 1}}},
        .limit = 500};
    do {
      auto page = list(done);
      if (!page) return unexpected(page.error());
      out.tasks_done += page->items.size();
      done.cursor = page->next_cursor;
    } while (!done.cursor.empty());
    return out;
  }
  r = views_.scan(tables[1], lower, upper, Direction::forward, UINT64_MAX,
                  [&](std::string_view, std::string_view) {
                    ++out.tasks_done;
                    return true;
                  });
  if (!r) return unexpected(r.error());
  return out;
}

eventstore::result<WorkTime> Queries::work_time(const std::string& operator_id, domain::Date from,
                                                domain::Date to) const {
  uint32_t version = 0;
  auto tables = tables_of("work_time", &version);
  if (!tables) return unexpected(tables.error());
  return work_days(*tables, version, operator_id, from, to, true);
}

eventstore::result<WorkTime> Queries::work_totals(const std::string& operator_id, domain::Date from,
                                                  domain::Date to) const {
  uint32_t version = 0;
  auto tables = tables_of("work_time", &version);
  if (!tables) return unexpected(tables.error());
  // The months the period touches, less their days outside it; or the period's days when those
  // are fewer (or before version 3 has month rows).
  const domain::Date first = domain::Date::from_ymd(from.year(), from.month(), 1);
  const domain::Date last =
      domain::Date::from_ymd(to.year(), to.month(), 1).add_months(1).add_days(-1);
  if (version < 3 || (from.days - first.days) + (last.days - to.days) > to.days - from.days)
    return work_days(*tables, version, operator_id, from, to, false);
  WorkSums sums;
  const std::string prefix = operator_id + '\0';
  auto r = views_.scan((*tables)[3], prefix + first.format().substr(0, 7),
                       prefix + last.add_days(1).format().substr(0, 7), Direction::forward,
                       UINT64_MAX, [&](std::string_view, std::string_view value) {
                         sums += work_sums(value);
                         return true;
                       });
  if (!r) return unexpected(r.error());
  for (auto [a, b] : {std::pair{first, from.add_days(-1)}, std::pair{to.add_days(1), last}}) {
    if (b < a) continue;
    auto outside = work_days(*tables, version, operator_id, a, b, false);
    if (!outside) return unexpected(outside.error());
    sums += {-outside->minutes, -static_cast<int64_t>(outside->entries),
             -static_cast<int64_t>(outside->tasks_done)};
  }
  WorkTime out;
  out.minutes = sums.minutes;
  out.entries = static_cast<uint64_t>(sums.entries);
  out.tasks_done = static_cast<uint64_t>(sums.done);
  return out;
}

eventstore::result<void> Queries::name_records(const std::vector<ToName>& items,
                                               bool with_client) const {
  auto records = records_table();
  if (!records) return unexpected(records.error());
  using Found = std::map<std::string, std::shared_ptr<const domain::Record>, std::less<>>;
  // The records of each kind with the given ids (those that exist), by id.
  std::map<EntityKind, std::vector<std::string>> wanted;
  for (const auto& item : items) {
    if (!item.client)
      wanted[item.kind].emplace_back(item.id);
    else if (with_client)
      wanted[EntityKind::client].push_back(*item.client);
  }
  std::map<EntityKind, Found> found;
  auto fetch = [&](EntityKind kind) -> eventstore::result<void> {
    auto& ids = wanted[kind];
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::erase(ids, "");
    auto rows = records_in(*records, kind, ids);
    if (!rows) return unexpected(rows.error());
    for (size_t i = 0; i < ids.size(); ++i)
      if ((*rows)[i]) found[kind].emplace(ids[i], (*rows)[i]);
    return {};
  };
  auto refer = [&](EntityKind from, const char* field, EntityKind to) {
    for (const auto& [id, r] : found[from]) wanted[to].push_back(r->text(field));
  };
  // Inspections name their devices, service orders, devices and tasks their clients: a kind is
  // read after the kinds that refer to it.
  const EntityKind first[] = {EntityKind::inspection, EntityKind::service_order, EntityKind::device,
                              EntityKind::task, EntityKind::client};
  std::vector<EntityKind> order(std::begin(first), std::end(first));
  for (const auto& [kind, ids] : wanted)
    if (std::find(order.begin(), order.end(), kind) == order.end()) order.push_back(kind);
  for (EntityKind kind : order) {
    if (kind == EntityKind::device) refer(EntityKind::inspection, "device_id", EntityKind::device);
    if (kind == EntityKind::client && with_client) {
      refer(EntityKind::service_order, "client_id", EntityKind::client);
      refer(EntityKind::device, "client_id", EntityKind::client);
      refer(EntityKind::task, "client_id", EntityKind::client);
    }
    if (wanted[kind].empty()) continue;
    if (auto r = fetch(kind); !r) return r;
  }

  auto at = [&](EntityKind kind, std::string_view id) -> const domain::Record* {
    auto it = found[kind].find(id);
    return it == found[kind].end() ? nullptr : it->second.get();
  };
  auto for_client = [&](std::string_view client_id) {  // " — " and its name, if wanted
    const domain::Record* client = with_client ? at(EntityKind::client, client_id) : nullptr;
    return client ? " — " + client->text("name") : std::string();
  };
  for (const auto& item : items) {
    if (item.client) {
      *item.title += for_client(*item.client);
      continue;
    }
    const domain::Record* record = at(item.kind, item.id);
    if (!record) continue;
    if (item.status) *item.status = record->text("status");
    if (item.kind == EntityKind::service_order) {
      *item.title =
          std::string(kOrderTitle) + record->text("number") + for_client(record->text("client_id"));
    } else if (item.kind == EntityKind::inspection) {
      const domain::Record* device = at(EntityKind::device, record->text("device_id"));
      if (!device) continue;
      const std::string model = device->text("model");
      *item.title = std::string(kInspectionTitle) + device->text("serial_number") +
                    (model.empty() ? "" : " (" + model + ")") +
                    for_client(device->text("client_id"));
    } else {
      std::vector<std::string> parts;
      for (const auto& f : title_fields(item.kind)) parts.push_back(record->text(f));
      *item.title = title_from(parts) +
                    (item.kind == EntityKind::task ? for_client(record->text("client_id")) : "");
    }
  }
  return {};
}

eventstore::result<std::vector<CalendarEntry>> Queries::calendar(const std::string& operator_id,
                                                                 domain::Date from,
                                                                 domain::Date to) const {
  auto found = tables_of("calendar");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  if (to < from || to.days - from.days > 400)
    return unexpected(error{errc::invalid_argument, "the range must be 1 to 400 days, from <= to"});
  std::vector<CalendarEntry> out;
  // A task's or a service order's row (v3) carries its title and status as they are now, and its
  // client, whose name follows the title; other entries are named from their records.
  std::vector<std::optional<std::string>> clients;  // of each entry named by its row
  auto add = [&](std::string_view key, std::string_view value, domain::Date date) {
    const auto k = split(key, '\0');
    const auto v = split(value, '\x1f');
    CalendarEntry& e = out.emplace_back();
    e.date = date;
    e.kind = domain::kind_from_name(k.size() == 4 ? k[2] : "").value_or(EntityKind::task);
    e.id = k.size() == 4 ? k[3] : "";
    e.title = v.empty() ? "" : v[0];
    if (v.size() > 1 && !v[1].empty()) e.start = domain::DateTime{std::stoll(v[1])};
    if (v.size() > 2 && !v[2].empty()) e.end = domain::DateTime{std::stoll(v[2])};
    auto& client = clients.emplace_back();
    if (v.size() >= 6 && e.kind != EntityKind::inspection) {
      e.status = v[4];
      client = v[5];
    }
  };
  // The operator's entries in the range, and everyone's (inspections given to nobody). A day
  // after 9999-12-31 (a task planned for its last hour, UTC) is no date: its rows, which a range
  // of the year 1000 meets by their text, are passed over.
  for (const std::string& owner : {operator_id + '\0', std::string("*") + '\0'}) {
    auto r =
        views_.scan(tables[0], owner + from.format(), owner + to.add_days(1).format(),
                    Direction::forward, 100'000, [&](std::string_view key, std::string_view value) {
                      if (const auto day = domain::Date::parse(split(key, '\0')[1]))
                        add(key, value, *day);
                      return true;
                    });
    if (!r) return unexpected(r.error());
  }
  // Recurring inspections, due in the range or before, on each day of their rhythm in it from
  // their due date on (domain::Rhythm).
  auto add_recurring = [&](std::string_view key, std::string_view value) {
    const auto due = domain::Date::parse(split(key, '\0')[1]);
    if (!due) return true;  // planned after 9999-12-31 before no inspection could be
    const auto v = split(value, '\x1f');
    const std::string every = v.size() > 3 ? v[3] : "";
    const auto colon = every.find(':');
    const int n = colon == std::string::npos ? 0 : std::stoi(every.substr(colon + 1));
    if (n <= 0) return true;
    const auto rhythm = domain::Rhythm::of(v.size() > 6 ? domain::Date::parse(v[6]) : std::nullopt,
                                           *due, every.starts_with("days"), n);
    for (int k = rhythm.first_from(std::max(from, *due));; ++k) {
      const domain::Date day = rhythm.on(k);
      if (to < day) break;
      add(key, value, day);
    }
    return true;
  };
  for (const std::string& owner :
       {std::string(kRecurring) + operator_id + '\0', std::string(kRecurring) + "*" + '\0'}) {
    auto r = views_.scan(tables[0], owner, owner + to.add_days(1).format(), Direction::forward,
                         100'000, add_recurring);
    if (!r) return unexpected(r.error());
  }
  std::vector<ToName> records;  // named and given their status as they are now
  for (size_t i = 0; i < out.size(); ++i)
    records.push_back({out[i].kind, out[i].id, &out[i].title, &out[i].status,
                       clients[i] ? &*clients[i] : nullptr});
  if (auto named = name_records(records, true); !named) return unexpected(named.error());
  std::stable_sort(out.begin(), out.end(), [](const CalendarEntry& a, const CalendarEntry& b) {
    if (a.date != b.date) return a.date < b.date;
    return a.start.value_or(domain::DateTime{0}) < b.start.value_or(domain::DateTime{0});
  });
  return out;
}

eventstore::result<Page> Queries::device_history(const std::string& device_id) const {
  auto found = tables_of("device_orders");
  if (!found) return unexpected(found.error());
  auto records = records_table();
  if (!records) return unexpected(records.error());
  std::vector<std::string> ids;
  const std::string prefix = device_id + '\0', end = rows_end(prefix);
  auto r = views_.scan((*found)[0], prefix, end, Direction::forward, 100'000,
                       [&](std::string_view key, std::string_view) {
                         ids.push_back(after_last_nul(key));
                         return true;
                       });
  if (!r) return unexpected(r.error());
  auto rows = records_in(*records, EntityKind::service_order, ids);
  if (!rows) return unexpected(rows.error());
  Page page;
  for (auto& row : *rows)
    if (row) page.items.push_back(std::move(row));
  // Newest first by the time the device was received, those without one last; ties by id, last
  // first, as the list of the device's orders by `-received_at` gives them.
  auto received = [](const domain::Record& r) {
    const domain::Value* v = r.field("received_at");
    const auto* t = v ? v->get<domain::DateTime>() : nullptr;
    return std::pair(t ? t->micros : INT64_MIN, std::string_view(r.id));
  };
  std::sort(page.items.begin(), page.items.end(),
            [&](const auto& a, const auto& b) { return received(*a) > received(*b); });
  return page;
}

eventstore::result<CampaignProgress> Queries::campaign_progress(
    const std::string& campaign_id) const {
  auto found = tables_of("campaign_projects");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  CampaignProgress out;
  const std::string prefix = campaign_id + '\0', end = rows_end(prefix);
  std::vector<std::string> projects;
  auto r = views_.scan(tables[0], prefix, end, Direction::forward, UINT64_MAX,
                       [&](std::string_view key, std::string_view status) {
                         projects.push_back(after_last_nul(key));
                         ++out.projects;
                         if (status == "planned")
                           ++out.planned;
                         else if (status == "active")
                           ++out.active;
                         else if (status == "completed")
                           ++out.completed;
                         else if (status == "cancelled")
                           ++out.cancelled;
                         return true;
                       });
  if (!r) return unexpected(r.error());
  const uint64_t counted = out.projects - out.cancelled;
  out.percent_complete = counted ? static_cast<int>(100 * out.completed / counted) : 0;

  auto work = project_work(projects);
  if (!work) return unexpected(work.error());
  out.work = *work;
  return out;
}

eventstore::result<ProjectWork> Queries::project_work(
    const std::vector<std::string>& projects) const {
  // The projects' tasks and contacts, from the lists' buckets by project; their clients, from the
  // projects themselves.
  auto lists = tables_of("lists");
  if (!lists) return unexpected(lists.error());
  auto records = records_table();
  if (!records) return unexpected(records.error());
  // The rows of a kind's bucket project_id = project, counted, their ids kept in `ids` if given.
  auto in_project = [&](std::string_view kind, const std::string& project,
                        std::vector<std::string>* ids) {
    const std::string bucket = bucket_prefix(kind, "project_id", project);
    return views_.scan((*lists)[3], bucket, rows_end(bucket), Direction::forward, UINT64_MAX,
                       [&](std::string_view key, std::string_view) {
                         if (ids) ids->push_back(after_last_nul(key));
                         return true;
                       });
  };
  ProjectWork out;
  std::vector<std::string> tasks;
  for (const auto& project : projects) {
    auto t = in_project("task", project, &tasks);
    if (!t) return unexpected(t.error());
    auto c = in_project("contact", project, nullptr);
    if (!c) return unexpected(c.error());
    out.contacts += *c;
  }
  auto task_rows = records_in(*records, EntityKind::task, tasks);
  if (!task_rows) return unexpected(task_rows.error());
  for (const auto& task : *task_rows) {
    if (!task) continue;
    ++out.tasks;
    const std::string status = task->text("status");
    if (status == "done")
      ++out.tasks_done;
    else if (status == "cancelled")
      ++out.tasks_cancelled;
    else
      ++out.tasks_open;
    if (const auto* log = task->field("work_log"); log && log->get<domain::List>())
      for (const auto& entry : *log->get<domain::List>())
        if (const auto* o = entry.get<domain::Object>())
          if (const Value* m = domain::find(*o, "minutes"); m && m->get<int64_t>())
            out.minutes_logged += *m->get<int64_t>();
  }
  auto project_rows = records_in(*records, EntityKind::project, projects);
  if (!project_rows) return unexpected(project_rows.error());
  std::set<std::string> clients;
  for (const auto& project : *project_rows)
    if (const Value* ids = project ? project->field("client_ids") : nullptr)
      for (auto& id : filed_under(*ids, {})) clients.insert(std::move(id));
  out.clients = clients.size();
  return out;
}

eventstore::result<std::optional<Turnover>> Queries::turnover(const std::string& client_id,
                                                              domain::Date as_of) const {
  auto client = record(EntityKind::client, client_id);
  if (!client) return unexpected(client.error());
  if (!*client) return std::optional<Turnover>();
  Turnover t;
  t.turnover_12m = domain::turnover_12m(**client, as_of);
  if (const Value* p = (*client)->field("potential"); p && p->get<domain::Money>())
    t.potential = *p->get<domain::Money>();
  return std::optional<Turnover>(t);
}

eventstore::result<Page> Queries::tasks(const TaskQuery& q) const {
  auto found = tables_of("my_tasks");
  if (!found) return unexpected(found.error());
  const auto& tables = *found;
  auto cursor = unhex(q.cursor);
  if (!cursor) return unexpected(bad_cursor("is not one this server gave"));
  std::string prefix =
      std::string(q.scope == TaskQuery::Scope::assigned ? "a" : "d") + '\0' + q.operator_id + '\0';
  if (q.status != TaskQuery::Status::all)
    prefix += std::string(q.status == TaskQuery::Status::open ? "0" : "1") + '\0';
  const std::string upper = rows_end(prefix);
  const std::string from = cursor->empty() ? prefix : *cursor + '\0';
  if (from < prefix) return unexpected(bad_cursor("belongs to another list"));
  return page_of(tables[0], EntityKind::task, from, upper, q.limit);
}

}  // namespace crm::projections
