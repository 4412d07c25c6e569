// Proximity: words typed next to each other that a title also has next to
// each other ("mail slot", "hand plane") are likely one thing the buyer
// named, not two words met by chance. The bonus is computed from the title
// of each of the best-ranked listings, which are then ranked again: the
// snapshots keep no positions, and only the first pages need it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analyzers/text_analyzer.h"
#include "head_noun.h"
#include "query/ranking.h"
#include "query_builder.h"

namespace query {

// The pairs of adjacent typed words a search looks for in titles.
class ProximityPairs {
public:
    explicit ProximityPairs(const TextQuery& text);

    bool empty() const { return pairs_.empty(); }
    // The bonus of a title (analysed as listings are): `weight` for each
    // pair in the same order with nothing between, half of it for a pair
    // a few words apart either way.
    double bonus(const std::vector<analyzers::Word>& title, double weight) const;

private:
    struct Pair {
        std::string first, second;
    };
    std::vector<Pair> pairs_;
};

// What a re-ranked listing's title earns: the proximity bonus and the head
// noun's (head_noun.h), with the ranking's weights. The searcher re-ranks
// with it, and a diagnosis gives the rank the search shows with it.
class TitleBonus {
public:
    TitleBonus(const TextQuery& text, const RankingConfig& ranking);

    bool empty() const { return pairs_.empty() && head_.empty(); }
    // The bonus of a title (analysed as listings are).
    double of(const std::vector<analyzers::Word>& title) const {
        return pairs_.bonus(title, proximity_weight_) + head_.bonus(title, head_noun_weight_);
    }

private:
    ProximityPairs pairs_;
    HeadNoun head_;
    double proximity_weight_, head_noun_weight_;
};

// How many of the best-ranked listings a request re-ranks by their titles,
// proximity and head noun (0: none, when the config turns both off, the
// query has fewer than two words, or the request sorts by something else
// than relevance).
std::size_t proximity_window(const SearchRequest& request, const TextQuery& text, const RankingConfig& ranking);

}  // namespace query
