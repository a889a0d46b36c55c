// The OpenAPI 3.1 document, generated from the route table and the domain's field tables, so it
// cannot drift from what the server does.

#include <set>

#include "api/json.h"
#include "api/route.h"
#include "projections/views.h"

namespace crm::api {

namespace {

using domain::FieldType;

void schema_of(JsonWriter& w, const domain::FieldSpec& f) {
  w.begin_object();
  switch (f.type) {
    case FieldType::integer:
      w.key("type").string("integer");
      break;
    case FieldType::boolean:
      w.key("type").string("boolean");
      break;
    case FieldType::money:
      w.key("$ref").string("#/components/schemas/Money");
      break;
    case FieldType::date:
      w.key("type").string("string").key("format").string("date");
      break;
    case FieldType::datetime:
      w.key("type").string("string").key("format").string("date-time");
      break;
    case FieldType::choice:
      w.key("type").string("string").key("enum").begin_array();
      for (const auto& o : f.options) w.string(o);
      w.end_array();
      break;
    case FieldType::multi_choice:
    case FieldType::text_list:
    case FieldType::phone_list:
    case FieldType::email_list:
    case FieldType::reference_list:
      w.key("type").string("array").key("items").begin_object().key("type").string("string");
      w.end_object();
      break;
    case FieldType::object_list:
      w.key("type").string("array").key("items").begin_object().key("type").string("object");
      w.key("properties").begin_object();
      for (const auto& m : f.members) {
        w.key(m.key);
        schema_of(w, m);
      }
      w.end_object().end_object();
      break;
    case FieldType::interval:
      w.key("type").string("object").key("description").string("{\"days\": n} or {\"months\": n}");
      break;
    case FieldType::decimal:
      w.key("type").string("string").key("description").string("a decimal number as text");
      break;
    default:
      w.key("type").string("string");
  }
  if (f.access == domain::Access::system) w.key("readOnly").boolean(true);
  w.end_object();
}

std::string schema_name(domain::EntityKind kind) {
  std::string name;
  bool upper = true;
  for (char ch : domain::name_of(kind)) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    name.push_back(upper ? static_cast<char>(ch - 'a' + 'A') : ch);
    upper = false;
  }
  return name;
}

void response(JsonWriter& w, int status, const std::string& description, const std::string& ref) {
  w.key(std::to_string(status)).begin_object().key("description").string(description);
  if (!ref.empty()) {
    w.key("content").begin_object().key("application/json").begin_object().key("schema");
    w.begin_object().key("$ref").string("#/components/schemas/" + ref).end_object();
    w.end_object().end_object();
  }
  w.end_object();
}

}  // namespace

std::string openapi_document(const std::vector<Api::Route>& routes) {
  JsonWriter w;
  w.begin_object().key("openapi").string("3.1.0");
  w.key("info").begin_object().key("title").string("CRM API").key("version").string("1");
  w.key("description").string("Commands and queries of the event-sourced CRM. See API.md.");
  w.end_object();
  w.key("paths").begin_object();
  std::set<std::string> done;
  std::set<domain::EntityKind> kinds;
  for (const auto& r : routes) {
    if (!done.insert(r.pattern).second) continue;
    w.key(r.pattern).begin_object();
    for (const auto& op : routes) {
      if (op.pattern != r.pattern) continue;
      std::string method = op.method;
      for (auto& ch : method) ch = static_cast<char>(ch - 'A' + 'a');
      w.key(method).begin_object().key("summary").string(op.summary);
      if (op.roles) {
        std::string roles;
        for (Role role : {kOperator, kManager, kAuditor, kAdmin})
          if (op.roles & role) roles += (roles.empty() ? "" : ", ") + std::string(name_of(role));
        w.key("description").string("Roles: " + roles + ".");
        w.key("security").begin_array().begin_object().key("bearer").begin_array().end_array();
        w.end_object().end_array();
      }
      w.key("parameters").begin_array();
      for (const auto& seg : op.segments)
        if (!seg.empty() && seg[0] == '{') {
          w.begin_object().key("name").string(seg.substr(1, seg.find('}') - 1));
          w.key("in").string("path").key("required").boolean(true);
          w.key("schema").begin_object().key("type").string("string").end_object().end_object();
        }
      auto query_param = [&](const std::string& name, const std::string& description) {
        w.begin_object().key("name").string(name).key("in").string("query");
        w.key("description").string(description);
        w.key("schema").begin_object().key("type").string("string").end_object().end_object();
      };
      for (const auto& [name, description] : op.query) query_param(name, description);
      if (op.method == "GET" && op.roles)
        query_param("min_position", "wait (at most 5 s) until the read models have this position");
      if (op.method == "GET" && op.kind && op.segments.size() == 3) {
        query_param("q", "search: words the title (or a number: code, NIP, phone) starts with");
        query_param("limit", "items a page, 1 to 500 (default 50)");
        query_param("cursor", "next_cursor of the page before");
        query_param("id", "only the records of these ids (repeat it: id=a&id=b; at most 500)");
        const auto sorts = projections::sort_names(*op.kind);
        w.begin_object().key("name").string("sort").key("in").string("query");
        w.key("description")
            .string(
                "A sort field, or fields.<key> of a custom number, money, date or time field; "
                "'-' first: descending");
        w.key("schema").begin_object().key("type").string("string").key("anyOf").begin_array();
        w.begin_object().key("enum").begin_array();
        for (const auto& f : sorts) w.string(f).string("-" + f);
        w.end_array().end_object();
        w.begin_object().key("pattern").string("^-?fields\\.[a-z][a-z0-9_]*$").end_object();
        w.end_array().end_object().end_object();
      }
      if (op.method == "POST" || op.method == "PATCH") {
        w.begin_object().key("name").string("Idempotency-Key").key("in").string("header");
        w.key("schema").begin_object().key("type").string("string").end_object().end_object();
        w.begin_object().key("name").string("If-Match").key("in").string("header");
        w.key("schema").begin_object().key("type").string("string").end_object().end_object();
      }
      w.end_array();
      const std::string schema = op.kind ? schema_name(*op.kind) : "";
      if (op.kind) kinds.insert(*op.kind);
      if ((op.method == "POST" || op.method == "PATCH") && op.action.empty() && op.kind) {
        w.key("requestBody").begin_object().key("content").begin_object();
        w.key("application/json").begin_object().key("schema").begin_object();
        w.key("$ref").string("#/components/schemas/" + schema).end_object();
        w.end_object().end_object().end_object();
      }
      w.key("responses").begin_object();
      if (op.method == "POST" && op.action.empty())
        response(w, 201, "Created", op.kind ? "CommandResult" : "");
      else if (op.method == "POST" || op.method == "PATCH")
        response(w, 200, "Done", "CommandResult");
      else if (op.method == "DELETE")
        response(w, 204, "Done", "");
      else
        response(w, 200, "OK", op.kind && op.segments.size() == 4 ? schema : "");
      for (int status : {400, 401, 403, 404, 409, 413, 415, 422, 429})
        response(w, status, "Problem (RFC 9457)", "Problem");
      w.end_object().end_object();
    }
    w.end_object();
  }
  w.end_object();
  w.key("components").begin_object();
  w.key("securitySchemes").begin_object().key("bearer").begin_object();
  w.key("type").string("http").key("scheme").string("bearer").end_object().end_object();
  w.key("schemas").begin_object();
  w.key("Money").begin_object().key("type").string("object").key("properties").begin_object();
  w.key("amount").begin_object().key("type").string("string").end_object();
  w.key("currency").begin_object().key("type").string("string").end_object();
  w.end_object().end_object();
  w.key("CommandResult").begin_object().key("type").string("object");
  w.key("properties").begin_object();
  w.key("id").begin_object().key("type").string("string").end_object();
  w.key("version").begin_object().key("type").string("integer").end_object();
  w.key("position").begin_object().key("type").string("integer").end_object();
  w.end_object().end_object();
  w.key("Problem").begin_object().key("type").string("object").key("properties").begin_object();
  for (const char* k : {"type", "title", "detail"})
    w.key(k).begin_object().key("type").string("string").end_object();
  w.key("status").begin_object().key("type").string("integer").end_object();
  w.key("errors").begin_object().key("type").string("array").end_object();
  w.end_object().end_object();
  for (auto kind : kinds) {
    w.key(schema_name(kind)).begin_object().key("type").string("object");
    w.key("properties").begin_object();
    for (const char* k : {"id", "created_at", "created_by", "updated_at", "updated_by"})
      w.key(k)
          .begin_object()
          .key("type")
          .string("string")
          .key("readOnly")
          .boolean(true)
          .end_object();
    w.key("version").begin_object().key("type").string("integer").key("readOnly").boolean(true);
    w.end_object();
    for (const auto& f : domain::core_fields(kind)) {
      if (f.hidden) continue;
      w.key(f.key);
      if (f.listed) {  // a task's kind, the one listed field: a list kept by managers
        w.begin_object().key("type").string("string");
        w.key("description").string("a task kind's key (see /api/v1/task-kinds)").end_object();
      } else {
        schema_of(w, f);
      }
    }
    if (kind == domain::EntityKind::operator_)
      w.key("password")
          .begin_object()
          .key("type")
          .string("string")
          .key("writeOnly")
          .boolean(true)
          .end_object();
    w.key("fields").begin_object().key("type").string("object");
    w.key("description").string("custom fields by key (see /api/v1/field-definitions)");
    w.end_object();
    w.end_object().end_object();
  }
  w.end_object().end_object().end_object();
  return w.take();
}

}  // namespace crm::api
