// eventstore.append, eventstore.append.latency and eventstore.scan (BENCHMARKS.md), each beside a
// baseline measured in the same run: raw RocksDB doing the same puts, raw fdatasync of the disk.
//
// usage: eventstore_bench [--quick] [--json FILE] [NAME-PREFIX ...]
// Data goes to $TMPDIR (benchmarks/run points it at benchmarks/results/tmp, on the project disk).

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "benchmarks/harness.h"
#include "eventstore/codec.h"
#include "eventstore/event_store.h"
#include "eventstore/keys.h"
#include "tests/support/temp_dir.h"

namespace crm::bench {
namespace {

using eventstore::EventData;
using eventstore::EventStore;
using eventstore::ExpectedVersion;
using clock_type = std::chrono::steady_clock;

constexpr size_t kPayloadSize = 256;

std::string payload(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string p(kPayloadSize, '\0');
  for (auto& c : p) c = static_cast<char>('a' + rng() % 26);
  return p;
}

struct Run {
  double events_per_s = 0;
  std::vector<double> latencies_us;  // one per append
};

// Runs `writers` threads, each calling append_once(writer, i) until `seconds` pass.
template <class AppendOnce>
Run run_writers(int writers, int events_per_append, double seconds, bool keep_latencies,
                AppendOnce append_once) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> events{0};
  std::mutex mu;
  Run run;
  std::vector<std::thread> threads;
  const auto t0 = clock_type::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<double> lat;
      uint64_t mine = 0;
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto a = clock_type::now();
        append_once(w, i);
        if (keep_latencies)
          lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - a).count());
        mine += events_per_append;
      }
      events += mine;
      std::lock_guard lk(mu);
      run.latencies_us.insert(run.latencies_us.end(), lat.begin(), lat.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  run.events_per_s = static_cast<double>(events.load()) / seconds_since(t0);
  return run;
}

Run bench_store(int writers, int batch, bool sync, double seconds, bool keep_latencies) {
  crm::testing::TempDir dir("crm-bench");
  eventstore::Options options;
  options.sync = sync;
  auto store = std::move(EventStore::open(dir.sub("db"), options)).value();
  std::vector<std::vector<EventData>> per_writer(writers);
  for (int w = 0; w < writers; ++w)
    for (int e = 0; e < batch; ++e)
      per_writer[w].push_back(EventData{"BenchHappened", payload(w * 100 + e), 1});
  return run_writers(writers, batch, seconds, keep_latencies, [&](int w, uint64_t) {
    auto r = store->append("bench-" + std::to_string(w), ExpectedVersion::any(), per_writer[w]);
    if (!r) {
      std::fprintf(stderr, "append failed: %s\n", r.error().message.c_str());
      std::abort();
    }
  });
}

// The baseline: RocksDB with the same column families doing the same puts (event record of the
// same size, stream, category and type index entries) in one WriteBatch per append, each writer
// writing for itself (RocksDB's own write grouping is all the batching it gets).
Run bench_raw(int writers, int batch, bool sync, double seconds, size_t record_size,
              bool keep_latencies) {
  crm::testing::TempDir dir("crm-bench-raw");
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.compression = rocksdb::kLZ4Compression;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* n : {"default", "events", "stream_index", "category_index", "type_index"})
    cfs.emplace_back(n, cf);
  std::vector<rocksdb::ColumnFamilyHandle*> h;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(db_options, dir.sub("db"), cfs, &h, &raw).ok()) std::abort();
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<uint64_t> next_position{1};
  const std::string value = payload(1).append(record_size - kPayloadSize, 'x');
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto run = run_writers(writers, batch, seconds, keep_latencies, [&](int w, uint64_t i) {
    rocksdb::WriteBatch wb;
    const std::string stream = "bench-" + std::to_string(w);
    uint64_t pos = next_position.fetch_add(batch);
    for (int e = 0; e < batch; ++e, ++pos) {
      const std::string key = eventstore::keys::position(pos);
      wb.Put(h[1], key, value);
      wb.Put(h[2], eventstore::keys::prefixed(stream, i * batch + e + 1), key);
      wb.Put(h[3], eventstore::keys::prefixed("bench", pos), rocksdb::Slice());
      wb.Put(h[4], eventstore::keys::prefixed("BenchHappened", pos), rocksdb::Slice());
    }
    if (!db->Write(wo, &wb).ok()) std::abort();
  });
  for (auto* handle : h) db->DestroyColumnFamilyHandle(handle);
  return run;
}

// Latency of one 256-byte write + fdatasync on the same file system.
std::vector<double> bench_fdatasync(int count) {
  crm::testing::TempDir dir("crm-bench-fsync");
  const std::string file = dir.sub("f");
  int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0600);
  if (fd < 0) std::abort();
  const std::string p = payload(7);
  std::vector<double> lat;
  for (int i = 0; i < count; ++i) {
    const auto a = clock_type::now();
    if (::write(fd, p.data(), p.size()) != static_cast<ssize_t>(p.size())) std::abort();
    ::fdatasync(fd);
    lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - a).count());
  }
  ::close(fd);
  return lat;
}

size_t stored_record_size() {
  std::string out;
  eventstore::codec::encode_envelope(1, "bench-0", 1, EventData{"BenchHappened", payload(0), 1}, 0,
                                     {}, out);
  return out.size() + eventstore::codec::hash_size;
}

void append_benchmarks(const Settings& s) {
  const double seconds = s.quick ? 0.4 : 3.0;
  const size_t record = stored_record_size();
  std::vector<double> fsync_lat;
  std::vector<double> fsync_lat_sorted;
  if (s.wants("eventstore.append.latency")) fsync_lat = bench_fdatasync(s.quick ? 200 : 2000);

  for (bool sync : {true, false}) {
    for (int batch : {1, 16}) {
      for (int writers : {1, 8, 64}) {
        const std::string name = "eventstore.append/w" + std::to_string(writers) + "/b" +
                                 std::to_string(batch) + (sync ? "/sync" : "/nosync");
        const bool latency = sync && batch == 1 && (writers == 1 || writers == 64) &&
                             s.wants("eventstore.append.latency");
        if (!s.wants(name) && !latency) continue;
        Run ours = bench_store(writers, batch, sync, seconds, latency);
        // CRM_BENCH_NO_BASELINE=1 skips the baseline, for profiling our side alone.
        Run raw = std::getenv("CRM_BENCH_NO_BASELINE")
                      ? Run{1, {1}}
                      : bench_raw(writers, batch, sync, seconds, record, latency);
        const std::string settings = "payload 256 B, record " + std::to_string(record) +
                                     " B, writers " + std::to_string(writers) + ", events/append " +
                                     std::to_string(batch) + (sync ? ", WAL sync" : ", no sync") +
                                     ", " + std::to_string(seconds).substr(0, 3) + " s";
        if (s.wants(name))
          report(s, {name, settings, ours.events_per_s, "events/s", "raw RocksDB, same puts",
                     raw.events_per_s, ours.events_per_s / raw.events_per_s});
        if (latency) {
          for (double p : {50.0, 99.0}) {
            const std::string pname = "eventstore.append.latency/w" + std::to_string(writers) +
                                      "/p" + std::to_string(static_cast<int>(p));
            const double v = percentile(ours.latencies_us, p);
            const double f = percentile(fsync_lat, p);
            report(s,
                   {pname, settings + ", " + std::to_string(ours.latencies_us.size()) + " appends",
                    v, "us", "fdatasync p" + std::to_string(static_cast<int>(p)) + " of 256 B", f,
                    v / f});
            const double r = percentile(raw.latencies_us, p);
            report(s,
                   {pname + "/raw-rocksdb", settings, r, "us",
                    "fdatasync p" + std::to_string(static_cast<int>(p)) + " of 256 B", f, r / f});
          }
        }
      }
    }
  }
}

void scan_benchmark(const Settings& s) {
  if (!s.wants("eventstore.scan")) return;
  const uint64_t total = s.quick ? 200'000 : 2'000'000;
  crm::testing::TempDir dir("crm-bench-scan");
  const std::string path = dir.sub("db");
  {
    eventstore::Options o;
    o.sync = false;
    auto store = std::move(EventStore::open(path, o)).value();
    std::vector<EventData> batch;
    for (int e = 0; e < 16; ++e) batch.push_back(EventData{"BenchHappened", payload(e), 1});
    std::vector<std::thread> fill;
    for (int t = 0; t < 4; ++t)
      fill.emplace_back([&, t] {
        for (uint64_t i = t; i < total / 16; i += 4)
          if (!store->append("scan-" + std::to_string(i % 5000), ExpectedVersion::any(), batch))
            std::abort();
      });
    for (auto& t : fill) t.join();
  }
  double best_ours = 0, best_raw = 0;
  for (int round = 0; round < 3; ++round) {
    {
      rocksdb::DBOptions o;
      std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
      for (const char* n :
           {"default", "events", "stream_index", "category_index", "type_index", "commands"})
        cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
      std::vector<rocksdb::ColumnFamilyHandle*> h;
      rocksdb::DB* raw = nullptr;
      if (!rocksdb::DB::OpenForReadOnly(o, path, cfs, &h, &raw).ok()) std::abort();
      const auto t0 = clock_type::now();
      uint64_t n = 0, bytes = 0;
      rocksdb::ReadOptions ro;  // the same read options the store uses for a long scan
      ro.fill_cache = false;
      ro.readahead_size = 2 << 20;
      std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(ro, h[1]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        bytes += it->value().size() + it->key().size();
        ++n;
      }
      best_raw = std::max(best_raw, static_cast<double>(n) / seconds_since(t0));
      if (n != total || bytes == 0) std::abort();
      it.reset();
      for (auto* handle : h) raw->DestroyColumnFamilyHandle(handle);
      delete raw;
    }
    {
      auto store = std::move(EventStore::open(path)).value();
      const auto t0 = clock_type::now();
      uint64_t n = 0, bytes = 0;
      auto r = store->read_all(1, UINT64_MAX, [&](const eventstore::RecordedEvent& e) {
        bytes += e.payload.size();
        ++n;
        return true;
      });
      best_ours = std::max(best_ours, static_cast<double>(n) / seconds_since(t0));
      if (!r || n != total || bytes == 0) std::abort();
    }
  }
  report(s, {"eventstore.scan",
             std::to_string(total) +
                 " events of 256 B payload, read $all from 1 and decode, best of 3",
             best_ours, "events/s", "raw RocksDB iterator over the events column family", best_raw,
             best_ours / best_raw});
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  auto settings = crm::bench::parse_settings(argc, argv);
  crm::bench::append_benchmarks(settings);
  crm::bench::scan_benchmark(settings);
}
