#include "eventstore/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <sodium.h>

#include <cstring>

#include "schema/envelope.capnp.h"

namespace crm::eventstore::codec {
namespace {

// Lets capnp::writeMessage append straight into a std::string.
class StringOutput final : public kj::OutputStream {
 public:
  explicit StringOutput(std::string& out) : out_(out) {}
  void write(const void* buffer, size_t size) override {
    out_.append(static_cast<const char*>(buffer), size);
  }

 private:
  std::string& out_;
};

capnp::Text::Reader text(std::string_view s) {
  return capnp::Text::Reader(s.data(), s.size());
}

void assign(std::string& out, capnp::Text::Reader t) {
  out.assign(t.cStr(), t.size());
}

}  // namespace

void encode_envelope(uint64_t position, std::string_view stream, uint64_t version,
                     const EventData& event, int64_t recorded_at_us, const Metadata& metadata,
                     std::string& out) {
  // One first segment large enough for typical events keeps the message in one segment.
  capnp::word scratch[128];
  std::memset(scratch, 0, sizeof(scratch));
  capnp::MallocMessageBuilder message(kj::arrayPtr(scratch, 128));
  auto env = message.initRoot<schema::Envelope>();
  env.setPosition(position);
  env.setStreamId(text(stream));
  env.setStreamVersion(version);
  env.setEventType(text(event.type));
  env.setSchemaVersion(event.schema_version);
  env.setRecordedAtUs(recorded_at_us);
  auto md = env.initMetadata();
  md.setOperatorId(text(metadata.operator_id));
  md.setCorrelationId(text(metadata.correlation_id));
  md.setCausationId(text(metadata.causation_id));
  md.setCommandId(text(metadata.command_id));
  env.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(event.payload.data()),
                                     event.payload.size()));
  StringOutput stream_out(out);
  capnp::writeMessage(stream_out, message);
}

Hash chain_hash(const Hash& prev, std::string_view envelope) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, hash_size);
  crypto_generichash_update(&state, prev.data(), prev.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(envelope.data()),
                            envelope.size());
  Hash h;
  crypto_generichash_final(&state, h.data(), h.size());
  return h;
}

bool split(std::string_view value, std::string_view& envelope, Hash& hash) {
  if (value.size() < hash_size + sizeof(capnp::word)) return false;
  envelope = value.substr(0, value.size() - hash_size);
  std::memcpy(hash.data(), value.data() + envelope.size(), hash_size);
  return true;
}

bool Decoder::decode(std::string_view value, RecordedEvent& out) {
  std::string_view envelope;
  if (!split(value, envelope, out.hash) || envelope.size() % sizeof(capnp::word) != 0) return false;
  const size_t words = envelope.size() / sizeof(capnp::word);
  const capnp::word* data = reinterpret_cast<const capnp::word*>(envelope.data());
  if (reinterpret_cast<uintptr_t>(envelope.data()) % alignof(capnp::word) != 0) {
    aligned_.resize(words);
    std::memcpy(aligned_.data(), envelope.data(), envelope.size());
    data = reinterpret_cast<const capnp::word*>(aligned_.data());
  }
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = words + 64;
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(data, words), options);
    auto env = reader.getRoot<schema::Envelope>();
    out.position = env.getPosition();
    assign(out.stream, env.getStreamId());
    out.version = env.getStreamVersion();
    assign(out.type, env.getEventType());
    out.schema_version = env.getSchemaVersion();
    out.recorded_at_us = env.getRecordedAtUs();
    auto md = env.getMetadata();
    assign(out.metadata.operator_id, md.getOperatorId());
    assign(out.metadata.correlation_id, md.getCorrelationId());
    assign(out.metadata.causation_id, md.getCausationId());
    assign(out.metadata.command_id, md.getCommandId());
    auto payload = env.getPayload();
    out.payload.assign(reinterpret_cast<const char*>(payload.begin()), payload.size());
    return true;
  } catch (const kj::Exception&) {
    return false;  // a damaged record; the caller reports corruption with its position
  }
}

}  // namespace crm::eventstore::codec
