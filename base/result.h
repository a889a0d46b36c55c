#pragma once
// A minimal value-or-error type for expected failures (C++20 has no std::expected).
// Each module defines its own error type; business code returns result<T, module::error>.

#include <type_traits>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace crm {

template <class E>
struct unexpected {
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
  requires std::is_constructible_v<T, U&&> result(U&& value)
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  result(unexpected<G> failure) : state_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    CRM_ASSERT(has_value(), "result::value() on an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    CRM_ASSERT(has_value(), "result::value() on an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    CRM_ASSERT(has_value(), "result::value() on an error");
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    CRM_ASSERT(!has_value(), "result::error() on a value");
    return std::get<1>(state_);
  }
  E&& error() && {
    CRM_ASSERT(!has_value(), "result::error() on a value");
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, E> state_;
};

/// result<void, E>: success carries nothing.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  template <class G>
  result(unexpected<G> failure) : error_(std::move(failure.error)), failed_(true) {}

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  const E& error() const& {
    CRM_ASSERT(failed_, "result::error() on a value");
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace crm
