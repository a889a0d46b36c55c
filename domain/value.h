#pragma once
// Values of record fields: exact decimals and money, calendar dates, instants, and a small
// JSON-like tree for lists and objects. Pure: no I/O, no clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace crm::domain {

/// Fixed-point decimal with 4 fractional digits (units of 0.0001). Never floating point.
struct Decimal {
  static constexpr int64_t kScale = 10'000;
  int64_t units = 0;

  /// "-12.5", "1234.5000", "7". Refuses exponents, more than 4 fractional digits, overflow.
  static std::optional<Decimal> parse(std::string_view text);
  /// Shortest exact form with at least `min_fraction` fractional digits ("1234.50" for 2).
  std::string format(int min_fraction = 0) const;
  auto operator<=>(const Decimal&) const = default;
};

/// An amount with an ISO 4217 currency code ("PLN").
struct Money {
  Decimal amount;
  std::string currency;
  auto operator<=>(const Money&) const = default;
};

/// A calendar date, as days since 1970-01-01.
struct Date {
  int32_t days = 0;
  static std::optional<Date> parse(std::string_view text);  // "YYYY-MM-DD"
  static Date from_ymd(int year, unsigned month, unsigned day);
  /// 9999-12-31, the last date `parse` reads and `format` writes with four digits of year: the
  /// domain plans nothing after it.
  static Date last();
  std::string format() const;
  int year() const;
  unsigned month() const;
  unsigned day() const;
  Date add_days(int n) const { return Date{days + n}; }
  /// Same day n months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29).
  Date add_months(int n) const;
  auto operator<=>(const Date&) const = default;
};

/// An instant, as microseconds since the Unix epoch (UTC).
struct DateTime {
  int64_t micros = 0;
  /// RFC 3339: "2026-11-22T09:30:00Z", fractions and "+01:00" offsets accepted.
  static std::optional<DateTime> parse(std::string_view text);
  std::string format() const;  // UTC, "Z"; fractional seconds only when not whole
  auto operator<=>(const DateTime&) const = default;
};

/// A day of the year without a year ("MM-DD"), e.g. a name day. 02-29 is allowed.
struct MonthDay {
  unsigned month = 1;
  unsigned day = 1;
  static std::optional<MonthDay> parse(std::string_view text);
  std::string format() const;
  auto operator<=>(const MonthDay&) const = default;
};

struct Value;
using List = std::vector<Value>;
/// Key-value pairs in insertion order; keys are unique.
using Object = std::vector<std::pair<std::string, Value>>;

/// A field value. Input from the API arrives "raw" (null, bool, integer, Decimal for other
/// numbers, string, List, Object) and is converted to the field's type by domain::fields.
struct Value {
  using Variant = std::variant<std::monostate, bool, int64_t, Decimal, Money, Date, DateTime,
                               MonthDay, std::string, List, Object>;
  Variant v;

  Value() = default;
  template <class T>
  requires std::is_constructible_v<Variant, T&&> Value(T&& x) : v(std::forward<T>(x)) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(int x) : v(int64_t{x}) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  template <class T>
  const T* get() const {
    return std::get_if<T>(&v);
  }
  bool operator==(const Value& o) const;
};

/// The value stored under `key` in an object, or nullptr.
const Value* find(const Object& object, std::string_view key);
/// Sets (or replaces) `key` in an object.
void set(Object& object, std::string key, Value value);

/// A readable rendering for messages and logs (not the API's JSON).
std::string to_display(const Value& value);

}  // namespace crm::domain
