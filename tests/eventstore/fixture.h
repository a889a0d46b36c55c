#pragma once
// Helpers for event store tests: a store in a temporary directory, event builders.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "eventstore/event_store.h"
#include "tests/support/temp_dir.h"

namespace crm::eventstore::test {

inline EventData event(std::string type, std::string payload = "p") {
  return EventData{std::move(type), std::move(payload), 1};
}

inline std::vector<EventData> events(int n, const std::string& type = "Happened") {
  std::vector<EventData> out;
  for (int i = 0; i < n; ++i) out.push_back(event(type, "payload-" + std::to_string(i)));
  return out;
}

inline Metadata command(std::string id) {
  Metadata m;
  m.operator_id = "op-1";
  m.command_id = std::move(id);
  return m;
}

inline std::vector<RecordedEvent> all_events(const EventStore& store, uint64_t from = 1) {
  std::vector<RecordedEvent> out;
  auto r = store.read_all(from, UINT64_MAX, [&](const RecordedEvent& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(r.has_value());
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen(Options options = {}) {
    store_.reset();
    if (!options.clock) options.clock = [this] { return clock_.now(); };
    auto opened = EventStore::open(dir_.sub("db"), std::move(options));
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  EventStore& store() { return *store_; }

  crm::testing::TempDir dir_;
  crm::testing::ManualClock clock_;
  std::unique_ptr<EventStore> store_;
};

}  // namespace crm::eventstore::test
