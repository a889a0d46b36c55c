#include "eventstore/subscription.h"

#include <thread>

#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;
using namespace std::chrono_literals;

std::vector<RecordedEvent> drain(Subscription& sub, size_t want, std::chrono::seconds limit = 30s) {
  std::vector<RecordedEvent> got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(97, 200ms);
    EXPECT_TRUE(batch) << batch.error().message;
    if (!batch) break;
    for (auto& e : *batch) got.push_back(std::move(e));
  }
  return got;
}

TEST_F(StoreTest, SubscriptionTimesOutEmptyWhenNothingHappens) {
  auto sub = store().subscribe(StreamFilter::all(), 1);
  auto batch = sub->next(10, 20ms);
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->empty());
}

// Catch-up from 0 while 8 writers append, then live: every event exactly once, in order.
TEST_F(StoreTest, AllSubscriptionSeesEveryEventOnceUnderConcurrentAppends) {
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(store().append("pre-" + std::to_string(i % 5), V::any(), events(1)));
  constexpr int kWriters = 8, kAppends = 300;
  const size_t total = 200 + kWriters * kAppends * 2;
  auto sub = store().subscribe(StreamFilter::all(), 1);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAppends; ++i)
        ASSERT_TRUE(store().append("w-" + std::to_string(w), V::any(), events(2)));
    });
  auto got = drain(*sub, total);
  for (auto& t : writers) t.join();
  ASSERT_EQ(got.size(), total);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].position, i + 1);
  EXPECT_LE(sub->next_position(), store().head() + 1);
  auto extra = sub->next(10, 50ms);
  ASSERT_TRUE(extra);
  EXPECT_TRUE(extra->empty()) << "no duplicates after the end";
}

TEST_F(StoreTest, CategoryAndStreamSubscriptionsFilterWithoutGaps) {
  constexpr int kAppends = 400;
  auto by_category = store().subscribe(StreamFilter::category("task"), 1);
  auto by_stream = store().subscribe(StreamFilter::stream("task-3"), 1);
  std::thread writer([&] {
    for (int i = 0; i < kAppends; ++i) {
      ASSERT_TRUE(store().append("task-" + std::to_string(i % 4), V::any(), events(1)));
      ASSERT_TRUE(store().append("client-" + std::to_string(i % 4), V::any(), events(1)));
    }
  });
  auto tasks = drain(*by_category, kAppends);
  auto task3 = drain(*by_stream, kAppends / 4);
  writer.join();
  ASSERT_EQ(tasks.size(), static_cast<size_t>(kAppends));
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(tasks[i].category(), "task");
    if (i > 0) {
      EXPECT_LT(tasks[i - 1].position, tasks[i].position);
    }
  }
  ASSERT_EQ(task3.size(), static_cast<size_t>(kAppends / 4));
  for (size_t i = 0; i < task3.size(); ++i) {
    EXPECT_EQ(task3[i].stream, "task-3");
    EXPECT_EQ(task3[i].version, i + 1);
  }
}

TEST_F(StoreTest, SubscriptionStartsAtTheGivenPosition) {
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store().append("x-" + std::to_string(i % 2), V::any(), events(1)));
  auto all = store().subscribe(StreamFilter::all(), 6);
  auto got = drain(*all, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got.front().position, 6u);
  // Stream x-1 has its events at positions 2,4,6,8,10; from position 5 that is 6,8,10.
  auto stream = store().subscribe(StreamFilter::stream("x-1"), 5);
  auto s = drain(*stream, 3);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].position, 6u);
  EXPECT_EQ(s[2].position, 10u);
}

}  // namespace
}  // namespace crm::eventstore::test
