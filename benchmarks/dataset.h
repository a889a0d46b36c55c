#pragma once
// The demo datasets of BENCHMARKS.md, generated once through the real command path and kept in
// benchmarks/results/datasets/ (they take minutes to generate: medium about 1.5 min, large about
// half an hour), and what the benchmarks share around them.

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "benchmarks/harness.h"
#include "demo/generator.h"
#include "domain/decide.h"

namespace crm::bench {

/// The directory of the dataset's event log (seed 1, as of 2026-11-22), generated first if it is
/// not complete. The log is closed when this returns.
std::string dataset_log(const demo::Scale& scale);

/// Runs `run` on the small dataset with --quick, else on the medium one, then on the large one
/// if one of `large_names` is among the names asked for (it takes half an hour to generate).
void run_scales(const Settings& s, std::initializer_list<std::string_view> large_names,
                const std::function<void(const demo::Scale&)>& run);

/// Creates the operator the HTTP benchmarks log in as: "bench", password "bench-password", admin.
domain::Command bench_operator();

}  // namespace crm::bench
