// Tamper evidence: change the stored bytes behind the store's back, then verify.
#include <rocksdb/db.h>

#include "eventstore/codec.h"
#include "eventstore/keys.h"
#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;

class TamperTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(store().append("c-" + std::to_string(i % 3), V::any(), events(1)));
    store_.reset();
  }

  // Opens the store's RocksDB directly and runs `edit` on the events column family.
  template <class Edit>
  void tamper(Edit edit) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {"default", "events", "stream_index", "category_index", "type_index", "commands"})
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_.sub("db"), cfs, &handles, &db).ok());
    edit(*db, handles[1]);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }

  VerifyReport verify() {
    reopen();
    auto report = store().verify();
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : VerifyReport{};
  }
};

TEST_F(TamperTest, IntactLogVerifies) {
  auto r = verify();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.checked, 10u);
}

TEST_F(TamperTest, FlippedByteIsFoundAtItsPosition) {
  for (size_t offset : {size_t{20}, size_t{60}}) {  // inside the envelope
    tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
      std::string value;
      ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), events, keys::position(6), &value).ok());
      value[offset % value.size()] ^= 0x01;
      ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, keys::position(6), value).ok());
    });
    auto r = verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.first_bad_position, 6u) << r.problem;
    store_.reset();
    // Undo, so the next offset starts from an intact log.
    tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
      std::string value;
      ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), events, keys::position(6), &value).ok());
      value[offset % value.size()] ^= 0x01;
      ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, keys::position(6), value).ok());
    });
  }
}

TEST_F(TamperTest, FlippedHashByteIsFound) {
  tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
    std::string value;
    ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), events, keys::position(3), &value).ok());
    value.back() ^= 0x80;
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, keys::position(3), value).ok());
  });
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_position, 3u);
  EXPECT_EQ(r.problem, "hash mismatch");
}

TEST_F(TamperTest, RewrittenEventWithRecomputedOwnHashBreaksTheNextLink) {
  // A forger who rewrites event 4 and fixes its own hash still breaks event 5's link.
  tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
    std::string v3, v4;
    ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), events, keys::position(3), &v3).ok());
    ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), events, keys::position(4), &v4).ok());
    std::string_view env3, env4;
    Hash h3, h4;
    ASSERT_TRUE(codec::split(v3, env3, h3));
    ASSERT_TRUE(codec::split(v4, env4, h4));
    std::string forged(env4);
    forged[forged.size() - 9] ^= 0x01;  // a payload byte
    Hash fixed = codec::chain_hash(h3, forged);
    forged.append(reinterpret_cast<const char*>(fixed.data()), fixed.size());
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, keys::position(4), forged).ok());
  });
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_position, 5u);
}

TEST_F(TamperTest, DeletedEventIsReportedAsAGap) {
  tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), events, keys::position(7)).ok());
  });
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_position, 7u);
  EXPECT_EQ(r.problem, "gap: event missing");
}

TEST_F(TamperTest, TruncatedTailIsReported) {
  tamper([&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), events, keys::position(10)).ok());
  });
  auto r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_position, 10u);
}

TEST_F(TamperTest, VerifyOfARangeAnchorsOnThePreviousHash) {
  reopen();
  auto r = store().verify(4, 8);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->checked, 5u);
}

}  // namespace
}  // namespace crm::eventstore::test
