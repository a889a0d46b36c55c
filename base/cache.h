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
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crm {

template <class V>
class Cache {
 public:
  /// About `capacity` entries are held.
  explicit Cache(size_t capacity) : per_shard_(capacity / kShards + 1) {}

  std::shared_ptr<const V> find(std::string_view key) const {
    Shard& s = shard(key);
    std::lock_guard lock(s.mu);
    return find_locked(s, key);
  }

  /// find() of each key (null where absent), locking each shard once rather than once per key:
  /// a page's fifty look-ups from two threads otherwise pass each shard's lock back and forth.
  std::vector<std::shared_ptr<const V>> find_many(const std::vector<std::string>& keys) const {
    std::vector<std::shared_ptr<const V>> out(keys.size());
    std::vector<uint8_t> where(keys.size());
    std::array<bool, kShards> used{};
    for (size_t i = 0; i < keys.size(); ++i) used[where[i] = shard_of(keys[i])] = true;
    for (size_t n = 0; n < kShards; ++n) {
      if (!used[n]) continue;
      std::lock_guard lock(shards_[n].mu);
      for (size_t i = 0; i < keys.size(); ++i)
        if (where[i] == n) out[i] = find_locked(shards_[n], keys[i]);
    }
    return out;
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

  static size_t shard_of(std::string_view key) { return Hash{}(key) % kShards; }
  Shard& shard(std::string_view key) const { return shards_[shard_of(key)]; }

  std::shared_ptr<const V> find_locked(Shard& s, std::string_view key) const {
    if (auto it = s.young.find(key); it != s.young.end()) return it->second;
    auto it = s.old.find(key);
    if (it == s.old.end()) return nullptr;
    auto value = it->second;
    s.old.erase(it);  // one out of the old generation for the one into the young
    add_young(s, std::string(key), value);
    return value;
  }

  void add_young(Shard& s, std::string key, std::shared_ptr<const V> value) const {
    // Young and old together never hold more than per_shard_ + 1 once the young one has first
    // filled (each entry in takes one out), so the old one is empty when the young one is full.
    if (s.young.size() >= per_shard_ && !s.young.contains(key)) std::swap(s.old, s.young);
    s.young.insert_or_assign(std::move(key), std::move(value));
  }

  size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

/// Copies of a Cache dealt to threads in turn, a thread keeping the copy it is first dealt:
/// threads that read the same entries at once (the server's I/O threads serving one list page)
/// then pass neither each entry's reference count nor each shard's lock between their cores.
/// `api.list` (a page of 50 from 64 connections), six alternating runs: server CPU 73 us a page
/// with one shared cache, 62 with these; pages/s against nginx in the same run 0.58 -> 0.63.
/// Each copy holds about `capacity` entries; an entry found in one copy is missing in the others.
template <class V>
class ThreadCaches {
 public:
  explicit ThreadCaches(size_t capacity) {
    for (auto& c : copies_) c = std::make_unique<Cache<V>>(capacity);
  }

  /// The calling thread's copy.
  const Cache<V>& mine() const {
    static std::atomic<size_t> dealt{0};
    thread_local const size_t slot = dealt.fetch_add(1, std::memory_order_relaxed);
    return *copies_[slot % kCopies];
  }

 private:
  static constexpr size_t kCopies = 4;  // at least the I/O threads of the machines (2 cores)
  std::array<std::unique_ptr<Cache<V>>, kCopies> copies_;
};

}  // namespace crm
