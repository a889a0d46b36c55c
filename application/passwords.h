#pragma once
// Password hashes: Argon2id (libsodium's crypto_pwhash_str, interactive limits), self-describing
// strings "$argon2id$v=19$m=...". Never store or log a password itself. Also random ids.

#include <string>
#include <string_view>

namespace crm::application {

/// The Argon2id hash of `password`; empty if hashing failed (out of memory).
std::string hash_password(std::string_view password);
/// True if `password` matches `hash` (constant time in the password).
bool verify_password(std::string_view password, const std::string& hash);
/// A random password of `length` characters from an unambiguous alphabet.
std::string random_password(size_t length = 16);

/// A random identifier of lowercase letters and digits (no i, l, o, u), e.g. for new records and
/// correlation ids.
std::string random_id(size_t length = 16);

}  // namespace crm::application
