#pragma once
// JSON for the API: request bodies parsed with simdjson into the domain's raw value tree, and a
// small writer that produces correctly escaped UTF-8 JSON for responses.
//
// simdjson stays inside json.cpp; nothing here pulls it in.

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/errors.h"
#include "domain/record.h"
#include "domain/value.h"

namespace crm::api {

/// Parses a request body that must be one JSON object. Numbers become int64 when integral and
/// Decimal otherwise (exact, from the number's text: at most 4 fractional digits, no exponent);
/// strings must be valid UTF-8. Errors name the offending member ("addresses[1].city") or, for
/// malformed JSON, say so: code invalid_input with `fields` empty means "not JSON" (400), with
/// `fields` set means "JSON, but a value cannot be represented" (422).
domain::result<domain::Object> parse_object(std::string_view body);

/// Appends JSON text. The caller produces a well-formed sequence (key before each member value);
/// commas are inserted automatically.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(int64_t n);
  JsonWriter& unsigned_number(uint64_t n);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  /// A domain value: Money as {"amount": "12.50", "currency": "PLN"}, Decimal as a string,
  /// dates and times as text, lists and objects recursively.
  JsonWriter& value(const domain::Value& v);
  /// Inserts already-serialised JSON (one value) as is.
  JsonWriter& raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

/// `"a\"b"`: a JSON string literal (escaped).
std::string quote(std::string_view s);

/// A record as the API shows it: id, version, created/updated, the core fields, and the custom
/// fields under "fields". Internal fields (the password hash) are never written.
void write_record(JsonWriter& w, const domain::Record& record);

}  // namespace crm::api
