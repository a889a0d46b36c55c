#pragma once
// The application layer: load the records a command needs from the event store, decide, and
// append the events with the versions they were decided against. Also loads records for reads
// (optionally as they were at a log position).
//
// Thread safety: all member functions may be called concurrently; the store serialises appends
// and a conflicting concurrent change is detected by the expected versions.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/cache.h"
#include "base/result.h"
#include "domain/decide.h"
#include "eventstore/fwd.h"
#include "eventstore/types.h"

namespace crm::application {

struct error {
  enum class kind {
    refused,      // the domain refused the command (domain_error says why)
    conflict,     // If-Match named another version, or the record kept changing under us
    unavailable,  // the store failed
  };
  kind k = kind::refused;
  domain::error domain_error;  // with kind::refused
  std::string message;
  uint64_t current_version = 0;  // with kind::conflict
  bool retryable = false;        // a conflict with a concurrent append (not with If-Match)
};

template <class T>
using result = crm::result<T, error>;

struct Outcome {
  std::string id;
  uint64_t version = 0;    // the target record's version after the command
  uint64_t position = 0;   // log position of the last event appended (or the head, if none)
  bool duplicate = false;  // an Idempotency-Key seen before: this is the first outcome
};

/// What the caller knows about the request a command comes from.
struct Request {
  std::optional<uint64_t> if_match;  // the version the client saw (optimistic concurrency)
  std::string idempotency_key;  // a repeat of the same operator's key returns the first outcome
  std::string correlation_id;   // shared by everything one request causes; empty: a new one
  std::string causation_id;     // what caused this command (an event id, for automatic actions)
};

inline constexpr size_t kLoadedRecords = 20'000;

struct Options {
  /// Wall clock, microseconds since the epoch. Commands are stamped with it.
  std::function<int64_t()> clock;
  /// How many current records loads keep, about (see load()).
  size_t kept_records = kLoadedRecords;
};

class CommandHandler {
 public:
  CommandHandler(eventstore::EventStore& store, Options options);

  /// Runs a command. `command.now` is set from the clock. With `request.if_match` a different
  /// current version is a conflict; without it a version conflict with a concurrent writer is
  /// retried once. Commands that also write other records (a service order's number counter,
  /// an invoice's client, the contact a reply answers) are decided one at a time per such
  /// record, each after the one before has been appended, so concurrent ones do not conflict
  /// there. With `request.idempotency_key` a repeat of the same operator's command
  /// returns the first outcome and appends nothing. Every event carries the operator, the
  /// correlation and causation ids, and the command id (the namespaced idempotency key).
  result<Outcome> handle(domain::Command command, const Request& request = {});

  /// handle() without waiting for the append to be durable: loads and decides on the calling
  /// thread, and `done` gets the outcome there (refusals, repeats) or on the store's writer or
  /// sync thread (like EventStore::append_async: quick, never blocking). A retry, or a command
  /// that waited for its turn, is decided on the thread that ended the attempt before it. The
  /// handler must outlive every pending `done`.
  void handle_async(domain::Command command, const Request& request,
                    std::function<void(result<Outcome>)> done);

  /// A record rebuilt from its stream: all of it, or only the events up to a log position and
  /// decided at or before `as_of` (time travel). A counter's current state is its version only.
  /// Current states are kept (options.kept_records of them, about): the next load reads only
  /// the events appended since, as streams never change below their head.
  result<domain::Record> load(domain::EntityKind kind, const std::string& id,
                              uint64_t up_to_position = UINT64_MAX,
                              domain::DateTime as_of = {INT64_MAX}) const;

  /// Whether a record exists (its stream has events).
  bool exists(domain::EntityKind kind, std::string_view id) const;

 private:
  struct Run;
  struct Appends {
    std::vector<eventstore::StreamAppend> streams;
    std::vector<std::string> others;  // the streams written besides the target's, sorted
  };
  std::optional<result<Outcome>> begin(Run& run) const;
  /// Loads what the command needs and decides: the appends to make, or the outcome already.
  result<std::variant<Outcome, Appends>> decide(const Run& run) const;
  result<Outcome> settle(const Run& run,
                         eventstore::result<eventstore::AppendResult> appended) const;
  static bool retry(Run& run, const result<Outcome>& outcome);
  /// Takes the turns of `streams` (sorted: commands never wait for each other in a circle) from
  /// `from` on, then runs `start`: now if none is held, else on the thread that passes the
  /// last one it waited for. Whoever took a turn passes it on exactly once.
  void take_turns(std::vector<std::string> streams, size_t from, std::function<void()> start);
  void pass_turn(const std::string& stream);
  void attempt_async(std::shared_ptr<Run> run, std::function<void(result<Outcome>)> done);
  /// The outcome of the first run of a repeated command.
  Outcome first_outcome(const eventstore::AppendResult& first,
                        const std::string& fallback_id) const;

  eventstore::EventStore& store_;
  Options options_;
  Cache<domain::Record> loaded_;  // by stream
  std::mutex turns_mu_;
  // A stream's turn is taken while it is here; who waits for it, in arrival order.
  std::map<std::string, std::deque<std::function<void()>>, std::less<>> turns_;
};

}  // namespace crm::application
