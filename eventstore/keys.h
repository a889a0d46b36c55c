#pragma once
// Internal to eventstore: key encodings (see eventstore/README.md, "On-disk layout").
// Numbers are big-endian so RocksDB's bytewise order is numeric order; ids never contain '\0',
// so "<id>\0<number>" keys of one id are contiguous and never interleave with another id's.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/be64.h"

namespace crm::eventstore::keys {

using crm::get_be64;
using crm::put_be64;

inline std::string position(uint64_t pos) {
  return be64(pos);
}

/// "<id>\0<n as be64>"
inline std::string prefixed(std::string_view id, uint64_t n) {
  std::string k;
  k.reserve(id.size() + 9);
  k.append(id);
  k.push_back('\0');
  put_be64(k, n);
  return k;
}

/// The number at the end of a prefixed key.
inline uint64_t suffix(std::string_view key) {
  return get_be64(key.data() + key.size() - 8);
}

/// True if `key` is a prefixed key of `id`.
inline bool has_id(std::string_view key, std::string_view id) {
  return key.size() == id.size() + 9 && key.substr(0, id.size()) == id && key[id.size()] == '\0';
}

}  // namespace crm::eventstore::keys
