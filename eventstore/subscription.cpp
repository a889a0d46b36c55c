#include "eventstore/subscription.h"

#include <algorithm>

#include "eventstore/event_store.h"

namespace crm::eventstore {

Subscription::Subscription(const EventStore& store, StreamFilter filter, uint64_t from_position)
    : store_(store), filter_(std::move(filter)), next_(std::max<uint64_t>(from_position, 1)) {}

result<uint64_t> Subscription::read_some(size_t max_count, std::vector<RecordedEvent>& out) {
  // Everything up to `examined_to` has been examined once the read below visits fewer than
  // max_count events, because every read is bounded by a head at least this large.
  const uint64_t examined_to = store_.head();
  uint64_t last_seen = 0;
  auto collect = [&](const RecordedEvent& e) {
    last_seen = e.position;
    if (e.position >= next_) out.push_back(e);
    return out.size() < max_count;
  };
  result<uint64_t> read = uint64_t{0};
  switch (filter_.k) {
    case StreamFilter::kind::all:
      read = store_.read_all(next_, max_count, collect);
      break;
    case StreamFilter::kind::category:
      read = store_.read_category(filter_.name, next_, max_count, collect);
      break;
    case StreamFilter::kind::stream:
      // Stream reads go by version; versions before next_ in $all terms are skipped once.
      read = store_.read_stream(filter_.name, next_version_, Direction::forward, max_count,
                                [&](const RecordedEvent& e) {
                                  next_version_ = e.version + 1;
                                  return collect(e);
                                });
      break;
  }
  if (!read) return read;
  if (last_seen >= next_) next_ = last_seen + 1;
  if (*read < max_count) next_ = std::max(next_, examined_to + 1);
  return read;
}

result<std::vector<RecordedEvent>> Subscription::next(size_t max_count,
                                                      std::chrono::milliseconds timeout) {
  std::vector<RecordedEvent> out;
  if (max_count == 0) return out;
  // As many as are there now (a live follower usually finds a few: no megabyte per call).
  const uint64_t head = store_.head();
  out.reserve(std::min<uint64_t>({max_count, 4096, head >= next_ ? head - next_ + 1 : 1}));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (store_.head() >= next_) {
      auto r = read_some(max_count, out);
      if (!r) return unexpected(r.error());
      if (!out.empty()) return out;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return out;
    store_.wait_for(next_, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                               std::chrono::milliseconds(1));
  }
}

}  // namespace crm::eventstore
