#include "benchmarks/dataset.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "application/passwords.h"
#include "eventstore/event_store.h"

namespace crm::bench {

std::string dataset_log(const demo::Scale& scale) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::path("benchmarks/results/datasets") / (std::string(scale.name) + "-seed1");
  const std::string log = (dir / "log").string();
  if (fs::exists(dir / "complete")) return log;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::fprintf(stderr, "generating the %s dataset (once; kept in %s)\n", scale.name, dir.c_str());
  eventstore::Options o;
  o.sync = false;
  auto store = std::move(eventstore::EventStore::open(log, o)).value();
  demo::Options d;
  d.scale = scale;
  d.seed = 1;
  d.today_us = 1'795'305'600'000'000;  // 2026-11-22T00:00:00Z: the same dataset every run
  const auto report = demo::generate(*store, d);
  if (report.refused != 0 || !store->flush()) std::abort();
  std::ofstream(dir / "complete") << report.events << "\n";
  return log;
}

void run_scales(const Settings& s, std::initializer_list<std::string_view> large_names,
                const std::function<void(const demo::Scale&)>& run) {
  if (s.quick) return run(demo::kSmall);
  run(demo::kMedium);
  for (const auto& p : s.prefixes)
    if (std::find(large_names.begin(), large_names.end(), p) != large_names.end())
      return run(demo::kLarge);
}

domain::Command bench_operator() {
  return {domain::EntityKind::operator_,
          domain::Action::create,
          "op-bench",
          {{"login", "bench"}, {"name", "Benchmark"}, {"role", "admin"}},
          "op-bench",
          {},
          application::hash_password("bench-password")};
}

}  // namespace crm::bench
