#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;

class ReadTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // positions: 1 client-1 v1 A, 2 client-10 v1 A, 3 task-1 v1 B, 4 client-1 v2 B,
    //            5 client-1 v3 A, 6 task-1 v2 A
    ASSERT_TRUE(store().append("client-1", V::no_stream(), {event("A", "1")}));
    ASSERT_TRUE(store().append("client-10", V::no_stream(), {event("A", "2")}));
    ASSERT_TRUE(store().append("task-1", V::no_stream(), {event("B", "3")}));
    ASSERT_TRUE(store().append("client-1", V::exact(1), {event("B", "4"), event("A", "5")}));
    ASSERT_TRUE(store().append("task-1", V::exact(1), {event("A", "6")}));
  }

  template <class Read>
  std::vector<uint64_t> positions(Read read) {
    std::vector<uint64_t> out;
    auto r = read([&](const RecordedEvent& e) {
      out.push_back(e.position);
      return true;
    });
    EXPECT_TRUE(r) << r.error().message;
    if (r) {
      EXPECT_EQ(*r, out.size());
    }
    return out;
  }
};

using P = std::vector<uint64_t>;

TEST_F(ReadTest, AllForwardFromPosition) {
  EXPECT_EQ(positions([&](auto v) { return store().read_all(1, 100, v); }), (P{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(positions([&](auto v) { return store().read_all(4, 100, v); }), (P{4, 5, 6}));
  EXPECT_EQ(positions([&](auto v) { return store().read_all(2, 2, v); }), (P{2, 3}));
  EXPECT_EQ(positions([&](auto v) { return store().read_all(7, 100, v); }), P{});
  EXPECT_EQ(positions([&](auto v) { return store().read_all(0, 1, v); }), P{1});
}

TEST_F(ReadTest, EventsAtGivenPositionsInTheOrderGiven) {
  EXPECT_EQ(positions([&](auto v) { return store().read_at({5, 1, 3}, v); }), (P{5, 1, 3}));
  EXPECT_EQ(positions([&](auto v) {
              return store().read_at({0, 6, 7, 100}, v);
            }),
            P{6})
      << "none at 0 or past the head";
  EXPECT_EQ(positions([&](auto v) { return store().read_at({}, v); }), P{});
  std::vector<std::string> payloads;
  ASSERT_TRUE(store().read_at({4, 2}, [&](const RecordedEvent& e) {
    payloads.emplace_back(e.payload);
    return true;
  }));
  EXPECT_EQ(payloads, (std::vector<std::string>{"4", "2"}));
}

TEST_F(ReadTest, VisitorCanStop) {
  int seen = 0;
  auto r = store().read_all(1, 100, [&](const RecordedEvent&) { return ++seen < 3; });
  ASSERT_TRUE(r);
  EXPECT_EQ(seen, 3);
}

TEST_F(ReadTest, StreamForwardAndBackward) {
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-1", 1, Direction::forward, 100, v);
            }),
            (P{1, 4, 5}));
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-1", 2, Direction::forward, 1, v);
            }),
            (P{4}));
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-1", UINT64_MAX, Direction::backward, 100, v);
            }),
            (P{5, 4, 1}));
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-1", 2, Direction::backward, 100, v);
            }),
            (P{4, 1}));
  // "client-1" must not pick up "client-10".
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-10", 1, Direction::forward, 100, v);
            }),
            (P{2}));
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-2", 1, Direction::forward, 100, v);
            }),
            P{});
  // From one past the end (a command's look-up of a record it has cached), and from 0.
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("client-1", 4, Direction::forward, 100, v);
            }),
            P{});
  EXPECT_EQ(positions([&](auto v) {
              return store().read_stream("task-1", 0, Direction::forward, 100, v);
            }),
            (P{3, 6}));
}

TEST_F(ReadTest, StreamExists) {
  EXPECT_TRUE(*store().stream_exists("client-1"));
  EXPECT_TRUE(*store().stream_exists("client-10"));
  EXPECT_FALSE(*store().stream_exists("client-2"));
  EXPECT_FALSE(*store().stream_exists("client"));
  ASSERT_TRUE(store().append("client-2", V::no_stream(), {event("A", "7")}));
  EXPECT_TRUE(*store().stream_exists("client-2"));
}

TEST_F(ReadTest, ByCategoryAndType) {
  EXPECT_EQ(positions([&](auto v) { return store().read_category("client", 1, 100, v); }),
            (P{1, 2, 4, 5}));
  EXPECT_EQ(positions([&](auto v) { return store().read_category("client", 3, 100, v); }),
            (P{4, 5}));
  EXPECT_EQ(positions([&](auto v) { return store().read_category("task", 1, 1, v); }), (P{3}));
  EXPECT_EQ(positions([&](auto v) { return store().read_category("cli", 1, 100, v); }), P{});
  EXPECT_EQ(positions([&](auto v) { return store().read_event_type("A", 1, 100, v); }),
            (P{1, 2, 5, 6}));
  EXPECT_EQ(positions([&](auto v) { return store().read_event_type("B", 4, 100, v); }), (P{4}));
}

TEST_F(ReadTest, PayloadsAndVersionsComeBack) {
  std::vector<std::pair<uint64_t, std::string>> got;
  ASSERT_TRUE(store().read_stream("client-1", 1, Direction::forward, 100, [&](const auto& e) {
    got.emplace_back(e.version, e.payload);
    return true;
  }));
  EXPECT_EQ(got, (std::vector<std::pair<uint64_t, std::string>>{{1, "1"}, {2, "4"}, {3, "5"}}));
}

TEST_F(ReadTest, LargePayloadRoundTrips) {
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>(i);
  ASSERT_TRUE(store().append("blob-1", V::no_stream(), {event("Big", big)}));
  std::string back;
  ASSERT_TRUE(store().read_all(7, 1, [&](const RecordedEvent& e) {
    back = e.payload;
    return true;
  }));
  EXPECT_EQ(back, big);
}

// A full compaction rewrites every file (to ZSTD at the bottom level): the log reads and chains
// as before, and its indexes still answer, after a reopen too.
TEST_F(ReadTest, CompactionKeepsTheLogAsItWas) {
  auto all = [&] {
    std::vector<std::string> out;
    EXPECT_TRUE(store().read_all(1, 100, [&](const RecordedEvent& e) {
      out.push_back(std::to_string(e.position) + " " + e.stream + " " + e.type + " " + e.payload);
      return true;
    }));
    return out;
  };
  const auto before = all();
  ASSERT_EQ(before.size(), 6u);
  ASSERT_TRUE(store().compact());
  reopen();
  EXPECT_EQ(all(), before);
  EXPECT_EQ(positions([&](auto v) { return store().read_category("client", 1, 100, v); }),
            (P{1, 2, 4, 5}));
  EXPECT_EQ(store().stream_version("task-1").value(), 2u);
  auto chain = store().verify();
  ASSERT_TRUE(chain);
  EXPECT_TRUE(chain->ok);
  EXPECT_EQ(chain->checked, 6u);
}

}  // namespace
}  // namespace crm::eventstore::test
