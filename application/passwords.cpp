#include "application/passwords.h"

#include <sodium.h>

namespace crm::application {
namespace {

bool ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (!ready()) return {};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return {};
  return out;
}

bool verify_password(std::string_view password, const std::string& hash) {
  return ready() && !hash.empty() &&
         crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_password(size_t length) {
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  if (!ready()) return out;
  for (size_t i = 0; i < length; ++i)
    out.push_back(kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)]);
  return out;
}

std::string random_id(size_t length) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  static_assert(sizeof kAlphabet - 1 == 32, "a byte's low five bits pick a letter, unbiased");
  std::string out(length, '\0');
  if (!ready()) return {};
  randombytes_buf(out.data(), length);  // one call, not one per letter
  for (char& c : out) c = kAlphabet[static_cast<unsigned char>(c) & 31];
  return out;
}

}  // namespace crm::application
