#include "head_noun.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace query {
namespace {

// Words after which the query says what the thing has or is for ("door
// with mail slot", "case for iphone", "bulbs in warm white"): the head
// noun is before the first of them.
constexpr std::array<std::string_view, 9> connecting_words{"with", "without", "for", "in", "on",
                                                           "from", "by",      "to",  "w"};
// Words that name no kind of thing.
constexpr std::array<std::string_view, 5> filler_words{"and", "or", "the", "a", "x"};

bool is_one_of(std::string_view word, auto const& words) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

bool has_digit(std::string_view word) {
    return std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A word that can name a kind of thing: no number or size ("5", "60inch",
// "2x4"), no single letter, no connecting or filler word.
bool may_be_head(const analyzers::Word& word) {
    const std::string_view surface = word.surface.empty() ? std::string_view(word.term) : word.surface;
    return surface.size() > 1 && !has_digit(surface) && !is_one_of(surface, connecting_words) &&
           !is_one_of(surface, filler_words);
}

}  // namespace

HeadNoun::HeadNoun(const TextQuery& text) {
    const auto& words = text.words;
    if (words.size() < 2) return;
    std::size_t end = words.size();
    for (std::size_t n = 1; n < words.size(); ++n) {  // "with ..." typed first names no head
        if (is_one_of(words[n].surface, connecting_words)) {
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
