#pragma once
// Who is calling: roles, session tokens, login throttling and per-token rate limits.
//
// Tokens are 32 random bytes (hex); only their BLAKE2b hash is stored (table "api.sessions" of
// the views store), so a copy of the data directory gives nobody a usable token. Sessions
// survive a restart and expire after a fixed time; logout deletes the row.
//
// Thread safety: every member function may be called from any thread.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "eventstore/table_store.h"

namespace crm::api {

/// Roles as bits, so a route's allowed roles are one mask.
enum Role : uint8_t {
  kOperator = 1,
  kManager = 2,
  kAuditor = 4,
  kAdmin = 8,
};
inline constexpr uint8_t kAnyRole = kOperator | kManager | kAuditor | kAdmin;
std::optional<Role> role_from_name(std::string_view name);
std::string_view name_of(Role role);

struct Principal {
  std::string operator_id;
  Role role = kOperator;
  std::string token_hash;  // identifies the session (rate limits, logout)
};

/// What the API knows about an operator right now: its role, and whether it may log in.
struct OperatorInfo {
  Role role = kOperator;
  bool active = true;
};
using OperatorLookup = std::function<std::optional<OperatorInfo>(const std::string& operator_id)>;

class Sessions {
 public:
  /// `clock`: microseconds since the epoch. Role changes and deactivation are seen within
  /// `recheck_us` (the operator is looked up again after that).
  Sessions(eventstore::TableStore& store, OperatorLookup lookup, std::function<int64_t()> clock,
           int64_t ttl_us, int64_t recheck_us = 5'000'000);

  /// Creates the table. Errors: the store's.
  eventstore::result<void> open();

  struct Created {
    std::string token;
    int64_t expires_at_us = 0;
  };
  eventstore::result<Created> create(const std::string& operator_id);

  /// The principal of a token: nullopt if unknown, expired, or the operator is inactive.
  std::optional<Principal> authenticate(std::string_view token);

  /// Logout. Errors: the store's.
  eventstore::result<void> revoke(const Principal& principal);

  /// Calendar feeds: calendar apps poll a feed's URL for months, and a session lasts hours, so
  /// the URL carries a key of its own: one per operator, opening that operator's feed only,
  /// stored hashed like tokens. A new key replaces the operator's previous one.
  eventstore::result<std::string> create_feed_key(const std::string& operator_id);
  eventstore::result<void> revoke_feed_key(const std::string& operator_id);
  /// The principal of a feed key: nullopt if unknown, or the operator is inactive.
  std::optional<Principal> authenticate_feed(std::string_view key);

 private:
  struct Cached {
    Principal principal;
    int64_t expires_at_us = 0;
    int64_t checked_at_us = 0;
  };
  eventstore::TableStore& store_;
  OperatorLookup lookup_;
  std::function<int64_t()> clock_;
  int64_t ttl_us_;
  int64_t recheck_us_;
  eventstore::TableStore::TableId table_ = 0;
  // Feed keys: "k" + key hash -> operator id, and "o" + operator id -> key hash.
  eventstore::TableStore::TableId feeds_ = 0;
  std::mutex feeds_mu_;  // a key is replaced by a read then a write
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // by token hash
};

/// Slows password guessing per login: after `free_failures` consecutive failures each further
/// attempt must wait, doubling from 1 s up to 15 minutes. Success resets the count.
class LoginThrottle {
 public:
  explicit LoginThrottle(std::function<int64_t()> clock, int free_failures = 5)
      : clock_(std::move(clock)), free_failures_(free_failures) {}
  /// 0 if an attempt may be made now, otherwise the seconds to wait.
  int64_t wait_seconds(const std::string& login);
  void failed(const std::string& login);
  void succeeded(const std::string& login);

 private:
  struct Entry {
    int failures = 0;
    int64_t blocked_until_us = 0;
  };
  std::function<int64_t()> clock_;
  int free_failures_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

/// Token bucket per key (a session): `rate` requests per second with bursts of `burst`.
/// A rate of 0 turns the limit off.
class RateLimiter {
 public:
  RateLimiter(std::function<int64_t()> clock, double rate, double burst)
      : clock_(std::move(clock)), rate_(rate), burst_(burst) {}
  bool allow(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_us = 0;
  };
  std::function<int64_t()> clock_;
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace crm::api
