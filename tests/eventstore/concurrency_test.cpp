#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;

// Many threads append with exact expected versions to a few shared streams, retrying on conflict.
// Afterwards: positions are dense and ordered, each stream's versions are dense, every success
// landed at exactly the version it expected, and every conflict named a version other than the
// one expected.
TEST_F(StoreTest, ConcurrentAppendsToOverlappingStreams) {
  constexpr int kThreads = 16;
  constexpr int kAppendsPerThread = 150;
  constexpr int kStreams = 6;
  std::atomic<int> conflicts{0}, wrong_conflicts{0}, successes{0};
  std::mutex mu;
  std::map<std::string, std::string> payload_at;  // "stream@version" -> payload we wrote there

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const std::string stream = "s-" + std::to_string((t + i) % kStreams);
        const std::string payload = std::to_string(t) + ":" + std::to_string(i);
        for (;;) {
          auto v = store().stream_version(stream);
          ASSERT_TRUE(v);
          auto r = store().append(stream, V::exact(*v), {event("E", payload)});
          if (r) {
            ASSERT_EQ(r->stream_versions.at(0), *v + 1);
            std::lock_guard lk(mu);
            payload_at[stream + "@" + std::to_string(*v + 1)] = payload;
            ++successes;
            break;
          }
          ASSERT_EQ(r.error().code, errc::version_conflict);
          ++conflicts;
          if (r.error().actual_version == *v) ++wrong_conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(successes, kThreads * kAppendsPerThread);
  EXPECT_EQ(wrong_conflicts, 0);
  EXPECT_EQ(store().head(), static_cast<uint64_t>(kThreads * kAppendsPerThread));

  auto all = all_events(store());
  ASSERT_EQ(all.size(), store().head());
  std::map<std::string, uint64_t> last_version;
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].position, i + 1) << "positions must be dense and ordered";
    ASSERT_EQ(all[i].version, ++last_version[all[i].stream]) << "stream versions must be dense";
    ASSERT_EQ(payload_at.at(all[i].stream + "@" + std::to_string(all[i].version)), all[i].payload);
  }
  auto report = store().verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  RecordProperty("conflicts", conflicts.load());
}

// Writers appending multi-stream batches concurrently: each batch's events are contiguous in the
// log (one append, one block of positions), and the group commit keeps every writer's own order.
TEST_F(StoreTest, ConcurrentMultiStreamAppendsStayContiguous) {
  constexpr int kThreads = 32;
  constexpr int kAppends = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint64_t previous_last = 0;
      for (int i = 0; i < kAppends; ++i) {
        std::vector<StreamAppend> req = {
            {"own-" + std::to_string(t), V::any(), events(2, "Own")},
            {"shared-" + std::to_string(i % 3), V::any(), events(1, "Shared")}};
        auto r = store().append(req, command("t" + std::to_string(t) + "-" + std::to_string(i)));
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_EQ(r->last_position - r->first_position, 2u);
        ASSERT_GT(r->first_position, previous_last) << "a writer's appends keep their order";
        previous_last = r->last_position;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = all_events(store());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kAppends * 3));
  for (size_t i = 0; i < all.size(); i += 3) {
    EXPECT_EQ(all[i].metadata.command_id, all[i + 2].metadata.command_id);
    EXPECT_EQ(all[i].type, "Own");
    EXPECT_EQ(all[i + 2].type, "Shared");
  }
}

// Two threads racing with the same command id: exactly one append happens.
TEST_F(StoreTest, ConcurrentDuplicatesAppendOnce) {
  for (int round = 0; round < 50; ++round) {
    const std::string id = "dup-" + std::to_string(round);
    std::vector<std::thread> threads;
    std::atomic<int> originals{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        auto r = store().append("d-" + std::to_string(round), V::any(), events(1), command(id));
        ASSERT_TRUE(r);
        if (!r->duplicate) ++originals;
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(originals, 1);
  }
  EXPECT_EQ(store().head(), 50u);
}

// Asynchronous appends from several threads, mixed with waiting ones: every append is answered
// exactly once, after it is durable (head covers it), in log order, and the log is dense.
TEST_F(StoreTest, AsyncAppendsAreAnsweredOnceDurableAndInLogOrder) {
  constexpr int kThreads = 4;
  constexpr int kAppendsPerThread = 300;
  std::mutex mu;
  std::vector<uint64_t> answered;  // first positions, in the order the answers came
  std::atomic<int> failures{0}, early{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const std::string stream = "s-" + std::to_string(t);
        if (i % 10 == 9) {  // a waiting append now and then, through the same sequencer
          if (!store().append(stream, V::any(), {event("Sync")})) ++failures;
          continue;
        }
        store().append_async({{stream, V::any(), events(2)}},
                             command("a-" + std::to_string(t) + "-" + std::to_string(i)),
                             [&](result<AppendResult> r) {
                               if (!r) return void(++failures);
                               if (store().head() < r->last_position) ++early;
                               std::lock_guard lk(mu);
                               answered.push_back(r->first_position);
                             });
      }
    });
  }
  for (auto& th : threads) th.join();
  const size_t expected = kThreads * (kAppendsPerThread - kAppendsPerThread / 10);
  for (int i = 0; i < 3000; ++i) {  // up to 30 s on a loaded machine
    {
      std::lock_guard lk(mu);
      if (answered.size() >= expected) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lk(mu);
  ASSERT_EQ(answered.size(), expected);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(early, 0) << "an answer came before its events were durable";
  EXPECT_TRUE(std::is_sorted(answered.begin(), answered.end())) << "answers in log order";
  EXPECT_EQ(store().head(), expected * 2 + kThreads * (kAppendsPerThread / 10));
  auto all = all_events(store());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].position, i + 1);
  EXPECT_TRUE(store().verify()->ok);
}

// Closing the store answers every append it accepted; none is left waiting.
TEST_F(StoreTest, ClosingAnswersEveryAsyncAppend) {
  std::atomic<int> ok{0}, closed{0}, other{0};
  for (int i = 0; i < 2000; ++i)
    store().append_async({{"s", V::any(), {event("E")}}}, {}, [&](result<AppendResult> r) {
      (r ? ok : r.error().code == errc::closed ? closed : other)++;
    });
  store_.reset();
  EXPECT_EQ(ok + closed, 2000);
  EXPECT_EQ(other, 0);
  reopen();
  EXPECT_EQ(store().head(), static_cast<uint64_t>(ok.load())) << "every ok is in the log";
}

}  // namespace
}  // namespace crm::eventstore::test
