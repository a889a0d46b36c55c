#pragma once
// The demo datasets of BENCHMARKS.md, generated once through the real command path and kept in
// benchmarks/results/datasets/ (they take minutes to generate: medium about 1.5 min, large about
// half an hour).

#include <string>

#include "demo/generator.h"

namespace crm::bench {

/// The directory of the dataset's event log (seed 1, as of 2026-11-22), generated first if it is
/// not complete. The log is closed when this returns.
std::string dataset_log(const demo::Scale& scale);

}  // namespace crm::bench
