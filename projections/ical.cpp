#include "projections/ical.h"

#include <libical/ical.h>

#include <memory>

#include "domain/decide.h"

namespace crm::projections {
namespace {

icaltimetype utc(domain::DateTime t) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(t.micros / 1'000'000), 0,
                                       icaltimezone_get_utc_timezone());
}

icaltimetype day(domain::Date d) {
  icaltimetype t = icaltime_null_date();
  t.year = d.year();
  t.month = static_cast<int>(d.month());
  t.day = static_cast<int>(d.day());
  t.is_date = 1;
  return t;
}

}  // namespace

std::string to_icalendar(const std::vector<CalendarEntry>& entries,
                         const std::string& calendar_name, domain::DateTime now) {
  std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)> cal(icalcomponent_new_vcalendar(),
                                                                    icalcomponent_free);
  icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(cal.get(), icalproperty_new_prodid("-//CRM//Kalendarz operatora//PL"));
  icalproperty* name = icalproperty_new_x(calendar_name.c_str());
  icalproperty_set_x_name(name, "X-WR-CALNAME");
  icalcomponent_add_property(cal.get(), name);
  for (const auto& e : entries) {
    icalcomponent* event = icalcomponent_new_vevent();
    const std::string uid =
        std::string(domain::name_of(e.kind)) + "-" + e.id + "-" + e.date.format() + "@crm";
    icalcomponent_add_property(event, icalproperty_new_uid(uid.c_str()));
    icalcomponent_add_property(event, icalproperty_new_dtstamp(utc(now)));
    // A task done or a visit completed stays in the calendar, marked (VEVENT has no "done").
    const std::string summary = (domain::work_done(e.kind, e.status) ? "✔ " : "") + e.title;
    icalcomponent_add_property(event, icalproperty_new_summary(summary.c_str()));
    if (e.start) {
      icalcomponent_add_property(event, icalproperty_new_dtstart(utc(*e.start)));
      const domain::DateTime end = e.end && e.start->micros < e.end->micros
                                       ? *e.end
                                       : domain::DateTime{e.start->micros + 3'600'000'000LL};
      icalcomponent_add_property(event, icalproperty_new_dtend(utc(end)));
    } else {
      icalcomponent_add_property(event, icalproperty_new_dtstart(day(e.date)));
      icalcomponent_add_property(event, icalproperty_new_dtend(day(e.date.add_days(1))));
    }
    icalcomponent_add_component(cal.get(), event);
  }
  char* text = icalcomponent_as_ical_string_r(cal.get());
  std::string out(text ? text : "");
  icalmemory_free_buffer(text);
  return out;
}

}  // namespace crm::projections
