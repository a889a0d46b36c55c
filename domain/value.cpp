#include "domain/value.h"

#include <date/date.h>

#include <charconv>
#include <limits>

namespace crm::domain {
namespace {

// Parses exactly `n` digits at s[pos]; advances pos.
bool digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

// Appends `value` as at least `width` decimal digits, zero-padded (negative: a '-' first).
void put_digits(std::string& out, int64_t value, int width) {
  if (value < 0) out.push_back('-');
  uint64_t v = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) buf[n++] = '0';
  while (n > 0) out.push_back(buf[--n]);
}

void put_date(std::string& out, const date::year_month_day& ymd) {
  put_digits(out, static_cast<int>(ymd.year()), 4);
  out.push_back('-');
  put_digits(out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  put_digits(out, static_cast<unsigned>(ymd.day()), 2);
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

date::year_month_day ymd_of(Date d) {
  return date::year_month_day{date::sys_days{date::days{d.days}}};
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  const size_t int_start = pos;
  int64_t whole = 0;
  constexpr int64_t kMaxWhole = std::numeric_limits<int64_t>::max() / kScale;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    whole = whole * 10 + (text[pos++] - '0');
    if (whole > kMaxWhole) return std::nullopt;
  }
  const bool has_int = pos > int_start;
  int64_t fraction = 0;
  int fraction_digits = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t step = kScale / 10;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++fraction_digits > 4) return std::nullopt;
      fraction += (text[pos++] - '0') * step;
      step /= 10;
    }
    if (fraction_digits == 0) return std::nullopt;
  }
  if (pos != text.size() || (!has_int && fraction_digits == 0)) return std::nullopt;
  const int64_t units = whole * kScale + fraction;  // whole <= kMaxWhole: cannot overflow
  return Decimal{negative ? -units : units};
}

std::string Decimal::format(int min_fraction) const {
  static_assert(kScale == 10'000, "four fractional digits");
  const bool negative = units < 0;
  // |INT64_MIN| does not fit an int64; unsigned arithmetic handles it.
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(units) : static_cast<uint64_t>(units);
  std::string out(negative ? "-" : "");
  put_digits(out, static_cast<int64_t>(abs / kScale), 1);
  char fraction[4];
  uint64_t f = abs % kScale;
  for (int i = 3; i >= 0; --i, f /= 10) fraction[i] = static_cast<char>('0' + f % 10);
  int digits = 4;
  while (digits > min_fraction && fraction[digits - 1] == '0') --digits;
  if (digits > 0) out.append(".").append(fraction, static_cast<size_t>(digits));
  return out;
}

std::optional<Date> Date::parse(std::string_view text) {
  size_t pos = 0;
  int y = 0, m = 0, d = 0;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, m) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, d) || pos != text.size())
    return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Date{static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count())};
}

Date Date::from_ymd(int year, unsigned month, unsigned day) {
  return Date{
      static_cast<int32_t>(date::sys_days{date::year{year} / date::month{month} / date::day{day}}
                               .time_since_epoch()
                               .count())};
}

Date Date::last() {
  return from_ymd(9999, 12, 31);
}

std::string Date::format() const {
  std::string out;
  put_date(out, ymd_of(*this));
  return out;
}

int Date::year() const {
  return static_cast<int>(ymd_of(*this).year());
}
unsigned Date::month() const {
  return static_cast<unsigned>(ymd_of(*this).month());
}
unsigned Date::day() const {
  return static_cast<unsigned>(ymd_of(*this).day());
}

Date Date::add_months(int n) const {
  const auto ymd = ymd_of(*this);
  auto target = date::year_month{ymd.year(), ymd.month()} + date::months{n};
  const auto last = date::year_month_day_last{target.year(), date::month_day_last{target.month()}};
  const date::day d = std::min(ymd.day(), last.day());
  return Date{static_cast<int32_t>(
      date::sys_days{target.year() / target.month() / d}.time_since_epoch().count())};
}

std::optional<DateTime> DateTime::parse(std::string_view text) {
  size_t pos = 0;
  int y, mo, d, h, mi, s;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, d))
    return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return std::nullopt;
  ++pos;
  if (!digits(text, pos, 2, h) || !expect(text, pos, ':') || !digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, s))
    return std::nullopt;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int n = 0;
    int64_t scale = 100'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n++ < 6) {
        micros += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;  // RFC 3339 requires an offset
  }
  if (pos != text.size() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  const int64_t seconds = days * 86400 + h * 3600 + mi * 60 + std::min(s, 59) - offset_s;
  return DateTime{seconds * 1'000'000 + micros};
}

std::string DateTime::format() const {
  const int64_t seconds = micros >= 0 ? micros / 1'000'000 : (micros - 999'999) / 1'000'000;
  const int64_t frac = micros - seconds * 1'000'000;
  const int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const int64_t in_day = seconds - days * 86400;
  std::string out;
  out.reserve(28);
  put_date(out, ymd_of(Date{static_cast<int32_t>(days)}));
  out.push_back('T');
  put_digits(out, in_day / 3600, 2);
  out.push_back(':');
  put_digits(out, in_day / 60 % 60, 2);
  out.push_back(':');
  put_digits(out, in_day % 60, 2);
  if (frac != 0) {
    out.push_back('.');
    put_digits(out, frac, 6);
    while (out.back() == '0') out.pop_back();
  }
  out.push_back('Z');
  return out;
}

std::optional<MonthDay> MonthDay::parse(std::string_view text) {
  size_t pos = 0;
  int m, d;
  if (!digits(text, pos, 2, m) || !expect(text, pos, '-') || !digits(text, pos, 2, d) ||
      pos != text.size())
    return std::nullopt;
  // Validated against a leap year so that 02-29 is a valid name day or birthday.
  const date::year_month_day ymd{date::year{2024}, date::month{static_cast<unsigned>(m)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return MonthDay{static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

std::string MonthDay::format() const {
  std::string out;
  put_digits(out, month, 2);
  out.push_back('-');
  put_digits(out, day, 2);
  return out;
}

bool Value::operator==(const Value& o) const {
  return v == o.v;
}

const Value* find(const Object& object, std::string_view key) {
  for (const auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}

void set(Object& object, std::string key, Value value) {
  for (auto& [k, v] : object)
    if (k == key) {
      v = std::move(value);
      return;
    }
  object.emplace_back(std::move(key), std::move(value));
}

std::string to_display(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(const Decimal& d) const { return d.format(); }
    std::string operator()(const Money& m) const { return m.amount.format(2) + " " + m.currency; }
    std::string operator()(const Date& d) const { return d.format(); }
    std::string operator()(const DateTime& t) const { return t.format(); }
    std::string operator()(const MonthDay& md) const { return md.format(); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const List& l) const {
      std::string out = "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + to_display(l[i]);
      return out + "]";
    }
    std::string operator()(const Object& o) const {
      std::string out = "{";
      for (size_t i = 0; i < o.size(); ++i)
        out += (i ? ", " : "") + o[i].first + ": " + to_display(o[i].second);
      return out + "}";
    }
  };
  return std::visit(Visitor{}, value.v);
}

}  // namespace crm::domain
