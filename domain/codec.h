#pragma once
// Domain events <-> bytes (Cap'n Proto, schema/domain_event.capnp). The event type travels in the
// event store's envelope, not in the payload.

#include <optional>
#include <string>
#include <string_view>

#include "domain/record.h"

namespace crm::domain::codec {

inline constexpr uint32_t kSchemaVersion = 1;

std::string encode(const DomainEvent& event);
/// nullopt if the bytes do not parse.
std::optional<DomainEvent> decode(std::string_view type, std::string_view payload);

/// A record's current state (for read models).
std::string encode(const Record& record);
std::optional<Record> decode_record(std::string_view bytes);

}  // namespace crm::domain::codec
