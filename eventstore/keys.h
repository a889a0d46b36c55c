#pragma once
// Internal to eventstore: key encodings (see eventstore/README.md, "On-disk layout").
// Numbers are big-endian so RocksDB's bytewise order is numeric order; ids never contain '\0',
// so "<id>\0<number>" keys of one id are contiguous and never interleave with another id's.

#include <cstdint>
#include <string>
#include <string_view>

namespace crm::eventstore::keys {

inline void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

inline std::string position(uint64_t pos) {
  std::string k;
  k.reserve(8);
  put_be64(k, pos);
  return k;
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
