#pragma once
// Value types of the event store's public interface. No RocksDB or Cap'n Proto here.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace crm::eventstore {

enum class errc {
  version_conflict = 1,  // expected version did not match; nothing appended
  invalid_argument,      // malformed request (empty stream id, no events, ...); nothing appended
  io_error,              // the disk failed; the store refuses further appends
  corruption,            // a stored record could not be decoded
  read_only,             // append on a read-only (secondary) instance
  closed,                // the store is shutting down
};
std::string_view to_string(errc code) noexcept;

struct error {
  errc code{};
  std::string message;
  std::string stream;           // with version_conflict: the stream that did not match
  uint64_t actual_version = 0;  // with version_conflict: its current version
  // With invalid_argument: the argument at fault, when one is; `message` then says what is wrong
  // with it without naming it ("is not one this server gave").
  std::string argument;
};

template <class T>
using result = crm::result<T, error>;

/// Stream versions start at 1; a stream with no events has version 0.
struct ExpectedVersion {
  enum class kind : uint8_t { any, no_stream, stream_exists, exact };
  kind k = kind::any;
  uint64_t version = 0;  // only for kind::exact

  static constexpr ExpectedVersion any() { return {kind::any, 0}; }
  static constexpr ExpectedVersion no_stream() { return {kind::no_stream, 0}; }
  static constexpr ExpectedVersion stream_exists() { return {kind::stream_exists, 0}; }
  /// exact(0) is the same as no_stream().
  static constexpr ExpectedVersion exact(uint64_t v) { return {kind::exact, v}; }

  bool matches(uint64_t current) const noexcept;
};
std::string to_string(ExpectedVersion expected);

struct Metadata {
  std::string operator_id;
  std::string correlation_id;
  std::string causation_id;
  std::string command_id;  // non-empty: the append is idempotent under this id (durably)

  bool operator==(const Metadata&) const = default;
};

/// One event to append.
struct EventData {
  std::string type;
  std::string payload;
  uint32_t schema_version = 1;
};

/// The events for one stream within an append.
struct StreamAppend {
  std::string stream;
  ExpectedVersion expected;
  std::vector<EventData> events;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  std::vector<uint64_t> stream_versions;  // new version of each stream, in request order
  bool duplicate = false;  // true: the command id was seen before; this is the original result

  bool operator==(const AppendResult& o) const {
    return first_position == o.first_position && last_position == o.last_position &&
           stream_versions == o.stream_versions;
  }
};

using Hash = std::array<uint8_t, 32>;

struct RecordedEvent {
  uint64_t position = 0;
  std::string stream;
  uint64_t version = 0;
  std::string type;
  uint32_t schema_version = 0;
  int64_t recorded_at_us = 0;
  Metadata metadata;
  std::string payload;
  Hash hash{};

  std::string_view category() const noexcept;
};

/// "client-42" -> "client"; a stream id without '-' is its own category.
std::string_view category_of(std::string_view stream) noexcept;

/// Called for each event read, in order; return false to stop. The event reference is valid only
/// during the call (its buffers are reused for the next event).
using Visitor = std::function<bool(const RecordedEvent&)>;

enum class Direction { forward, backward };

struct VerifyReport {
  bool ok = true;
  uint64_t checked = 0;             // events whose hash was checked
  uint64_t first_bad_position = 0;  // when !ok
  std::string problem;              // when !ok: "gap", "hash mismatch", "undecodable", ...
};

/// What a subscription follows.
struct StreamFilter {
  enum class kind : uint8_t { all, category, stream };
  kind k = kind::all;
  std::string name;  // category or stream id

  static StreamFilter all() { return {kind::all, {}}; }
  static StreamFilter category(std::string c) { return {kind::category, std::move(c)}; }
  static StreamFilter stream(std::string s) { return {kind::stream, std::move(s)}; }
  bool matches(const RecordedEvent& e) const noexcept;
};

}  // namespace crm::eventstore
