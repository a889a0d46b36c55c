#include "api/metrics.h"

#include <cstdio>

namespace crm::api {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("unmatched");
  data_ = std::make_unique<PerRoute[]>(routes_.size());
}

void Metrics::observe(size_t route, int status, double seconds) {
  if (route >= routes_.size()) route = unmatched();
  PerRoute& r = data_[route];
  if (status >= 0 && status < kStatuses)
    r.by_status[status].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  r.count.fetch_add(1, std::memory_order_relaxed);
  r.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out =
      "# HELP crm_http_requests_total HTTP requests by route and status.\n"
      "# TYPE crm_http_requests_total counter\n";
  char line[512];
  for (size_t i = 0; i < routes_.size(); ++i)
    for (int s = 0; s < kStatuses; ++s)
      if (const uint64_t n = data_[i].by_status[s].load(std::memory_order_relaxed)) {
        std::snprintf(line, sizeof line,
                      "crm_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                      routes_[i].c_str(), s, static_cast<unsigned long long>(n));
        out += line;
      }
  out +=
      "# HELP crm_http_request_duration_seconds Time from a complete request to its response.\n"
      "# TYPE crm_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < routes_.size(); ++i) {
    const PerRoute& r = data_[i];
    const uint64_t count = r.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += r.buckets[b].load(std::memory_order_relaxed);
      if (b < kBuckets.size())
        std::snprintf(line, sizeof line,
                      "crm_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                      routes_[i].c_str(), kBuckets[b], static_cast<unsigned long long>(cumulative));
      else
        std::snprintf(line, sizeof line,
                      "crm_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                      routes_[i].c_str(), static_cast<unsigned long long>(cumulative));
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "crm_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                  "crm_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                  routes_[i].c_str(), static_cast<double>(r.sum_ns.load()) / 1e9,
                  routes_[i].c_str(), static_cast<unsigned long long>(count));
    out += line;
  }
  return out;
}

}  // namespace crm::api
