#include "eventstore/table_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <shared_mutex>

namespace crm::eventstore {
namespace {

unexpected<error> from_status(const rocksdb::Status& s) {
  return unexpected(error{s.IsCorruption() ? errc::corruption : errc::io_error, s.ToString()});
}

rocksdb::Slice slice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

constexpr unsigned kStampBits = 16;

uint32_t stamp_slot(TableStore::TableId table, std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key) ^ table;
  return static_cast<uint32_t>((h * 0x9E3779B97F4A7C15ull) >> (64 - kStampBits));  // Fibonacci
}

// Read options bounded to lower <= key < upper (an empty slice: unbounded); the slices must
// outlive the iterator made with them.
rocksdb::ReadOptions bounded(const rocksdb::Slice* lower, const rocksdb::Slice* upper) {
  rocksdb::ReadOptions ro;
  if (!upper->empty()) ro.iterate_upper_bound = upper;
  if (!lower->empty()) ro.iterate_lower_bound = lower;
  return ro;
}

}  // namespace

// Rows go straight into a RocksDB WriteBatch; the tables a batch touches are checked again when
// it is written (a table may have been dropped meanwhile).
struct TableStore::Batch::Rep {
  const TableStore::Impl* store;
  rocksdb::WriteBatch batch;
  std::vector<TableId> tables;   // distinct ids touched
  std::vector<uint32_t> stamps;  // the row stamps to bump once written, one per operation
  size_t bytes = 0;

  // Counts an operation on `key` of `table` of `size` bytes.
  void note(TableId table, std::string_view key, size_t size) {
    bytes += size;
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
    stamps.push_back(stamp_slot(table, key));
  }
};

TableStore::Batch::Batch(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
TableStore::Batch::~Batch() = default;
TableStore::Batch::Batch(Batch&&) noexcept = default;
TableStore::Batch& TableStore::Batch::operator=(Batch&&) noexcept = default;

size_t TableStore::Batch::operations() const noexcept {
  return rep_->stamps.size();
}
size_t TableStore::Batch::bytes() const noexcept {
  return rep_->bytes;
}

struct TableStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyOptions cf_options;
  mutable std::shared_mutex mu;                       // guards the maps below
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // by TableId; kept until close
  std::vector<bool> dropped;
  std::map<std::string, TableId, std::less<>> by_name;
  std::unique_ptr<std::atomic<uint64_t>[]> stamps =
      std::make_unique<std::atomic<uint64_t>[]>(1u << kStampBits);

  ~Impl() {
    if (!db) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }

  std::vector<rocksdb::ColumnFamilyHandle*> live_handles() const {
    std::shared_lock lk(mu);
    std::vector<rocksdb::ColumnFamilyHandle*> live;
    for (size_t i = 0; i < handles.size(); ++i)
      if (!dropped[i]) live.push_back(handles[i]);
    return live;
  }
  rocksdb::ColumnFamilyHandle* handle(TableId id) const {
    std::shared_lock lk(mu);
    return id < handles.size() ? handles[id] : nullptr;
  }
};

TableStore::Batch TableStore::batch() const {
  auto rep = std::make_unique<Batch::Rep>();
  rep->store = impl_.get();
  return Batch(std::move(rep));
}

void TableStore::Batch::put(TableId table, std::string_view key, std::string_view value) {
  rep_->note(table, key, key.size() + value.size());
  if (auto* h = rep_->store->handle(table)) rep_->batch.Put(h, slice(key), slice(value));
}

void TableStore::Batch::erase(TableId table, std::string_view key) {
  rep_->note(table, key, key.size());
  if (auto* h = rep_->store->handle(table)) rep_->batch.Delete(h, slice(key));
}

TableStore::TableStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableStore::~TableStore() = default;

result<std::unique_ptr<TableStore>> TableStore::open(const std::string& path,
                                                     size_t block_cache_bytes) {
  auto impl = std::make_unique<Impl>();
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks stay in the table readers' memory, outside the block cache: a large
  // file's filter (megabytes) did not fit the cache's shards of a few MB, so it was read and
  // checksummed again on every look-up, and the large rebuild ran at a quarter of the medium
  // one's rate. Partitioned filters fixed that too but cost queries a second index level
  // (clients p99 1.35-1.44 ms against 0.78-0.81). A read model holds current state, not history:
  // its filters and indexes stay small enough to keep.
  t.cache_index_and_filter_blocks = false;
  impl->cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  impl->cf_options.compression = rocksdb::kLZ4Compression;
  impl->cf_options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kLZ4Compression};
  impl->cf_options.level_compaction_dynamic_level_bytes = true;

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // Table files are written out a megabyte at a time as flushes and compactions make them, not
  // left to the kernel to write back in bursts of tens of megabytes: the log's WAL syncs share the
  // disk, and a sync behind such a burst was what a durable POST's p99 waited for (api.post at
  // half of peak: p99 18.7-22.7 ms without, 12.6-15.6 with, alternating runs).
  db_options.bytes_per_sync = 1 << 20;
  // Rows are written without a WAL (read models are rebuilt from the log). atomic_flush makes all
  // tables reach disk together, so after a crash every table, checkpoints included, is as of one
  // and the same earlier batch: progress is lost, consistency never.
  db_options.atomic_flush = true;
  db_options.enable_write_thread_adaptive_yield = false;  // one writer per view pass
  // Table files are opened when first read, not all at DB::Open (max_open_files -1): opening
  // every file read all their index and filter blocks before a restart could serve (0.28 of the
  // 0.52 s of a medium restart). A file opened later stays open (and pinned while the table
  // cache is less than a quarter full), so steady reads are as before.
  db_options.max_open_files = 50'000;

  std::vector<std::string> names;
  auto s = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
  if (!s.ok()) names = {rocksdb::kDefaultColumnFamilyName};  // a new store
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, impl->cf_options);
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(db_options, path, cfs, &impl->handles, &raw);
  if (!s.ok()) return from_status(s);
  impl->db.reset(raw);
  impl->dropped.assign(impl->handles.size(), false);
  for (TableId i = 0; i < impl->handles.size(); ++i) impl->by_name.emplace(names[i], i);
  return std::unique_ptr<TableStore>(new TableStore(std::move(impl)));
}

result<TableStore::TableId> TableStore::table(const std::string& name) {
  if (auto id = find(name)) return *id;
  std::unique_lock lk(impl_->mu);
  if (auto it = impl_->by_name.find(name); it != impl_->by_name.end()) return it->second;
  rocksdb::ColumnFamilyHandle* h = nullptr;
  auto s = impl_->db->CreateColumnFamily(impl_->cf_options, name, &h);
  if (!s.ok()) return from_status(s);
  const TableId id = static_cast<TableId>(impl_->handles.size());
  impl_->handles.push_back(h);
  impl_->dropped.push_back(false);
  impl_->by_name.emplace(name, id);
  return id;
}

std::optional<TableStore::TableId> TableStore::find(const std::string& name) const {
  std::shared_lock lk(impl_->mu);
  auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> TableStore::tables() const {
  std::shared_lock lk(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [name, id] : impl_->by_name)
    if (name != rocksdb::kDefaultColumnFamilyName) out.push_back(name);
  return out;
}

result<void> TableStore::drop(const std::string& name) {
  std::unique_lock lk(impl_->mu);
  auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end()) return {};
  auto s = impl_->db->DropColumnFamily(impl_->handles[it->second]);
  if (!s.ok()) return from_status(s);
  impl_->dropped[it->second] = true;
  impl_->by_name.erase(it);
  return {};
}

result<void> TableStore::write(Batch&& batch) {
  return apply(std::move(batch), false);
}

result<void> TableStore::write_durable(Batch&& batch) {
  return apply(std::move(batch), true);
}

result<void> TableStore::apply(Batch&& batch, bool durable) {
  rocksdb::WriteOptions wo;
  wo.disableWAL = !durable;
  wo.sync = durable;
  {
    std::shared_lock lk(impl_->mu);
    for (TableId t : batch.rep_->tables)
      if (t >= impl_->handles.size() || impl_->dropped[t])
        return unexpected(error{errc::invalid_argument, "write to a table that does not exist"});
  }
  auto s = impl_->db->Write(wo, &batch.rep_->batch);
  if (!s.ok()) return from_status(s);
  // After the write: a reader that sees the new stamp reads the new row.
  for (uint32_t slot : batch.rep_->stamps)
    impl_->stamps[slot].fetch_add(1, std::memory_order_release);
  return {};
}

uint64_t TableStore::row_stamp(TableId table, std::string_view key) const {
  return impl_->stamps[stamp_slot(table, key)].load(std::memory_order_acquire);
}

result<void> TableStore::flush() {
  if (auto s = impl_->db->Flush(rocksdb::FlushOptions(), impl_->live_handles()); !s.ok())
    return from_status(s);
  return {};
}

result<void> TableStore::compact() {
  rocksdb::CompactRangeOptions o;
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (auto* h : impl_->live_handles())
    if (auto s = impl_->db->CompactRange(o, h, nullptr, nullptr); !s.ok()) return from_status(s);
  return {};
}

result<std::optional<std::string>> TableStore::get(TableId table, std::string_view key) const {
  auto* h = impl_->handle(table);
  if (!h) return unexpected(error{errc::invalid_argument, "no such table"});
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), h, slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return from_status(s);
  return std::optional<std::string>(std::move(value));
}

result<std::vector<std::optional<std::string>>> TableStore::get_many(
    TableId table, const std::vector<std::string>& keys) const {
  auto* h = impl_->handle(table);
  if (!h) return unexpected(error{errc::invalid_argument, "no such table"});
  if (keys.empty()) return std::vector<std::optional<std::string>>();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  impl_->db->MultiGet(rocksdb::ReadOptions(), h, slices.size(), slices.data(), values.data(),
                      statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return from_status(statuses[i]);
    out[i].emplace(values[i].data(), values[i].size());
  }
  return out;
}

result<uint64_t> TableStore::scan(TableId table, std::string_view from, std::string_view to,
                                  Direction direction, uint64_t max_count,
                                  const RowVisitor& visit) const {
  auto* h = impl_->handle(table);
  if (!h) return unexpected(error{errc::invalid_argument, "no such table"});
  const bool forward = direction == Direction::forward;
  const std::string upper(forward ? to : from), lower(forward ? from : to);
  const rocksdb::Slice upper_slice(upper), lower_slice(lower);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(bounded(&lower_slice, &upper_slice), h));
  if (forward)
    it->Seek(lower_slice);
  else if (upper.empty())
    it->SeekToLast();
  else
    it->SeekForPrev(upper_slice);
  uint64_t count = 0;
  for (; it->Valid() && count < max_count; forward ? it->Next() : it->Prev()) {
    if (!forward && !upper.empty() && it->key().compare(upper_slice) >= 0) continue;  // exclusive
    ++count;
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size())))
      break;
  }
  if (!it->status().ok()) return from_status(it->status());
  return count;
}

uint64_t TableStore::approximate_rows(
    TableId table, const std::vector<std::pair<std::string, std::string>>& ranges) const {
  auto* h = impl_->handle(table);
  if (!h || ranges.empty()) return 0;
  std::vector<rocksdb::Range> r;
  for (const auto& [from, to] : ranges)  // an empty range holds no rows (RocksDB asserts on one)
    if (from < to) r.emplace_back(from, to);
  if (r.empty()) return 0;
  std::vector<uint64_t> bytes(r.size());
  rocksdb::SizeApproximationOptions o;
  o.include_memtables = true;
  o.files_size_error_margin = 0.1;  // no exact reckoning in a file: an order of size is enough
  uint64_t rows = 0, file_bytes = 0, memtable_bytes = 0;
  if (!impl_->db->GetApproximateSizes(o, h, r.data(), static_cast<int>(r.size()), bytes.data())
           .ok() ||
      !impl_->db->GetIntProperty(h, rocksdb::DB::Properties::kEstimateNumKeys, &rows) ||
      !impl_->db->GetIntProperty(h, rocksdb::DB::Properties::kLiveSstFilesSize, &file_bytes) ||
      !impl_->db->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables, &memtable_bytes))
    return 0;
  const uint64_t all_bytes = file_bytes + memtable_bytes;
  if (all_bytes == 0) return 0;
  uint64_t in_ranges = 0;
  for (const uint64_t b : bytes) in_ranges += b;
  return static_cast<uint64_t>(static_cast<double>(in_ranges) * static_cast<double>(rows) /
                               static_cast<double>(all_bytes));
}

struct TableStore::Seeker::Rep {
  std::string lower, upper;
  rocksdb::Slice lower_slice, upper_slice;
  bool forward = true;
  std::unique_ptr<rocksdb::Iterator> it;
};

TableStore::Seeker::Seeker(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
TableStore::Seeker::~Seeker() = default;
TableStore::Seeker::Seeker(Seeker&&) noexcept = default;
TableStore::Seeker& TableStore::Seeker::operator=(Seeker&&) noexcept = default;

result<std::optional<std::string>> TableStore::Seeker::seek(std::string_view key) {
  auto& it = *rep_->it;
  const rocksdb::Slice at(key.data(), key.size());
  if (rep_->forward) {
    it.Seek(at);
  } else {
    it.SeekForPrev(at);
    if (it.Valid() && it.key().compare(at) >= 0) it.Prev();  // strictly before `key`
  }
  return found();
}

result<std::optional<std::string>> TableStore::Seeker::next() {
  auto& it = *rep_->it;
  if (!it.Valid()) return unexpected(error{errc::invalid_argument, "no row to step on from"});
  rep_->forward ? it.Next() : it.Prev();
  return found();
}

result<std::optional<std::string>> TableStore::Seeker::found() const {
  const auto& it = *rep_->it;
  if (!it.status().ok()) return from_status(it.status());
  if (!it.Valid()) return std::nullopt;
  return std::string(it.key().data(), it.key().size());
}

std::string_view TableStore::Seeker::value() const {
  const auto v = rep_->it->value();
  return {v.data(), v.size()};
}

result<TableStore::Seeker> TableStore::seeker(TableId table, std::string_view lower,
                                              std::string_view upper, Direction direction) const {
  auto* h = impl_->handle(table);
  if (!h) return unexpected(error{errc::invalid_argument, "no such table"});
  auto rep = std::make_unique<Seeker::Rep>();
  rep->lower = lower;
  rep->upper = upper;
  rep->lower_slice = rocksdb::Slice(rep->lower);
  rep->upper_slice = rocksdb::Slice(rep->upper);
  rep->forward = direction == Direction::forward;
  rep->it.reset(impl_->db->NewIterator(bounded(&rep->lower_slice, &rep->upper_slice), h));
  return Seeker(std::move(rep));
}

}  // namespace crm::eventstore
