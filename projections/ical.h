#pragma once
// iCalendar (RFC 5545) for the operator calendar, written with libical, so that Outlook or Google
// Calendar can subscribe to it.

#include <string>
#include <vector>

#include "projections/views.h"

namespace crm::projections {

/// A VCALENDAR with one VEVENT per entry: timed items in UTC, all-day items as DATE values.
/// UIDs are stable ("<kind>-<id>-<date>@crm"), so a subscribing calendar updates in place.
/// `now` stamps DTSTAMP.
std::string to_icalendar(const std::vector<CalendarEntry>& entries,
                         const std::string& calendar_name, domain::DateTime now);

}  // namespace crm::projections
