#pragma once
// Local calendar time. People in this CRM live in Europe/Warsaw: "today", the date of logged
// work, due and overdue are local dates, whatever the UTC instant.

#include "domain/value.h"

namespace crm::domain {

/// The Europe/Warsaw calendar date of an instant.
Date local_date(DateTime instant);
/// The instant of local midnight starting `day` in Europe/Warsaw.
DateTime local_midnight(Date day);

}  // namespace crm::domain
