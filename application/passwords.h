#pragma once
// Password hashes: Argon2id (libsodium's crypto_pwhash_str, interactive limits), self-describing
// strings "$argon2id$v=19$m=...". Never store or log a password itself.

#include <string>
#include <string_view>

namespace crm::application {

/// The Argon2id hash of `password`; empty if hashing failed (out of memory).
std::string hash_password(std::string_view password);
/// True if `password` matches `hash` (constant time in the password).
bool verify_password(std::string_view password, const std::string& hash);
/// A random password of `length` characters from an unambiguous alphabet.
std::string random_password(size_t length = 16);

}  // namespace crm::application
