#pragma once
// A bounded, thread-safe map for memoising derived values (decoded records, their JSON).
//
// Two generations per shard: lookups hit the young one, or the old one and move the entry to
// the young; when the young one is full it becomes the old one. The old one drains one entry per
// entry added, so it is empty by the time the young one is full: values are freed one at a time,
// never a generation's thousands in one call (that was a latency spike: list pages' p99 2.5 ms).
// That keeps about `capacity` entries, the most recently used roughly, with no per-entry
// bookkeeping. Values are shared pointers, so a reader keeps its value however the cache moves on.

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace crm {

template <class V>
class Cache {
 public:
  /// About `capacity` entries are held.
  explicit Cache(size_t capacity) : per_shard_(capacity / kShards + 1) {}

  std::shared_ptr<const V> find(std::string_view key) const {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    if (auto it = s.young.find(key); it != s.young.end()) return it->second;
    auto it = s.old.find(key);
    if (it == s.old.end()) return nullptr;
    auto value = it->second;
    s.old.erase(it);  // one out of the old generation for the one into the young
    add_young(s, std::string(key), value);
    return value;
  }

  void put(std::string key, std::shared_ptr<const V> value) const {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    if (!s.old.empty()) s.old.erase(s.old.begin());
    add_young(s, std::move(key), std::move(value));
  }

 private:
  static constexpr size_t kShards = 16;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::shared_ptr<const V>, Hash, std::equal_to<>>;
  struct Shard {
    std::mutex mu;
    Map young, old;
  };

  Shard& shard(std::string_view key) const { return shards_[Hash{}(key) % kShards]; }

  void add_young(Shard& s, std::string key, std::shared_ptr<const V> value) const {
    // Young and old together never hold more than per_shard_ once the young one has first filled
    // (each entry in takes one out), so the old one is empty when the young one is full.
    if (s.young.size() >= per_shard_ && !s.young.contains(key)) std::swap(s.old, s.young);
    s.young.insert_or_assign(std::move(key), std::move(value));
  }

  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace crm
