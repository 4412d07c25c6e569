#include "proximity.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

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

TitleBonus::TitleBonus(const TextQuery& text, const RankingConfig& ranking)
    : pairs_(text),
      head_(text),
      typed_(text),
      proximity_weight_(ranking.proximity_weight),
      head_noun_weight_(ranking.head_noun_weight),
      exact_weight_(ranking.exact_weight) {}

std::size_t proximity_window(const SearchRequest& request, const TextQuery& text, const RankingConfig& ranking) {
    const bool title_signals =
        ranking.proximity_weight > 0 || ranking.head_noun_weight > 0 || ranking.exact_weight > 0;
    if (!title_signals || text.words.size() < 2 || request.sort != SortOrder::relevance) return 0;
    return static_cast<std::size_t>(std::max(0.0, ranking.proximity_window));
}

}  // namespace query
