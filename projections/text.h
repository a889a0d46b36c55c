#pragma once
// Text for lists: Polish alphabetical order (ICU's collator) and search that ignores case and
// diacritics ("lodz" finds "Łódź"; ICU's Latin-ASCII transliteration folds ł to l).

#include <string>
#include <string_view>
#include <vector>

namespace crm::projections::text {

/// Bytes that sort in Polish alphabetical order under bytewise comparison. Never contain '\0'.
std::string sort_key(std::string_view utf8);
/// Lowercase ASCII without diacritics.
std::string fold(std::string_view utf8);
/// The folded words of a text (letters and digits), each once, in order of appearance.
std::vector<std::string> words(std::string_view utf8);

}  // namespace crm::projections::text
