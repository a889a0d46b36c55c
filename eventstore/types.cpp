#include "eventstore/types.h"

namespace crm::eventstore {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::version_conflict:
      return "version_conflict";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::io_error:
      return "io_error";
    case errc::corruption:
      return "corruption";
    case errc::read_only:
      return "read_only";
    case errc::closed:
      return "closed";
  }
  return "unknown";
}

bool ExpectedVersion::matches(uint64_t current) const noexcept {
  switch (k) {
    case kind::any:
      return true;
    case kind::no_stream:
      return current == 0;
    case kind::stream_exists:
      return current > 0;
    case kind::exact:
      return current == version;
  }
  return false;
}

std::string to_string(ExpectedVersion expected) {
  switch (expected.k) {
    case ExpectedVersion::kind::any:
      return "any";
    case ExpectedVersion::kind::no_stream:
      return "no stream";
    case ExpectedVersion::kind::stream_exists:
      return "stream exists";
    case ExpectedVersion::kind::exact:
      return std::to_string(expected.version);
  }
  return "?";
}

std::string_view category_of(std::string_view stream) noexcept {
  return stream.substr(0, stream.find('-'));
}

std::string_view RecordedEvent::category() const noexcept {
  return category_of(stream);
}

bool StreamFilter::matches(const RecordedEvent& e) const noexcept {
  switch (k) {
    case kind::all:
      return true;
    case kind::category:
      return e.category() == name;
    case kind::stream:
      return e.stream == name;
  }
  return false;
}

}  // namespace crm::eventstore
