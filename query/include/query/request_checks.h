// What every API in front of the engine checks before it searches, so that
// each route refuses the same things: requests bigger than any buyer's
// (each filter condition is another pass over a value slot or a posting
// list: 3,000 OR'ed price ranges took 6.5 s), and text the engine would
// misread (invalid UTF-8 became U+FFFD, which matched every listing; an
// empty category level silently widened the filter to its parent).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace query {

inline constexpr std::size_t max_query_bytes = 1024;
// Words of a query searched; the rest are left out (the result's
// `interpreted` then shows the words searched). Each word is matched and
// weighed over all its listings: 250 different words took ~100 ms.
// Meilisearch searches ten.
inline constexpr std::size_t max_query_words = 32;
// Values one filter may choose among: a repeated v1 parameter, an IN list.
inline constexpr std::size_t max_filter_values = 50;
// Conditions (comparisons, ranges, IN lists) in one filter expression.
inline constexpr std::size_t max_filter_conditions = 100;
// Highlight tags are written around every matched word of every hit.
inline constexpr std::size_t max_highlight_tag_bytes = 128;
inline constexpr std::size_t max_category_levels = 3;

bool is_valid_utf8(std::string_view text);

// Why `category` is not a category path (one to three non-empty levels
// joined by '/': "Women/Tops & Blouses"), or nothing.
std::optional<std::string> category_path_problem(std::string_view category);

}  // namespace query
