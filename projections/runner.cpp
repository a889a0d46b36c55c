#include "projections/runner.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "domain/codec.h"
#include "eventstore/subscription.h"

namespace crm::projections {
namespace {

using eventstore::errc;
using eventstore::error;

constexpr size_t kBatchEvents = 8192;

std::string table_name(const std::string& projection, uint32_t version, const std::string& table) {
  return projection + ".v" + std::to_string(version) + "." + table;
}
std::string active_key(const std::string& projection) {
  return projection + ".active";
}
std::string checkpoint_key(const std::string& projection, uint32_t version) {
  return projection + ".v" + std::to_string(version) + ".checkpoint";
}

// Drops the tables of `projection`'s versions for which `goes(version)` holds, whatever tables
// the code names now: a version built by an older or newer release may have had others.
template <class Goes>
eventstore::result<void> drop_versions(TableStore& views, const std::string& projection,
                                       Goes goes) {
  const std::string prefix = projection + ".v";
  for (const auto& t : views.tables()) {
    if (t.rfind(prefix, 0) != 0) continue;
    uint32_t version = 0;
    const char* digits = t.data() + prefix.size();
    std::from_chars(digits, t.data() + t.size(), version);
    if (goes(version))
      if (auto d = views.drop(t); !d) return d;
  }
  return {};
}

std::optional<uint64_t> number(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  return std::stoull(*s);
}

}  // namespace

std::string ViewWriter::overlay_key(size_t table, std::string_view key) const {
  const TableId id = (*tables_)[table];
  std::string k(reinterpret_cast<const char*>(&id), sizeof id);
  k.append(key);
  return k;
}

std::optional<std::string> ViewWriter::get(size_t table, std::string_view key) {
  if (auto it = overlay_.find(overlay_key(table, key)); it != overlay_.end()) return it->second;
  auto stored = store_.get((*tables_)[table], key);
  if (!stored) {
    if (!failure_) failure_ = stored.error();
    return std::nullopt;
  }
  return *stored;
}

void ViewWriter::add(size_t table, std::string_view key, std::optional<std::string_view> value) {
  writes_.push_back({(*tables_)[table], !value, static_cast<uint32_t>(key.size()),
                     static_cast<uint32_t>(value ? value->size() : 0), arena_.size()});
  arena_.append(key);
  if (value) arena_.append(*value);
}

void ViewWriter::put(size_t table, std::string_view key, std::string_view value) {
  overlay_[overlay_key(table, key)] = std::string(value);
  add(table, key, value);
}

void ViewWriter::put_blind(size_t table, std::string_view key, std::string_view value) {
  add(table, key, value);
}

void ViewWriter::erase(size_t table, std::string_view key) {
  overlay_[overlay_key(table, key)] = std::nullopt;
  add(table, key, std::nullopt);
}

void ViewWriter::erase_blind(size_t table, std::string_view key) {
  add(table, key, std::nullopt);
}

void ViewWriter::finish() {
  // Sorted through a flat array of the keys' views, not through the writes themselves: a
  // comparison then reaches the key's bytes without first loading its Write. Of several writes
  // of one key, the last made sorts last and wins.
  struct Ref {
    std::string_view key;
    TableId table;
    uint32_t index;
  };
  const std::string_view arena = arena_;
  std::vector<Ref> order;
  order.reserve(writes_.size());
  for (uint32_t i = 0; i < writes_.size(); ++i)
    order.push_back({arena.substr(writes_[i].key_at, writes_[i].key_size), writes_[i].table, i});
  std::sort(order.begin(), order.end(), [](const Ref& x, const Ref& y) {
    if (x.table != y.table) return x.table < y.table;
    if (const int c = x.key.compare(y.key); c != 0) return c < 0;
    return x.index < y.index;
  });
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && order[i + 1].table == order[i].table &&
        order[i + 1].key == order[i].key)
      continue;
    const Write& w = writes_[order[i].index];
    if (w.erase)
      batch_.erase(w.table, order[i].key);
    else
      batch_.put(w.table, order[i].key, arena.substr(w.key_at + w.key_size, w.value_size));
  }
  writes_.clear();
  arena_.clear();
  overlay_.clear();
}

struct Runner::Slot {
  std::unique_ptr<Projection> projection;
  std::string name;
  const Lane* lane = nullptr;
  // The version queries read.
  uint32_t live_version = 0;
  std::vector<TableId> live_tables;
  std::atomic<uint64_t> live_checkpoint{0};
  bool live_applies = false;  // the live version is the code's: the live pass applies it
  // A new version being built from position 0 (0: none).
  uint32_t building_version = 0;
  std::vector<TableId> building_tables;
  std::atomic<uint64_t> building_checkpoint{0};

  // What a pass (live, or building) applies to this projection.
  bool applies(bool building) const { return building ? building_version != 0 : live_applies; }
  uint32_t version(bool building) const { return building ? building_version : live_version; }
  std::vector<TableId>& tables(bool building) { return building ? building_tables : live_tables; }
  std::atomic<uint64_t>& checkpoint(bool building) {
    return building ? building_checkpoint : live_checkpoint;
  }
};

struct Runner::Pass {
  bool building = false;
  std::unique_ptr<eventstore::Subscription> subscription;
  uint64_t examined = 0;  // every position up to here has been applied (or skipped)
  std::string failure;    // the last batch's error until one succeeds; written by the pass only
  ViewWriter::Buffers buffers;
};

struct Runner::Lane {
  std::vector<Slot*> slots;
  std::unique_ptr<Pass> live;      // serves queries
  std::unique_ptr<Pass> building;  // new versions, from position 0
  std::mutex mu;                   // one batch of this lane at a time; switching its versions

  bool building_any() const {
    return std::any_of(slots.begin(), slots.end(), [](Slot* s) { return s->building_version; });
  }
};

Runner::Runner(const eventstore::EventStore& log, TableStore& views,
               std::vector<std::unique_ptr<Projection>> projections)
    : log_(log), views_(views) {
  for (auto& p : projections) {
    auto slot = std::make_unique<Slot>();
    slot->name = p->name();
    const unsigned lane = p->lane();
    slot->projection = std::move(p);
    while (lanes_.size() <= lane) lanes_.push_back(std::make_unique<Lane>());
    lanes_[lane]->slots.push_back(slot.get());
    slot->lane = lanes_[lane].get();
    slots_.push_back(std::move(slot));
  }
  std::erase_if(lanes_, [](const auto& l) { return l->slots.empty(); });
}

Runner::~Runner() {
  stop();
}

eventstore::result<void> Runner::prepare() {
  auto meta = views_.table("projections.meta");
  if (!meta) return unexpected(meta.error());
  meta_ = *meta;
  auto batch = views_.batch();
  auto tables_of = [&](const Slot& s,
                       uint32_t version) -> eventstore::result<std::vector<TableId>> {
    std::vector<TableId> ids;
    for (const auto& t : s.projection->tables()) {
      auto id = views_.table(table_name(s.name, version, t));
      if (!id) return unexpected(id.error());
      ids.push_back(*id);
    }
    return ids;
  };
  std::unique_lock preparing(tables_mu_);
  for (auto& s : slots_) {
    const uint32_t code = s->projection->version();
    auto stored_active = views_.get(meta_, active_key(s->name));
    if (!stored_active) return unexpected(stored_active.error());
    const auto active = number(*stored_active);
    if (!active) batch.put(meta_, active_key(s->name), std::to_string(code));
    s->live_version = active ? static_cast<uint32_t>(*active) : code;
    s->building_version = s->live_version == code ? 0 : code;
    for (uint32_t version : {s->live_version, s->building_version}) {
      if (!version) continue;
      auto cp = views_.get(meta_, checkpoint_key(s->name, version));
      if (!cp) return unexpected(cp.error());
      (version == s->live_version ? s->live_checkpoint : s->building_checkpoint) =
          number(*cp).value_or(0);
    }
    // A version without a checkpoint has applied nothing: rows in its tables were left by an
    // earlier build of it (a release rolled back and deployed again, or a reset cut short) and
    // would count their events twice. Tables of a version neither live nor being built were
    // left when a switch was cut short, or by other releases.
    if (auto d = drop_versions(views_, s->name,
                               [&](uint32_t v) {
                                 return (v == s->live_version && !s->live_checkpoint) ||
                                        (v == s->building_version && !s->building_checkpoint) ||
                                        (v != s->live_version && v != s->building_version);
                               });
        !d)
      return d;
    auto live = tables_of(*s, s->live_version);
    if (!live) return unexpected(live.error());
    s->live_tables = std::move(*live);
    s->live_applies = !s->building_version;
    if (!s->building_version) continue;
    // The code has another version: build it beside the live one (resuming an interrupted build).
    auto building = tables_of(*s, code);
    if (!building) return unexpected(building.error());
    s->building_tables = std::move(*building);
  }
  if (batch.operations() > 0)
    if (auto w = views_.write(std::move(batch)); !w) return w;

  for (auto& lane : lanes_) {
    uint64_t live_from = UINT64_MAX, building_from = UINT64_MAX;
    for (Slot* s : lane->slots)
      if (s->live_applies)
        live_from = std::min(live_from, s->live_checkpoint.load() + 1);
      else
        building_from = std::min(building_from, s->building_checkpoint.load() + 1);
    lane->live = std::make_unique<Pass>();
    if (live_from == UINT64_MAX)
      live_from = log_.head() + 1;  // nothing applies yet: follow new events
    lane->live->subscription = log_.subscribe(eventstore::StreamFilter::all(), live_from);
    lane->live->examined = live_from - 1;
    if (building_from != UINT64_MAX) {
      lane->building = std::make_unique<Pass>();
      lane->building->building = true;
      lane->building->subscription = log_.subscribe(eventstore::StreamFilter::all(), building_from);
      lane->building->examined = building_from - 1;
    }
  }
  return {};
}

eventstore::result<void> Runner::start() {
  if (auto r = prepare(); !r) return r;
  for (auto& lane : lanes_) {
    threads_.emplace_back([this, l = lane.get()] { run(*l, *l->live); });
    if (lane->building) threads_.emplace_back([this, l = lane.get()] { run(*l, *l->building); });
  }
  return {};
}

eventstore::result<void> Runner::catch_up() {
  if (lanes_.empty() || !lanes_.front()->live)  // not prepared yet
    if (auto r = prepare(); !r) return r;
  // Lanes are independent: each catches up on its own thread.
  std::vector<eventstore::result<void>> results(lanes_.size());
  auto catch_up_lane = [this, &results](size_t i) {
    Lane& lane = *lanes_[i];
    for (Pass* pass : {lane.building.get(), lane.live.get()}) {
      while (pass && pass->examined < log_.head()) {
        auto r = step(lane, *pass, std::chrono::milliseconds(0));
        if (!r) {
          results[i] = unexpected(r.error());
          return;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < lanes_.size(); ++i) threads.emplace_back(catch_up_lane, i);
  if (!lanes_.empty()) catch_up_lane(0);
  for (auto& t : threads) t.join();
  for (auto& r : results)
    if (!r) return r;
  return {};
}

eventstore::result<bool> Runner::step(Lane& lane, Pass& pass, std::chrono::milliseconds wait) {
  auto events = pass.subscription->next(kBatchEvents, wait);
  if (!events) return unexpected(events.error());
  std::unique_lock lk(lane.mu);
  auto batch = views_.batch();
  ViewWriter writer(views_, batch, pass.buffers);
  // Nothing of a failed batch is written: the pass reads it again rather than skip it.
  auto fail = [&](const error& e) -> eventstore::result<bool> {
    pass.subscription = log_.subscribe(eventstore::StreamFilter::all(), pass.examined + 1);
    return unexpected(e);
  };
  // An event that does not decode ends the batch before it: what came before is written, and
  // the next batch starts at it (and fails, until it decodes).
  std::optional<error> undecodable;
  uint64_t examined = pass.subscription->next_position() - 1;
  for (const auto& raw : *events) {
    const auto kind = domain::kind_from_name(raw.category());
    if (!kind) continue;  // not a CRM record's stream
    auto decoded = domain::codec::decode(raw.type, raw.payload);
    if (!decoded) {
      undecodable =
          error{errc::corruption, "event " + std::to_string(raw.position) + " does not decode"};
      examined = raw.position - 1;
      break;
    }
    const Event event{raw, *decoded, *kind,
                      std::string_view(raw.stream).substr(raw.category().size() + 1)};
    for (Slot* s : lane.slots) {
      if (!s->applies(pass.building) || raw.position <= s->checkpoint(pass.building).load())
        continue;
      writer.bind(&s->tables(pass.building));
      s->projection->apply(event, writer);
    }
  }
  // Flushed even when the batch fails: what projections kept for it goes, with the batch.
  for (Slot* s : lane.slots) {
    if (!s->applies(pass.building)) continue;
    writer.bind(&s->tables(pass.building));
    s->projection->flush(writer);
  }
  if (undecodable && examined == pass.examined) return fail(*undecodable);
  if (writer.failure()) return fail(*writer.failure());
  writer.finish();
  if (examined == pass.examined && events->empty()) return false;
  for (Slot* s : lane.slots)
    if (s->applies(pass.building))
      batch.put(meta_, checkpoint_key(s->name, s->version(pass.building)),
                std::to_string(examined));
  if (auto w = views_.write(std::move(batch)); !w) return fail(w.error());
  pass.examined = examined;
  if (undecodable)  // read past it: start the next batch at it
    pass.subscription = log_.subscribe(eventstore::StreamFilter::all(), examined + 1);
  std::vector<Slot*> switched;  // versions that went live with this batch
  for (Slot* s : lane.slots) {
    if (!s->applies(pass.building)) continue;
    auto& checkpoint = s->checkpoint(pass.building);
    checkpoint = std::max(checkpoint.load(), examined);
    if (!pass.building) continue;
    auto r = switch_if_caught_up(lane, *s);
    if (!r) return unexpected(r.error());
    if (*r) switched.push_back(s);
  }
  lk.unlock();
  if (!switched.empty()) {
    // Rows are written without a log: only once the switch is on disk may the old tables go (a
    // crash before would find the old version active and its tables empty). The flush also ends
    // the new tables' time in memory: a build rewrites rows such as a month's sums over and
    // over, and a scan in memory steps through every superseded copy (a team's year of work
    // time on large: 10 ms instead of 3 until a restart).
    if (auto f = views_.flush(); !f) return unexpected(f.error());
    for (Slot* s : switched)
      if (auto d = drop_versions(views_, s->name, [&](uint32_t v) { return v != s->live_version; });
          !d)
        return unexpected(d.error());
  }
  { std::lock_guard progress(progress_mu_); }  // a waiter is either waiting or sees the checkpoints
  progressed_.notify_all();
  return !events->empty();
}

// Called with the lane's mutex held, after a building batch: once the new version has seen
// everything the lane's live pass has, queries move to it (true; step() drops the old tables).
eventstore::result<bool> Runner::switch_if_caught_up(const Lane& lane, Slot& s) {
  if (s.building_checkpoint.load() < lane.live->examined ||
      s.building_checkpoint.load() < log_.head())
    return false;
  auto batch = views_.batch();
  batch.put(meta_, active_key(s.name), std::to_string(s.building_version));
  batch.erase(meta_, checkpoint_key(s.name, s.live_version));
  if (auto w = views_.write(std::move(batch)); !w) return unexpected(w.error());
  std::unique_lock switching(tables_mu_);
  s.live_version = s.building_version;
  s.live_tables = s.building_tables;
  s.live_checkpoint = s.building_checkpoint.load();
  s.live_applies = true;
  s.building_version = 0;
  s.building_tables.clear();
  return true;
}

void Runner::run(Lane& lane, Pass& pass) {
  while (!stopping_) {
    if (pass.building) {
      std::lock_guard lk(lane.mu);
      if (!lane.building_any()) return;
    }
    auto r = step(lane, pass, std::chrono::milliseconds(200));
    if (r && pass.failure.empty()) continue;
    // Said once when it starts failing (and again if the reason changes), not every second.
    const std::string failure = r ? "" : r.error().message;
    if (failure != pass.failure)
      std::fprintf(stderr, "projections: %s\n",
                   r ? "recovered" : (failure + "; retrying every second").c_str());
    {
      std::lock_guard lk(progress_mu_);
      pass.failure = failure;
    }
    progressed_.notify_all();  // waiters for this lane give up instead of waiting it out
    if (!r) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

void Runner::stop() {
  stopping_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

bool Runner::wait_for(uint64_t position, std::chrono::milliseconds timeout) const {
  auto behind = [&](const auto& s) {
    return s->live_applies && s->live_checkpoint.load() < position;
  };
  auto stuck = [&](const auto& s) { return behind(s) && !s->lane->live->failure.empty(); };
  std::unique_lock lk(progress_mu_);
  progressed_.wait_for(lk, timeout, [&] {
    return std::none_of(slots_.begin(), slots_.end(), behind) ||
           std::any_of(slots_.begin(), slots_.end(), stuck);
  });
  return std::none_of(slots_.begin(), slots_.end(), behind);
}

Runner::Slot* Runner::find_slot(std::string_view name) const {
  for (const auto& s : slots_)
    if (s->name == name) return s.get();
  return nullptr;
}

std::vector<TableId> Runner::tables(std::string_view projection, uint32_t* version) const {
  std::shared_lock lk(tables_mu_);  // queries never wait for a batch being applied
  const Slot* s = find_slot(projection);
  if (version) *version = s ? s->live_version : 0;
  return s ? s->live_tables : std::vector<TableId>{};
}

std::vector<Status> Runner::status() const {
  const uint64_t head = log_.head();
  std::shared_lock lk(tables_mu_);
  std::lock_guard failures(progress_mu_);
  std::vector<Status> out;
  for (const auto& s : slots_) {
    const uint64_t cp = s->live_checkpoint.load();
    const Pass* pass = s->live_applies ? s->lane->live.get() : s->lane->building.get();
    const uint64_t bcp = s->building_checkpoint.load();
    out.push_back({s->name, s->live_version, cp, head > cp ? head - cp : 0, s->building_version,
                   bcp, s->building_version && head > bcp ? head - bcp : 0,
                   pass ? pass->failure : std::string()});
  }
  return out;
}

eventstore::result<void> Runner::reset(TableStore& views, std::string_view projection) {
  const std::string prefix = std::string(projection) + ".";
  auto meta = views.table("projections.meta");
  if (!meta) return unexpected(meta.error());
  auto batch = views.batch();
  std::string upper = prefix;
  upper.back() = '.' + 1;
  auto scanned = views.scan(*meta, prefix, upper, eventstore::Direction::forward, UINT64_MAX,
                            [&](std::string_view key, std::string_view) {
                              batch.erase(*meta, key);
                              return true;
                            });
  if (!scanned) return unexpected(scanned.error());
  // The checkpoints go first, on disk, then the tables: cut short between the two, the tables
  // are dropped on the next start (prepare), never read as if they held what a checkpoint says.
  if (auto w = views.write(std::move(batch)); !w) return w;
  if (auto f = views.flush(); !f) return f;
  return drop_versions(views, std::string(projection), [](uint32_t) { return true; });
}

}  // namespace crm::projections
