#include "benchmarks/harness.h"

#include <cmath>
#include <cstring>

namespace crm::bench {
namespace {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string number(double v) {
  char buf[64];
  if (std::fabs(v) >= 100 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

Settings parse_settings(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      s.quick = true;
    else if (std::strcmp(argv[i], "--keep-views") == 0)
      s.keep_views = true;
    else if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc)
      s.json_out = argv[++i];
    else
      s.prefixes.emplace_back(argv[i]);
  }
  return s;
}

void print_table_header() {
  std::printf("| name | settings | value | unit | baseline | baseline value | ratio |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
}

void report(const Settings& s, const Row& r) {
  std::printf("| %s | %s | %s | %s | %s | %s | %.2f |\n", r.name.c_str(), r.settings.c_str(),
              number(r.value).c_str(), r.unit.c_str(), r.baseline.c_str(),
              number(r.baseline_value).c_str(), r.ratio);
  std::fflush(stdout);
  if (s.json_out.empty()) return;
  if (FILE* f = std::fopen(s.json_out.c_str(), "a")) {
    std::fprintf(f,
                 "{\"name\": \"%s\", \"settings\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", "
                 "\"baseline\": \"%s\", \"baseline_value\": %.6g, \"ratio\": %.4f}\n",
                 json_escape(r.name).c_str(), json_escape(r.settings).c_str(), r.value,
                 json_escape(r.unit).c_str(), json_escape(r.baseline).c_str(), r.baseline_value,
                 r.ratio);
    std::fclose(f);
  }
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t idx = std::min(samples.size() - 1,
                              static_cast<size_t>(p / 100.0 * static_cast<double>(samples.size())));
  return samples[idx];
}

}  // namespace crm::bench
