#include "api/auth.h"

#include <sodium.h>

#include <algorithm>

#include "base/be64.h"
#include "base/hex.h"

namespace crm::api {

namespace {

std::string hash_token(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return crm::hex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

// 32 random bytes in hex: a session token or a feed key.
std::string random_token() {
  unsigned char random[32];
  randombytes_buf(random, sizeof random);
  return crm::hex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
}

// Row: expiry (8 bytes, big-endian) then the operator id.
std::string session_row(int64_t expires_at_us, const std::string& operator_id) {
  std::string row;
  crm::put_be64(row, static_cast<uint64_t>(expires_at_us));
  return row + operator_id;
}

}  // namespace

std::optional<Role> role_from_name(std::string_view name) {
  if (name == "operator") return kOperator;
  if (name == "manager") return kManager;
  if (name == "auditor") return kAuditor;
  if (name == "admin") return kAdmin;
  return std::nullopt;
}

std::string_view name_of(Role role) {
  switch (role) {
    case kOperator:
      return "operator";
    case kManager:
      return "manager";
    case kAuditor:
      return "auditor";
    case kAdmin:
      return "admin";
  }
  return "operator";
}

Sessions::Sessions(eventstore::TableStore& store, OperatorLookup lookup,
                   std::function<int64_t()> clock, int64_t ttl_us, int64_t recheck_us)
    : store_(store),
      lookup_(std::move(lookup)),
      clock_(std::move(clock)),
      ttl_us_(ttl_us),
      recheck_us_(recheck_us) {}

eventstore::result<void> Sessions::open() {
  auto t = store_.table("api.sessions");
  if (!t) return unexpected(t.error());
  table_ = *t;
  auto f = store_.table("api.feed_keys");
  if (!f) return unexpected(f.error());
  feeds_ = *f;
  return {};
}

eventstore::result<std::string> Sessions::create_feed_key(const std::string& operator_id) {
  std::string key = random_token();
  const std::string hash = hash_token(key);
  std::lock_guard lock(feeds_mu_);
  auto old = store_.get(feeds_, "o" + operator_id);
  if (!old) return unexpected(old.error());
  auto batch = store_.batch();
  if (*old) batch.erase(feeds_, "k" + **old);
  batch.put(feeds_, "k" + hash, operator_id);
  batch.put(feeds_, "o" + operator_id, hash);
  if (auto w = store_.write_durable(std::move(batch)); !w) return unexpected(w.error());
  return key;
}

eventstore::result<void> Sessions::revoke_feed_key(const std::string& operator_id) {
  std::lock_guard lock(feeds_mu_);
  auto old = store_.get(feeds_, "o" + operator_id);
  if (!old) return unexpected(old.error());
  if (!*old) return {};
  auto batch = store_.batch();
  batch.erase(feeds_, "k" + **old);
  batch.erase(feeds_, "o" + operator_id);
  return store_.write_durable(std::move(batch));
}

std::optional<Principal> Sessions::authenticate_feed(std::string_view key) {
  if (key.size() != 64) return std::nullopt;
  const std::string hash = hash_token(key);
  auto row = store_.get(feeds_, "k" + hash);
  if (!row || !*row) return std::nullopt;
  auto info = lookup_(**row);
  if (!info || !info->active) return std::nullopt;
  return Principal{**row, info->role, hash};
}

eventstore::result<Sessions::Created> Sessions::create(const std::string& operator_id) {
  Created created;
  created.token = random_token();
  created.expires_at_us = clock_() + ttl_us_;
  auto batch = store_.batch();
  batch.put(table_, hash_token(created.token), session_row(created.expires_at_us, operator_id));
  if (auto w = store_.write_durable(std::move(batch)); !w) return unexpected(w.error());
  return created;
}

std::optional<Principal> Sessions::authenticate(std::string_view token) {
  if (token.size() != 64) return std::nullopt;
  const std::string key = hash_token(token);
  const int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (it->second.expires_at_us <= now) {
        cache_.erase(it);
        return std::nullopt;
      }
      if (now - it->second.checked_at_us < recheck_us_) return it->second.principal;
    }
  }
  auto row = store_.get(table_, key);
  if (!row || !*row || (*row)->size() < 8) return std::nullopt;
  const auto expires = static_cast<int64_t>(crm::get_be64((*row)->data()));
  if (expires <= now) return std::nullopt;
  Cached cached{{(*row)->substr(8), kOperator, key}, expires, now};
  auto info = lookup_(cached.principal.operator_id);
  if (!info || !info->active) {
    std::lock_guard lock(mu_);
    cache_.erase(key);
    return std::nullopt;
  }
  cached.principal.role = info->role;
  std::lock_guard lock(mu_);
  if (cache_.size() > 100'000) cache_.clear();  // bounded; entries are re-read on demand
  cache_[key] = cached;
  return cached.principal;
}

eventstore::result<void> Sessions::revoke(const Principal& principal) {
  {
    std::lock_guard lock(mu_);
    cache_.erase(principal.token_hash);
  }
  auto batch = store_.batch();
  batch.erase(table_, principal.token_hash);
  return store_.write_durable(std::move(batch));
}

int64_t LoginThrottle::wait_seconds(const std::string& login) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(login);
  if (it == entries_.end()) return 0;
  const int64_t left = it->second.blocked_until_us - clock_();
  return left > 0 ? (left + 999'999) / 1'000'000 : 0;
}

void LoginThrottle::failed(const std::string& login) {
  std::lock_guard lock(mu_);
  if (entries_.size() > 100'000) entries_.clear();
  Entry& e = entries_[login];
  ++e.failures;
  if (e.failures > free_failures_) {
    const int over = std::min(e.failures - free_failures_ - 1, 10);
    const int64_t wait_us = std::min<int64_t>(int64_t{1'000'000} << over, 900'000'000);
    e.blocked_until_us = clock_() + wait_us;
  }
}

void LoginThrottle::succeeded(const std::string& login) {
  std::lock_guard lock(mu_);
  entries_.erase(login);
}

bool RateLimiter::allow(const std::string& key) {
  if (rate_ <= 0) return true;
  const int64_t now = clock_();
  std::lock_guard lock(mu_);
  if (buckets_.size() > 100'000) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now - b.at_us) / 1e6);
    b.at_us = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace crm::api
