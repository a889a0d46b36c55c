#pragma once
// The route table's entries (internal to api/: api.cpp and openapi.cpp).

#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "domain/fields.h"

namespace crm::api {

struct Api::Route {
  std::string method;
  std::string pattern;  // "/api/v1/clients/{id}"; a segment "{x}.ics" matches a suffix
  uint8_t roles = 0;    // who may call it; 0: no authentication
  HttpResponse (Api::*handler)(Context&) = nullptr;
  bool blocking = false;  // may wait: a password hash
  std::string summary;
  std::optional<domain::EntityKind> kind;  // the collection's record kind
  std::string action;                      // the action slug of POST .../{id}/<action>
  std::vector<std::string> segments;
  /// A GET's query parameters, (name, what it is), for /openapi.json; a protected GET refuses
  /// any other (but min_position, which every query takes). A list takes its filters besides.
  std::vector<std::pair<std::string, std::string>> query;
};

struct Api::Context {
  const HttpRequest& req;
  const Route& route;
  Principal who;
  std::vector<std::string> params;  // the {placeholders} of the route, in order
  /// For a handler that answers later (a command): it returns deferred() and calls this.
  Respond answer;
};

/// What a handler returns when it answers later through Context::answer.
inline HttpResponse deferred() {
  return HttpResponse{0, {}, {}, {}};
}

}  // namespace crm::api
