#include "application/command_handler.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "application/passwords.h"
#include "domain/codec.h"
#include "eventstore/event_store.h"

namespace crm::application {
namespace {

using domain::EntityKind;
using domain::Record;

unexpected<error> store_failure(const eventstore::error& e) {
  return unexpected(error{error::kind::unavailable, {}, "event store: " + e.message});
}

int64_t system_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CommandHandler::CommandHandler(eventstore::EventStore& store, Options options)
    : store_(store), options_(std::move(options)), loaded_(options_.kept_records) {
  if (!options_.clock) options_.clock = system_clock_us;
}

result<Record> CommandHandler::load(EntityKind kind, const std::string& id, uint64_t up_to_position,
                                    domain::DateTime as_of) const {
  Record record{kind, id};
  const std::string stream = domain::stream_of(kind, id);
  const bool current = up_to_position == UINT64_MAX && as_of.micros == INT64_MAX;
  if (kind == EntityKind::counter && current) {
    // A counter is its version (the last number handed out); its stream grows by one event per
    // number, so reading it whole would make every registration slower than the one before.
    auto version = store_.stream_version(stream);
    if (!version) return store_failure(version.error());
    record.version = *version;
    return record;
  }
  std::shared_ptr<const Record> known = current ? loaded_.find(stream) : nullptr;
  if (known) record = *known;
  bool undecodable = false;
  uint64_t bad_position = 0;
  auto r = store_.read_stream(stream, record.version + 1, eventstore::Direction::forward,
                              UINT64_MAX, [&](const eventstore::RecordedEvent& e) {
                                if (e.position > up_to_position) return false;
                                auto event = domain::codec::decode(e.type, e.payload);
                                if (!event) {
                                  undecodable = true;
                                  bad_position = e.position;
                                  return false;
                                }
                                if (event->at > as_of) return false;
                                record = domain::apply(std::move(record), *event);
                                return true;
                              });
  if (!r) return store_failure(r.error());
  if (undecodable)
    return unexpected(error{error::kind::unavailable,
                            {},
                            "event " + std::to_string(bad_position) + " does not decode"});
  if (current && record.version > 0 && (!known || known->version != record.version))
    loaded_.put(stream, std::make_shared<const Record>(record));
  return record;
}

bool CommandHandler::exists(EntityKind kind, std::string_view id) const {
  auto found = store_.stream_exists(domain::stream_of(kind, id));
  return found && *found;
}

// A command on its way: stamped, with its metadata, how many times it was decided, and the
// turns it holds.
struct CommandHandler::Run {
  domain::Command command;
  Request request;
  eventstore::Metadata metadata;
  int attempts = 0;
  std::vector<std::string> turns;
};

// The metadata; with an Idempotency-Key seen before, the first outcome instead.
std::optional<result<Outcome>> CommandHandler::begin(Run& run) const {
  domain::Command& command = run.command;
  const Request& request = run.request;
  eventstore::Metadata& metadata = run.metadata;
  command.now = domain::DateTime{options_.clock()};
  metadata.operator_id = command.actor;
  // Keys are per operator: two operators may pick the same key for different commands.
  if (!request.idempotency_key.empty())
    metadata.command_id = command.actor + "/" + request.idempotency_key;
  metadata.correlation_id = request.correlation_id.empty() ? random_id() : request.correlation_id;
  metadata.causation_id = request.causation_id;
  if (!metadata.command_id.empty()) {
    auto earlier = store_.find_command(metadata.command_id);
    if (!earlier) return store_failure(earlier.error());
    if (*earlier) return first_outcome(**earlier, command.id);
  }
  return std::nullopt;
}

// A version conflict without If-Match is decided once more: the state moved on.
bool CommandHandler::retry(Run& run, const result<Outcome>& outcome) {
  return !outcome && outcome.error().k == error::kind::conflict && outcome.error().retryable &&
         !run.request.if_match && run.attempts++ == 0;
}

result<Outcome> CommandHandler::handle(domain::Command command, const Request& request) {
  Run run{std::move(command), request, {}};
  if (auto answered = begin(run)) return std::move(*answered);
  struct PassOnReturn {
    CommandHandler& handler;
    const Run& run;
    ~PassOnReturn() {
      for (const auto& stream : run.turns) handler.pass_turn(stream);
    }
  } pass{*this, run};
  for (;;) {
    auto decided = decide(run);
    if (!decided) return unexpected(decided.error());
    if (auto* outcome = std::get_if<Outcome>(&*decided)) return std::move(*outcome);
    auto& appends = std::get<Appends>(*decided);
    if (!appends.others.empty() && run.turns.empty()) {
      auto given = std::make_shared<std::promise<void>>();
      auto turn_came = given->get_future();
      take_turns(appends.others, 0, [given] { given->set_value(); });
      turn_came.wait();
      run.turns = std::move(appends.others);
      continue;  // decided again: the other records may have changed meanwhile
    }
    auto outcome = settle(run, store_.append(std::move(appends.streams), run.metadata));
    if (!retry(run, outcome)) return outcome;
  }
}

void CommandHandler::handle_async(domain::Command command, const Request& request,
                                  std::function<void(result<Outcome>)> done) {
  auto run = std::make_shared<Run>(Run{std::move(command), request, {}});
  if (auto answered = begin(*run)) return done(std::move(*answered));
  attempt_async(std::move(run), std::move(done));
}

void CommandHandler::attempt_async(std::shared_ptr<Run> run,
                                   std::function<void(result<Outcome>)> done) {
  auto decided = decide(*run);
  if (!decided) return done(unexpected(decided.error()));
  if (auto* outcome = std::get_if<Outcome>(&*decided)) return done(std::move(*outcome));
  auto appends = std::move(std::get<Appends>(*decided));
  if (!appends.others.empty() && run->turns.empty()) {
    run->turns = std::move(appends.others);
    std::function<void(result<Outcome>)> then_pass =
        [this, run, done = std::move(done)](result<Outcome> outcome) {
          done(std::move(outcome));
          for (const auto& stream : run->turns) pass_turn(stream);
        };
    // Decided again in its turn: the other records may have changed meanwhile.
    return take_turns(run->turns, 0,
                      [this, run, done = std::move(then_pass)] { attempt_async(run, done); });
  }
  const eventstore::Metadata& metadata = run->metadata;
  store_.append_async(std::move(appends.streams), metadata,
                      [this, run = std::move(run), done = std::move(done)](
                          eventstore::result<eventstore::AppendResult> appended) mutable {
                        auto outcome = settle(*run, std::move(appended));
                        if (retry(*run, outcome))  // rare; decided again on the store's thread
                          return attempt_async(std::move(run), std::move(done));
                        done(std::move(outcome));
                      });
}

// Deciding two such commands side by side would decide both against the same state of the
// other record (the same service-order number, say), and one would conflict.
void CommandHandler::take_turns(std::vector<std::string> streams, size_t from,
                                std::function<void()> start) {
  if (from == streams.size()) return start();
  const std::string stream = streams[from];
  std::function<void()> rest = [this, streams = std::move(streams), from,
                                start = std::move(start)] { take_turns(streams, from + 1, start); };
  {
    std::lock_guard lock(turns_mu_);
    if (auto [at, fresh] = turns_.try_emplace(stream); !fresh) {
      at->second.push_back(std::move(rest));
      return;
    }
  }
  rest();
}

void CommandHandler::pass_turn(const std::string& stream) {
  std::function<void()> next;
  {
    std::lock_guard lock(turns_mu_);
    auto at = turns_.find(stream);
    if (at->second.empty()) {
      turns_.erase(at);
      return;
    }
    next = std::move(at->second.front());
    at->second.pop_front();
  }
  next();
}

result<std::variant<Outcome, CommandHandler::Appends>> CommandHandler::decide(
    const Run& run) const {
  const domain::Command& command = run.command;
  const auto& if_match = run.request.if_match;
  domain::State state;
  auto target = load(command.kind, command.id);
  if (!target) return unexpected(target.error());
  state.target = std::move(*target);
  if (if_match && *if_match != state.target.version)
    return unexpected(error{error::kind::conflict,
                            {},
                            "the record is at version " + std::to_string(state.target.version) +
                                ", not " + std::to_string(*if_match),
                            state.target.version});
  if (domain::has_custom_fields(command.kind)) {
    auto catalog = load(EntityKind::field_catalog, std::string(domain::name_of(command.kind)));
    if (!catalog) return unexpected(catalog.error());
    state.catalog = std::move(*catalog);
  } else if (command.kind == EntityKind::field_catalog) {
    state.catalog = state.target;
  }
  for (const auto& [kind, id] : domain::related_records(command, state.target)) {
    auto related = load(kind, id);
    if (!related) return unexpected(related.error());
    state.related.emplace(domain::RecordKey{kind, id}, std::move(*related));
  }
  state.exists = [this](EntityKind kind, std::string_view id) { return exists(kind, id); };

  auto decision = domain::decide(state, command);
  if (!decision)
    return unexpected(error{error::kind::refused, decision.error(), decision.error().message});
  if (decision->empty()) return Outcome{command.id, state.target.version, store_.head(), false};

  Appends appends;
  for (const auto& s : decision->streams) {
    eventstore::StreamAppend a;
    a.stream = domain::stream_of(s.kind, s.id);
    a.expected = eventstore::ExpectedVersion::exact(s.expected_version);
    for (const auto& e : s.events)
      a.events.push_back({e.type, domain::codec::encode(e), domain::codec::kSchemaVersion});
    if (s.kind != command.kind || s.id != command.id) appends.others.push_back(a.stream);
    appends.streams.push_back(std::move(a));
  }
  std::sort(appends.others.begin(), appends.others.end());
  appends.others.erase(std::unique(appends.others.begin(), appends.others.end()),
                       appends.others.end());
  return appends;
}

result<Outcome> CommandHandler::settle(
    const Run& run, eventstore::result<eventstore::AppendResult> appended) const {
  if (!appended) {
    if (appended.error().code == eventstore::errc::version_conflict) {
      error e{error::kind::conflict,
              {},
              "a concurrent change: " + appended.error().message,
              appended.error().actual_version};
      e.retryable = true;
      return unexpected(std::move(e));
    }
    return store_failure(appended.error());
  }
  if (appended->duplicate) return first_outcome(*appended, run.command.id);
  return Outcome{run.command.id, appended->stream_versions.front(), appended->last_position, false};
}

Outcome CommandHandler::first_outcome(const eventstore::AppendResult& first,
                                      const std::string& fallback_id) const {
  // The repeat may have come with another id (an API create picks a new one each time): the
  // first command's record is the stream of its first event.
  std::string id = fallback_id;
  (void)store_.read_all(first.first_position, 1, [&](const eventstore::RecordedEvent& e) {
    if (const size_t dash = e.stream.find('-'); dash != std::string::npos)
      id = e.stream.substr(dash + 1);
    return false;
  });
  return Outcome{std::move(id), first.stream_versions.empty() ? 0 : first.stream_versions[0],
                 first.last_position, true};
}

}  // namespace crm::application
