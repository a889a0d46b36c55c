#pragma once
// The API without its transport: routes, authorization, commands and queries, as plain request
// and response values. The Beast server (server.cpp) feeds it requests and writes the responses;
// nothing here knows about sockets, so this file and its users compile quickly.
//
// Every route and the roles allowed on it are declared in one table (routes() in api.cpp);
// domain and store errors become HTTP statuses in one function (problem_for()).
//
// Thread safety: handle() may be called from any number of threads at once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth.h"
#include "api/metrics.h"
#include "base/cache.h"
#include "domain/value.h"
#include "eventstore/fwd.h"
#include "eventstore/types.h"

namespace crm::application {
class CommandHandler;
}
namespace crm::domain {
struct Command;
}
namespace crm::projections {
class Runner;
class Queries;
struct Page;
}  // namespace crm::projections

namespace crm::api {

struct HttpRequest {
  std::string method;                                      // "GET", "POST", ...
  std::string path;                                        // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
  std::string authorization, content_type, if_match, idempotency_key;
  std::string body;
  std::string_view param(std::string_view name) const;  // "" when absent
  bool has_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Location, ETag, Retry-After, ...
};

/// An RFC 9457 problem document.
HttpResponse problem(int status, std::string_view title, std::string_view detail = {},
                     const std::vector<std::pair<std::string, std::string>>& errors = {});

struct ApiOptions {
  std::function<int64_t()> clock;  // microseconds since the epoch
  int64_t session_ttl_us = int64_t{12} * 3600 * 1'000'000;
  double rate_limit = 500;                   // requests per second per session; 0: off
  double rate_burst = 1000;                  // bucket size
  std::chrono::milliseconds max_wait{5000};  // longest wait for ?min_position
};

class Api {
 public:
  Api(eventstore::EventStore& store, application::CommandHandler& handler,
      eventstore::TableStore& views, const projections::Runner& runner, ApiOptions options);
  ~Api();

  /// Creates the sessions table. Errors: the store's.
  eventstore::result<void> open();

  /// Matches a request to its route (an index into route_names(); unmatched() when none).
  size_t route_of(const HttpRequest& request) const;
  /// Whether handling may block (password hashing, waits for ?min_position): the server runs
  /// those off its I/O threads. Commands do not: they answer once their events are durable.
  bool may_block(const HttpRequest& request, size_t route) const;
  /// Where a response goes. Called exactly once: on the calling thread, or, for a command, on
  /// the event store's thread once its events are durable (quick; hand the response on).
  using Respond = std::function<void(HttpResponse)>;
  /// Handles one request, records its metrics and answers through `respond`.
  void handle(const HttpRequest& request, size_t route, Respond respond);

  /// The principal behind a bearer token, or nullopt.
  std::optional<Principal> authenticate(std::string_view token);

  /// What the check of the log's hash chain has found so far ("checking", "ok", "BROKEN at P:
  /// ...") and whether that is a break: /healthz shows the state as `hash_chain`, /metrics the
  /// break as crm_hash_chain_broken; nothing is shown before the first report. `crm serve` checks
  /// the chain while it serves. Thread-safe.
  void report_hash_chain(std::string state, bool broken);

  // For the WebSocket server.
  /// `{"type":"event", ...}` for one stored event.
  std::string event_message(const eventstore::RecordedEvent& event) const;
  /// Operators whose My tasks list an event may change (a task's assignee and delegator, a
  /// service order's technician, before and after). Empty for events about other records.
  std::vector<std::string> my_tasks_audience(const eventstore::RecordedEvent& event) const;

  /// "GET /api/v1/clients/{id}", ... (index = route id), and the roles allowed on each
  /// (0: no authentication needed).
  const std::vector<std::string>& route_names() const;
  uint8_t route_roles(size_t route) const;
  Metrics& metrics() { return *metrics_; }
  /// Gauges for /metrics besides the request metrics (the server adds its own).
  std::string render_metrics() const;
  eventstore::EventStore& store() { return store_; }
  /// More /metrics text from the server (connections, WebSocket subscribers).
  std::function<std::string()> extra_metrics;

  struct Route;
  struct Context;

 private:
  HttpResponse dispatch(const HttpRequest& request, const Route& route, const Respond& answer);
  std::optional<HttpResponse> wait_for_views(const HttpRequest& request);
  /// Today in Europe/Warsaw, by the injected clock.
  domain::Date today() const;

  // Handlers.
  HttpResponse login(Context& c);
  HttpResponse logout(Context& c);
  HttpResponse me(Context& c);
  HttpResponse list(Context& c);
  HttpResponse get_one(Context& c);
  HttpResponse create(Context& c);
  HttpResponse update(Context& c);
  HttpResponse action(Context& c);
  HttpResponse fields_list(Context& c);
  HttpResponse fields_get(Context& c);
  HttpResponse fields_define(Context& c);
  HttpResponse fields_change(Context& c);
  HttpResponse fields_retire(Context& c);
  HttpResponse task_kinds_list(Context& c);
  HttpResponse task_kind_get(Context& c);
  HttpResponse task_kind_define(Context& c);
  HttpResponse task_kind_change(Context& c);
  HttpResponse my_tasks(Context& c);
  HttpResponse calendar(Context& c);
  HttpResponse calendar_ics(Context& c);
  HttpResponse feed_create(Context& c);
  HttpResponse feed_revoke(Context& c);
  HttpResponse timeline(Context& c);
  HttpResponse client_history(Context& c);
  HttpResponse device_history(Context& c);
  HttpResponse campaign_progress(Context& c);
  HttpResponse project_progress(Context& c);
  HttpResponse anniversaries(Context& c);
  HttpResponse work_time(Context& c);
  HttpResponse team_work_time(Context& c);
  HttpResponse events(Context& c);
  HttpResponse healthz(Context& c);
  HttpResponse metrics_text(Context& c);
  HttpResponse openapi(Context& c);
  HttpResponse websocket(Context& c);

  /// 409 when a client command gives a NIP another client has, unless ?duplicate_tax_id=allow
  /// (branches of one company share it). Read from the lists: a client added a moment ago
  /// may not be seen yet.
  std::optional<HttpResponse> same_tax_id(const Context& c, const domain::Command& command);
  /// A service order for a planned inspection goes to the inspection's technician unless the
  /// command names one (and that technician is still active).
  std::optional<HttpResponse> technician_of_inspection(domain::Command& command);
  /// Runs a command; answers (through c.answer) once its events are durable.
  HttpResponse run(Context& c, struct CommandSpec spec);
  /// A page of records as JSON; each record's JSON is kept (shown_) until the record changes.
  /// `with_entity`: each record says what it is first ("entity": "task"), for mixed pages.
  std::string page_json(const projections::Page& page, bool with_entity = false);

  eventstore::EventStore& store_;
  application::CommandHandler& handler_;
  eventstore::TableStore& views_;
  const projections::Runner& runner_;
  ApiOptions options_;
  std::unique_ptr<projections::Queries> queries_;
  std::vector<Route> routes_;
  std::vector<std::string> route_names_;
  std::unique_ptr<Metrics> metrics_;
  Sessions sessions_;
  LoginThrottle throttle_;
  RateLimiter limiter_;
  std::string openapi_;
  struct Shown;
  ThreadCaches<Shown> shown_;
  std::atomic<uint64_t> commands_accepted_{0}, commands_repeated_{0}, commands_refused_{0},
      commands_conflicted_{0}, commands_failed_{0};
  mutable std::mutex hash_chain_mu_;
  std::string hash_chain_;  // guarded by hash_chain_mu_, as is:
  bool hash_chain_broken_ = false;
};

/// The OpenAPI 3.1 document for a route table (openapi.cpp).
std::string openapi_document(const std::vector<Api::Route>& routes);

}  // namespace crm::api
