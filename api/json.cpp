// Request bodies via simdjson's On-Demand API; responses via a small escaping writer.

#include "api/json.h"

#include <simdjson.h>

#include <cstdio>

#include "domain/fields.h"

namespace crm::api {

namespace sj = simdjson::ondemand;
using domain::errc;
using domain::FieldError;
using domain::Value;

namespace {

struct Reader {
  std::vector<FieldError> problems;  // values JSON can hold but the API cannot (422)
  std::string malformed;             // not JSON, or not the JSON the API takes (400)

  bool fail(std::string message) {
    if (malformed.empty()) malformed = std::move(message);
    return false;
  }

  bool number(sj::value& v, const std::string& path, Value& out) {
    std::string_view token = v.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                              token.back() == '\t'))
      token.remove_suffix(1);
    sj::number_type type{};
    if (auto e = v.get_number_type().get(type); e) {
      const bool digits = token.find_first_not_of("-0123456789") == std::string_view::npos;
      if (e == simdjson::NUMBER_OUT_OF_RANGE || (e == simdjson::NUMBER_ERROR && digits)) {
        problems.push_back({path, "is out of range"});
        return true;
      }
      return fail("malformed number at " + path);
    }
    if (type == sj::number_type::signed_integer) {
      int64_t n = 0;
      if (v.get_int64().get(n)) return fail("malformed number at " + path);
      out = n;
      return true;
    }
    if (type == sj::number_type::unsigned_integer) {
      problems.push_back({path, "is out of range"});
      return true;
    }
    double check = 0;  // validates the syntax; the value is taken exactly from the text
    if (v.get_double().get(check)) return fail("malformed number at " + path);
    if (auto d = domain::Decimal::parse(token)) {
      out = *d;
    } else {
      problems.push_back(
          {path, "must be a decimal number with at most 4 fractional digits, no exponent"});
    }
    return true;
  }

  bool value(sj::value v, const std::string& path, Value& out, int depth) {
    if (depth > 32) return fail("nesting deeper than 32 levels at " + path);
    sj::json_type type{};
    if (v.type().get(type)) return fail("malformed value at " + path);
    switch (type) {
      case sj::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return fail("malformed value at " + path);
        out = Value{};
        return true;
      }
      case sj::json_type::boolean: {
        bool b = false;
        if (v.get_bool().get(b)) return fail("malformed value at " + path);
        out = b;
        return true;
      }
      case sj::json_type::number:
        return number(v, path, out);
      case sj::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s)) return fail("malformed string at " + path);
        out = std::string(s);
        return true;
      }
      case sj::json_type::array: {
        sj::array array;
        if (v.get_array().get(array)) return fail("malformed array at " + path);
        domain::List list;
        size_t i = 0;
        for (auto item : array) {
          sj::value element;
          if (std::move(item).get(element)) return fail("malformed array at " + path);
          Value x;
          if (!value(element, path + "[" + std::to_string(i++) + "]", x, depth + 1)) return false;
          list.push_back(std::move(x));
        }
        out = std::move(list);
        return true;
      }
      case sj::json_type::object: {
        sj::object object;
        if (v.get_object().get(object)) return fail("malformed object at " + path);
        domain::Object members;
        if (!this->object(object, path, members, depth)) return false;
        out = std::move(members);
        return true;
      }
    }
    return fail("malformed value at " + path);
  }

  bool object(sj::object& object, const std::string& path, domain::Object& members, int depth) {
    for (auto field : object) {
      sj::field f;
      std::string_view key;
      if (std::move(field).get(f) || f.unescaped_key().get(key))
        return fail("malformed object" + (path.empty() ? std::string() : " at " + path));
      const std::string member = path.empty() ? std::string(key) : path + "." + std::string(key);
      if (domain::find(members, key)) return fail("member '" + member + "' appears twice");
      Value x;
      if (!value(f.value(), member, x, depth + 1)) return false;
      members.emplace_back(std::string(key), std::move(x));
    }
    return true;
  }
};

void escape_into(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t plain = 0;  // start of the run of characters copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

}  // namespace

domain::result<domain::Object> parse_object(std::string_view body) {
  auto malformed = [](std::string message) {
    return domain::refuse(errc::invalid_input, "malformed JSON: " + message);
  };
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return malformed("the body is empty; a JSON object is expected");
  thread_local sj::parser parser;
  const simdjson::padded_string padded(body);
  sj::document doc;
  if (auto e = parser.iterate(padded).get(doc); e) return malformed(simdjson::error_message(e));
  // The root value's text must be the whole body: no trailing content.
  std::string_view root;
  if (auto e = doc.raw_json().get(root); e) return malformed(simdjson::error_message(e));
  const size_t root_end = static_cast<size_t>(root.data() - padded.data()) + root.size();
  if (body.substr(std::min(root_end, body.size())).find_first_not_of(" \t\r\n") !=
      std::string_view::npos)
    return malformed("unexpected content after the object");
  doc.rewind();
  sj::object object;
  if (auto e = doc.get_object().get(object); e)
    return malformed(e == simdjson::INCORRECT_TYPE ? "a JSON object is expected"
                                                   : simdjson::error_message(e));
  Reader reader;
  domain::Object members;
  const bool ok = reader.object(object, "", members, 0);
  if (!ok) return malformed(reader.malformed);
  if (!reader.problems.empty())
    return domain::refuse(errc::invalid_input, "some values cannot be accepted",
                          std::move(reader.problems));
  return members;
}

std::string quote(std::string_view s) {
  std::string out;
  escape_into(out, s);
  return out;
}

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  escape_into(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view s) {
  separate();
  escape_into(out_, s);
  return *this;
}
JsonWriter& JsonWriter::number(int64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}
JsonWriter& JsonWriter::unsigned_number(uint64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}
JsonWriter& JsonWriter::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::value(const Value& v) {
  std::visit(
      [this](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          null();
        } else if constexpr (std::is_same_v<T, bool>) {
          boolean(x);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          number(x);
        } else if constexpr (std::is_same_v<T, domain::Decimal>) {
          string(x.format());
        } else if constexpr (std::is_same_v<T, domain::Money>) {
          begin_object().key("amount").string(x.amount.format(2));
          key("currency").string(x.currency).end_object();
        } else if constexpr (std::is_same_v<T, std::string>) {
          string(x);
        } else if constexpr (std::is_same_v<T, domain::List>) {
          begin_array();
          for (const auto& item : x) value(item);
          end_array();
        } else if constexpr (std::is_same_v<T, domain::Object>) {
          begin_object();
          for (const auto& [k, item] : x) key(k).value(item);
          end_object();
        } else {  // Date, DateTime, MonthDay
          string(x.format());
        }
      },
      v.v);
  return *this;
}

void write_record(JsonWriter& w, const domain::Record& record) {
  w.begin_object();
  w.key("id").string(record.id);
  w.key("version").unsigned_number(record.version);
  w.key("created_at").string(record.created_at.format());
  w.key("created_by").string(record.created_by);
  w.key("updated_at").string(record.updated_at.format());
  w.key("updated_by").string(record.updated_by);
  for (const auto& [k, v] : record.core)
    if (!domain::is_hidden(record.kind, k)) w.key(k).value(v);
  w.key("fields").begin_object();
  for (const auto& [k, v] : record.custom) w.key(k).value(v);
  w.end_object();
  w.end_object();
}

}  // namespace crm::api
