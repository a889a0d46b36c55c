// A second reader (the replay tools) follows a live store through a RocksDB secondary instance.
#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;

TEST_F(StoreTest, FollowerReadsALiveStoreAndCatchesUp) {
  ASSERT_TRUE(store().append("c-1", V::no_stream(), events(3)));
  auto follower = EventStore::open_follower(dir_.sub("db"), dir_.sub("follower"));
  ASSERT_TRUE(follower) << follower.error().message;
  auto& f = **follower;
  EXPECT_TRUE(f.read_only());
  EXPECT_EQ(f.head(), 3u);
  EXPECT_EQ(all_events(f).size(), 3u);

  ASSERT_TRUE(store().append("c-1", V::exact(3), events(2)));
  ASSERT_TRUE(f.refresh());
  EXPECT_EQ(f.head(), 5u);
  auto got = all_events(f);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got.back().version, 5u);
  auto report = f.verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok);

  auto refused = f.append("c-1", V::any(), events(1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::read_only);
  EXPECT_EQ(store().head(), 5u);
}

TEST_F(StoreTest, SecondWriterOnTheSameDirectoryIsRefused) {
  auto second = EventStore::open(dir_.sub("db"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::io_error);
}

}  // namespace
}  // namespace crm::eventstore::test
