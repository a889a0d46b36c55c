#include "domain/time.h"

#include <date/tz.h>

namespace crm::domain {
namespace {

const date::time_zone* warsaw() {
  static const date::time_zone* zone = date::locate_zone("Europe/Warsaw");
  return zone;
}

}  // namespace

Date local_date(DateTime instant) {
  const date::sys_time<std::chrono::microseconds> t{std::chrono::microseconds{instant.micros}};
  const auto local = warsaw()->to_local(t);
  return Date{static_cast<int32_t>(date::floor<date::days>(local).time_since_epoch().count())};
}

DateTime local_midnight(Date day) {
  const date::local_days local{date::days{day.days}};
  // At a DST change midnight exists once; choose the earlier instant if it were ambiguous.
  const auto t = warsaw()->to_sys(local, date::choose::earliest);
  return DateTime{
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count()};
}

}  // namespace crm::domain
