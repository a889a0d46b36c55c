// The route table, authorization, and the handlers of every endpoint of API.md.

#include "api/api.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "api/json.h"
#include "api/route.h"
#include "application/command_handler.h"
#include "application/passwords.h"
#include "domain/codec.h"
#include "domain/decide.h"
#include "domain/time.h"
#include "eventstore/event_store.h"
#include "projections/ical.h"
#include "projections/runner.h"
#include "projections/views.h"

namespace crm::api {

using domain::EntityKind;
using K = domain::EntityKind;
using Fields = std::vector<std::pair<std::string, std::string>>;

struct CommandSpec {
  domain::Command command;
  bool created = false;  // 201 with Location
  std::string location;  // for created records
  std::string shown_id;  // the id in the response (a field definition's "entity.key")
};

namespace {

constexpr uint8_t kStaff = kOperator | kManager | kAdmin;
constexpr uint8_t kManagers = kManager | kAdmin;
constexpr uint8_t kHistory = kAuditor | kManager | kAdmin;

struct Collection {
  const char* path;
  EntityKind kind;
  uint8_t write;
  std::vector<const char*> actions;
};

const std::vector<Collection>& collections() {
  static const std::vector<Collection> all = {
      {"clients", K::client, kStaff, {}},
      {"persons", K::person, kStaff, {"relate", "unrelate"}},
      {"contacts", K::contact, kStaff, {}},
      {"tasks", K::task, kStaff, {"start", "complete", "cancel", "reopen", "work-log"}},
      {"projects", K::project, kStaff, {"status"}},
      {"campaigns", K::campaign, kStaff, {"status"}},
      {"devices", K::device, kStaff, {}},
      {"service-orders", K::service_order, kStaff, {"status", "work-log"}},
      {"inspections", K::inspection, kStaff, {"complete", "cancel"}},
      {"trade-documents", K::trade_document, kStaff, {}},
      {"operators", K::operator_, kAdmin, {"password"}},
  };
  return all;
}

std::optional<domain::Action> action_of(std::string_view slug) {
  using A = domain::Action;
  static const std::vector<std::pair<std::string_view, A>> table = {
      {"start", A::start},   {"complete", A::complete},    {"cancel", A::cancel},
      {"reopen", A::reopen}, {"status", A::change_status}, {"work-log", A::log_work},
      {"relate", A::relate}, {"unrelate", A::unrelate},    {"password", A::set_password}};
  for (const auto& [s, a] : table)
    if (s == slug) return a;
  return std::nullopt;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = std::min(path.find('/', i), path.size());
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// Matches a path against a route's segments, collecting the placeholders.
bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::vector<std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.empty() || p[0] != '{') {
      if (p != path[i]) return false;
      continue;
    }
    const std::string suffix = p.substr(p.find('}') + 1);
    if (path[i].size() <= suffix.size() || !path[i].ends_with(suffix)) return false;
    if (params) params->push_back(path[i].substr(0, path[i].size() - suffix.size()));
  }
  return true;
}

std::optional<uint64_t> parse_uint(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The ETag of a stream's version, which If-Match names.
void set_etag(HttpResponse& r, uint64_t version) {
  r.headers.emplace_back("ETag", "\"" + std::to_string(version) + "\"");
}

// The names `kind=` of a client's timeline or history may take.
std::string timeline_kind_names() {
  std::string out;
  for (const auto k : projections::kTimelineKinds)
    out += (out.empty() ? "" : ", ") + std::string(domain::name_of(k));
  return out;
}

HttpResponse bad_param(std::string_view name, std::string_view message) {
  return problem(400, "Bad request parameter", std::string(name) + " " + std::string(message),
                 {{std::string(name), std::string(message)}});
}

// Maps domain refusals to HTTP: the one place where that happens.
HttpResponse problem_for(const domain::error& e) {
  Fields fields;
  for (const auto& f : e.fields) fields.emplace_back(f.field, f.message);
  switch (e.code) {
    case domain::errc::invalid_input:
      return problem(422, "The request breaks a rule", e.message, fields);
    case domain::errc::not_found:
      return problem(404, "Not found", e.message, fields);
    case domain::errc::already_exists:
      return problem(409, "Already exists", e.message, fields);
    case domain::errc::transition_not_allowed:
      return problem(422, "Not allowed in the record's current state", e.message, fields);
    case domain::errc::forbidden:
      return problem(403, "Forbidden", e.message, fields);
  }
  return problem(422, "The request breaks a rule", e.message, fields);
}

HttpResponse problem_for(const application::error& e) {
  switch (e.k) {
    case application::error::kind::refused:
      return problem_for(e.domain_error);
    case application::error::kind::conflict: {
      auto r = problem(409, "Version conflict", e.message);
      set_etag(r, e.current_version);
      return r;
    }
    case application::error::kind::unavailable:
      break;
  }
  return problem(503, "Storage unavailable", e.message);
}

HttpResponse problem_for(const eventstore::error& e) {
  if (e.code == eventstore::errc::invalid_argument && !e.argument.empty())
    return bad_param(e.argument, e.message);
  if (e.code == eventstore::errc::invalid_argument) return problem(400, "Bad request", e.message);
  return problem(503, "Storage unavailable", e.message);
}

// Parses a body that must be a JSON object: 400 when it is not JSON, 422 for values the API
// cannot represent.
std::optional<HttpResponse> parse_body(const HttpRequest& req, domain::Object& out) {
  if (req.body.empty()) {
    out.clear();
    return std::nullopt;
  }
  auto parsed = parse_object(req.body);
  if (!parsed) {
    if (parsed.error().fields.empty())
      return problem(400, "Malformed JSON", parsed.error().message);
    return problem_for(parsed.error());
  }
  out = std::move(*parsed);
  return std::nullopt;
}

// Removes a member from the input and returns it (the API's own members, not record fields).
std::optional<domain::Value> take(domain::Object& input, std::string_view key) {
  auto it =
      std::find_if(input.begin(), input.end(), [&](const auto& kv) { return kv.first == key; });
  if (it == input.end()) return std::nullopt;
  domain::Value v = std::move(it->second);
  input.erase(it);
  return v;
}

// A client as shown: with its rolling 12-month turnover (read only, computed for `today`).
void show_turnover(domain::Record& r, domain::Date today) {
  if (r.kind == K::client) domain::set(r.core, "turnover_12m", domain::turnover_12m(r, today));
}

// A field definition's id is "<entity>.<key>".
std::optional<std::pair<EntityKind, std::string>> field_id(std::string_view id) {
  const size_t dot = id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto kind = domain::kind_from_name(id.substr(0, dot));
  if (!kind || !domain::has_custom_fields(*kind)) return std::nullopt;
  return std::make_pair(*kind, std::string(id.substr(dot + 1)));
}

// A field definition; `version` is its kind's catalog's, which If-Match names.
void write_field(JsonWriter& w, EntityKind kind, const domain::FieldSpec& f, uint64_t version) {
  w.begin_object();
  w.key("id").string(std::string(domain::name_of(kind)) + "." + f.key);
  w.key("version").unsigned_number(version);
  w.key("entity").string(domain::name_of(kind));
  w.key("key").string(f.key);
  w.key("label").string(f.label);
  w.key("type").string(domain::name_of(f.type));
  w.key("required").boolean(f.required);
  w.key("options").begin_array();
  for (const auto& o : f.options) w.string(o);
  w.end_array();
  if (f.target) w.key("target").string(domain::name_of(*f.target));
  if (!f.default_value.is_null()) w.key("default").value(f.default_value);
  w.key("retired").boolean(f.retired);
  w.end_object();
}

// A task kind; `version` is the task catalog's, which If-Match names.
void write_task_kind(JsonWriter& w, const domain::TaskKind& k, uint64_t version) {
  w.begin_object().key("id").string(k.key).key("version").unsigned_number(version);
  w.key("key").string(k.key).key("label").string(k.label).key("retired").boolean(k.retired);
  w.end_object();
}

// An event of a record of `kind` (nullopt: not a record's stream) as JSON, without changes of
// hidden fields.
void write_changes(JsonWriter& w, std::optional<EntityKind> kind, const domain::DomainEvent& e) {
  w.begin_object();
  w.key("at").string(e.at.format());
  w.key("by").string(e.by);
  w.key("changes").begin_array();
  for (const auto& c : e.changes) {
    if (!c.custom && kind && domain::is_hidden(*kind, c.field)) continue;
    w.begin_object().key("field").string(c.field).key("custom").boolean(c.custom);
    w.key("before").value(c.before).key("after").value(c.after).end_object();
  }
  w.end_array();
  if (!e.entry.empty()) w.key("entry").value(domain::Value(e.entry));
  w.end_object();
}

}  // namespace

std::string_view HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return {};
}

bool HttpRequest::has_param(std::string_view name) const {
  return std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; });
}

HttpResponse problem(int status, std::string_view title, std::string_view detail,
                     const Fields& errors) {
  JsonWriter w;
  w.begin_object();
  w.key("type").string(status == 422 ? "/problems/invalid-input" : "about:blank");
  w.key("title").string(title);
  w.key("status").number(status);
  if (!detail.empty()) w.key("detail").string(detail);
  if (!errors.empty()) {
    w.key("errors").begin_array();
    for (const auto& [field, message] : errors)
      w.begin_object().key("field").string(field).key("message").string(message).end_object();
    w.end_array();
  }
  w.end_object();
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = w.take();
  return r;
}

Api::Api(eventstore::EventStore& store, application::CommandHandler& handler,
         eventstore::TableStore& views, const projections::Runner& runner, ApiOptions options)
    : store_(store),
      handler_(handler),
      views_(views),
      runner_(runner),
      options_(std::move(options)),
      queries_(std::make_unique<projections::Queries>(views, runner)),
      sessions_(
          views,
          [this](const std::string& id) -> std::optional<OperatorInfo> {
            auto op = handler_.load(K::operator_, id);
            if (!op || !op->exists()) return std::nullopt;
            auto role = role_from_name(op->text("role"));
            return OperatorInfo{role.value_or(kOperator), domain::operator_active(*op)};
          },
          options_.clock, options_.session_ttl_us),
      throttle_(options_.clock),
      limiter_(options_.clock, options_.rate_limit, options_.rate_burst),
      shown_(projections::kDecodedRecords) {
  auto add = [this](std::string method, std::string pattern, uint8_t roles,
                    HttpResponse (Api::*handler)(Context&), bool blocking, std::string summary,
                    std::optional<EntityKind> kind = std::nullopt, std::string action = {}) {
    Route r{std::move(method), std::move(pattern), roles, handler,
            blocking,          std::move(summary), kind,  std::move(action)};
    r.segments = split_path(r.pattern);
    routes_.push_back(std::move(r));
  };
  // The query parameters of the route added last.
  using Param = std::pair<std::string, std::string>;
  auto query = [this](std::vector<Param> params) { routes_.back().query = std::move(params); };
  const Param kLimit{"limit", "items a page, 1 to 500 (default 50)"};
  const Param kCursor{"cursor", "next_cursor of the page before"};
  const Param kFrom{"from", "first day, YYYY-MM-DD (default: the month's first)"};
  const Param kTo{"to", "last day, YYYY-MM-DD (default: today)"};
  // The one table of routes and the roles allowed on each.
  add("GET", "/healthz", 0, &Api::healthz, false,
      "Liveness: the head position, the lag, read models that are stuck and what the hash chain "
      "check has found");
  add("GET", "/metrics", 0, &Api::metrics_text, false, "Prometheus metrics");
  add("GET", "/openapi.json", 0, &Api::openapi, false, "This document");
  add("POST", "/api/v1/sessions", 0, &Api::login, true, "Log in: a bearer token");
  add("DELETE", "/api/v1/sessions/current", kAnyRole, &Api::logout, false, "Log out");
  add("GET", "/api/v1/me", kAnyRole, &Api::me, false, "The operator logged in");
  add("GET", "/api/v1/me/tasks", kAnyRole, &Api::my_tasks, false,
      "My tasks: tasks and service orders assigned to me, or tasks delegated by me");
  query({{"scope", "assigned (default) or delegated"},
         {"status", "open (default: to do), done or all"},
         {"operator", "another operator's list (managers)"},
         kLimit,
         kCursor});
  add("GET", "/api/v1/calendar", kAnyRole, &Api::calendar, false, "An operator's calendar");
  query({{"operator", "whose calendar (default: mine)"},
         {"from", "first day, YYYY-MM-DD"},
         {"to", "last day, YYYY-MM-DD"},
         {"view", "day, week or month around date (instead of from and to)"},
         {"date", "the day a view is around (default: today)"}});
  add("GET", "/api/v1/calendar/{operator}.ics", kAnyRole, &Api::calendar_ics, false,
      "An operator's calendar as an iCalendar feed (?key= from /me/calendar-feed, or a token)");
  query({{"key", "the feed's key from POST /me/calendar-feed"}, {"token", "a session token"}});
  add("POST", "/api/v1/me/calendar-feed", kAnyRole, &Api::feed_create, false,
      "A lasting URL of my calendar's feed for calendar apps; replaces the previous one");
  add("DELETE", "/api/v1/me/calendar-feed", kAnyRole, &Api::feed_revoke, false,
      "Revoke my calendar feed's URL");
  add("GET", "/api/v1/clients/{id}/timeline", kAnyRole, &Api::timeline, false,
      "Everything about a client, newest first by when it happened");
  const Param kSince{"from", "first day, YYYY-MM-DD (default: the first)"};
  const Param kUntil{"to", "last day, YYYY-MM-DD (default: the last)"};
  const Param kEntryKind{"kind", "only the entries of this kind of record (" +
                                     timeline_kind_names() + "); repeat it for several"};
  query({kLimit, kCursor, kSince, kUntil, kEntryKind});
  add("GET", "/api/v1/clients/{id}/history", kHistory, &Api::client_history, false,
      "A client's full history with field-level changes, newest first by when it was recorded");
  query({kLimit, kCursor, kSince, kUntil, kEntryKind});
  add("GET", "/api/v1/devices/{id}/history", kAnyRole, &Api::device_history, false,
      "A device's repair history");
  add("GET", "/api/v1/campaigns/{id}/progress", kAnyRole, &Api::campaign_progress, false,
      "How far a campaign's projects are");
  add("GET", "/api/v1/projects/{id}/progress", kAnyRole, &Api::project_progress, false,
      "How far a project's tasks are (open: still to do, started ones included), the time logged "
      "on them, its contacts and clients");
  add("GET", "/api/v1/anniversaries", kAnyRole, &Api::anniversaries, false,
      "Upcoming birthdays and name days");
  query({{"from", "first day, YYYY-MM-DD (default: today)"},
         {"days", "how many days, 1 to 366 (default 14)"},
         {"client_id", "only the persons of this client"},
         {"account_manager_id", "only the persons of the clients this operator manages"},
         kLimit,
         kCursor});
  add("GET", "/api/v1/work-time", kAnyRole, &Api::work_time, false,
      "Work logged by an operator in a period");
  query({{"operator", "whose (default: mine; others' for managers and auditors)"}, kFrom, kTo});
  add("GET", "/api/v1/work-time/team", kHistory, &Api::team_work_time, false,
      "Work logged by each operator a supervisor has, in a period");
  query({{"supervisor", "whose team (default: mine)"}, kFrom, kTo});
  add("GET", "/api/v1/events", kHistory, &Api::events, false, "The event log, paged");
  query({{"from", "the first log position (default 1)"},
         {"limit", "events a page, 1 to 1000 (default 100)"}});
  add("GET", "/api/v1/ws", kAnyRole, &Api::websocket, false,
      "WebSocket: event subscriptions and My tasks pushes");
  query({{"token", "a session token (browsers cannot set headers on a WebSocket)"}});
  add("GET", "/api/v1/field-definitions", kAnyRole, &Api::fields_list, false,
      "Custom field definitions");
  query({{"entity", "only those of one kind of record"},
         {"limit", "definitions a page, 1 to 500 (default 500)"},
         kCursor});
  add("POST", "/api/v1/field-definitions", kManagers, &Api::fields_define, false,
      "Define a custom field");
  add("GET", "/api/v1/field-definitions/{id}", kAnyRole, &Api::fields_get, false,
      "One custom field definition");
  add("PATCH", "/api/v1/field-definitions/{id}", kManagers, &Api::fields_change, false,
      "Change a custom field's label, options or required flag");
  add("POST", "/api/v1/field-definitions/{id}/retire", kManagers, &Api::fields_retire, false,
      "Retire a custom field (old values stay readable)");
  add("GET", "/api/v1/task-kinds", kAnyRole, &Api::task_kinds_list, false,
      "The kinds a task may have (retired ones stay on the tasks that have them)");
  add("POST", "/api/v1/task-kinds", kManagers, &Api::task_kind_define, false,
      "Add a task kind {key, label}");
  add("GET", "/api/v1/task-kinds/{id}", kAnyRole, &Api::task_kind_get, false, "One task kind");
  add("PATCH", "/api/v1/task-kinds/{id}", kManagers, &Api::task_kind_change, false,
      "Relabel a task kind, retire it (retired: true) or bring it back (retired: false)");
  for (const auto& c : collections()) {
    const std::string base = std::string("/api/v1/") + c.path;
    const std::string noun(c.path);
    add("GET", base, kAnyRole, &Api::list, false,
        "List " + noun +
            "; filters: <field>=<value> on any field or fields.<key> (given twice: either), "
            "<field>.from and <field>.to (not before .from) on dates, times, numbers and money",
        c.kind);
    if (c.kind == K::inspection)
      query({{"due_before", "only those due before this day (YYYY-MM-DD), earliest first"}});
    // Commands answer when durable without holding a thread; only password hashing blocks.
    const Param duplicate{"duplicate_tax_id",
                          "allow: add a client whose NIP another has (a branch); otherwise 409"};
    add("POST", base, c.write, &Api::create, c.kind == K::operator_, "Create one of " + noun,
        c.kind);
    if (c.kind == K::client) query({duplicate});
    add("GET", base + "/{id}", kAnyRole, &Api::get_one, false, "One of " + noun, c.kind);
    query({{"as_of", "as it was at this time (RFC 3339)"},
           {"at_position", "as it was at this log position"}});
    add("PATCH", base + "/{id}", c.write, &Api::update, false, "Change one of " + noun, c.kind);
    if (c.kind == K::client) query({duplicate});
    for (const char* a : c.actions)
      add("POST", base + "/{id}/" + a, c.write, &Api::action, std::string_view(a) == "password",
          std::string("Action '") + a + "' on one of " + noun, c.kind, a);
  }
  for (const auto& r : routes_) route_names_.push_back(r.method + " " + r.pattern);
  metrics_ = std::make_unique<Metrics>(route_names_);
  openapi_ = openapi_document(routes_);
}

Api::~Api() = default;

eventstore::result<void> Api::open() {
  return sessions_.open();
}

const std::vector<std::string>& Api::route_names() const {
  return route_names_;
}

uint8_t Api::route_roles(size_t route) const {
  return routes_.at(route).roles;
}

size_t Api::route_of(const HttpRequest& request) const {
  const auto path = split_path(request.path);
  for (size_t i = 0; i < routes_.size(); ++i)
    if (routes_[i].method == request.method && match(routes_[i].segments, path, nullptr)) return i;
  return metrics_->unmatched();
}

bool Api::may_block(const HttpRequest& request, size_t route) const {
  return (route < routes_.size() && routes_[route].blocking) || request.has_param("min_position");
}

std::optional<Principal> Api::authenticate(std::string_view token) {
  return sessions_.authenticate(token);
}

void Api::handle(const HttpRequest& request, size_t route, Respond respond) {
  const auto t0 = std::chrono::steady_clock::now();
  auto answer = [this, route, t0, respond = std::move(respond)](HttpResponse response) {
    metrics_->observe(route, response.status,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    respond(std::move(response));
  };
  if (route < routes_.size()) {
    HttpResponse response = dispatch(request, routes_[route], answer);
    if (response.status != 0) answer(std::move(response));
    return;
  }
  const auto path = split_path(request.path);
  std::string allow;
  for (const auto& r : routes_)
    if (match(r.segments, path, nullptr)) allow += (allow.empty() ? "" : ", ") + r.method;
  if (allow.empty()) return answer(problem(404, "Not found", "no route " + request.path));
  HttpResponse response =
      problem(405, "Method not allowed", request.method + " is not allowed here");
  response.headers.emplace_back("Allow", allow);
  answer(std::move(response));
}

HttpResponse Api::dispatch(const HttpRequest& req, const Route& route, const Respond& answer) {
  Context c{req, route, {}, {}, answer};
  match(route.segments, split_path(req.path), &c.params);
  // Who calls: a calendar feed's key opens its own operator's feed and nothing else; any other
  // protected route takes a session token.
  const bool feed = route.handler == &Api::calendar_ics && req.has_param("key");
  std::optional<Principal> who;
  if (feed) {
    who = sessions_.authenticate_feed(req.param("key"));
    if (!who) return problem(401, "Not authenticated", "the feed key is unknown or revoked");
    if (who->operator_id != c.params[0])
      return problem(403, "Forbidden", "this key opens the feed of its own operator only");
  } else if (route.roles != 0) {
    std::string_view token;
    if (req.authorization.starts_with("Bearer "))
      token = std::string_view(req.authorization).substr(7);
    else if (route.handler == &Api::websocket || route.handler == &Api::calendar_ics)
      token = req.param("token");  // browsers and calendar apps cannot set headers
    who = token.empty() ? std::nullopt : sessions_.authenticate(token);
    if (!who) {
      auto r = problem(401, "Not authenticated",
                       token.empty() ? "an Authorization: Bearer <token> header is required"
                                     : "the token is unknown or expired");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    if (!(route.roles & who->role))
      return problem(403, "Forbidden",
                     "the role " + std::string(name_of(who->role)) + " may not do this");
  }
  if (who) {
    if (!limiter_.allow(who->token_hash)) {
      auto r = problem(
          429, "Too many requests",
          feed ? "this feed is over its request rate" : "this session is over its request rate");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    c.who = std::move(*who);
  }
  if (route.method == "POST" || route.method == "PATCH") {
    const std::string_view type =
        std::string_view(req.content_type)
            .substr(0, std::min(req.content_type.find(';'), req.content_type.size()));
    if (!req.body.empty() && type != "application/json")
      return problem(415, "Unsupported media type", "send the body as application/json");
  }
  // A misspelt parameter (operater=, form=) is refused rather than quietly ignored; a list's
  // filters are checked by the list.
  if (route.method == "GET" && route.roles != 0 && !(route.kind && route.segments.size() == 3))
    for (const auto& [name, value] : req.query)
      if (name != "min_position" && std::none_of(route.query.begin(), route.query.end(),
                                                 [&](const auto& p) { return p.first == name; })) {
        std::string known;
        for (const auto& p : route.query) known += ", " + p.first;
        return bad_param(name, "is not a parameter here; this takes: min_position" + known);
      }
  if (auto waited = wait_for_views(req)) return std::move(*waited);
  return (this->*route.handler)(c);
}

std::optional<HttpResponse> Api::wait_for_views(const HttpRequest& req) {
  if (!req.has_param("min_position")) return std::nullopt;
  auto position = parse_uint(req.param("min_position"));
  if (!position) return bad_param("min_position", "must be a log position (an integer)");
  if (*position > store_.head())
    return bad_param("min_position", "is beyond the log's head " + std::to_string(store_.head()));
  if (runner_.wait_for(*position, options_.max_wait)) return std::nullopt;
  auto r = problem(
      503, "Read models are behind",
      "the read models did not reach position " + std::to_string(*position) + " in time; retry");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// ---- commands ------------------------------------------------------------------------------

namespace {

HttpResponse command_response(const CommandSpec& spec,
                              const application::result<application::Outcome>& outcome) {
  if (!outcome) return problem_for(outcome.error());
  JsonWriter w;
  const std::string id = spec.shown_id.empty() ? outcome->id : spec.shown_id;
  w.begin_object().key("id").string(id).key("version").unsigned_number(outcome->version);
  w.key("position").unsigned_number(outcome->position).end_object();
  auto r = json_response(spec.created ? 201 : 200, w.take());
  set_etag(r, outcome->version);
  if (spec.created) r.headers.emplace_back("Location", spec.location + id);
  if (outcome->duplicate) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

HttpResponse Api::run(Context& c, CommandSpec spec) {
  application::Request request;
  if (!c.req.if_match.empty()) {
    std::string_view v = c.req.if_match;
    if (v.starts_with("W/")) v.remove_prefix(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    request.if_match = parse_uint(v);
    if (!request.if_match)
      return problem(400, "Bad If-Match", "If-Match must be a version as given in ETag, e.g. \"3\"",
                     {{"If-Match", "is not a version"}});
  }
  if (c.req.idempotency_key.size() > 200)
    return problem(400, "Bad Idempotency-Key", "an Idempotency-Key has at most 200 characters",
                   {{"Idempotency-Key", "is longer than 200 characters"}});
  request.idempotency_key = c.req.idempotency_key;
  spec.command.actor = c.who.operator_id;
  domain::Command command = std::move(spec.command);
  handler_.handle_async(
      std::move(command), request,
      [this, spec = std::move(spec),
       answer = c.answer](application::result<application::Outcome> outcome) {
        using application::error;
        auto& counter = outcome ? (outcome->duplicate ? commands_repeated_ : commands_accepted_)
                        : outcome.error().k == error::kind::refused  ? commands_refused_
                        : outcome.error().k == error::kind::conflict ? commands_conflicted_
                                                                     : commands_failed_;
        counter.fetch_add(1, std::memory_order_relaxed);
        answer(command_response(spec, outcome));
      });
  return deferred();
}

HttpResponse Api::create(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  spec.command.kind = *c.route.kind;
  spec.command.action = domain::Action::create;
  spec.command.id = application::random_id(12);
  if (spec.command.kind == K::operator_) {
    if (auto password = take(spec.command.input, "password")) {
      const std::string* pw = password->get<std::string>();
      if (!pw || pw->size() < 8)
        return problem(422, "The request breaks a rule", "the password is too short",
                       {{"password", "must be a text of at least 8 characters"}});
      spec.command.secret = application::hash_password(*pw);
    }
  }
  if (auto duplicate = same_tax_id(c, spec.command)) return std::move(*duplicate);
  if (auto bad = technician_of_inspection(spec.command)) return std::move(*bad);
  spec.created = true;
  spec.location = std::string(c.route.pattern) + "/";
  return run(c, std::move(spec));
}

std::optional<HttpResponse> Api::technician_of_inspection(domain::Command& command) {
  if (command.kind != K::service_order || domain::find(command.input, "technician_id"))
    return std::nullopt;
  const domain::Value* inspection_id = domain::find(command.input, "inspection_id");
  const std::string* id = inspection_id ? inspection_id->get<std::string>() : nullptr;
  if (!id) return std::nullopt;
  auto inspection = queries_->record(K::inspection, *id);
  if (!inspection) return problem_for(inspection.error());
  const std::string technician = *inspection ? (*inspection)->text("technician_id") : "";
  if (technician.empty()) return std::nullopt;
  auto op = queries_->record(K::operator_, technician);
  if (!op) return problem_for(op.error());
  if (*op && domain::operator_active(**op)) command.input.emplace_back("technician_id", technician);
  return std::nullopt;
}

std::optional<HttpResponse> Api::same_tax_id(const Context& c, const domain::Command& command) {
  if (command.kind != K::client || c.req.param("duplicate_tax_id") == "allow") return std::nullopt;
  const domain::Value* given = domain::find(command.input, "tax_id");
  const std::string* text = given ? given->get<std::string>() : nullptr;
  std::string why;
  const auto nip =
      text ? projections::filter_value(*domain::core_field(K::client, "tax_id"), *text, why)
           : std::nullopt;
  if (!nip || nip->empty()) return std::nullopt;   // none, or one the command refuses
  if (command.action == domain::Action::update) {  // a form sent again with its NIP unchanged
    auto stored = queries_->record(K::client, command.id);
    if (stored && *stored && (*stored)->text("tax_id") == *nip) return std::nullopt;
  }
  projections::ListQuery q{.kind = K::client, .filters = {{"tax_id", *nip}}, .limit = 5};
  auto page = queries_->list(q);
  if (!page) return problem_for(page.error());
  std::string holders;
  for (const auto& r : page->items)
    if (r->id != command.id)
      holders += (holders.empty() ? "" : ", ") + r->text("name") + " (" + r->id + ")";
  if (holders.empty()) return std::nullopt;
  return problem(409, "Duplicate NIP",
                 "a client with this NIP exists; to add another (a branch), send the request "
                 "again with ?duplicate_tax_id=allow",
                 {{"tax_id", "is the NIP of " + holders}});
}

HttpResponse Api::update(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  if (c.req.body.empty()) return problem(400, "Malformed JSON", "a JSON object is expected");
  if (*c.route.kind == K::operator_ && domain::find(spec.command.input, "password"))
    return problem(422, "The request breaks a rule", "passwords change through their own action",
                   {{"password", "use POST /api/v1/operators/{id}/password"}});
  spec.command.kind = *c.route.kind;
  spec.command.action = domain::Action::update;
  spec.command.id = c.params[0];
  if (auto duplicate = same_tax_id(c, spec.command)) return std::move(*duplicate);
  return run(c, std::move(spec));
}

HttpResponse Api::action(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  spec.command.kind = *c.route.kind;
  spec.command.action = *action_of(c.route.action);
  spec.command.id = c.params[0];
  if (spec.command.action == domain::Action::set_password) {
    const domain::Value* v = domain::find(spec.command.input, "password");
    const std::string* pw = v ? v->get<std::string>() : nullptr;
    if (!pw || pw->size() < 8 || spec.command.input.size() != 1)
      return problem(422, "The request breaks a rule", "a new password is required",
                     {{"password", "must be a text of at least 8 characters"}});
    spec.command.secret = application::hash_password(*pw);
    spec.command.input.clear();
  }
  return run(c, std::move(spec));
}

HttpResponse Api::fields_define(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  auto& input = spec.command.input;
  const auto entity_value = take(input, "entity");
  const std::string* entity = entity_value ? entity_value->get<std::string>() : nullptr;
  auto kind = entity ? domain::kind_from_name(*entity) : std::nullopt;
  if (!kind || !domain::has_custom_fields(*kind))
    return problem(422, "The request breaks a rule", "entity names the kind of record",
                   {{"entity",
                     "must be one of client, person, contact, task, project, campaign, "
                     "device, service_order"}});
  spec.command.kind = K::field_catalog;
  spec.command.action = domain::Action::define_field;
  spec.command.id = *entity;
  const domain::Value* key = domain::find(input, "key");
  if (key && key->get<std::string>()) spec.shown_id = *entity + "." + *key->get<std::string>();
  spec.created = true;
  spec.location = "/api/v1/field-definitions/";
  return run(c, std::move(spec));
}

HttpResponse Api::fields_change(Context& c) {
  auto id = field_id(c.params[0]);
  if (!id) return problem(404, "Not found", "no field definition " + c.params[0]);
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  if (domain::find(spec.command.input, "key") || domain::find(spec.command.input, "entity"))
    return problem(422, "The request breaks a rule", "a field's entity and key cannot change",
                   {{"key", "cannot be changed"}});
  domain::set(spec.command.input, "key", id->second);
  spec.command.kind = K::field_catalog;
  spec.command.action = domain::Action::change_field;
  spec.command.id = std::string(domain::name_of(id->first));
  spec.shown_id = c.params[0];
  return run(c, std::move(spec));
}

HttpResponse Api::fields_retire(Context& c) {
  auto id = field_id(c.params[0]);
  if (!id) return problem(404, "Not found", "no field definition " + c.params[0]);
  CommandSpec spec;
  spec.command.kind = K::field_catalog;
  spec.command.action = domain::Action::retire_field;
  spec.command.id = std::string(domain::name_of(id->first));
  spec.command.input = {{"key", id->second}};
  spec.shown_id = c.params[0];
  return run(c, std::move(spec));
}

HttpResponse Api::task_kind_define(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  spec.command.kind = K::field_catalog;
  spec.command.action = domain::Action::define_task_kind;
  spec.command.id = std::string(domain::name_of(K::task));
  const domain::Value* key = domain::find(spec.command.input, "key");
  if (key && key->get<std::string>()) spec.shown_id = *key->get<std::string>();
  spec.created = true;
  spec.location = "/api/v1/task-kinds/";
  return run(c, std::move(spec));
}

HttpResponse Api::task_kind_change(Context& c) {
  CommandSpec spec;
  if (auto bad = parse_body(c.req, spec.command.input)) return std::move(*bad);
  if (domain::find(spec.command.input, "key"))
    return problem(422, "The request breaks a rule", "a task kind's key cannot change",
                   {{"key", "cannot be changed"}});
  domain::set(spec.command.input, "key", c.params[0]);
  spec.command.kind = K::field_catalog;
  spec.command.action = domain::Action::change_task_kind;
  spec.command.id = std::string(domain::name_of(K::task));
  spec.shown_id = c.params[0];
  return run(c, std::move(spec));
}

// ---- sessions ------------------------------------------------------------------------------

HttpResponse Api::login(Context& c) {
  domain::Object input;
  if (auto bad = parse_body(c.req, input)) return std::move(*bad);
  const domain::Value* l = domain::find(input, "login");
  const domain::Value* p = domain::find(input, "password");
  Fields missing;
  if (!l || !l->get<std::string>()) missing.emplace_back("login", "is required (a text)");
  if (!p || !p->get<std::string>()) missing.emplace_back("password", "is required (a text)");
  for (const auto& [k, v] : input)
    if (k != "login" && k != "password") missing.emplace_back(k, "is not a member of this request");
  if (!missing.empty()) return problem(422, "The request breaks a rule", "login failed", missing);
  const std::string& login = *l->get<std::string>();
  if (const int64_t wait = throttle_.wait_seconds(login)) {
    auto r = problem(429, "Too many failed logins", "wait before trying this login again");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  // The operator behind the login: the reservation record names it.
  std::string operator_id;
  if (login.size() <= 64)
    (void)store_.read_stream(domain::stream_of(K::login, login), 1, eventstore::Direction::forward,
                             1, [&](const eventstore::RecordedEvent& e) {
                               if (auto d = domain::codec::decode(e.type, e.payload))
                                 if (auto* id = domain::find(d->entry, "operator_id"))
                                   if (auto* s = id->get<std::string>()) operator_id = *s;
                               return false;
                             });
  std::optional<domain::Record> op;
  if (!operator_id.empty())
    if (auto loaded = handler_.load(K::operator_, operator_id); loaded && loaded->exists())
      op = std::move(*loaded);
  const std::string hash = op ? op->text("password_hash") : std::string();
  // Without an operator, verify against a fixed hash anyway, so timing does not tell which
  // logins exist.
  static const std::string decoy = application::hash_password("decoy password");
  const bool ok = application::verify_password(*p->get<std::string>(), hash.empty() ? decoy : hash);
  const domain::Value* active = op ? op->field("active") : nullptr;
  if (!ok || hash.empty() || (active && *active == domain::Value(false))) {
    throttle_.failed(login);
    auto r = problem(401, "Not authenticated", "the login or the password is wrong");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  throttle_.succeeded(login);
  auto created = sessions_.create(operator_id);
  if (!created) return problem_for(created.error());
  JsonWriter w;
  w.begin_object().key("token").string(created->token);
  w.key("expires_at").string(domain::DateTime{created->expires_at_us}.format());
  w.key("operator_id").string(operator_id).key("role").string(op->text("role")).end_object();
  return json_response(201, w.take());
}

HttpResponse Api::logout(Context& c) {
  if (auto r = sessions_.revoke(c.who); !r) return problem_for(r.error());
  return json_response(204, "");
}

HttpResponse Api::me(Context& c) {
  auto op = handler_.load(K::operator_, c.who.operator_id);
  if (!op) return problem_for(op.error());
  JsonWriter w;
  write_record(w, *op);
  return json_response(200, w.take());
}

// ---- queries -------------------------------------------------------------------------------

namespace {

std::optional<HttpResponse> parse_limit(const HttpRequest& req, size_t& limit, size_t max = 500) {
  if (!req.has_param("limit")) return std::nullopt;
  auto v = parse_uint(req.param("limit"));
  if (!v || *v < 1 || *v > max)
    return bad_param("limit", "must be between 1 and " + std::to_string(max));
  limit = *v;
  return std::nullopt;
}

std::optional<HttpResponse> parse_date(const HttpRequest& req, std::string_view name,
                                       domain::Date& out) {
  if (!req.has_param(name)) return std::nullopt;
  auto d = domain::Date::parse(req.param(name));
  if (!d) return bad_param(name, "must be a date YYYY-MM-DD");
  out = *d;
  return std::nullopt;
}

}  // namespace

// A record's JSON as pages show it, made from `source` on `day` (a client's turnover is as of
// the day).
struct Api::Shown {
  std::shared_ptr<const domain::Record> source;
  domain::Date day;
  std::string json;
};

namespace {

// Ends a page's "items" array and the page: "next_cursor", null on the last page.
void end_page(JsonWriter& w, const std::string& next_cursor) {
  w.end_array().key("next_cursor");
  if (next_cursor.empty())
    w.null();
  else
    w.string(next_cursor);
  w.end_object();
}

}  // namespace

std::string Api::page_json(const projections::Page& page, bool with_entity) {
  const domain::Date day = today();
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  std::vector<std::string> keys;
  keys.reserve(page.items.size());
  for (const auto& item : page.items)
    keys.push_back(std::string(domain::name_of(item->kind)) + '/' + item->id);
  const auto& cache = shown_.mine();
  auto shown = cache.find_many(keys);
  for (size_t i = 0; i < page.items.size(); ++i) {
    // Queries hand out one shared record per stored row, so the same pointer means the record
    // has not changed since its JSON was written.
    const auto& item = page.items[i];
    if (!shown[i] || shown[i]->source != item || shown[i]->day != day) {
      domain::Record r = *item;
      show_turnover(r, day);
      JsonWriter one;
      write_record(one, r);
      shown[i] = std::make_shared<const Shown>(Shown{item, day, one.take()});
      cache.put(std::move(keys[i]), shown[i]);
    }
    if (with_entity)  // {"entity": "task", ...the record's members}; kind names need no escaping
      w.raw((R"({"entity":")" + std::string(domain::name_of(item->kind)) + "\",")
                .append(shown[i]->json, 1));
    else
      w.raw(shown[i]->json);
  }
  end_page(w, page.next_cursor);
  return w.take();
}

HttpResponse Api::list(Context& c) {
  const EntityKind kind = *c.route.kind;
  projections::ListQuery q;
  q.kind = kind;
  if (auto bad = parse_limit(c.req, q.limit)) return std::move(*bad);
  q.cursor = std::string(c.req.param("cursor"));
  q.search = std::string(c.req.param("q"));
  const auto& titles = projections::title_fields(kind);
  // The kind's custom fields (retired ones too: their values stay), read when a filter or the
  // sort names one. Their options are not kept: they change over time, records keep old ones.
  std::optional<std::vector<domain::FieldSpec>> custom;
  auto custom_field = [&](std::string_view key) -> application::result<const domain::FieldSpec*> {
    if (!custom) {
      custom.emplace();
      if (domain::has_custom_fields(kind)) {
        auto catalog = handler_.load(K::field_catalog, std::string(domain::name_of(kind)));
        if (!catalog) return unexpected(catalog.error());
        *custom = domain::custom_fields(*catalog);
        for (auto& f : *custom) f.options.clear();
      }
    }
    for (const auto& f : *custom)
      if (f.key == key) return &f;
    return nullptr;
  };
  // A field a query may name: a core field the domain shows, a custom one (fields.<key>), or a
  // member of a core list of objects (client_links.client_id, addresses.city); null if none.
  auto field_spec = [&](std::string_view name) -> application::result<const domain::FieldSpec*> {
    if (name.starts_with("fields.")) return custom_field(name.substr(7));
    const auto dot = name.find('.');
    if (dot == std::string_view::npos) {
      const auto* spec = domain::core_field(kind, name);
      return spec && !spec->hidden ? spec : nullptr;
    }
    if (const auto* list = domain::core_field(kind, name.substr(0, dot)))
      for (const auto& m : list->members)
        if (m.key == name.substr(dot + 1)) return &m;
    return nullptr;
  };
  if (c.req.has_param("sort")) {
    std::string_view sort = c.req.param("sort");
    q.descending = sort.starts_with('-');
    if (q.descending) sort.remove_prefix(1);
    const auto names = projections::sort_names(kind);
    const domain::FieldSpec* by_custom = nullptr;
    if (sort.starts_with("fields.")) {
      auto f = custom_field(sort.substr(7));
      if (!f) return problem_for(f.error());
      if (*f && projections::sortable_type((*f)->type)) by_custom = *f;
    }
    if (!by_custom && std::find(names.begin(), names.end(), sort) == names.end()) {
      std::string listed;
      for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
      return bad_param("sort", "sorts by one of: " + listed +
                                   ", or fields.<key> of a custom number, money, date or time "
                                   "field (with '-' first: descending)");
    }
    if (sort != "title" && (titles.empty() || sort != titles[0])) q.sort = std::string(sort);
  }
  const domain::Date day = today();
  q.today = day;                           // of clients' turnover_12m, sorted or in a range
  std::optional<domain::Date> due_before;  // inspections due or overdue: waiting or in service
  if (kind == K::inspection && c.req.has_param("due_before")) {
    domain::Date before = day;
    if (auto bad = parse_date(c.req, "due_before", before)) return std::move(*bad);
    const bool alone = std::all_of(c.req.query.begin(), c.req.query.end(), [](const auto& p) {
      return p.first == "due_before" || p.first == "limit" || p.first == "cursor" ||
             p.first == "min_position";
    });
    if (alone) {  // their own index
      auto page = queries_->inspections_due(before, q.limit, q.cursor);
      if (!page) return problem_for(page.error());
      return json_response(200, page_json(*page));
    }
    due_before = before;  // with other filters (technician_id=), a search or a sort: the list's
  }
  static const std::set<std::string, std::less<>> reserved = {"q",      "sort",         "limit",
                                                              "cursor", "min_position", "token"};
  // A filter names a core field, a custom one (fields.<key>), or a member of a core list of
  // objects (client_links.client_id, addresses.city); its value must be one that field can hold.
  for (const auto& [k, v] : c.req.query) {
    if (reserved.count(k) || (k == "due_before" && due_before)) continue;
    if (k == "id") {  // the records of these ids: id=c1&id=c7
      if (q.ids.size() == projections::kMaxListIds)
        return bad_param(
            k, "is given more than " + std::to_string(projections::kMaxListIds) + " times");
      q.ids.push_back(v);
      continue;
    }
    // A range: <field>.from and <field>.to (both included) of a date, time, number or money
    // field, created_at or updated_at.
    if (const bool from = k.ends_with(".from"); from || k.ends_with(".to")) {
      const std::string field = k.substr(0, k.size() - (from ? 5 : 3));
      std::optional<domain::FieldType> type;
      if (field == "created_at" || field == "updated_at") {
        type = domain::FieldType::datetime;
      } else if (kind == K::client && field == projections::kTurnover) {
        type = domain::FieldType::money;
      } else {
        auto f = field_spec(field);
        if (!f) return problem_for(f.error());
        if (*f) type = (*f)->type;
      }
      if (type && projections::sortable_type(*type)) {
        std::string why;
        auto bound = projections::range_bound(*type, v, !from, why);
        if (!bound) return bad_param(k, why);
        auto range = std::find_if(q.ranges.begin(), q.ranges.end(),
                                  [&](const auto& r) { return r.field == field; });
        if (range == q.ranges.end()) range = q.ranges.insert(range, {field, {}, {}});
        domain::Value& end = from ? range->from : range->to;
        if (!end.is_null()) return bad_param(k, "is given more than once");
        end = std::move(*bound);
        continue;
      }
    }
    auto spec = field_spec(k);
    if (!spec) return problem_for(spec.error());
    if (!*spec && k.starts_with("fields."))
      return bad_param(k, "is not a custom field of " + std::string(domain::name_of(kind)));
    if (!*spec)
      return bad_param(k,
                       "is not a field of " + std::string(domain::name_of(kind)) + " to filter by");
    std::string why;
    auto value = projections::filter_value(**spec, v, why);
    if (!value) return bad_param(k, why);
    q.filters.emplace_back(k, std::move(*value));
  }
  for (const auto& range : q.ranges)  // as the calendar and the timeline answer such a range
    if (projections::backwards(range))
      return bad_param(range.field + ".to", "must be on or after " + range.field + ".from");
  if (due_before) {
    q.ranges.push_back({"due", {}, domain::Value(due_before->add_days(-1))});
    if (!c.req.has_param("status"))
      for (const char* status : {"planned", "in_service"}) q.filters.emplace_back("status", status);
    if (!c.req.has_param("sort")) q.sort = "due";
  }
  auto page = queries_->list(q);
  if (!page) return problem_for(page.error());
  return json_response(200, page_json(*page));
}

HttpResponse Api::get_one(Context& c) {
  const EntityKind kind = *c.route.kind;
  const std::string& id = c.params[0];
  std::optional<domain::Record> record;
  if (c.req.has_param("as_of") || c.req.has_param("at_position")) {
    uint64_t position = UINT64_MAX;
    domain::DateTime as_of{INT64_MAX};
    if (c.req.has_param("at_position")) {
      auto p = parse_uint(c.req.param("at_position"));
      if (!p) return bad_param("at_position", "must be a log position (an integer)");
      position = *p;
    }
    if (c.req.has_param("as_of")) {
      auto t = domain::DateTime::parse(c.req.param("as_of"));
      if (!t) return bad_param("as_of", "must be a time in RFC 3339, e.g. 2026-11-22T09:30:00Z");
      as_of = *t;
    }
    auto loaded = handler_.load(kind, id, position, as_of);
    if (!loaded) return problem_for(loaded.error());
    if (loaded->exists()) record = std::move(*loaded);
  } else {
    auto found = queries_->record(kind, id);
    if (!found) return problem_for(found.error());
    record = std::move(*found);
  }
  if (!record)
    return problem(
        404, "Not found",
        std::string(domain::name_of(kind)) + " '" + id + "' does not exist" +
            (c.req.has_param("as_of") || c.req.has_param("at_position") ? " at that time" : ""));
  show_turnover(*record, today());
  JsonWriter w;
  write_record(w, *record);
  auto r = json_response(200, w.take());
  set_etag(r, record->version);
  return r;
}

HttpResponse Api::fields_list(Context& c) {
  std::vector<EntityKind> kinds;
  if (c.req.has_param("entity")) {
    auto k = domain::kind_from_name(c.req.param("entity"));
    if (!k || !domain::has_custom_fields(*k))
      return bad_param("entity", "must be a kind of record with custom fields");
    kinds.push_back(*k);
  } else {
    for (EntityKind k : domain::kAllKinds)
      if (domain::has_custom_fields(k)) kinds.push_back(k);
  }
  size_t limit = 500;
  if (auto bad = parse_limit(c.req, limit)) return std::move(*bad);
  // By kind, then in the order defined; the cursor is the id of the page's last definition.
  const std::string_view after = c.req.param("cursor");
  bool taking = after.empty();
  size_t taken = 0;
  std::string last, next;
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (EntityKind k : kinds) {
    auto catalog = handler_.load(K::field_catalog, std::string(domain::name_of(k)));
    if (!catalog) return problem_for(catalog.error());
    for (const auto& f : domain::custom_fields(*catalog)) {
      std::string id = std::string(domain::name_of(k)) + "." + f.key;
      if (!taking) {
        taking = id == after;
        continue;
      }
      if (taken++ == limit) {
        next = std::move(last);
        break;
      }
      write_field(w, k, f, catalog->version);
      last = std::move(id);
    }
    if (!next.empty()) break;
  }
  if (!taking) return bad_param("cursor", "is not one this list gave");
  end_page(w, next);
  return json_response(200, w.take());
}

HttpResponse Api::fields_get(Context& c) {
  auto id = field_id(c.params[0]);
  if (id) {
    auto catalog = handler_.load(K::field_catalog, std::string(domain::name_of(id->first)));
    if (!catalog) return problem_for(catalog.error());
    for (const auto& f : domain::custom_fields(*catalog))
      if (f.key == id->second) {
        JsonWriter w;
        write_field(w, id->first, f, catalog->version);
        auto r = json_response(200, w.take());
        set_etag(r, catalog->version);
        return r;
      }
  }
  return problem(404, "Not found", "no field definition " + c.params[0]);
}

HttpResponse Api::task_kinds_list(Context&) {
  auto catalog = handler_.load(K::field_catalog, std::string(domain::name_of(K::task)));
  if (!catalog) return problem_for(catalog.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& k : domain::task_kinds(*catalog)) write_task_kind(w, k, catalog->version);
  end_page(w, {});
  auto r = json_response(200, w.take());
  set_etag(r, catalog->version);
  return r;
}

HttpResponse Api::task_kind_get(Context& c) {
  auto catalog = handler_.load(K::field_catalog, std::string(domain::name_of(K::task)));
  if (!catalog) return problem_for(catalog.error());
  for (const auto& k : domain::task_kinds(*catalog))
    if (k.key == c.params[0]) {
      JsonWriter w;
      write_task_kind(w, k, catalog->version);
      auto r = json_response(200, w.take());
      set_etag(r, catalog->version);
      return r;
    }
  return problem(404, "Not found", "no task kind " + c.params[0]);
}

HttpResponse Api::my_tasks(Context& c) {
  projections::TaskQuery q;
  q.operator_id = c.who.operator_id;
  if (c.req.has_param("operator") && c.req.param("operator") != c.who.operator_id) {
    if (!(c.who.role & kManagers))
      return problem(403, "Forbidden", "only managers see other operators' tasks");
    q.operator_id = std::string(c.req.param("operator"));
  }
  const auto scope = c.req.param("scope");
  if (scope == "delegated")
    q.scope = projections::TaskQuery::Scope::delegated;
  else if (!scope.empty() && scope != "assigned")
    return bad_param("scope", "must be assigned or delegated");
  const auto status = c.req.param("status");
  if (status == "done")
    q.status = projections::TaskQuery::Status::done;
  else if (status == "all")
    q.status = projections::TaskQuery::Status::all;
  else if (!status.empty() && status != "open")
    return bad_param("status", "must be open, done or all");
  if (auto bad = parse_limit(c.req, q.limit)) return std::move(*bad);
  q.cursor = std::string(c.req.param("cursor"));
  auto page = queries_->tasks(q);
  if (!page) return problem_for(page.error());
  return json_response(200, page_json(*page, true));
}

namespace {

// from/to, or view=day|week|month around date; defaults: the week from today.
std::optional<HttpResponse> calendar_range(const HttpRequest& req, domain::Date today,
                                           domain::Date& from, domain::Date& to) {
  domain::Date anchor = today;
  if (auto bad = parse_date(req, "date", anchor)) return bad;
  const auto view = req.param("view");
  if (view == "day") {
    from = to = anchor;
  } else if (view == "week") {
    const int weekday = ((anchor.days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday = 0
    from = anchor.add_days(-weekday);
    to = from.add_days(6);
  } else if (view == "month") {
    from = domain::Date::from_ymd(anchor.year(), anchor.month(), 1);
    to = from.add_months(1).add_days(-1);
  } else if (!view.empty()) {
    return bad_param("view", "must be day, week or month");
  } else {
    from = anchor;
    to = from.add_days(6);
  }
  if (auto bad = parse_date(req, "from", from)) return bad;
  if (auto bad = parse_date(req, "to", to)) return bad;
  if (to < from || to.days - from.days > 400)
    return bad_param("to", "must be on or after from, at most 400 days later");
  return std::nullopt;
}

// from/to of work time; defaults: this month up to today.
std::optional<HttpResponse> work_period(const HttpRequest& req, domain::Date today,
                                        domain::Date& from, domain::Date& to) {
  from = domain::Date::from_ymd(today.year(), today.month(), 1);
  to = today;
  if (auto bad = parse_date(req, "from", from)) return bad;
  if (auto bad = parse_date(req, "to", to)) return bad;
  if (to < from) return bad_param("to", "must be on or after from");
  return std::nullopt;
}

// 404 naming the record when it does not exist (or the storage's error); nullopt when it does,
// and the record in `found` if given.
std::optional<HttpResponse> unless_exists(const projections::Queries& queries, EntityKind kind,
                                          const std::string& id,
                                          std::optional<domain::Record>* found = nullptr) {
  auto record = queries.record(kind, id);
  if (!record) return problem_for(record.error());
  if (!*record)
    return problem(404, "Not found",
                   std::string(domain::name_of(kind)) + " '" + id + "' does not exist");
  if (found) *found = std::move(*record);
  return std::nullopt;
}

}  // namespace

HttpResponse Api::calendar(Context& c) {
  const std::string op =
      c.req.has_param("operator") ? std::string(c.req.param("operator")) : c.who.operator_id;
  if (auto missing = unless_exists(*queries_, K::operator_, op)) return std::move(*missing);
  domain::Date from, to;
  if (auto bad = calendar_range(c.req, today(), from, to)) return std::move(*bad);
  auto entries = queries_->calendar(op, from, to);
  if (!entries) return problem_for(entries.error());
  JsonWriter w;
  w.begin_object().key("operator").string(op).key("from").string(from.format());
  w.key("to").string(to.format()).key("items").begin_array();
  for (const auto& e : *entries) {
    w.begin_object().key("date").string(e.date.format());
    w.key("all_day").boolean(!e.start);
    if (e.start) w.key("start").string(e.start->format());
    if (e.end) w.key("end").string(e.end->format());
    w.key("kind").string(domain::name_of(e.kind)).key("id").string(e.id);
    w.key("title").string(e.title).key("status").string(e.status).end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

HttpResponse Api::calendar_ics(Context& c) {
  const domain::DateTime now{options_.clock()};
  const domain::Date today = domain::local_date(now);
  std::optional<domain::Record> op;  // its name is what a calendar app shows
  if (auto missing = unless_exists(*queries_, K::operator_, c.params[0], &op))
    return std::move(*missing);
  auto entries = queries_->calendar(c.params[0], today.add_days(-30), today.add_days(365));
  if (!entries) return problem_for(entries.error());
  const std::string name = op->text("name");
  HttpResponse r;
  r.content_type = "text/calendar; charset=utf-8";
  r.body = projections::to_icalendar(*entries, "CRM: " + name, now);
  return r;
}

HttpResponse Api::feed_create(Context& c) {
  auto key = sessions_.create_feed_key(c.who.operator_id);
  if (!key) return problem_for(key.error());
  JsonWriter w;
  w.begin_object().key("url").string("/api/v1/calendar/" + c.who.operator_id + ".ics?key=" + *key);
  w.key("key").string(*key).end_object();
  return json_response(201, w.take());
}

HttpResponse Api::feed_revoke(Context& c) {
  if (auto r = sessions_.revoke_feed_key(c.who.operator_id); !r) return problem_for(r.error());
  return json_response(204, "");
}

HttpResponse Api::timeline(Context& c) {
  if (auto missing = unless_exists(*queries_, K::client, c.params[0])) return std::move(*missing);
  size_t limit = 50;
  if (auto bad = parse_limit(c.req, limit)) return std::move(*bad);
  // The timeline in the order things happened; the history, with each event's changes, in the
  // order they were recorded.
  const bool with_changes = c.route.handler == &Api::client_history;
  // from/to: local days, both included.
  projections::TimeRange range;
  domain::Date from{INT32_MIN}, to{INT32_MAX};
  if (auto bad = parse_date(c.req, "from", from)) return std::move(*bad);
  if (auto bad = parse_date(c.req, "to", to)) return std::move(*bad);
  if (to < from) return bad_param("to", "must be on or after from");
  if (c.req.has_param("from")) range.from = domain::local_midnight(from);
  if (c.req.has_param("to")) range.until = domain::local_midnight(to.add_days(1));
  // kind=contact&kind=task: the entries of those kinds of record only.
  using projections::kTimelineKinds;
  std::vector<K> kinds;
  for (const auto& [name, value] : c.req.query) {
    if (name != "kind") continue;
    const auto kind = domain::kind_from_name(value);
    if (!kind || std::find(std::begin(kTimelineKinds), std::end(kTimelineKinds), *kind) ==
                     std::end(kTimelineKinds))
      return bad_param("kind", "must be one of " + timeline_kind_names());
    kinds.push_back(*kind);
  }
  auto t = queries_->timeline(c.params[0], limit, std::string(c.req.param("cursor")),
                              with_changes ? projections::Queries::TimelineOrder::recorded
                                           : projections::Queries::TimelineOrder::occurred,
                              range, kinds);
  if (!t) return problem_for(t.error());
  // With changes: each entry's event, read in one batch.
  std::unordered_map<uint64_t, domain::DomainEvent> events;
  if (with_changes) {
    std::vector<uint64_t> positions;
    for (const auto& e : t->entries) positions.push_back(e.position);
    (void)store_.read_at(positions, [&](const eventstore::RecordedEvent& raw) {
      if (auto d = domain::codec::decode(raw.type, raw.payload))
        events.emplace(raw.position, std::move(*d));
      return true;
    });
  }
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& e : t->entries) {
    w.begin_object().key("position").unsigned_number(e.position);
    w.key("kind").string(domain::name_of(e.kind)).key("id").string(e.id);
    w.key("type").string(e.type).key("occurred_at").string(e.occurred_at.format());
    w.key("at").string(e.at.format()).key("by").string(e.by);
    for (const auto& [key, text] :
         {std::pair("title", &e.title), std::pair("by_name", &e.by_name)}) {
      w.key(key);
      if (text->empty())
        w.null();
      else
        w.string(*text);
    }
    if (with_changes) {
      w.key("event");
      if (const auto d = events.find(e.position); d != events.end())
        write_changes(w, e.kind, d->second);
      else
        w.null();
    }
    w.end_object();
  }
  end_page(w, t->next_cursor);
  return json_response(200, w.take());
}

HttpResponse Api::client_history(Context& c) {
  return timeline(c);  // in the order recorded, with each event's changes
}

HttpResponse Api::device_history(Context& c) {
  if (auto missing = unless_exists(*queries_, K::device, c.params[0])) return std::move(*missing);
  auto orders = queries_->device_history(c.params[0]);
  if (!orders) return problem_for(orders.error());
  return json_response(200, page_json(*orders));
}

namespace {

// "tasks": {total, done, open, cancelled}, "minutes_logged", "contacts", "clients".
void write_work(JsonWriter& w, const projections::ProjectWork& work) {
  w.key("tasks").begin_object().key("total").unsigned_number(work.tasks);
  w.key("done").unsigned_number(work.tasks_done).key("open").unsigned_number(work.tasks_open);
  w.key("cancelled").unsigned_number(work.tasks_cancelled).end_object();
  w.key("minutes_logged").number(work.minutes_logged);
  w.key("contacts").unsigned_number(work.contacts).key("clients").unsigned_number(work.clients);
}

}  // namespace

HttpResponse Api::campaign_progress(Context& c) {
  if (auto missing = unless_exists(*queries_, K::campaign, c.params[0])) return std::move(*missing);
  auto p = queries_->campaign_progress(c.params[0]);
  if (!p) return problem_for(p.error());
  JsonWriter w;
  w.begin_object().key("campaign_id").string(c.params[0]);
  w.key("projects").unsigned_number(p->projects).key("planned").unsigned_number(p->planned);
  w.key("active").unsigned_number(p->active).key("completed").unsigned_number(p->completed);
  w.key("cancelled").unsigned_number(p->cancelled);
  w.key("percent_complete").number(p->percent_complete);
  write_work(w, p->work);
  w.end_object();
  return json_response(200, w.take());
}

HttpResponse Api::project_progress(Context& c) {
  std::optional<domain::Record> project;
  if (auto missing = unless_exists(*queries_, K::project, c.params[0], &project))
    return std::move(*missing);
  auto work = queries_->project_work({c.params[0]});
  if (!work) return problem_for(work.error());
  // Done of the tasks not cancelled, as a campaign counts its projects.
  const uint64_t counted = work->tasks - work->tasks_cancelled;
  JsonWriter w;
  w.begin_object().key("project_id").string(c.params[0]);
  w.key("status").string(project->text("status"));
  w.key("percent_complete")
      .number(counted ? static_cast<int64_t>(100 * work->tasks_done / counted) : 0);
  write_work(w, *work);
  w.end_object();
  return json_response(200, w.take());
}

namespace {

// Every record of a list, page after page.
eventstore::result<std::vector<std::shared_ptr<const domain::Record>>> every_record(
    const projections::Queries& queries, projections::ListQuery q) {
  std::vector<std::shared_ptr<const domain::Record>> out;
  do {
    auto page = queries.list(q);
    if (!page) return unexpected(page.error());
    out.insert(out.end(), page->items.begin(), page->items.end());
    q.cursor = page->next_cursor;
  } while (!q.cursor.empty());
  return out;
}

}  // namespace

HttpResponse Api::anniversaries(Context& c) {
  domain::Date from = today();
  if (auto bad = parse_date(c.req, "from", from)) return std::move(*bad);
  uint64_t days = 14;
  if (c.req.has_param("days")) {
    auto d = parse_uint(c.req.param("days"));
    if (!d || *d < 1 || *d > 366) return bad_param("days", "must be between 1 and 366");
    days = *d;
  }
  size_t limit = 50;
  if (auto bad = parse_limit(c.req, limit)) return std::move(*bad);
  // Persons of one client, or of the clients an operator manages (a salesperson's own): the
  // clients are read once, from the list's account manager bucket, not once per person.
  const std::string client(c.req.param("client_id")), manager(c.req.param("account_manager_id"));
  std::function<bool(const domain::Record&)> keep;
  std::set<std::string, std::less<>> clients;
  if (!client.empty()) {
    if (auto missing = unless_exists(*queries_, K::client, client)) return std::move(*missing);
    clients.insert(client);
  }
  if (!manager.empty()) {
    if (auto missing = unless_exists(*queries_, K::operator_, manager)) return std::move(*missing);
    auto managed = every_record(
        *queries_, {.kind = K::client, .filters = {{"account_manager_id", manager}}, .limit = 500});
    if (!managed) return problem_for(managed.error());
    std::set<std::string, std::less<>> theirs;
    for (const auto& r : *managed)
      if (client.empty() || r->id == client) theirs.insert(r->id);
    clients = std::move(theirs);
  }
  if (!client.empty() || !manager.empty())
    keep = [&](const domain::Record& person) {
      const domain::Value* links = person.field("client_links");
      if (!links || !links->get<domain::List>()) return false;
      for (const auto& link : *links->get<domain::List>()) {
        const auto* o = link.get<domain::Object>();
        const domain::Value* id = o ? domain::find(*o, "client_id") : nullptr;
        if (id && id->get<std::string>() && clients.count(*id->get<std::string>())) return true;
      }
      return false;
    };
  auto page = queries_->anniversaries(from, static_cast<int>(days), limit,
                                      std::string(c.req.param("cursor")), keep);
  if (!page) return problem_for(page.error());
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& a : page->items) {
    const bool birthday = a.kind == projections::Anniversary::Kind::birthday;
    w.begin_object().key("date").string(a.date.format());
    w.key("kind").string(birthday ? "birthday" : "name_day");
    if (const auto* born = a.person.field("birthday"); born && birthday)  // the age they turn
      w.key("age").number(a.date.year() - born->get<domain::Date>()->year());
    w.key("person");
    write_record(w, a.person);
    w.end_object();
  }
  end_page(w, page->next_cursor);
  return json_response(200, w.take());
}

HttpResponse Api::work_time(Context& c) {
  const std::string op =
      c.req.has_param("operator") ? std::string(c.req.param("operator")) : c.who.operator_id;
  if (op != c.who.operator_id && !(c.who.role & kHistory))
    return problem(403, "Forbidden", "only managers and auditors see other operators' work time");
  if (auto missing = unless_exists(*queries_, K::operator_, op)) return std::move(*missing);
  domain::Date from, to;
  if (auto bad = work_period(c.req, today(), from, to)) return std::move(*bad);
  auto t = queries_->work_time(op, from, to);
  if (!t) return problem_for(t.error());
  JsonWriter w;
  w.begin_object().key("operator").string(op).key("from").string(from.format());
  w.key("to").string(to.format()).key("minutes").number(t->minutes);
  w.key("entries").unsigned_number(t->entries);
  w.key("tasks_done").unsigned_number(t->tasks_done).key("days").begin_array();
  for (const auto& d : t->days) {
    w.begin_object().key("date").string(d.date).key("minutes").number(d.minutes);
    w.key("entries").unsigned_number(d.entries).end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

HttpResponse Api::team_work_time(Context& c) {
  const std::string supervisor =
      c.req.has_param("supervisor") ? std::string(c.req.param("supervisor")) : c.who.operator_id;
  if (auto missing = unless_exists(*queries_, K::operator_, supervisor)) return std::move(*missing);
  domain::Date from, to;
  if (auto bad = work_period(c.req, today(), from, to)) return std::move(*bad);
  // The supervisor's operators, by name.
  auto members = every_record(
      *queries_, {.kind = K::operator_, .filters = {{"supervisor_id", supervisor}}, .limit = 500});
  if (!members) return problem_for(members.error());
  JsonWriter w;
  w.begin_object().key("supervisor").string(supervisor).key("from").string(from.format());
  w.key("to").string(to.format()).key("items").begin_array();
  int64_t minutes = 0;
  for (const auto& member : *members) {
    auto t = queries_->work_totals(member->id, from, to);
    if (!t) return problem_for(t.error());
    minutes += t->minutes;
    w.begin_object().key("operator").string(member->id).key("name").string(member->text("name"));
    w.key("active").boolean(domain::operator_active(*member));
    w.key("minutes").number(t->minutes).key("entries").unsigned_number(t->entries);
    w.key("tasks_done").unsigned_number(t->tasks_done).end_object();
  }
  w.end_array().key("minutes").number(minutes).end_object();
  return json_response(200, w.take());
}

HttpResponse Api::events(Context& c) {
  uint64_t from = 1;
  if (c.req.has_param("from")) {
    auto f = parse_uint(c.req.param("from"));
    if (!f || *f < 1) return bad_param("from", "must be a log position (1 or more)");
    from = *f;
  }
  size_t limit = 100;
  if (auto bad = parse_limit(c.req, limit, 1000)) return std::move(*bad);
  JsonWriter w;
  w.begin_object().key("items").begin_array();
  uint64_t next = from;
  auto r = store_.read_all(from, limit, [&](const eventstore::RecordedEvent& e) {
    w.raw(event_message(e));
    next = e.position + 1;
    return true;
  });
  if (!r) return problem_for(r.error());
  w.end_array().key("next_from").unsigned_number(next);
  w.key("head").unsigned_number(store_.head()).end_object();
  return json_response(200, w.take());
}

domain::Date Api::today() const {
  return domain::local_date(domain::DateTime{options_.clock()});
}

void Api::report_hash_chain(std::string state, bool broken) {
  std::lock_guard lk(hash_chain_mu_);
  hash_chain_ = std::move(state);
  hash_chain_broken_ = broken;
}

HttpResponse Api::healthz(Context&) {
  const auto projections = runner_.status();
  uint64_t lag = 0;
  for (const auto& s : projections) lag = std::max(lag, s.lag);
  JsonWriter w;
  w.begin_object().key("status").string("ok").key("head").unsigned_number(store_.head());
  w.key("projection_lag").unsigned_number(lag);
  // Only when some are stuck: the read models stop at the failing event, so lists go stale.
  if (std::any_of(projections.begin(), projections.end(),
                  [](const auto& s) { return !s.failure.empty(); })) {
    w.key("projection_failures").begin_object();
    for (const auto& s : projections)
      if (!s.failure.empty()) w.key(s.name).string(s.failure);
    w.end_object();
  }
  // Only while new versions are built beside those queries read (after an upgrade): how far.
  if (std::any_of(projections.begin(), projections.end(),
                  [](const auto& s) { return s.building_version != 0; })) {
    w.key("projection_rebuilds").begin_object();
    for (const auto& s : projections)
      if (s.building_version != 0) {
        w.key(s.name).begin_object().key("version").unsigned_number(s.building_version);
        w.key("position").unsigned_number(s.building_checkpoint);
        w.key("lag").unsigned_number(s.building_lag).end_object();
      }
    w.end_object();
  }
  {
    std::lock_guard lk(hash_chain_mu_);
    if (!hash_chain_.empty()) w.key("hash_chain").string(hash_chain_);
  }
  w.end_object();
  return json_response(200, w.take());
}

std::string Api::render_metrics() const {
  std::string out = metrics_->render();
  out +=
      "# HELP crm_log_head_position The last durable log position.\n"
      "# TYPE crm_log_head_position gauge\n"
      "crm_log_head_position " +
      std::to_string(store_.head()) +
      "\n# HELP crm_commands_total Commands by outcome (accepted ones appended their events).\n"
      "# TYPE crm_commands_total counter\n"
      "crm_commands_total{result=\"accepted\"} " +
      std::to_string(commands_accepted_.load()) + "\ncrm_commands_total{result=\"repeated\"} " +
      std::to_string(commands_repeated_.load()) + "\ncrm_commands_total{result=\"refused\"} " +
      std::to_string(commands_refused_.load()) + "\ncrm_commands_total{result=\"conflict\"} " +
      std::to_string(commands_conflicted_.load()) + "\ncrm_commands_total{result=\"failed\"} " +
      std::to_string(commands_failed_.load()) + "\n";
  const auto projections = runner_.status();
  // A gauge per read model: its value for each.
  auto each = [&](const std::string& name, const char* help, auto value) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
    for (const auto& s : projections)
      out += name + "{projection=\"" + s.name + "\"} " + value(s) + "\n";
  };
  each("crm_projection_lag_events", "Events a read model is behind the log.",
       [](const auto& s) { return std::to_string(s.lag); });
  each("crm_projection_failing", "1 while a read model's batch fails (it retries every second).",
       [](const auto& s) { return s.failure.empty() ? "0" : "1"; });
  each("crm_projection_version", "The version of a read model queries read.",
       [](const auto& s) { return std::to_string(s.version); });
  out +=
      "# HELP crm_projection_rebuild_lag_events Events a read model's new version, built beside "
      "the one queries read, is behind the log (while it is built).\n"
      "# TYPE crm_projection_rebuild_lag_events gauge\n";
  for (const auto& s : projections)
    if (s.building_version != 0)
      out += "crm_projection_rebuild_lag_events{projection=\"" + s.name + "\",version=\"" +
             std::to_string(s.building_version) + "\"} " + std::to_string(s.building_lag) + "\n";
  std::lock_guard lk(hash_chain_mu_);
  if (!hash_chain_.empty()) {
    out +=
        "# HELP crm_hash_chain_broken 1 when the check of the log's hash chain found a break.\n"
        "# TYPE crm_hash_chain_broken gauge\n"
        "crm_hash_chain_broken ";
    out += hash_chain_broken_ ? "1\n" : "0\n";
  }
  return out;
}

HttpResponse Api::metrics_text(Context&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = render_metrics();
  if (extra_metrics) r.body += extra_metrics();
  return r;
}

HttpResponse Api::openapi(Context&) {
  return json_response(200, openapi_);
}

HttpResponse Api::websocket(Context&) {
  auto r = problem(426, "Upgrade required", "this route speaks WebSocket only");
  r.headers.emplace_back("Upgrade", "websocket");
  return r;
}

// ---- WebSocket support ---------------------------------------------------------------------

std::string Api::event_message(const eventstore::RecordedEvent& e) const {
  JsonWriter w;
  w.begin_object().key("type").string("event").key("position").unsigned_number(e.position);
  w.key("stream").string(e.stream).key("version").unsigned_number(e.version);
  w.key("event_type").string(e.type).key("data");
  if (auto d = domain::codec::decode(e.type, e.payload))
    write_changes(w, domain::kind_from_name(e.category()), *d);
  else
    w.null();
  w.key("meta").begin_object();
  w.key("operator_id").string(e.metadata.operator_id);
  w.key("correlation_id").string(e.metadata.correlation_id);
  w.key("causation_id").string(e.metadata.causation_id);
  w.key("recorded_at").string(domain::DateTime{e.recorded_at_us}.format());
  w.end_object().end_object();
  return w.take();
}

std::vector<std::string> Api::my_tasks_audience(const eventstore::RecordedEvent& e) const {
  std::vector<std::string> out;
  // A task's assignee and the operator who delegated it; a service order's technician.
  const bool task = e.category() == domain::name_of(K::task);
  if (!task && e.category() != domain::name_of(K::service_order)) return out;
  const std::vector<std::string_view> people =
      task ? std::vector<std::string_view>{"assignee_id", "delegated_by_id"}
           : std::vector<std::string_view>{"technician_id"};
  auto add = [&](const domain::Value& v) {
    if (const auto* s = v.get<std::string>())
      if (!s->empty() && std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  };
  if (auto d = domain::codec::decode(e.type, e.payload))
    for (const auto& c : d->changes)
      if (!c.custom && std::find(people.begin(), people.end(), c.field) != people.end()) {
        add(c.before);
        add(c.after);
      }
  const std::string id = e.stream.substr(e.stream.find('-') + 1);
  if (auto record = handler_.load(task ? K::task : K::service_order, id, e.position))
    for (const auto field : people)
      if (const auto* v = record->field(field)) add(*v);
  return out;
}

}  // namespace crm::api
