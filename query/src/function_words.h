// Words that name no thing: what the head noun never is, and what earns
// a relaxed query little of its word bonus ("for" in "case for iphone").
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace query {

// Words after which a query says what the thing has or is for ("door with
// mail slot", "case for iphone", "bulbs in warm white").
constexpr std::array<std::string_view, 9> connecting_words{"with", "without", "for", "in", "on",
                                                           "from", "by",      "to",  "w"};
// Other words that name no kind of thing.
constexpr std::array<std::string_view, 5> filler_words{"and", "or", "the", "a", "x"};

inline bool is_connecting_word(std::string_view word) {
    return std::find(connecting_words.begin(), connecting_words.end(), word) != connecting_words.end();
}

inline bool is_function_word(std::string_view word) {
    return is_connecting_word(word) ||
           std::find(filler_words.begin(), filler_words.end(), word) != filler_words.end();
}

}  // namespace query
