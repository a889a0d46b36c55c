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
  for (const char* where : {"in the memtable", "in files"}) {  // bounds given backwards: none
    EXPECT_EQ(keys(*store, a, "k3", "k1"), std::vector<std::string>{}) << where;
    EXPECT_EQ(keys(*store, a, "k1", "k3", Direction::backward), std::vector<std::string>{})
        << where;
    ASSERT_TRUE(store->compact());
  }

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

TEST(TableStoreTest, ASeekerJumpsWithinItsBounds) {
  crm::testing::TempDir dir;
  auto store = std::move(TableStore::open(dir.sub("views"))).value();
  auto a = *store->table("a");
  auto batch = store->batch();
  for (const char* k : {"a1", "b1", "b3", "b5", "c1"}) batch.put(a, k, std::string("of ") + k);
  ASSERT_TRUE(store->write(std::move(batch)));
  auto forward = std::move(store->seeker(a, "b", "c", Direction::forward)).value();
  EXPECT_EQ(**forward.seek("b2"), "b3") << "the first at or after";
  EXPECT_EQ(forward.value(), "of b3");
  EXPECT_EQ(**forward.next(), "b5") << "the next row";
  EXPECT_EQ(forward.value(), "of b5");
  EXPECT_FALSE(forward.next()->has_value()) << "none past its upper bound";
  EXPECT_FALSE(forward.next()) << "no row to step on from";
  EXPECT_EQ(**forward.seek("b3"), "b3");
  EXPECT_EQ(**forward.seek("a"), "b1") << "not below its lower bound";
  EXPECT_FALSE(forward.seek("b6")->has_value()) << "nor at its upper bound";
  auto backward = std::move(store->seeker(a, "b", "c", Direction::backward)).value();
  EXPECT_EQ(**backward.seek("b3"), "b1") << "the last strictly before";
  EXPECT_EQ(**backward.seek("b4"), "b3");
  EXPECT_EQ(backward.value(), "of b3");
  EXPECT_EQ(**backward.next(), "b1") << "the row before";
  EXPECT_FALSE(backward.next()->has_value()) << "none below its lower bound";
  EXPECT_EQ(**backward.seek("z"), "b5") << "not past its upper bound";
  EXPECT_FALSE(backward.seek("b1")->has_value()) << "nor below its lower bound";
  EXPECT_FALSE(store->seeker(99, "", "", Direction::forward)) << "no such table";
}

// The estimate tells a range of many rows from one of few, in the memtable and in the files. (The
// memtable's is a skip list's sample: 18,801 to 55,294 for these 100,000 rows over 60 runs and
// CI, where a floor of 20,000 failed once; the files' 99,402.)
TEST(TableStoreTest, ApproximateRowsTellManyFromFew) {
  crm::testing::TempDir dir;
  auto store = std::move(TableStore::open(dir.sub("views"))).value();
  auto a = *store->table("a");
  EXPECT_EQ(store->approximate_rows(a, "", "z"), 0u) << "an empty table";
  auto batch = store->batch();
  char key[16];
  for (int i = 0; i < 100'000; ++i) {
    std::snprintf(key, sizeof key, "m%06d", i);
    batch.put(a, key, "a row's value");
  }
  for (const char* k : {"f1", "f2", "f3"}) batch.put(a, k, "a row's value");
  ASSERT_TRUE(store->write(std::move(batch)));
  for (const char* when : {"in the memtable", "in files"}) {
    const uint64_t many = store->approximate_rows(a, "m", "n");
    EXPECT_GT(many, 10'000u) << when;
    EXPECT_LT(many, 500'000u) << when;
    EXPECT_LT(store->approximate_rows(a, "f", "g"), 5'000u) << when;
    EXPECT_LT(store->approximate_rows(a, "x", "y"), 5'000u) << when << ": no rows";
    // A range whose end is before its start holds no rows (RocksDB asserts on such a range: a
    // list of a time range given backwards aborted the server).
    EXPECT_EQ(store->approximate_rows(a, "n", "m"), 0u) << when;
    EXPECT_EQ(store->approximate_rows(a, {{"n", "m"}, {"f", "f"}}), 0u) << when;
    ASSERT_TRUE(store->compact());
  }
  EXPECT_EQ(store->approximate_rows(99, "", "z"), 0u) << "no such table";
}

TEST(TableStoreTest, RowStampsChangeWhenTheirRowsAreWritten) {
  crm::testing::TempDir dir;
  auto store = std::move(TableStore::open(dir.sub("views"))).value();
  auto a = *store->table("a");
  auto stamps = [&](const std::string& prefix) {
    std::vector<uint64_t> out;
    for (int i = 0; i < 1000; ++i) out.push_back(store->row_stamp(a, prefix + std::to_string(i)));
    return out;
  };
  const auto written_before = stamps("w");
  const auto others_before = stamps("o");
  auto batch = store->batch();
  for (int i = 0; i < 1000; ++i)
    if (i % 2)
      batch.put(a, "w" + std::to_string(i), "v");
    else
      batch.erase(a, "w" + std::to_string(i));
  EXPECT_EQ(stamps("w"), written_before) << "nothing changes before the batch is written";
  ASSERT_TRUE(store->write(std::move(batch)));
  const auto written_after = stamps("w");
  const auto others_after = stamps("o");
  for (int i = 0; i < 1000; ++i)
    EXPECT_NE(written_after[i], written_before[i]) << "row w" << i << " was written";
  // Rows share stamps, so a few of the rows not written may have changed too: about 1000 x 1000
  // / 65,536 = 15 expected.
  int changed = 0;
  for (int i = 0; i < 1000; ++i) changed += others_after[i] != others_before[i];
  EXPECT_LT(changed, 50);

  ASSERT_TRUE(store->drop("a"));
  auto late = store->batch();
  late.put(a, "w1", "x");
  EXPECT_FALSE(store->write(std::move(late)));
  EXPECT_EQ(store->row_stamp(a, "w1"), written_after[1]) << "a failed write changes no stamp";
}

}  // namespace
}  // namespace crm::eventstore
