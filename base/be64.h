#pragma once
// Big-endian 64-bit numbers in keys: bytewise order is numeric order.

#include <cstdint>
#include <string>

namespace crm {

inline void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

inline std::string be64(uint64_t v) {
  std::string out;
  out.reserve(8);
  put_be64(out, v);
  return out;
}

/// Reads 8 bytes at p.
inline uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace crm
