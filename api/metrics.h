#pragma once
// Prometheus metrics of the API: requests by route and status, latency histograms by route.
// Other gauges (appends, projection lag, connections) are written by the caller of render().
//
// Thread safety: observe() and render() may be called from any thread; observe() is lock-free.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crm::api {

class Metrics {
 public:
  /// `routes`: the route names (index = route id); an extra "unmatched" route is added.
  explicit Metrics(std::vector<std::string> routes);
  size_t unmatched() const { return routes_.size() - 1; }
  void observe(size_t route, int status, double seconds);
  /// The request metrics in Prometheus text format (version 0.0.4).
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    2.5};
  static constexpr int kStatuses = 600;
  struct PerRoute {
    std::array<std::atomic<uint64_t>, kStatuses> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  std::vector<std::string> routes_;
  std::unique_ptr<PerRoute[]> data_;
};

}  // namespace crm::api
