#pragma once
// The demo datasets of BENCHMARKS.md (small, medium, large), generated deterministically from a
// seed through the real command path (CommandHandler): Polish company and person names, NIPs with
// valid check digits, addresses, phone numbers, name days, and contacts, tasks and service orders
// spread over the two years before the dataset's "today".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "eventstore/fwd.h"

namespace crm::demo {

struct Scale {
  const char* name;
  int operators, clients, persons, contacts, tasks, projects, campaigns, devices, service_orders;
};
inline constexpr Scale kSmall{"small", 12, 1'000, 3'000, 20'000, 10'000, 200, 5, 500, 1'500};
inline constexpr Scale kMedium{"medium", 60,    20'000, 60'000, 400'000,
                               200'000,  4'000, 50,     10'000, 30'000};
inline constexpr Scale kLarge{"large",   300,    200'000, 600'000, 4'000'000,
                              2'000'000, 40'000, 500,     100'000, 300'000};
std::optional<Scale> scale_from_name(std::string_view name);

struct Report {
  uint64_t commands = 0;
  uint64_t refused = 0;  // a generator bug if not 0; reported, never hidden
  uint64_t events = 0;   // head after generation minus head before
  double seconds = 0;
};

struct Options {
  Scale scale = kSmall;
  uint64_t seed = 1;
  /// The dataset's "today" (µs since the epoch, UTC); records are spread over the two years before.
  /// 0: today at 00:00 UTC.
  int64_t today_us = 0;
  /// Called now and then with (commands so far, commands planned in all).
  std::function<void(uint64_t, uint64_t)> progress;
};

/// Generates the dataset into `store` (which should be empty, or hold an earlier demo with
/// another seed). The operator "admin" must not be needed: the generator creates its own staff.
Report generate(eventstore::EventStore& store, const Options& options);

}  // namespace crm::demo
