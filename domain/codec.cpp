#include "domain/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <vector>

#include "schema/domain_event.capnp.h"

namespace crm::domain::codec {
namespace {

capnp::Text::Reader text(std::string_view s) {
  return capnp::Text::Reader(s.data(), s.size());
}
std::string str(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

void write(schema::Value::Builder out, const Value& v);

void write_object(capnp::List<schema::Member>::Builder out, const Object& o) {
  for (unsigned i = 0; i < o.size(); ++i) {
    out[i].setKey(text(o[i].first));
    write(out[i].initValue(), o[i].second);
  }
}

void write(schema::Value::Builder out, const Value& v) {
  struct Visitor {
    schema::Value::Builder& out;
    void operator()(std::monostate) { out.setNull(); }
    void operator()(bool b) { out.setBoolean(b); }
    void operator()(int64_t i) { out.setInteger(i); }
    void operator()(const Decimal& d) { out.setDecimal(d.units); }
    void operator()(const Money& m) {
      auto mb = out.initMoney();
      mb.setUnits(m.amount.units);
      mb.setCurrency(text(m.currency));
    }
    void operator()(const Date& d) { out.setDate(d.days); }
    void operator()(const DateTime& t) { out.setDateTime(t.micros); }
    void operator()(const MonthDay& md) {
      out.setMonthDay(static_cast<uint16_t>(md.month * 100 + md.day));
    }
    void operator()(const std::string& s) { out.setText(text(s)); }
    void operator()(const List& l) {
      auto lb = out.initList(static_cast<unsigned>(l.size()));
      for (unsigned i = 0; i < l.size(); ++i) write(lb[i], l[i]);
    }
    void operator()(const Object& o) {
      write_object(out.initObject(static_cast<unsigned>(o.size())), o);
    }
  };
  std::visit(Visitor{out}, v.v);
}

Value read(schema::Value::Reader in);

Object read_object(capnp::List<schema::Member>::Reader in) {
  Object o;
  o.reserve(in.size());
  for (auto m : in) o.emplace_back(str(m.getKey()), read(m.getValue()));
  return o;
}

Value read(schema::Value::Reader in) {
  switch (in.which()) {
    case schema::Value::NULL_:
      return Value{};
    case schema::Value::BOOLEAN:
      return Value(in.getBoolean());
    case schema::Value::INTEGER:
      return Value(static_cast<int64_t>(in.getInteger()));
    case schema::Value::DECIMAL:
      return Value(Decimal{in.getDecimal()});
    case schema::Value::MONEY:
      return Value(Money{Decimal{in.getMoney().getUnits()}, str(in.getMoney().getCurrency())});
    case schema::Value::DATE:
      return Value(Date{in.getDate()});
    case schema::Value::DATE_TIME:
      return Value(DateTime{in.getDateTime()});
    case schema::Value::MONTH_DAY:
      return Value(MonthDay{in.getMonthDay() / 100u, in.getMonthDay() % 100u});
    case schema::Value::TEXT:
      return Value(str(in.getText()));
    case schema::Value::LIST: {
      List l;
      for (auto item : in.getList()) l.push_back(read(item));
      return Value(std::move(l));
    }
    case schema::Value::OBJECT:
      return Value(read_object(in.getObject()));
  }
  return Value{};  // a union member from a newer schema: read as null
}

// The bytes as Cap'n Proto words: in place when already aligned, else copied into `copy`.
kj::ArrayPtr<const capnp::word> words_of(std::string_view bytes, std::vector<capnp::word>& copy) {
  const size_t n = bytes.size() / sizeof(capnp::word);
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) == 0)
    return kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), n);
  copy.resize(n);
  std::memcpy(copy.data(), bytes.data(), n * sizeof(capnp::word));
  return kj::arrayPtr(copy.data(), n);
}

std::string to_bytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace

std::string encode(const DomainEvent& event) {
  capnp::MallocMessageBuilder message;
  auto e = message.initRoot<schema::DomainEvent>();
  e.setAtUs(event.at.micros);
  e.setBy(text(event.by));
  auto changes = e.initChanges(static_cast<unsigned>(event.changes.size()));
  for (unsigned i = 0; i < event.changes.size(); ++i) {
    const auto& c = event.changes[i];
    changes[i].setField(text(c.field));
    changes[i].setCustom(c.custom);
    write(changes[i].initBefore(), c.before);
    write(changes[i].initAfter(), c.after);
  }
  write_object(e.initEntry(static_cast<unsigned>(event.entry.size())), event.entry);
  return to_bytes(message);
}

std::string encode(const Record& record) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::RecordState>();
  r.setKind(text(name_of(record.kind)));
  r.setId(text(record.id));
  r.setVersion(record.version);
  r.setCreatedAtUs(record.created_at.micros);
  r.setCreatedBy(text(record.created_by));
  r.setUpdatedAtUs(record.updated_at.micros);
  r.setUpdatedBy(text(record.updated_by));
  write_object(r.initCore(static_cast<unsigned>(record.core.size())), record.core);
  write_object(r.initCustom(static_cast<unsigned>(record.custom.size())), record.custom);
  return to_bytes(message);
}

std::optional<Record> decode_record(std::string_view bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0) return std::nullopt;
  std::vector<capnp::word> copy;
  const auto words = words_of(bytes, copy);
  try {
    capnp::FlatArrayMessageReader reader(words);
    auto r = reader.getRoot<schema::RecordState>();
    auto kind = kind_from_name(str(r.getKind()));
    if (!kind) return std::nullopt;
    Record out{*kind,
               str(r.getId()),
               r.getVersion(),
               DateTime{r.getCreatedAtUs()},
               str(r.getCreatedBy()),
               DateTime{r.getUpdatedAtUs()},
               str(r.getUpdatedBy()),
               read_object(r.getCore()),
               read_object(r.getCustom())};
    return out;
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

std::optional<DomainEvent> decode(std::string_view type, std::string_view payload) {
  if (payload.size() % sizeof(capnp::word) != 0) return std::nullopt;
  std::vector<capnp::word> copy;
  const auto words = words_of(payload, copy);
  try {
    capnp::FlatArrayMessageReader reader(words);
    auto e = reader.getRoot<schema::DomainEvent>();
    DomainEvent out;
    out.type = std::string(type);
    out.at = DateTime{e.getAtUs()};
    out.by = str(e.getBy());
    for (auto c : e.getChanges())
      out.changes.push_back(
          {str(c.getField()), c.getCustom(), read(c.getBefore()), read(c.getAfter())});
    out.entry = read_object(e.getEntry());
    return out;
  } catch (const kj::Exception&) {
    return std::nullopt;
  }
}

}  // namespace crm::domain::codec
