#include "context_completions.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "analyzers/document_layout.h"
#include "ranking_signals.h"

namespace query {
namespace {

// Completions added at most: ten more terms cost little, and the listing
// sought is rarely behind a less common word of its peers' titles.
constexpr std::size_t max_context_completions = 10;

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

// The word being typed, when it was completed: its normalised surface.
std::optional<std::string> completed_word(const TextQuery& text) {
    if (text.words.empty()) return std::nullopt;
    const std::string& last = text.words.back().surface;
    const bool completed = std::any_of(text.expansions.begin(), text.expansions.end(), [&](const Expansion& e) {
        return e.kind == Expansion::Kind::completion && e.typed == last;
    });
    if (!completed) return std::nullopt;
    return last;
}

// The terms already searched for the word: itself and its completions.
std::unordered_set<std::string> searched_for(const TextQuery& text, const std::string& typed) {
    std::unordered_set<std::string> searched{text.words.back().term};
    for (const Expansion& expansion : text.expansions) {
        if (expansion.kind == Expansion::Kind::completion && expansion.typed == typed) {
            searched.insert(expansion.terms.begin(), expansion.terms.end());
        }
    }
    return searched;
}

// Every clause but the last (the word being typed, or the pair it joins).
std::optional<Xapian::Query> other_words(const TextQuery& text) {
    if (text.clauses.size() < 2) return std::nullopt;
    std::vector<Xapian::Query> others;
    for (std::size_t n = 0; n + 1 < text.clauses.size(); ++n) others.push_back(text.clauses[n].to_xapian());
    return Xapian::Query(Xapian::Query::OP_AND, others.begin(), others.end());
}

// How many of the listings' titles have each term starting with `typed`.
std::unordered_map<std::string, std::size_t> title_terms_starting(const Xapian::Database& database,
                                                                 const Xapian::MSet& listings,
                                                                 const std::string& typed) {
    const std::string title(analyzers::word_fields[0].prefix);
    const std::string wanted = title + typed;
    std::unordered_map<std::string, std::size_t> seen;
    for (auto listing = listings.begin(); listing != listings.end(); ++listing) {
        auto term = database.termlist_begin(*listing);
        for (term.skip_to(wanted); term != database.termlist_end(*listing) && starts_with(*term, wanted); ++term) {
            ++seen[(*term).substr(title.size())];
        }
    }
    return seen;
}

// The terms seen, the most often seen first, up to max_context_completions
// new ones: the terms already searched stay in the list, to say which
// completion the context prefers, but only new ones count against the limit.
std::vector<std::string> most_seen_first(const std::unordered_map<std::string, std::size_t>& seen,
                                         const std::unordered_set<std::string>& searched) {
    std::vector<std::pair<std::string, std::size_t>> by_count(seen.begin(), seen.end());
    std::sort(by_count.begin(), by_count.end(),
              [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    std::vector<std::string> terms;
    std::size_t added = 0;
    for (auto& [term, count] : by_count) {
        if (added == max_context_completions) break;
        if (searched.count(term) == 0) ++added;
        terms.push_back(std::move(term));
    }
    return terms;
}

}  // namespace

std::vector<std::string> completions_in_context(const TextQuery& text, const Xapian::Database& database,
                                                const RankingConfig& ranking) {
    const auto typed = completed_word(text);
    const auto context = other_words(text);
    const auto listings_read = static_cast<Xapian::doccount>(ranking.text.typing.context_listings);
    if (!typed || !context || listings_read == 0) return {};
    // The best listings by the ranking's BM25: those whose titles have the
    // other words, before those whose descriptions do.
    Xapian::Enquire enquire(database);
    enquire.set_weighting_scheme(bm25_of(ranking));
    enquire.set_query(*context);
    const Xapian::MSet listings = enquire.get_mset(0, listings_read);
    return most_seen_first(title_terms_starting(database, listings, *typed), searched_for(text, *typed));
}

}  // namespace query
