#include "projections/text.h"

#include <unicode/coll.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

namespace crm::projections::text {
namespace {

// ICU objects are built once per thread: cheap to use, expensive to create.
icu::Collator& polish() {
  thread_local std::unique_ptr<icu::Collator> collator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Collator> c(
        icu::Collator::createInstance(icu::Locale("pl", "PL"), status));
    if (U_FAILURE(status) || !c) std::abort();  // ICU data missing: an installation bug
    return c;
  }();
  return *collator;
}

icu::Transliterator& folder() {
  thread_local std::unique_ptr<icu::Transliterator> t = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> tr(icu::Transliterator::createInstance(
        "Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !tr) std::abort();
    return tr;
  }();
  return *t;
}

}  // namespace

std::string sort_key(std::string_view utf8) {
  const auto s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::string key(64, '\0');
  int32_t n = polish().getSortKey(s, reinterpret_cast<uint8_t*>(key.data()),
                                  static_cast<int32_t>(key.size()));
  if (n > static_cast<int32_t>(key.size())) {
    key.resize(n);
    n = polish().getSortKey(s, reinterpret_cast<uint8_t*>(key.data()), n);
  }
  key.resize(n > 0 ? n - 1 : 0);  // drop the terminating 0 byte
  return key;
}

std::string fold(std::string_view utf8) {
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out(utf8);  // plain ASCII: lowercasing is all the transliteration would do
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  auto s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  folder().transliterate(s);
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::vector<std::string> words(std::string_view utf8) {
  const std::string folded = fold(utf8);
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
    word.clear();
  };
  for (char c : folded) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      word.push_back(c);
    else
      flush();
  }
  flush();
  return out;
}

}  // namespace crm::projections::text
