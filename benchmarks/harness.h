#pragma once
// A small harness shared by the benchmark executables: command-line settings, result rows
// (printed as Markdown and appended as JSON lines for benchmarks/run), latency percentiles.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace crm::bench {

struct Settings {
  bool quick = false;
  std::vector<std::string> prefixes;  // run only benchmarks whose name starts with one of these
  std::string json_out;               // append JSON lines here (empty: stdout only)
  bool keep_views = false;            // projections_bench: build the views once, keep them

  bool wants(const std::string& name) const {
    if (prefixes.empty()) return true;
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
      return name.rfind(p, 0) == 0 || p.rfind(name, 0) == 0;
    });
  }
};

Settings parse_settings(int argc, char** argv);

struct Row {
  std::string name;      // e.g. eventstore.append/w64/b1/sync
  std::string settings;  // human-readable settings that produced the figure
  double value = 0;
  std::string unit;      // events/s, us, ...
  std::string baseline;  // what the baseline is
  double baseline_value = 0;
  /// value / baseline_value, or for "lower is better" units the inverse if the caller says so.
  double ratio = 0;
};

/// Prints the row as a Markdown table line and appends it as one JSON object line to json_out.
void report(const Settings& s, const Row& row);
void print_table_header();

/// A figure for the table: thousands separated, sensible decimals.
std::string number(double v);
/// Percentile (0..100) of unsorted samples; sorts them.
double percentile(std::vector<double>& samples, double p);

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace crm::bench
