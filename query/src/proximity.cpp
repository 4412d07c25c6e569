#include "proximity.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <unordered_map>

namespace query {
namespace {

// Words this many apart or fewer (either way) count as near.
constexpr long near_distance = 3;

struct Token {
    std::string_view term;
    long slot;
};

// The title's terms in order, a compound's parts one slot each ("5-gallon
// bucket": 5, gallon, bucket), the whole compound at its first part's slot.
std::vector<Token> tokens_of(const std::vector<analyzers::Word>& title) {
    std::vector<Token> tokens;
    long slot = 0;
    for (const auto& word : title) {
        tokens.push_back({word.term, slot});
        if (word.parts.empty()) {
            ++slot;
            continue;
        }
        for (const auto& part : word.parts) tokens.push_back({part, slot++});
    }
    return tokens;
}

// 1 for `second` right after `first`, 0.5 for the two near, else 0.
double closeness(const std::vector<Token>& tokens, std::string_view first, std::string_view second) {
    double best = 0;
    for (const auto& a : tokens) {
        if (a.term != first) continue;
        for (const auto& b : tokens) {
            if (b.term != second) continue;
            const long distance = b.slot - a.slot;
            if (distance == 1) return 1;
            if (distance != 0 && std::labs(distance) <= near_distance) best = 0.5;
        }
    }
    return best;
}

// A word as written, normalised and unstemmed, an English plural's "s"
// aside: "controller" is not "control" here, "valves" is "valve".
std::string as_written(const analyzers::Word& word) {
    std::string written = word.surface.empty() ? word.term : word.surface;
    const bool plural = written.size() > 3 && written.back() == 's' && written[written.size() - 2] != 's';
    if (plural) written.pop_back();
    return written;
}

// A title's distinct terms (views into it), a compound's parts too: the
// words a typed word may be associated with (numbers go with nothing in
// TitleCooccurrence).
std::vector<std::string_view> word_terms_of(const std::vector<analyzers::Word>& title) {
    std::vector<std::string_view> terms;
    const auto add = [&](std::string_view term) {
        if (term.empty() || std::find(terms.begin(), terms.end(), term) != terms.end()) return;
        terms.push_back(term);
    };
    for (const auto& word : title) {
        add(word.term);
        for (const auto& part : word.parts) add(part);
    }
    return terms;
}

bool has_term(const std::vector<analyzers::Word>& title, const std::string& term) {
    return std::any_of(title.begin(), title.end(), [&](const analyzers::Word& word) {
        return word.term == term || std::find(word.parts.begin(), word.parts.end(), term) != word.parts.end();
    });
}

// How many of a typed word's strongest associations with a title count.
constexpr std::size_t associations_counted = 3;

}  // namespace

ProximityPairs::ProximityPairs(const TextQuery& text) {
    const auto& words = text.words;
    for (std::size_t n = 0; n + 1 < words.size(); ++n) {
        if (words[n].term.empty() || words[n + 1].term.empty() || words[n].term == words[n + 1].term) continue;
        pairs_.push_back({words[n].term, words[n + 1].term});
    }
}

double ProximityPairs::bonus(const std::vector<analyzers::Word>& title, double weight) const {
    if (pairs_.empty() || weight <= 0) return 0;
    const auto tokens = tokens_of(title);
    double sum = 0;
    for (const auto& pair : pairs_) sum += closeness(tokens, pair.first, pair.second);
    return weight * sum;
}

TypedWords::TypedWords(const TextQuery& text) {
    for (const auto& word : text.words) {
        const std::string written = as_written(word);
        if (written.empty() || std::find(words_.begin(), words_.end(), written) != words_.end()) continue;
        words_.push_back(written);
    }
}

double TypedWords::share_in(const std::vector<analyzers::Word>& title) const {
    if (words_.empty()) return 0;
    std::vector<std::string> in_title;
    for (const auto& word : title) {
        in_title.push_back(as_written(word));
        in_title.insert(in_title.end(), word.parts.begin(), word.parts.end());
    }
    const auto found = [&](const std::string& word) {
        return std::find(in_title.begin(), in_title.end(), word) != in_title.end();
    };
    return static_cast<double>(std::count_if(words_.begin(), words_.end(), found)) / words_.size();
}

TypedPairs::TypedPairs(const TextQuery& text) {
    const auto& words = text.words;
    for (std::size_t n = 0; n + 1 < words.size(); ++n) {
        std::string first = as_written(words[n]), second = as_written(words[n + 1]);
        if (first.empty() || second.empty() || first == second) continue;
        pairs_.emplace_back(std::move(first), std::move(second));
    }
}

double TypedPairs::share_in(const std::vector<analyzers::Word>& title) const {
    if (pairs_.empty()) return 0;
    std::vector<std::string> written;
    for (const auto& word : title) written.push_back(as_written(word));
    const auto adjacent = [&](const std::pair<std::string, std::string>& pair) {
        for (std::size_t n = 0; n + 1 < written.size(); ++n) {
            if (written[n] == pair.first && written[n + 1] == pair.second) return true;
        }
        return false;
    };
    return static_cast<double>(std::count_if(pairs_.begin(), pairs_.end(), adjacent)) / pairs_.size();
}

RelatedWords::RelatedWords(const TextQuery& text, const TitleCooccurrence* cooccurrence,
                           const std::vector<std::vector<analyzers::Word>>& titles)
    : shares_(titles.size(), 0) {
    std::vector<std::string> typed;
    for (const auto& word : text.words) {
        if (!word.term.empty() && std::find(typed.begin(), typed.end(), word.term) == typed.end()) {
            typed.push_back(word.term);
        }
    }
    if (cooccurrence == nullptr || typed.size() < 2) return;
    // The typed words some title lacks, and which titles: on most pages
    // every title has every word, and nothing is counted.
    std::vector<std::pair<std::string_view, std::vector<bool>>> lacked;
    for (const auto& term : typed) {
        std::vector<bool> lacking(titles.size());
        for (std::size_t title = 0; title < titles.size(); ++title) lacking[title] = !has_term(titles[title], term);
        if (std::find(lacking.begin(), lacking.end(), true) != lacking.end()) lacked.emplace_back(term, lacking);
    }
    if (lacked.empty()) return;
    // The titles' distinct words, and each title's as places among them.
    std::unordered_map<std::string_view, std::size_t> place_of;
    std::vector<std::string_view> title_words;
    std::vector<std::vector<std::size_t>> words_of(titles.size());
    for (std::size_t title = 0; title < titles.size(); ++title) {
        for (const std::string_view term : word_terms_of(titles[title])) {
            const auto [found, added] = place_of.try_emplace(term, title_words.size());
            if (added) title_words.push_back(term);
            words_of[title].push_back(found->second);
        }
    }
    for (const auto& [term, lacking] : lacked) {
        const auto strength = cooccurrence->associations(term, title_words);
        for (std::size_t title = 0; title < titles.size(); ++title) {
            if (!lacking[title]) continue;
            std::vector<double> strengths;
            for (const std::size_t word : words_of[title]) strengths.push_back(strength[word]);
            const std::size_t counted = std::min(associations_counted, strengths.size());
            std::partial_sort(strengths.begin(), strengths.begin() + static_cast<std::ptrdiff_t>(counted),
                              strengths.end(), std::greater<>());
            for (std::size_t n = 0; n < counted; ++n) shares_[title] += strengths[n] / associations_counted;
        }
    }
    for (double& share : shares_) {
        share /= static_cast<double>(typed.size());
        any_ = any_ || share > 0;
    }
}

TitleBonus::TitleBonus(const TextQuery& text, const RankingConfig& ranking, const TitleCooccurrence* cooccurrence,
                       const std::vector<std::vector<analyzers::Word>>& titles)
    : titles_(titles),
      pairs_(text),
      head_(text),
      typed_(text),
      typed_pairs_(text),
      related_(text, ranking.related_weight > 0 ? cooccurrence : nullptr, titles),
      proximity_weight_(ranking.proximity_weight),
      head_noun_weight_(ranking.head_noun_weight),
      exact_weight_(ranking.exact_weight),
      pair_weight_(ranking.exact_pair_weight),
      related_weight_(ranking.related_weight) {}

TitleBonus::Factors TitleBonus::factors(std::size_t title) const {
    Factors factors;
    if (exact_weight_ > 0) factors.typed = 1 + exact_weight_ * typed_.share_in(titles_[title]);
    if (pair_weight_ > 0) factors.typed_pairs = 1 + pair_weight_ * typed_pairs_.share_in(titles_[title]);
    if (related_weight_ > 0) factors.related = 1 + related_weight_ * related_.share(title);
    return factors;
}

std::size_t proximity_window(const SearchRequest& request, const TextQuery& text, const RankingConfig& ranking) {
    const bool title_signals = ranking.proximity_weight > 0 || ranking.head_noun_weight > 0 ||
                               ranking.exact_weight > 0 || ranking.exact_pair_weight > 0 || ranking.related_weight > 0;
    if (!title_signals || text.words.size() < 2 || request.sort != SortOrder::relevance) return 0;
    return static_cast<std::size_t>(std::max(0.0, ranking.proximity_window));
}

}  // namespace query
