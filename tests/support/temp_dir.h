#pragma once
// Test fixtures shared by all test and benchmark binaries.

#include <atomic>
#include <cstdint>
#include <string>

namespace crm::testing {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "crm-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// The system clock in microseconds since the epoch (for tests that run a real server).
int64_t wall_clock_us();

/// A clock the test moves by hand; thread-safe. Microseconds since the epoch.
class ManualClock {
 public:
  explicit ManualClock(int64_t start_us = 1'700'000'000'000'000) : now_(start_us) {}
  int64_t now() const { return now_.load(); }
  void advance(int64_t us) { now_ += us; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace crm::testing
