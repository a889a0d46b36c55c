#pragma once
// Internal to eventstore: the stored form of an event record.
//   value = envelope (Cap'n Proto flat message, schema/envelope.capnp) || hash (32 bytes)
//   hash  = BLAKE2b-256(previous event's hash || envelope); the first event chains from zeros.

#include <string>
#include <string_view>
#include <vector>

#include "eventstore/types.h"

namespace crm::eventstore::codec {

inline constexpr size_t hash_size = 32;

/// Appends the envelope bytes of one event to `out`.
void encode_envelope(uint64_t position, std::string_view stream, uint64_t version,
                     const EventData& event, int64_t recorded_at_us, const Metadata& metadata,
                     std::string& out);

/// BLAKE2b-256 over prev || envelope.
Hash chain_hash(const Hash& prev, std::string_view envelope);

/// Reusable state for decoding many records without allocating per record.
class Decoder {
 public:
  /// Decodes a stored value into `out` (including its stored hash). False if it does not parse.
  bool decode(std::string_view value, RecordedEvent& out);

 private:
  std::vector<uint64_t> aligned_;  // Cap'n Proto reads words; RocksDB values may be unaligned
};

/// Splits a stored value into its envelope and hash parts; false if too short.
bool split(std::string_view value, std::string_view& envelope, Hash& hash);

}  // namespace crm::eventstore::codec
