#pragma once
// The domain's refusals. Each names the offending field(s) so the API can answer with a problem
// document listing them.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace crm::domain {

enum class errc {
  invalid_input = 1,       // one or more fields are missing, of the wrong type, unknown, ...
  not_found,               // the record does not exist
  already_exists,          // create of an existing record, or a login already taken
  transition_not_allowed,  // a status change the state machine forbids
  forbidden,               // the actor's role may not do this
};
std::string_view to_string(errc code) noexcept;

struct FieldError {
  std::string field;  // "name", "fields.segment", "addresses[0].city"
  std::string message;
  bool operator==(const FieldError&) const = default;
};

struct error {
  errc code{};
  std::string message;
  std::vector<FieldError> fields;
};

template <class T>
using result = crm::result<T, error>;

inline unexpected<error> refuse(errc code, std::string message,
                                std::vector<FieldError> fields = {}) {
  return unexpected(error{code, std::move(message), std::move(fields)});
}

}  // namespace crm::domain
