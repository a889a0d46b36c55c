#pragma once
// Random choices for randomized tests, the same each run: SEED=n in the environment tries others.

#include <cstdlib>
#include <random>
#include <vector>

namespace crm::testing {

class Randomness {
 protected:
  std::mt19937 rng_{std::getenv("SEED") ? static_cast<unsigned>(std::atoi(std::getenv("SEED")))
                                        : 2026u};

  template <class T>
  const T& pick(const std::vector<T>& from) {
    return from[rng_() % from.size()];
  }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
};

}  // namespace crm::testing
