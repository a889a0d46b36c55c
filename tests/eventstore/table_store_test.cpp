#include "eventstore/table_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST(TableStoreTest, IngestedRowsReplaceAndDeleteAtomicallyAndBadInputChangesNothing) {
  crm::testing::TempDir dir;
  auto store = std::move(TableStore::open(dir.sub("views"))).value();
  auto a = *store->table("a");
  auto b = *store->table("b");
  auto batch = store->batch();
  for (const char* k : {"k1", "k2", "k3"}) batch.put(a, k, "old");
  batch.put(b, "x", "1");
  ASSERT_TRUE(store->write(std::move(batch)));

  using R = TableStore::Row;
  ASSERT_TRUE(store->ingest({R{a, "k2", "new"}, R{a, "k3", std::nullopt}, R{a, "k5", "five"},
                             R{b, "y", "2"}}));
  EXPECT_EQ(**store->get(a, "k1"), "old");
  EXPECT_EQ(**store->get(a, "k2"), "new");
  EXPECT_FALSE(store->get(a, "k3")->has_value()) << "an ingested deletion hides the older row";
  EXPECT_EQ(keys(*store, a, "", ""), (std::vector<std::string>{"k1", "k2", "k5"}));
  EXPECT_EQ(keys(*store, b, "", ""), (std::vector<std::string>{"x", "y"}));

  const auto unsorted = store->ingest({R{b, "z", "3"}, R{a, "k7", "x"}, R{a, "k6", "x"}});
  ASSERT_FALSE(unsorted);
  EXPECT_EQ(unsorted.error().code, errc::invalid_argument);
  const auto split = store->ingest({R{a, "k6", "x"}, R{b, "z", "3"}, R{a, "k7", "x"}});
  ASSERT_FALSE(split);
  EXPECT_EQ(split.error().code, errc::invalid_argument);
  ASSERT_TRUE(store->drop("b"));
  EXPECT_FALSE(store->ingest({R{a, "k6", "x"}, R{b, "z", "3"}})) << "b was dropped";
  EXPECT_EQ(keys(*store, a, "", ""), (std::vector<std::string>{"k1", "k2", "k5"}))
      << "a refused ingest writes nothing";
  EXPECT_TRUE(std::filesystem::is_empty(dir.sub("views") + "/ingest")) << "no files left behind";
}

// Batches have no write-ahead log; ingest() flushes them first, so a crash right after an ingest
// keeps the rows written before it, which the ingested ones were computed from. The crash: a copy
// of the files as they are while the store is still open (what a killed process leaves).
TEST(TableStoreTest, RowsWrittenBeforeAnIngestSurviveACrashRightAfterIt) {
  crm::testing::TempDir dir;
  namespace fs = std::filesystem;
  {
    auto store = std::move(TableStore::open(dir.sub("views"))).value();
    auto a = *store->table("a");
    auto batch = store->batch();
    batch.put(a, "before", "1");
    ASSERT_TRUE(store->write(std::move(batch)));
    ASSERT_TRUE(store->ingest({{a, "ingested", "2"}}));
    fs::copy(dir.sub("views"), dir.sub("crashed"), fs::copy_options::recursive);
  }
  std::ofstream(dir.sub("crashed") + "/ingest/99.sst") << "a file an interrupted ingest left";
  auto store = std::move(TableStore::open(dir.sub("crashed"))).value();
  auto a = *store->find("a");
  EXPECT_EQ(keys(*store, a, "", ""), (std::vector<std::string>{"before", "ingested"}));
  EXPECT_TRUE(fs::is_empty(dir.sub("crashed") + "/ingest"));
}

}  // namespace
}  // namespace crm::eventstore
