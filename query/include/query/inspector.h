// Why a listing scored what it did, or why it is not in the results: the
// relevance engineer's view of one query, built from the same analyzers,
// query builder, filters and ranking config as the search service.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "query/search_service.h"

namespace query {

struct ScorePart {
    std::string name;  // "title:nike x3", "freshness", "brand match", ...
    double score = 0;
};

struct Explanation {
    std::string listing_id;
    double score = 0;                // what the matcher gave the listing
    std::vector<ScorePart> parts;    // adds up to score, up to `unexplained`
    double unexplained = 0;          // e.g. a word typed twice (BM25's query-frequency factor)
};

// Where a listing stands for a query.
struct Diagnosis {
    bool found = false;               // the listing is in the index
    bool matches = false;             // it matches the words and every filter
    std::vector<std::string> reasons; // what excluded it, or where it ranks
    std::size_t rank = 0;             // 1-based, when it matches
    double score = 0;
};

// Not thread-safe: one per thread (a relevance tool runs one at a time).
class Inspector {
public:
    // Opens the serving generation of options.index_dir with the ranking
    // config options.ranking_config (defaults when empty).
    explicit Inspector(const ServiceOptions& options);
    ~Inspector();

    // The score of `listing_id` for `request` broken into its parts: each
    // term's BM25 contribution per field, each business signal.
    Explanation explain(const SearchRequest& request, const std::string& listing_id);
    // Which word or filter keeps `listing_id` out of the results, or its
    // rank and score if it is in them.
    Diagnosis diagnose(const SearchRequest& request, const std::string& listing_id);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace query
