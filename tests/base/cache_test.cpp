// The memo cache: bounded, finds what it holds, and find_many agrees with find.

#include "base/cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace crm {
namespace {

std::vector<std::string> keys(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("client/c" + std::to_string(i));
  return out;
}

TEST(CacheTest, FindManyAgreesWithFindAndStaysBounded) {
  Cache<std::string> cache(64);
  for (const auto& k : keys(0, 1000)) cache.put(k, std::make_shared<const std::string>("v" + k));
  auto all = keys(0, 1000);
  all.push_back("client/absent");
  const auto found = cache.find_many(all);
  ASSERT_EQ(found.size(), all.size());
  size_t held = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!found[i]) continue;
    ++held;
    EXPECT_EQ(*found[i], "v" + all[i]);
    EXPECT_EQ(cache.find(all[i]), found[i]) << all[i];  // the same entry, still held
  }
  EXPECT_EQ(found.back(), nullptr);
  // About the capacity is held (a shard's young and old generations together hold at most
  // capacity/16 + 2), the entry put last among them.
  EXPECT_GE(held, 32u);
  EXPECT_LE(held, 16u * (64u / 16 + 2));
  EXPECT_NE(found[999], nullptr);
}

TEST(CacheTest, FindManyFindsWhatFindFindsInBothGenerations) {
  // Two caches given the same puts: look-ups one by one in one, all at once in the other. Shards
  // are independent and find_many takes a shard's keys in their order, so the answers must be
  // the same, including entries found in the old generation (and moved to the young one).
  Cache<int> one(320), many(320);  // 21 per shard
  const auto all = keys(0, 400);
  for (size_t i = 0; i < all.size(); ++i) {
    one.put(all[i], std::make_shared<const int>(i));
    many.put(all[i], std::make_shared<const int>(i));
  }
  const auto first = keys(0, 100);  // mostly in old generations by now, or gone
  const auto found = many.find_many(first);
  size_t hits = 0;
  for (size_t i = 0; i < first.size(); ++i) {
    const auto expected = one.find(first[i]);
    ASSERT_EQ(expected == nullptr, found[i] == nullptr) << first[i];
    if (!expected) continue;
    ++hits;
    EXPECT_EQ(*found[i], static_cast<int>(i));
  }
  EXPECT_GT(hits, 0u);
  // Found again, both ways, after more puts that drain the old generations: the hits were moved
  // to the young ones.
  for (const auto& k : keys(400, 440)) {
    one.put(k, std::make_shared<const int>(-1));
    many.put(k, std::make_shared<const int>(-1));
  }
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(one.find(first[i]) == nullptr, many.find(first[i]) == nullptr) << first[i];
}

TEST(CacheTest, ThreadsKeepTheirOwnCopies) {
  // Two threads reading one entry at once must not share it (its reference count, its shard's
  // lock): each finds what it put itself, and not what the other put.
  ThreadCaches<std::string> caches(64);
  auto put_and_find = [&](const std::string& value) {
    caches.mine().put("client/c1", std::make_shared<const std::string>(value));
    const auto found = caches.mine().find("client/c1");
    return found ? *found : std::string("(absent)");
  };
  std::string first, second, absent_in_second;
  std::thread([&] { first = put_and_find("first"); }).join();
  std::thread([&] {
    const auto before = caches.mine().find("client/c1");
    absent_in_second = before ? *before : "(absent)";
    second = put_and_find("second");
  }).join();
  EXPECT_EQ(first, "first");
  EXPECT_EQ(absent_in_second, "(absent)");
  EXPECT_EQ(second, "second");
}

}  // namespace
}  // namespace crm
