// Helper process for the projection crash test: projects the log into the views until killed
// (or done). usage: projections_crash_child LOG_DIR VIEWS_DIR
#include <cstdio>

#include "tests/projections/fixture.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto log = crm::eventstore::EventStore::open(argv[1]);
  auto views = crm::eventstore::TableStore::open(argv[2]);
  if (!log || !views) return 1;
  crm::projections::Runner runner(**log, **views, crm::projections::test::all_projections());
  auto r = runner.catch_up();
  if (!r) std::fprintf(stderr, "%s\n", r.error().message.c_str());
  return r ? 0 : 1;
}
