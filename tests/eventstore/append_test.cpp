#include "eventstore/event_store.h"
#include "tests/eventstore/fixture.h"

namespace crm::eventstore::test {
namespace {

using V = ExpectedVersion;

TEST_F(StoreTest, EmptyStoreHasHeadZero) {
  EXPECT_EQ(store().head(), 0u);
  EXPECT_EQ(*store().stream_version("client-1"), 0u);
  EXPECT_TRUE(all_events(store()).empty());
}

TEST_F(StoreTest, AppendAssignsDensePositionsAndVersions) {
  auto a = store().append("client-1", V::no_stream(), events(2));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->first_position, 1u);
  EXPECT_EQ(a->last_position, 2u);
  EXPECT_EQ(a->stream_versions, std::vector<uint64_t>{2});
  EXPECT_FALSE(a->duplicate);

  auto b = store().append("client-2", V::no_stream(), events(1));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first_position, 3u);
  EXPECT_EQ(b->stream_versions, std::vector<uint64_t>{1});

  auto c = store().append("client-1", V::exact(2), events(1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first_position, 4u);
  EXPECT_EQ(c->stream_versions, std::vector<uint64_t>{3});
  EXPECT_EQ(store().head(), 4u);
  EXPECT_EQ(*store().stream_version("client-1"), 3u);
}

TEST_F(StoreTest, EnvelopeCarriesEverything) {
  Metadata md{"op-7", "corr-1", "cause-1", "cmd-1"};
  clock_.advance(5);
  ASSERT_TRUE(store().append("task-9", V::any(), {EventData{"TaskOpened", "abc", 3}}, md));
  auto all = all_events(store());
  ASSERT_EQ(all.size(), 1u);
  const auto& e = all[0];
  EXPECT_EQ(e.position, 1u);
  EXPECT_EQ(e.stream, "task-9");
  EXPECT_EQ(e.category(), "task");
  EXPECT_EQ(e.version, 1u);
  EXPECT_EQ(e.type, "TaskOpened");
  EXPECT_EQ(e.schema_version, 3u);
  EXPECT_EQ(e.payload, "abc");
  EXPECT_EQ(e.metadata, md);
  EXPECT_EQ(e.recorded_at_us, clock_.now());
}

TEST_F(StoreTest, ExpectedVersionRules) {
  EXPECT_EQ(store().append("s-1", V::stream_exists(), events(1)).error().code,
            errc::version_conflict);
  EXPECT_EQ(store().append("s-1", V::exact(1), events(1)).error().code, errc::version_conflict);
  ASSERT_TRUE(store().append("s-1", V::exact(0), events(1)));  // exact(0) == no stream
  EXPECT_EQ(store().append("s-1", V::no_stream(), events(1)).error().code, errc::version_conflict);
  ASSERT_TRUE(store().append("s-1", V::stream_exists(), events(1)));
  ASSERT_TRUE(store().append("s-1", V::any(), events(1)));
  auto conflict = store().append("s-1", V::exact(1), events(1));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::version_conflict);
  EXPECT_EQ(conflict.error().stream, "s-1");
  EXPECT_EQ(conflict.error().actual_version, 3u);
  EXPECT_EQ(store().head(), 3u) << "refused appends must append nothing";
}

TEST_F(StoreTest, MultiStreamAppendIsAtomic) {
  ASSERT_TRUE(store().append("a-1", V::no_stream(), events(1)));
  std::vector<StreamAppend> both = {{"a-1", V::exact(1), events(2)},
                                    {"b-1", V::no_stream(), events(1)}};
  auto ok = store().append(both);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->first_position, 2u);
  EXPECT_EQ(ok->last_position, 4u);
  EXPECT_EQ(ok->stream_versions, (std::vector<uint64_t>{3, 1}));

  // The second stream's check fails: nothing of the first stream may be appended either.
  std::vector<StreamAppend> bad = {{"a-1", V::exact(3), events(1)},
                                   {"b-1", V::no_stream(), events(1)}};
  auto refused = store().append(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::version_conflict);
  EXPECT_EQ(refused.error().stream, "b-1");
  EXPECT_EQ(store().head(), 4u);
  EXPECT_EQ(*store().stream_version("a-1"), 3u);
}

TEST_F(StoreTest, InvalidRequestsAreRefusedAndAppendNothing) {
  EXPECT_EQ(store().append("", V::any(), events(1)).error().code, errc::invalid_argument);
  EXPECT_EQ(store().append("s-1", V::any(), {}).error().code, errc::invalid_argument);
  EXPECT_EQ(store().append(std::string("s\0x", 3), V::any(), events(1)).error().code,
            errc::invalid_argument);
  EXPECT_EQ(store().append("s-1", V::any(), {event("")}).error().code, errc::invalid_argument);
  EXPECT_EQ(store().append(std::string(1025, 'x'), V::any(), events(1)).error().code,
            errc::invalid_argument);
  EXPECT_EQ(store().append(std::vector<StreamAppend>{}).error().code, errc::invalid_argument);
  std::vector<StreamAppend> twice = {{"s-1", V::any(), events(1)}, {"s-1", V::any(), events(1)}};
  EXPECT_EQ(store().append(twice).error().code, errc::invalid_argument);
  EXPECT_EQ(store().head(), 0u);
}

TEST_F(StoreTest, CommandIdMakesAppendIdempotent) {
  auto first = store().append("c-1", V::no_stream(), events(2), command("cmd-42"));
  ASSERT_TRUE(first);
  // Same command again, even with an expected version that would now conflict.
  auto again = store().append("c-1", V::no_stream(), events(2), command("cmd-42"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(store().head(), 2u);
  auto found = store().find_command("cmd-42");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, *first);
  EXPECT_FALSE(store().find_command("cmd-43")->has_value());
}

TEST_F(StoreTest, IdempotencySurvivesRestart) {
  auto first = store().append("c-1", V::no_stream(), events(1), command("cmd-1"));
  ASSERT_TRUE(first);
  reopen();
  auto again = store().append("c-1", V::no_stream(), events(1), command("cmd-1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(store().head(), 1u);
}

TEST_F(StoreTest, RefusedCommandCanBeRetriedUnderTheSameId) {
  ASSERT_TRUE(store().append("c-1", V::no_stream(), events(1)));
  EXPECT_FALSE(store().append("c-1", V::exact(5), events(1), command("cmd-9")));
  auto retry = store().append("c-1", V::exact(1), events(1), command("cmd-9"));
  ASSERT_TRUE(retry);
  EXPECT_FALSE(retry->duplicate);
}

TEST_F(StoreTest, HeadAndChainContinueAfterReopen) {
  ASSERT_TRUE(store().append("c-1", V::no_stream(), events(3)));
  reopen();
  EXPECT_EQ(store().head(), 3u);
  auto r = store().append("c-1", V::exact(3), events(2));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first_position, 4u);
  auto report = store().verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->checked, 5u);
}

TEST_F(StoreTest, UnsyncedModeWorksAlike) {
  Options o;
  o.sync = false;
  reopen(o);
  ASSERT_TRUE(store().append("c-1", V::no_stream(), events(3)));
  EXPECT_EQ(store().head(), 3u);
}

}  // namespace
}  // namespace crm::eventstore::test
