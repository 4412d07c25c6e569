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

// The share of the typed words (each counted once) that a title has as
// typed: written the same (a plural's "s" aside), not a stem, typo,
// completion, synonym, split or join of it.
class TypedWords {
public:
    explicit TypedWords(const TextQuery& text);

    bool empty() const { return words_.empty(); }
    double share_in(const std::vector<analyzers::Word>& title) const;

private:
    std::vector<std::string> words_;  // as written
};

// What a re-ranked listing's title earns: the proximity bonus and the head
// noun's (head_noun.h) added, then the score multiplied by 1 +
// exact.weight x the share of the typed words the title has. The searcher
// re-ranks with it, and a diagnosis gives the rank the search shows with it.
class TitleBonus {
public:
    TitleBonus(const TextQuery& text, const RankingConfig& ranking);

    bool empty() const { return pairs_.empty() && head_.empty() && (typed_.empty() || exact_weight_ <= 0); }
    // The bonuses of a title (analysed as listings are), added.
    double added(const std::vector<analyzers::Word>& title) const {
        return pairs_.bonus(title, proximity_weight_) + head_.bonus(title, head_noun_weight_);
    }
    // What the typed words the title has multiply its score by.
    double factor(const std::vector<analyzers::Word>& title) const {
        return 1 + exact_weight_ * typed_.share_in(title);
    }
    // A listing's score with its title's bonuses.
    double rescored(double score, const std::vector<analyzers::Word>& title) const {
        return rescored(score, added(title), factor(title));
    }
    static double rescored(double score, double added, double factor) { return (score + added) * factor; }

private:
    ProximityPairs pairs_;
    HeadNoun head_;
    TypedWords typed_;
    double proximity_weight_, head_noun_weight_, exact_weight_;
};

// How many of the best-ranked listings a request re-ranks by their titles,
// proximity and head noun (0: none, when the config turns both off, the
// query has fewer than two words, or the request sorts by something else
// than relevance).
std::size_t proximity_window(const SearchRequest& request, const TextQuery& text, const RankingConfig& ranking);

}  // namespace query
