#pragma once
// A bounded, thread-safe map for memoising derived values (decoded records, their JSON).
//
// Two generations per shard: lookups hit the young one, or the old one and move the entry to
// the young; when the young one is full it becomes the old one, dropping the previous old
// generation. That keeps what was used in the last one or two generations, roughly LRU, with
// no per-entry bookkeeping. Values are shared pointers, so a reader keeps its value however the
// cache moves on.

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
  /// At most about 2 × `capacity` entries are held.
  explicit Cache(size_t capacity) : per_shard_(capacity / kShards + 1) {}

  std::shared_ptr<const V> find(std::string_view key) const {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    if (auto it = s.young.find(key); it != s.young.end()) return it->second;
    auto it = s.old.find(key);
    if (it == s.old.end()) return nullptr;
    auto value = it->second;
    s.old.erase(it);
    put_locked(s, std::string(key), value);
    return value;
  }

  void put(std::string key, std::shared_ptr<const V> value) const {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    put_locked(s, std::move(key), std::move(value));
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

  void put_locked(Shard& s, std::string key, std::shared_ptr<const V> value) const {
    // The old generation is dropped two entries per insert rather than all at once when the
    // young one is full: freeing thousands of values in one call was a latency spike (a p99 of
    // 2.5 ms for list pages walking through new records). Two per insert empties it in time.
    for (int i = 0; i < 2 && !s.old.empty(); ++i) s.old.erase(s.old.begin());
    if (s.young.size() >= per_shard_ && !s.young.contains(key)) {
      s.old.clear();  // empty by now, unless finds filled the young one faster than puts
      std::swap(s.old, s.young);
    }
    s.young.insert_or_assign(std::move(key), std::move(value));
  }

  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace crm
