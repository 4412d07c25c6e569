// What the search engine answers: a page of hits, facet counts, totals and
// how the query was understood. Plain values, shared by the engine and its
// callers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace query {

struct Hit {
    double score = 0;
    std::string stored_json;        // the listing's stored fields, a JSON object
    std::string highlighted_title;  // the title with matched words marked (HighlightOptions)
    // With HighlightOptions::all_fields: field name -> marked text.
    std::vector<std::pair<std::string, std::string>> highlighted_fields;
};

struct FacetValueCount {
    std::string value;
    std::uint64_t count = 0;
};

struct PriceSummary {
    std::uint64_t count = 0;
    double min = 0, max = 0, average = 0;
    struct Band {
        double from = 0, to = 0;  // to = 0 means no upper bound
        std::uint64_t count = 0;
    };
    std::vector<Band> histogram;
    // With FacetRequest::price_values: the prices listings have, with how
    // many at each, most first (then cheapest first), at most facet_limit.
    std::vector<std::pair<double, std::uint64_t>> values;
};

struct FacetCounts {
    std::vector<FacetValueCount> brand, category_1, category_2, category_3, condition, shipping, status;
    std::optional<PriceSummary> price;
    // With FacetRequest::created_at: count, min, max and values (epoch
    // seconds, most listings first), no histogram.
    std::optional<PriceSummary> created_at;
};

// How a result's page was ranked: by Xapian's matcher over every match; by
// the shard snapshots' scores of the candidates they chose (text
// relevance); by Xapian's matcher over those candidates, its final pass
// (when scores nearly tie on the page or a snapshot is behind its shard);
// or from the snapshots' columns (sorts and empty queries).
enum class RankedBy { matcher, snapshot_candidates, candidates_final_pass, columns };

// A typed word (or two) searched as something else, because as typed it
// is in no title: "northface" split into "north face", "iph" completed to
// "iphone", "air pods" joined into "airpods", "nikke" corrected to "nike".
struct WordReading {
    std::string typed;
    std::string as;
    std::string how;  // "completed", "corrected", "split" or "joined"
};

struct SearchResult {
    std::vector<Hit> hits;
    std::optional<FacetCounts> facets;
    std::uint64_t total = 0;   // matching listings (an estimate unless total_exact)
    bool total_exact = false;
    // All words together found too little, so listings matching only some
    // of them are shown too (those matching more rank higher).
    bool relaxed = false;
    // The query with words no listing contains corrected ("did you mean"),
    // or empty; `corrected`: the hits are for the suggestion ("showing
    // results for"), as the ranking config's spelling.auto_correct says.
    std::string suggestion;
    bool corrected = false;
    // The query as it was searched, when some words were read otherwise than
    // typed ("north face hoodie"); empty when every word was taken as typed.
    std::string interpreted;
    std::vector<WordReading> readings;
    bool cached = false;     // answered from the result cache
    RankedBy ranked_by = RankedBy::matcher;
    double took_ms = 0;
};

}  // namespace query
