#include "eventstore/table_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace crm::eventstore {
namespace {

std::vector<std::string> keys(const TableStore& t, TableStore::TableId id, std::string_view from,
                              std::string_view to, Direction d = Direction::forward,
                              uint64_t max = 100) {
  std::vector<std::string> out;
  auto r = t.scan(id, from, to, d, max, [&](std::string_view k, std::string_view) {
    out.emplace_back(k);
    return true;
  });
  EXPECT_TRUE(r);
  return out;
}

TEST(TableStoreTest, BatchesScansDropsAndReopens) {
  crm::testing::TempDir dir;
  auto store = std::move(TableStore::open(dir.sub("views"))).value();
  auto a = *store->table("a");
  auto b = *store->table("b");
  auto batch = store->batch();
  for (const char* k : {"k1", "k2", "k3", "k4"}) batch.put(a, k, std::string("v") + k);
  batch.put(b, "checkpoint", "42");
  batch.erase(a, "k4");
  EXPECT_EQ(batch.operations(), 6u);
  ASSERT_TRUE(store->write(std::move(batch)));
  EXPECT_EQ(**store->get(a, "k2"), "vk2");
  EXPECT_FALSE(store->get(a, "k4")->has_value());
  EXPECT_EQ(keys(*store, a, "k2", ""), (std::vector<std::string>{"k2", "k3"}));
  EXPECT_EQ(keys(*store, a, "", "k3"), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(keys(*store, a, "k3", "", Direction::backward), (std::vector<std::string>{"k2", "k1"}));
  EXPECT_EQ(keys(*store, a, "", "k2", Direction::backward), (std::vector<std::string>{"k3", "k2"}));
  EXPECT_EQ(keys(*store, a, "", "", Direction::forward, 1), (std::vector<std::string>{"k1"}));

  store.reset();
  store = std::move(TableStore::open(dir.sub("views"))).value();
  EXPECT_EQ(store->tables(), (std::vector<std::string>{"a", "b"}));
  a = *store->find("a");
  EXPECT_EQ(**store->get(a, "k1"), "vk1");
  ASSERT_TRUE(store->drop("a"));
  EXPECT_FALSE(store->find("a"));
  auto late = store->batch();
  late.put(a, "k9", "x");
  EXPECT_FALSE(store->write(std::move(late))) << "a dropped table takes no writes";
  store.reset();
  store = std::move(TableStore::open(dir.sub("views"))).value();
  EXPECT_EQ(store->tables(), (std::vector<std::string>{"b"}));
}

}  // namespace
}  // namespace crm::eventstore
