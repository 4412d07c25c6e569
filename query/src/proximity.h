// Proximity: words typed next to each other that a title also has next to
// each other ("mail slot", "hand plane") are likely one thing the buyer
// named, not two words met by chance. The bonus is computed from the title
// of each of the best-ranked listings, which are then ranked again: the
// snapshots keep no positions, and only the first pages need it.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "analyzers/text_analyzer.h"
#include "head_noun.h"
#include "query/ranking.h"
#include "query_builder.h"
#include "title_cooccurrence.h"

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

// The share of the pairs of words typed next to each other ("coffee
// maker") that a title has next to each other as typed: written the same,
// in the same order, nothing between. Proximity (above) also counts stems
// and near pairs; this one is the buyer's own phrase.
class TypedPairs {
public:
    explicit TypedPairs(const TextQuery& text);

    bool empty() const { return pairs_.empty(); }
    double share_in(const std::vector<analyzers::Word>& title) const;

private:
    std::vector<std::pair<std::string, std::string>> pairs_;  // as written
};

// How much of the typed words a title lacks it has in other words: for each
// typed word (a number aside) whose term the title does not have, the mean
// of its three strongest associations (title_cooccurrence.h) with the
// title's words, "exterior spot light" finding "outdoor flood light"
// partly there; summed over those words and divided by the typed words.
// Counted once for the titles a request re-ranks.
class RelatedWords {
public:
    RelatedWords(const TextQuery& text, const TitleCooccurrence* cooccurrence,
                 const std::vector<std::vector<analyzers::Word>>& titles);

    bool empty() const { return !any_; }
    // The share of the n-th title given.
    double share(std::size_t title) const { return title < shares_.size() ? shares_[title] : 0; }

private:
    std::vector<double> shares_;
    bool any_ = false;  // some typed word a title lacks goes with some title's words
};

// What a re-ranked listing's title earns: the proximity bonus and the head
// noun's (head_noun.h) added, then the score multiplied by 1 +
// exact.weight x the share of the typed words it has, by 1 +
// exact.pair_weight x the share of typed pairs it has as typed, and by 1 +
// related.weight x the typed words it has in other words. Made for the
// titles of the listings re-ranked (the best of a page, analysed; kept by
// the caller), which it names by their place among them. The searcher
// re-ranks with it, and a diagnosis gives the rank the search shows with it.
class TitleBonus {
public:
    TitleBonus(const TextQuery& text, const RankingConfig& ranking, const TitleCooccurrence* cooccurrence,
               const std::vector<std::vector<analyzers::Word>>& titles);

    bool empty() const {
        return pairs_.empty() && head_.empty() && (typed_.empty() || exact_weight_ <= 0) &&
               (typed_pairs_.empty() || pair_weight_ <= 0) && (related_.empty() || related_weight_ <= 0);
    }
    // The bonuses of the n-th title, added.
    double added(std::size_t title) const {
        return pairs_.bonus(titles_[title], proximity_weight_) + head_.bonus(titles_[title], head_noun_weight_);
    }
    // The factors the n-th title multiplies its score by, in the order explain shows them.
    struct Factors {
        double typed = 1, typed_pairs = 1, related = 1;
        double product() const { return typed * typed_pairs * related; }
    };
    Factors factors(std::size_t title) const;
    double factor(std::size_t title) const { return factors(title).product(); }
    // A listing's score with the n-th title's bonuses.
    double rescored(double score, std::size_t title) const { return rescored(score, added(title), factor(title)); }
    static double rescored(double score, double added, double factor) { return (score + added) * factor; }

private:
    const std::vector<std::vector<analyzers::Word>>& titles_;
    ProximityPairs pairs_;
    HeadNoun head_;
    TypedWords typed_;
    TypedPairs typed_pairs_;
    RelatedWords related_;
    double proximity_weight_, head_noun_weight_, exact_weight_, pair_weight_, related_weight_;
};

// How many of the best-ranked listings a request re-ranks by their titles,
// proximity and head noun (0: none, when the config turns both off, the
// query has fewer than two words, or the request sorts by something else
// than relevance).
std::size_t proximity_window(const SearchRequest& request, const TextQuery& text, const RankingConfig& ranking);

}  // namespace query
