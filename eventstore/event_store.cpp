#include "eventstore/event_store.h"

#include <linux/futex.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "eventstore/codec.h"
#include "eventstore/keys.h"
#include "eventstore/subscription.h"

namespace crm::eventstore {
namespace {

// Appenders sleep on futexes directly: std::atomic::wait (libstdc++ 12) first spins with
// sched_yield, and with dozens of appenders parked on two cores that yielding took ~7% of the CPU.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
void park(std::atomic<uint32_t>& word, uint32_t seen) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr,
          0);
}
void unpark_all(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

// Column families (see README.md, "On-disk layout").
constexpr const char* kEvents = "events";                 // be64(position) -> envelope || hash
constexpr const char* kStreamIndex = "stream_index";      // stream\0be64(version) -> be64(position)
constexpr const char* kCategoryIndex = "category_index";  // category\0be64(position) -> ""
constexpr const char* kTypeIndex = "type_index";          // type\0be64(position) -> ""
constexpr const char* kCommands = "commands";             // command id -> encoded AppendResult
// default column family: "format" -> "1", "head" -> be64(last position) || hash of that event

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormatVersion = "1";
constexpr std::string_view kHeadKey = "head";

constexpr size_t kMaxIdSize = 1024;
constexpr size_t kMaxTypeSize = 256;
constexpr size_t kMaxCommandIdSize = 256;
constexpr size_t kVersionCacheLimit = size_t{1} << 20;
// A read of at least this many events is a long scan (read_all), and events this far behind the
// head are old: a read model's batch (8,192) is one, a WebSocket subscription's (256) is not.
constexpr uint64_t kLongScan = 4'096;

unexpected<error> fail(errc code, std::string message) {
  return unexpected(error{code, std::move(message)});
}

unexpected<error> from_status(const rocksdb::Status& s) {
  return fail(s.IsCorruption() ? errc::corruption : errc::io_error, s.ToString());
}

rocksdb::Slice slice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
std::string_view view(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

std::string encode_result(const AppendResult& r) {
  std::string out;
  keys::put_be64(out, r.first_position);
  keys::put_be64(out, r.last_position);
  for (uint64_t v : r.stream_versions) keys::put_be64(out, v);
  return out;
}

std::optional<AppendResult> decode_result(std::string_view in) {
  if (in.size() < 16 || in.size() % 8 != 0) return std::nullopt;
  AppendResult r;
  r.first_position = keys::get_be64(in.data());
  r.last_position = keys::get_be64(in.data() + 8);
  for (size_t off = 16; off < in.size(); off += 8)
    r.stream_versions.push_back(keys::get_be64(in.data() + off));
  r.duplicate = true;
  return r;
}

bool valid_id(std::string_view id, size_t max) {
  return !id.empty() && id.size() <= max && id.find('\0') == std::string_view::npos;
}

result<void> validate(const std::vector<StreamAppend>& streams, const Metadata& metadata) {
  if (streams.empty()) return fail(errc::invalid_argument, "an append needs at least one stream");
  if (metadata.command_id.size() > kMaxCommandIdSize)
    return fail(errc::invalid_argument, "command id longer than 256 bytes");
  std::unordered_set<std::string_view> seen;
  for (const auto& s : streams) {
    if (!valid_id(s.stream, kMaxIdSize))
      return fail(errc::invalid_argument,
                  "stream id must be 1..1024 bytes without NUL: '" + s.stream + "'");
    if (!seen.insert(s.stream).second)
      return fail(errc::invalid_argument, "stream '" + s.stream + "' appears twice in one append");
    if (s.events.empty())
      return fail(errc::invalid_argument, "no events for stream '" + s.stream + "'");
    for (const auto& e : s.events)
      if (!valid_id(e.type, kMaxTypeSize))
        return fail(errc::invalid_argument, "event type must be 1..256 bytes without NUL");
  }
  return {};
}

int64_t system_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct EventStore::Impl {
  // A waiting append's lives on its thread's stack until `done`; an asynchronous one's on the
  // heap until answered (acknowledge() deletes it). The sequencer only holds its address.
  struct Request {
    Request(std::vector<StreamAppend> s, Metadata m)
        : streams(std::move(s)), metadata(std::move(m)) {
      for (const auto& sa : streams) event_count += sa.events.size();
    }
    std::vector<StreamAppend> streams;
    Metadata metadata;
    size_t event_count = 0;
    std::optional<result<AppendResult>> outcome;  // written by the sequencer before `done`
    std::atomic<bool> done{false};
    std::atomic<uint32_t>* parking = nullptr;  // where the appender sleeps until `done`
    AppendDone on_done;  // append_async: called instead, then the request is deleted
  };

  std::string path;
  Options options;
  bool follower = false;

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* categories = nullptr;
  rocksdb::ColumnFamilyHandle* types = nullptr;
  rocksdb::ColumnFamilyHandle* commands = nullptr;

  // Published head: readers never go past it.
  std::atomic<uint64_t> head{0};
  mutable std::mutex head_mu;
  mutable std::condition_variable head_cv;
  std::atomic<bool> closing{false};

  // Sequencer queue.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Request*> queue;
  // Appenders sleep on a parking word until their request is done. Each thread has its own slot
  // (modulo kParkingSlots), so acknowledging a request wakes its appender and nobody else. The
  // words belong to the store, so waking one never touches an appender's (possibly gone) stack.
  static constexpr size_t kParkingSlots = 256;
  std::array<std::atomic<uint32_t>, kParkingSlots> parking{};
  std::atomic<uint32_t> next_parking_slot{0};
  bool stopping = false;
  std::thread writer;

  // Sync stage: groups written to RocksDB (WAL not yet synced) wait here for one SyncWAL that
  // covers them all, then are published and acknowledged. Writing the next group overlaps the
  // sync of the previous ones.
  struct Group {
    std::vector<Request*> requests;
    uint64_t last_position = 0;  // 0: the group appended nothing
  };
  std::mutex sync_mu;
  std::condition_variable sync_cv;
  std::deque<Group> to_sync;
  bool syncing = false;  // the sync stage holds groups it has not acknowledged yet
  bool sync_stopping = false;
  std::thread syncer;

  // Writer state, guarded by writer_mu: held by the writer thread while it writes a group, or by
  // an appender taking the direct path (see EventStore::append).
  std::mutex writer_mu;
  uint64_t last_position = 0;
  Hash last_hash{};
  std::unordered_map<std::string, uint64_t> version_cache;
  // Set once the disk failed; the writer and the sync stage both may set it.
  std::atomic<bool> broken{false};
  mutable std::mutex broken_mu;
  std::string broken_reason;

  error break_store(std::string reason) {
    std::lock_guard lk(broken_mu);
    if (!broken) broken_reason = "the store stopped accepting writes: " + std::move(reason);
    broken = true;
    return error{errc::io_error, broken_reason};
  }
  error broken_error() const {
    std::lock_guard lk(broken_mu);
    return error{errc::io_error, broken_reason};
  }

  ~Impl() {
    if (writer.joinable()) {
      {
        std::lock_guard lk(queue_mu);
        stopping = true;
      }
      queue_cv.notify_all();
      writer.join();
    }
    if (syncer.joinable()) {
      {
        std::lock_guard lk(sync_mu);
        sync_stopping = true;
      }
      sync_cv.notify_all();
      syncer.join();
    }
    closing = true;
    { std::lock_guard lk(head_mu); }
    head_cv.notify_all();
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }

  result<void> open(bool as_follower, const std::string& secondary_path);
  result<void> load_head();
  void publish_head(uint64_t pos);
  void run_writer();
  void run_syncer();
  Group write_group(std::vector<Request*> batch, bool sync);
  bool try_direct_append(Request& req);
  /// Why an append cannot be queued at all (a follower, an invalid request), or nothing.
  result<void> admit(const std::vector<StreamAppend>& streams, const Metadata& metadata) const;
  /// Hands a request to the writer; false when the store is closing.
  bool enqueue(Request* req);
  void acknowledge(Group& group, const std::optional<error>& failure);
  result<uint64_t> load_stream_version(std::string_view stream) const;
  // The position of a stream's event at `version`, if there is one: a point read, which the
  // bloom filters answer without reading a block when there is none. Versions are dense, so no
  // event at a version means none after it either: most look-ups of missing versions are of new
  // streams, or of one version past a stream's end.
  result<std::optional<uint64_t>> position_of(std::string_view stream, uint64_t version) const;
  result<uint64_t> read_index(rocksdb::ColumnFamilyHandle* cf, std::string_view id, uint64_t from,
                              uint64_t max_count, const Visitor& visit) const;
  result<bool> get_event(uint64_t position, codec::Decoder& decoder, RecordedEvent& out) const;
};

result<void> EventStore::Impl::open(bool as_follower, const std::string& secondary_path) {
  follower = as_follower;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  auto table = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.block_size = 16 * 1024;
    t.cache_index_and_filter_blocks = true;
    t.pin_l0_filter_and_index_blocks_in_cache = true;
    if (bloom) {
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      // A large file's whole filter is one block of megabytes: in the block cache's shards of a
      // few MB it was evicted again and again, and every look-up of a new stream read and
      // checksummed it anew (the generator slowed from 7.7k to 0.4k commands/s as the log grew).
      // Partitioned, a look-up reads one 4 KB partition through a pinned top-level index.
      t.partition_filters = true;
      t.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
      t.metadata_block_size = 4096;
    }
    return rocksdb::NewBlockBasedTableFactory(t);
  };
  // Point look-ups (does this stream / command exist?) get bloom filters; scanned-only families
  // (events by position, category and type indexes) do not need them.
  auto cf_options = [&](bool bloom) {
    rocksdb::ColumnFamilyOptions o;
    o.table_factory.reset(table(bloom));
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kZSTD;
    o.level_compaction_dynamic_level_bytes = true;
    if (bloom) {
      // Most look-ups are for what is not there (a new stream, a new command id): a filter over
      // the memtable's keys answers them without searching its skip list.
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.02;
    }
    return o;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf_options(false)},
      {kEvents, cf_options(false)},
      {kStreamIndex, cf_options(true)},
      {kCategoryIndex, cf_options(false)},
      {kTypeIndex, cf_options(false)},
      {kCommands, cf_options(true)},
  };

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !as_follower;
  db_options.create_missing_column_families = !as_follower;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // Recover to the last consistent point of the WAL after a crash: a prefix of committed batches.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Durable mode: writes only fill RocksDB's WAL buffer; the sync stage writes and syncs it with
  // one FlushWAL(true). Appending to the WAL file while it is being synced made each sync chase
  // new dirty pages (about 2x slower here). Without sync, every write goes to the OS at once, so
  // a process crash loses nothing acknowledged.
  db_options.manual_wal_flush = options.sync && !as_follower;
  // Only the sequencer (and a lone direct appender) write: nobody gains from spinning with
  // sched_yield in RocksDB's write thread, and on two cores it takes CPU from the ones who work.
  db_options.enable_write_thread_adaptive_yield = false;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (as_follower) {
    db_options.max_open_files = -1;  // required by secondary instances
    s = rocksdb::DB::OpenAsSecondary(db_options, path, secondary_path, cfs, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, path, cfs, &handles, &raw);
  }
  if (!s.ok()) return from_status(s);
  db.reset(raw);
  meta = handles[0];
  events = handles[1];
  streams = handles[2];
  categories = handles[3];
  types = handles[4];
  commands = handles[5];

  std::string format;
  s = db->Get(rocksdb::ReadOptions(), meta, slice(kFormatKey), &format);
  if (s.IsNotFound()) {
    if (!as_follower) {
      s = db->Put(rocksdb::WriteOptions(), meta, slice(kFormatKey), slice(kFormatVersion));
      if (!s.ok()) return from_status(s);
    }
  } else if (!s.ok()) {
    return from_status(s);
  } else if (format != kFormatVersion) {
    return fail(errc::corruption, "unsupported store format '" + format + "'");
  }
  if (auto r = load_head(); !r) return r;
  if (!as_follower) {
    writer = std::thread([this] { run_writer(); });
    if (options.sync) syncer = std::thread([this] { run_syncer(); });
  }
  return {};
}

// The head is the last event record; its stored hash continues the chain.
result<void> EventStore::Impl::load_head() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  it->SeekToLast();
  if (!it->status().ok()) return from_status(it->status());
  uint64_t pos = 0;
  Hash hash{};
  if (it->Valid()) {
    if (it->key().size() != 8) return fail(errc::corruption, "malformed event key");
    pos = keys::get_be64(it->key().data());
    std::string_view envelope;
    if (!codec::split(view(it->value()), envelope, hash))
      return fail(errc::corruption, "event " + std::to_string(pos) + " is truncated");
  }
  last_position = pos;
  last_hash = hash;
  publish_head(pos);
  return {};
}

// Monotonic: the sync stage and a direct append may publish out of order.
void EventStore::Impl::publish_head(uint64_t pos) {
  {
    std::lock_guard lk(head_mu);
    if (pos <= head.load(std::memory_order_relaxed)) return;
    head.store(pos, std::memory_order_release);
  }
  head_cv.notify_all();
}

void EventStore::Impl::run_writer() {
  std::vector<Request*> batch;
  for (;;) {
    {
      std::unique_lock lk(queue_mu);
      queue_cv.wait(lk, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything accepted has been committed
      size_t events_in_batch = 0;
      while (!queue.empty() && (batch.empty() || events_in_batch + queue.front()->event_count <=
                                                     options.max_batch_events)) {
        events_in_batch += queue.front()->event_count;
        batch.push_back(queue.front());
        queue.pop_front();
      }
    }
    Group group;
    {
      std::lock_guard lk(writer_mu);
      group = write_group(std::move(batch), false);
    }
    batch.clear();
    if (!options.sync) {
      if (group.last_position) publish_head(group.last_position);
      acknowledge(group, std::nullopt);
      continue;
    }
    {
      std::lock_guard lk(sync_mu);
      to_sync.push_back(std::move(group));
    }
    sync_cv.notify_one();
  }
}

void EventStore::Impl::run_syncer() {
  std::deque<Group> groups;
  for (;;) {
    {
      std::unique_lock lk(sync_mu);
      sync_cv.wait(lk, [&] { return sync_stopping || !to_sync.empty(); });
      if (to_sync.empty()) return;  // the writer has stopped and everything is acknowledged
      groups.swap(to_sync);
      syncing = true;
    }
    uint64_t last = 0;
    for (const auto& g : groups) last = std::max(last, g.last_position);
    std::optional<error> failure;
    if (last != 0) {
      auto s = db->FlushWAL(/*sync=*/true);
      if (!s.ok()) {
        failure = break_store("WAL sync failed: " + s.ToString());
      } else {
        publish_head(last);
      }
    }
    for (auto& g : groups) acknowledge(g, failure);
    groups.clear();
    std::lock_guard lk(sync_mu);
    syncing = false;
  }
}

// Requests that appended something get `failure` instead of their result when the WAL could not
// be made durable. Everything else (conflicts, duplicates) is answered as decided; answering them
// only now keeps them from describing state that is not durable yet.
void EventStore::Impl::acknowledge(Group& group, const std::optional<error>& failure) {
  for (Request* req : group.requests) {
    if (failure && *req->outcome) req->outcome = unexpected(*failure);
    if (req->on_done) {
      std::unique_ptr<Request> owned(req);
      owned->on_done(std::move(*owned->outcome));
      continue;
    }
    std::atomic<uint32_t>* parked = req->parking;
    req->done.store(true, std::memory_order_release);  // from here on the request is not ours
    parked->fetch_add(1, std::memory_order_release);
    unpark_all(*parked);  // all: another thread may share the slot
  }
}

result<std::optional<uint64_t>> EventStore::Impl::position_of(std::string_view stream,
                                                              uint64_t version) const {
  std::string value;
  auto s = db->Get(rocksdb::ReadOptions(), streams, keys::prefixed(stream, version), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  if (!s.ok()) return from_status(s);
  if (value.size() != 8) return fail(errc::corruption, "malformed stream index entry");
  return keys::get_be64(value.data());
}

result<uint64_t> EventStore::Impl::load_stream_version(std::string_view stream) const {
  // Most look-ups of unknown streams are for new streams: answered without an iterator.
  auto first = position_of(stream, 1);
  if (!first) return unexpected(first.error());
  if (!*first) return uint64_t{0};
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), streams));
  it->SeekForPrev(keys::prefixed(stream, std::numeric_limits<uint64_t>::max()));
  if (!it->status().ok()) return from_status(it->status());
  if (!it->Valid() || !keys::has_id(view(it->key()), stream))
    return fail(errc::corruption, "stream index of '" + std::string(stream) + "' is inconsistent");
  return keys::suffix(view(it->key()));
}

// With nothing queued and nothing waiting for a sync, handing the request to the writer and the
// sync stage would only add two thread hops; the appender writes (and syncs) it itself instead.
bool EventStore::Impl::try_direct_append(Request& req) {
  std::unique_lock writer_lock(writer_mu, std::try_to_lock);
  if (!writer_lock.owns_lock()) return false;
  {
    std::lock_guard lk(queue_mu);
    if (!queue.empty() || stopping) return false;
  }
  if (options.sync) {
    std::lock_guard lk(sync_mu);
    if (syncing || !to_sync.empty()) return false;
  }
  Group group = write_group({&req}, options.sync);
  if (group.last_position) publish_head(group.last_position);
  return true;
}

EventStore::Impl::Group EventStore::Impl::write_group(std::vector<Request*> batch, bool sync) {
  Group group;
  group.requests = std::move(batch);
  if (broken) {
    for (Request* req : group.requests) req->outcome = unexpected(broken_error());
    return group;
  }
  auto result_of = [&](size_t i) -> std::optional<result<AppendResult>>& {
    return group.requests[i]->outcome;
  };
  // A request ends as an error, a result of its own, or a duplicate of an earlier request of the
  // same group (same command id).
  std::vector<size_t> duplicate_of(group.requests.size(), SIZE_MAX);
  std::unordered_map<std::string, uint64_t> overlay;  // stream versions as of this group
  std::unordered_map<std::string_view, size_t> group_commands;
  rocksdb::WriteBatch wb;
  uint64_t pos = last_position;
  Hash hash = last_hash;
  const int64_t now = options.clock ? options.clock() : system_clock_us();
  std::string value;

  auto current_version = [&](const std::string& stream) -> result<uint64_t> {
    if (auto it = overlay.find(stream); it != overlay.end()) return it->second;
    if (auto it = version_cache.find(stream); it != version_cache.end()) return it->second;
    return load_stream_version(stream);
  };

  for (size_t i = 0; i < group.requests.size(); ++i) {
    Request& req = *group.requests[i];
    const std::string& command = req.metadata.command_id;
    if (!command.empty()) {
      if (auto it = group_commands.find(command); it != group_commands.end()) {
        duplicate_of[i] = it->second;
        continue;
      }
      std::string stored;
      auto s = db->Get(rocksdb::ReadOptions(), commands, command, &stored);
      if (s.ok()) {
        auto earlier = decode_result(stored);
        result_of(i) = earlier ? result<AppendResult>(*earlier)
                               : result<AppendResult>(fail(errc::corruption, "bad command record"));
        continue;
      }
      if (!s.IsNotFound()) {
        result_of(i) = from_status(s);
        continue;
      }
    }

    std::vector<uint64_t> versions;
    versions.reserve(req.streams.size());
    std::optional<error> refusal;
    for (const auto& sa : req.streams) {
      auto v = current_version(sa.stream);
      if (!v) {
        refusal = v.error();
        break;
      }
      if (!sa.expected.matches(*v)) {
        refusal = error{errc::version_conflict,
                        "stream '" + sa.stream + "' is at version " + std::to_string(*v) +
                            ", expected " + to_string(sa.expected),
                        sa.stream, *v};
        break;
      }
      versions.push_back(*v);
    }
    if (refusal) {
      result_of(i) = unexpected(std::move(*refusal));
      continue;
    }

    AppendResult r;
    r.first_position = pos + 1;
    for (size_t j = 0; j < req.streams.size(); ++j) {
      const StreamAppend& sa = req.streams[j];
      const std::string_view category = category_of(sa.stream);
      uint64_t version = versions[j];
      for (const EventData& ev : sa.events) {
        ++pos;
        ++version;
        value.clear();
        codec::encode_envelope(pos, sa.stream, version, ev, now, req.metadata, value);
        hash = codec::chain_hash(hash, value);
        value.append(reinterpret_cast<const char*>(hash.data()), hash.size());
        const std::string pos_key = keys::position(pos);
        wb.Put(events, pos_key, value);
        wb.Put(streams, keys::prefixed(sa.stream, version), pos_key);
        wb.Put(categories, keys::prefixed(category, pos), rocksdb::Slice());
        wb.Put(types, keys::prefixed(ev.type, pos), rocksdb::Slice());
      }
      overlay[sa.stream] = version;
      r.stream_versions.push_back(version);
    }
    r.last_position = pos;
    if (!command.empty()) {
      wb.Put(commands, command, encode_result(r));
      group_commands.emplace(command, i);
    }
    result_of(i) = std::move(r);
  }
  for (size_t i = 0; i < group.requests.size(); ++i) {
    if (duplicate_of[i] == SIZE_MAX) continue;
    result_of(i) = *result_of(duplicate_of[i]);
    (*result_of(i))->duplicate = true;
  }

  if (pos == last_position) return group;
  std::string head_value = keys::position(pos);
  head_value.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  wb.Put(meta, slice(kHeadKey), head_value);
  // Unless `sync`, the sync stage makes this group durable (together with any written after it)
  // before anything is published or acknowledged. Readers stop at the published head, so they
  // never see it early.
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto s = db->Write(wo, &wb);
  if (!s.ok()) {
    // RocksDB stops accepting writes after a failed WAL write; so do we.
    const error failure = break_store(s.ToString());
    for (Request* req : group.requests)
      if (*req->outcome) req->outcome = unexpected(failure);
    return group;
  }
  last_position = pos;
  last_hash = hash;
  if (version_cache.size() + overlay.size() > kVersionCacheLimit) version_cache.clear();
  for (auto& [stream, version] : overlay) version_cache[stream] = version;
  group.last_position = pos;
  return group;
}

result<bool> EventStore::Impl::get_event(uint64_t position, codec::Decoder& decoder,
                                         RecordedEvent& out) const {
  rocksdb::PinnableSlice value;
  auto s = db->Get(rocksdb::ReadOptions(), events, keys::position(position), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return from_status(s);
  if (!decoder.decode(view(value), out))
    return fail(errc::corruption, "event " + std::to_string(position) + " does not decode");
  return true;
}

result<uint64_t> EventStore::Impl::read_index(rocksdb::ColumnFamilyHandle* cf, std::string_view id,
                                              uint64_t from, uint64_t max_count,
                                              const Visitor& visit) const {
  const uint64_t last = head.load(std::memory_order_acquire);
  if (max_count == 0 || from > last || id.empty()) return uint64_t{0};
  const std::string upper = keys::prefixed(id, last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  codec::Decoder decoder;
  RecordedEvent ev;
  uint64_t count = 0;
  for (it->Seek(keys::prefixed(id, std::max<uint64_t>(from, 1))); it->Valid() && count < max_count;
       it->Next()) {
    if (!keys::has_id(view(it->key()), id)) break;
    const uint64_t pos = keys::suffix(view(it->key()));
    auto found = get_event(pos, decoder, ev);
    if (!found) return unexpected(found.error());
    if (!*found) return fail(errc::corruption, "index names missing event " + std::to_string(pos));
    ++count;
    if (!visit(ev)) break;
  }
  if (!it->status().ok()) return from_status(it->status());
  return count;
}

// ---------------------------------------------------------------------------------------------

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

result<std::unique_ptr<EventStore>> EventStore::open(const std::string& path, Options options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  if (auto r = impl->open(false, {}); !r) return unexpected(r.error());
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

result<std::unique_ptr<EventStore>> EventStore::open_follower(const std::string& primary_path,
                                                              const std::string& secondary_path,
                                                              Options options) {
  auto impl = std::make_unique<Impl>();
  impl->path = primary_path;
  impl->options = std::move(options);
  if (auto r = impl->open(true, secondary_path); !r) return unexpected(r.error());
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

result<AppendResult> EventStore::append(std::string stream, ExpectedVersion expected,
                                        std::vector<EventData> events, Metadata metadata) {
  std::vector<StreamAppend> one;
  one.push_back(StreamAppend{std::move(stream), expected, std::move(events)});
  return append(std::move(one), std::move(metadata));
}

result<void> EventStore::Impl::admit(const std::vector<StreamAppend>& streams,
                                     const Metadata& metadata) const {
  if (follower) return fail(errc::read_only, "this store is a read-only follower");
  return validate(streams, metadata);
}

bool EventStore::Impl::enqueue(Request* req) {
  {
    std::lock_guard lk(queue_mu);
    if (stopping) return false;
    queue.push_back(req);
  }
  queue_cv.notify_one();
  return true;
}

result<AppendResult> EventStore::append(std::vector<StreamAppend> streams, Metadata metadata) {
  if (auto admitted = impl_->admit(streams, metadata); !admitted)
    return unexpected(admitted.error());
  Impl::Request req(std::move(streams), std::move(metadata));
  if (impl_->try_direct_append(req)) return std::move(*req.outcome);
  thread_local const uint32_t slot = impl_->next_parking_slot++ % Impl::kParkingSlots;
  req.parking = &impl_->parking[slot];
  const uint32_t seen = req.parking->load(std::memory_order_acquire);
  if (!impl_->enqueue(&req)) return fail(errc::closed, "the store is closing");
  // The sequencer sets `done` and then bumps our parking word, so a bump after `seen` ends a wait.
  for (uint32_t now = seen; !req.done.load(std::memory_order_acquire);
       now = req.parking->load(std::memory_order_acquire))
    park(*req.parking, now);
  return std::move(*req.outcome);
}

void EventStore::append_async(std::vector<StreamAppend> streams, Metadata metadata,
                              AppendDone done) {
  if (auto admitted = impl_->admit(streams, metadata); !admitted)
    return done(unexpected(admitted.error()));
  auto req = std::make_unique<Impl::Request>(std::move(streams), std::move(metadata));
  req->on_done = std::move(done);
  Impl::Request* queued = req.release();  // the writer owns it once queued, and deletes it
  if (impl_->enqueue(queued)) return;
  req.reset(queued);
  req->on_done(fail(errc::closed, "the store is closing"));
}

uint64_t EventStore::head() const noexcept {
  return impl_->head.load(std::memory_order_acquire);
}

bool EventStore::wait_for(uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(impl_->head_mu);
  return impl_->head_cv.wait_for(lk, timeout, [&] {
    return impl_->head.load(std::memory_order_acquire) >= position || impl_->closing;
  }) && head() >= position;
}

result<bool> EventStore::stream_exists(std::string_view stream) const {
  auto first = impl_->position_of(stream, 1);
  if (!first) return unexpected(first.error());
  return *first && **first <= head();
}

result<uint64_t> EventStore::stream_version(std::string_view stream) const {
  // The stream index alone answers this (no event is read or decoded), bounded by head so a
  // reader never sees a version whose event is not yet acknowledged.
  const uint64_t last = head();
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  for (it->SeekForPrev(keys::prefixed(stream, std::numeric_limits<uint64_t>::max()));
       it->Valid() && keys::has_id(view(it->key()), stream); it->Prev()) {
    if (it->value().size() != 8) return fail(errc::corruption, "malformed stream index entry");
    if (keys::get_be64(it->value().data()) <= last) return keys::suffix(view(it->key()));
  }
  if (!it->status().ok()) return from_status(it->status());
  return uint64_t{0};
}

result<uint64_t> EventStore::read_all(uint64_t from_position, uint64_t max_count,
                                      const Visitor& visit) const {
  const uint64_t last = head();
  if (max_count == 0 || from_position > last) return uint64_t{0};
  const std::string upper = keys::position(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  // A long scan (a rebuild, an export) reads ahead. Old events (a subscription catching up from
  // far behind, an audit history's entries) would only push the working set out of the block
  // cache. One old event is no long scan: read 2 MB ahead, a history page of 50 took 171 ms on
  // the medium dataset.
  if (std::min(max_count, last - from_position + 1) >= kLongScan) ro.readahead_size = 2 << 20;
  ro.fill_cache = last - from_position < kLongScan;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->events));
  codec::Decoder decoder;
  RecordedEvent ev;
  uint64_t count = 0;
  for (it->Seek(keys::position(std::max<uint64_t>(from_position, 1)));
       it->Valid() && count < max_count; it->Next()) {
    if (!decoder.decode(view(it->value()), ev))
      return fail(errc::corruption,
                  "event " + std::to_string(keys::get_be64(it->key().data())) + " does not decode");
    ++count;
    if (!visit(ev)) break;
  }
  if (!it->status().ok()) return from_status(it->status());
  return count;
}

result<uint64_t> EventStore::read_at(const std::vector<uint64_t>& positions,
                                     const Visitor& visit) const {
  const uint64_t last = head();
  std::vector<std::string> keys;
  for (const uint64_t p : positions)
    if (p >= 1 && p <= last) keys.push_back(keys::position(p));
  if (keys.empty()) return uint64_t{0};
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // old events, read once: they would push the working set out
  impl_->db->MultiGet(ro, impl_->events, slices.size(), slices.data(), values.data(),
                      statuses.data());
  codec::Decoder decoder;
  RecordedEvent ev;
  uint64_t count = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return from_status(statuses[i]);
    if (!decoder.decode(view(values[i]), ev))
      return fail(errc::corruption,
                  "event " + std::to_string(keys::get_be64(keys[i].data())) + " does not decode");
    ++count;
    if (!visit(ev)) break;
  }
  return count;
}

result<uint64_t> EventStore::read_stream(std::string_view stream, uint64_t from_version,
                                         Direction direction, uint64_t max_count,
                                         const Visitor& visit) const {
  const uint64_t last = head();
  if (max_count == 0 || stream.empty()) return uint64_t{0};
  const bool forward = direction == Direction::forward;
  if (forward) {
    from_version = std::max<uint64_t>(from_version, 1);
    // A command's look-up of a new record, or of one it has cached (anything newer?), reads
    // nothing: told without an iterator.
    auto first = impl_->position_of(stream, from_version);
    if (!first) return unexpected(first.error());
    if (!*first || **first > last) return uint64_t{0};
  }
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  codec::Decoder decoder;
  RecordedEvent ev;
  uint64_t count = 0;
  if (forward)
    it->Seek(keys::prefixed(stream, from_version));
  else
    it->SeekForPrev(keys::prefixed(stream, from_version));
  for (; it->Valid() && count < max_count; forward ? it->Next() : it->Prev()) {
    if (!keys::has_id(view(it->key()), stream)) break;
    if (it->value().size() != 8) return fail(errc::corruption, "malformed stream index entry");
    const uint64_t pos = keys::get_be64(it->value().data());
    if (pos > last) {
      if (forward) break;  // later versions are not acknowledged yet
      continue;
    }
    auto found = impl_->get_event(pos, decoder, ev);
    if (!found) return unexpected(found.error());
    if (!*found) return fail(errc::corruption, "index names missing event " + std::to_string(pos));
    ++count;
    if (!visit(ev)) break;
  }
  if (!it->status().ok()) return from_status(it->status());
  return count;
}

result<uint64_t> EventStore::read_category(std::string_view category, uint64_t from_position,
                                           uint64_t max_count, const Visitor& visit) const {
  return impl_->read_index(impl_->categories, category, from_position, max_count, visit);
}

result<uint64_t> EventStore::read_event_type(std::string_view type, uint64_t from_position,
                                             uint64_t max_count, const Visitor& visit) const {
  return impl_->read_index(impl_->types, type, from_position, max_count, visit);
}

result<std::optional<AppendResult>> EventStore::find_command(std::string_view command_id) const {
  std::string stored;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->commands, slice(command_id), &stored);
  if (s.IsNotFound()) return std::optional<AppendResult>();
  if (!s.ok()) return from_status(s);
  auto r = decode_result(stored);
  if (!r) return fail(errc::corruption, "bad command record");
  return r;
}

result<VerifyReport> EventStore::verify(uint64_t from, uint64_t to) const {
  from = std::max<uint64_t>(from, 1);
  // The head record (written with every batch) tells where the log should end, so a log cut
  // short at its end is a break too.
  uint64_t recorded_head = head();
  std::string head_value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->meta, slice(kHeadKey), &head_value);
  if (s.ok() && head_value.size() >= 8)
    recorded_head = std::max(recorded_head, keys::get_be64(head_value.data()));
  else if (!s.ok() && !s.IsNotFound())
    return from_status(s);
  if (to == 0 || to > recorded_head) to = recorded_head;

  VerifyReport report;
  auto broken = [&](uint64_t pos, std::string problem) {
    report.ok = false;
    report.first_bad_position = pos;
    report.problem = std::move(problem);
    return report;
  };

  Hash prev{};
  if (from > 1) {
    rocksdb::PinnableSlice value;
    s = impl_->db->Get(rocksdb::ReadOptions(), impl_->events, keys::position(from - 1), &value);
    if (s.IsNotFound()) return broken(from - 1, "gap: event missing");
    if (!s.ok()) return from_status(s);
    std::string_view envelope;
    if (!codec::split(view(value), envelope, prev)) return broken(from - 1, "truncated record");
  }
  if (from > to) return report;

  const std::string upper = keys::position(to + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->events));
  codec::Decoder decoder;
  RecordedEvent ev;
  uint64_t expected = from;
  for (it->Seek(keys::position(from)); it->Valid(); it->Next(), ++expected) {
    if (it->key().size() != 8) return broken(expected, "malformed key");
    const uint64_t pos = keys::get_be64(it->key().data());
    if (pos != expected) return broken(expected, "gap: event missing");
    std::string_view envelope;
    Hash stored;
    if (!codec::split(view(it->value()), envelope, stored)) return broken(pos, "truncated record");
    if (codec::chain_hash(prev, envelope) != stored) return broken(pos, "hash mismatch");
    if (!decoder.decode(view(it->value()), ev)) return broken(pos, "undecodable record");
    if (ev.position != pos) return broken(pos, "record carries another position");
    prev = stored;
    ++report.checked;
  }
  if (!it->status().ok()) return from_status(it->status());
  if (expected <= to) return broken(expected, "gap: event missing");
  return report;
}

std::unique_ptr<Subscription> EventStore::subscribe(StreamFilter filter,
                                                    uint64_t from_position) const {
  return std::unique_ptr<Subscription>(new Subscription(*this, std::move(filter), from_position));
}

result<void> EventStore::flush() {
  if (impl_->follower) return fail(errc::read_only, "this store is a read-only follower");
  auto s = impl_->db->FlushWAL(/*sync=*/true);
  if (!s.ok()) return from_status(s);
  return {};
}

result<void> EventStore::compact() {
  if (impl_->follower) return fail(errc::read_only, "this store is a read-only follower");
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (auto* h : impl_->handles)
    if (auto s = impl_->db->CompactRange(o, h, nullptr, nullptr); !s.ok()) return from_status(s);
  return {};
}

result<void> EventStore::refresh() {
  if (!impl_->follower) return {};
  auto s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return from_status(s);
  return impl_->load_head();
}

bool EventStore::read_only() const noexcept {
  return impl_->follower;
}

const std::string& EventStore::path() const noexcept {
  return impl_->path;
}

}  // namespace crm::eventstore
