// Helper process for the projection crash tests: projects the log into the views until killed
// (or done). usage: projections_crash_child LOG_DIR VIEWS_DIR [COUNTING_VERSION [crash]]
// With "crash" it ends as a crash would once caught up: without closing the views, so that what
// only memory held is lost.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/projections/fixture.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) return 2;
  const uint32_t counting_version = argc > 3 ? static_cast<uint32_t>(std::stoul(argv[3])) : 1;
  const bool crash = argc > 4 && std::string(argv[4]) == "crash";
  auto log = crm::eventstore::EventStore::open(argv[1]);
  auto views = crm::eventstore::TableStore::open(argv[2]);
  if (!log || !views) return 1;
  crm::projections::Runner runner(**log, **views,
                                  crm::projections::test::all_projections(counting_version));
  auto r = runner.catch_up();
  if (!r) std::fprintf(stderr, "%s\n", r.error().message.c_str());
  if (crash) ::_exit(r ? 0 : 1);
  return r ? 0 : 1;
}
