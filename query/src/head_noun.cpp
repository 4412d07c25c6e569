#include "head_noun.h"

#include <algorithm>
#include <string_view>

#include "function_words.h"

namespace query {
namespace {

bool has_digit(std::string_view word) {
    return std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A word that can name a kind of thing: no number or size ("5", "60inch",
// "2x4"), no single letter, no connecting or filler word.
bool may_be_head(const analyzers::Word& word) {
    const std::string_view surface = word.surface.empty() ? std::string_view(word.term) : word.surface;
    return surface.size() > 1 && !has_digit(surface) && !is_function_word(surface);
}

}  // namespace

HeadNoun::HeadNoun(const TextQuery& text) {
    const auto& words = text.words;
    if (words.size() < 2) return;
    std::size_t end = words.size();
    for (std::size_t n = 1; n < words.size(); ++n) {  // "with ..." typed first names no head
        if (is_connecting_word(words[n].surface)) {
            end = n;
            break;
        }
    }
    for (std::size_t n = end; n-- > 0;) {
        if (may_be_head(words[n])) {
            term_ = words[n].term;
            return;
        }
    }
}

double HeadNoun::bonus(const std::vector<analyzers::Word>& title, double weight) const {
    if (term_.empty() || weight <= 0) return 0;
    for (const auto& word : title) {
        if (word.term == term_) return weight;
        if (std::find(word.parts.begin(), word.parts.end(), term_) != word.parts.end()) return weight;
    }
    return 0;
}

}  // namespace query
