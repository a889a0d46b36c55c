#include "projections/text.h"

#include <unicode/coll.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

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

namespace {

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::string fold(std::string_view utf8) {
  if (ascii(utf8)) {
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
  std::vector<std::string> out;
  // Letters and digits are words of their own ("nowak12" is "nowak" and "12", "K10441" is "k"
  // and "10441"): a surname in an e-mail is the surname's word.
  auto add = [&](std::string_view folded) {
    size_t start = 0;
    for (size_t i = 0; i <= folded.size(); ++i) {
      const bool letter = i < folded.size() && folded[i] >= 'a' && folded[i] <= 'z';
      const bool digit = i < folded.size() && folded[i] >= '0' && folded[i] <= '9';
      const bool same =
          i > start && (letter ? folded[i - 1] >= 'a' && folded[i - 1] <= 'z'
                               : digit && folded[i - 1] >= '0' && folded[i - 1] <= '9');
      if ((letter || digit) && (i == start || same)) continue;
      const std::string_view word = folded.substr(start, i - start);
      if (!word.empty() && std::find(out.begin(), out.end(), word) == out.end())
        out.emplace_back(word);
      start = letter || digit ? i : i + 1;
    }
  };
  // The text is folded piece by piece between ASCII separators: ASCII pieces need only
  // lowercasing, the others go through ICU once per thread and distinct piece (names repeat).
  thread_local std::unordered_map<std::string, std::string> folded_pieces;
  size_t start = 0;
  for (size_t i = 0; i <= utf8.size(); ++i) {
    const unsigned char c = i < utf8.size() ? static_cast<unsigned char>(utf8[i]) : ' ';
    if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) continue;
    const std::string_view piece = utf8.substr(start, i - start);
    start = i + 1;
    if (piece.empty()) continue;
    if (ascii(piece)) {
      add(fold(piece));
      continue;
    }
    auto it = folded_pieces.find(std::string(piece));
    if (it == folded_pieces.end()) {
      if (folded_pieces.size() >= 65536) folded_pieces.clear();
      it = folded_pieces.emplace(std::string(piece), fold(piece)).first;
    }
    add(it->second);
  }
  return out;
}

}  // namespace crm::projections::text
