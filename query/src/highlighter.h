// Marks the words of a text that a query matched: "Nike <em>Air</em> Max".
//
// The text is split into words the way a reader sees them (ICU word
// breaking on the original text, with "t-shirt"-style compounds kept
// whole), and each word is run through the same TextAnalyzer as the index,
// so a highlight appears exactly where the match came from: "Sneakers"
// lights up for "sneaker", "２７ｃｍ" for "27cm".
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "analyzers/text_analyzer.h"

namespace query {

struct HighlightTags {
    std::string pre = "<em>";
    std::string post = "</em>";
    bool escape_html = true;  // escape the text (never the tags)
};

// Terms to mark, each with how many leading characters of a word to mark:
// 0 for the whole word, n for the part a buyer typed of a completed word
// ("<em>iph</em>one").
using HighlightTerms = std::unordered_map<std::string, std::size_t>;

// Not thread-safe: one per thread.
class Highlighter {
public:
    Highlighter();
    ~Highlighter();

    // `text` (HTML-escaped unless tags.escape_html is off) with every word
    // whose term is in `terms` wrapped in the tags.
    std::string highlight(std::string_view text, const HighlightTerms& terms, const HighlightTags& tags = {});
    // Every word with one of `terms`, whole.
    std::string highlight(std::string_view text, const std::unordered_set<std::string>& terms,
                          const HighlightTags& tags = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace query
