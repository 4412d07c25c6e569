// How a Meilisearch hit shows its fields: which attributes it carries
// (attributesToRetrieve), and `_formatted` with matches highlighted
// (attributesToHighlight) and long text cropped around them
// (attributesToCrop, cropLength, cropMarker), `_matchesPosition`, and the
// ranking score. No HTTP: the text work behind the Meilisearch API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/json_writer.h"
#include "analyzers/text_analyzer.h"
#include "query/search_result.h"

namespace server {

// The engine is asked to mark matches with these, which listing text
// never holds (control characters), so that one marked text serves
// highlighting, cropping and match positions.
inline constexpr std::string_view match_open = "\x01";
inline constexpr std::string_view match_close = "\x02";

// Every attribute of a listing as Meilisearch shows it, in order.
inline constexpr std::string_view listing_attributes[] = {"id",     "title",      "description", "brand",
                                                          "category", "price",    "condition", "shipping",
                                                          "status", "created_at", "seller_id", "image_url"};

struct HitFormat {
    // Attributes shown; empty: all (attributesToRetrieve absent or ["*"]).
    std::vector<std::string> retrieve;
    std::vector<std::string> highlight;                         // "*" for all
    std::vector<std::pair<std::string, std::size_t>> crop;      // attribute, words ("*" for all)
    std::size_t crop_length = 10;
    std::string crop_marker = "…";
    std::string pre_tag = "<em>", post_tag = "</em>";
    bool matches_position = false;
    bool ranking_score = false;
    bool ranking_score_details = false;

    bool formatted() const { return !highlight.empty() || !crop.empty(); }
};

// The text with its match marks taken out, and where the matches were
// (byte offsets in that text).
struct MarkedText {
    std::string plain;
    struct Match {
        std::size_t start = 0, length = 0;
    };
    std::vector<Match> matches;
};
MarkedText unmark(std::string_view marked);

// `marked` cut to about `words` words around its first matches, with
// `marker` where text was cut off; the marks stay.
std::string crop_marked(std::string_view marked, std::size_t words, std::string_view marker);

// The share of the query's words a hit matched, from its marked fields
// (Meilisearch's `words` ranking rule, the first of its ranking score):
// the different words marked, at most `query_words` (a corrected or split
// word counts once).
struct WordsMatched {
    std::size_t matched = 0, of = 0;
    double score() const { return of == 0 ? 1.0 : static_cast<double>(matched) / static_cast<double>(of); }
};
WordsMatched words_matched(const query::Hit& hit, std::size_t query_words, analyzers::TextAnalyzer& analyzer);

// Writes one hit as a JSON object.
void write_meili_hit(analyzers::JsonWriter& json, const query::Hit& hit, const HitFormat& format,
                     const std::optional<WordsMatched>& words);

}  // namespace server
