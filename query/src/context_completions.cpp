#include "context_completions.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "analyzers/document_layout.h"
#include "ranking_signals.h"
#include "snapshot_scoring.h"

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
std::optional<QueryTree> other_words(const TextQuery& text) {
    if (text.clauses.size() < 2) return std::nullopt;
    std::vector<QueryTree> others(text.clauses.begin(), text.clauses.end() - 1);
    return QueryTree::combine(QueryTree::Op::all_of, std::move(others));
}

// A listing whose title terms are read, in a database of its own (and the
// snapshot that keeps its title terms, when it was ranked on one).
struct ListingIn {
    const Xapian::Database* database;
    Xapian::docid docid;
    const ShardSnapshot* snapshot = nullptr;
};

// The best `count` listings matching `context` by `ranking`'s BM25, through
// Xapian's matcher over the combined database.
std::vector<ListingIn> best_by_matcher(const QueryTree& context, const PlanSources& sources,
                                       const RankingConfig& ranking, Xapian::doccount count) {
    const Xapian::Database& database = sources.database;
    Xapian::Enquire enquire(database);
    enquire.set_weighting_scheme(bm25_of(ranking));
    const Xapian::Query matching = context.to_xapian();
    enquire.set_query(sources.replaced ? sources.replaced->left_out_of(matching) : matching);
    const Xapian::MSet listings = enquire.get_mset(0, count);
    std::vector<ListingIn> best;
    for (auto listing = listings.begin(); listing != listings.end(); ++listing) best.push_back({&database, *listing});
    return best;
}

// The same listings ranked on the snapshots; nullopt when a snapshot is
// behind its shard (it would miss the newest listings), the tree cannot be
// weighed there, or the scores at the border of the `count` best nearly tie
// without being equal (rounding could then pick another listing; equal
// scores are ordered by docid in both).
std::optional<std::vector<ListingIn>> best_on_snapshots(const QueryTree& context, const Xapian::Database& combined,
                                                        const std::vector<ShardView>& shards,
                                                        const RankingConfig& ranking, std::size_t count,
                                                        bool side_by_side) {
    if (shards.empty()) return std::nullopt;
    for (const ShardView& shard : shards) {
        if (!shard.snapshot->is_current_for(shard.database)) return std::nullopt;
    }
    const Xapian::Query matching = context.to_xapian();
    const FilteredQueries queries{.with_term_filters = [&](const Filters&) { return matching; },
                                  .with_all_filters = [&](const Filters&) { return matching; }};
    const auto candidates = snapshot_candidates(shards, combined, context, bm25_parameters(ranking),
                                                Filters{.status = StatusFilter::any}, queries, count,
                                                ScoringBound::top_k, side_by_side);
    if (!candidates) return std::nullopt;
    const auto& ranked = candidates->ranked;
    if (ranked.size() > count) {
        const double last_in = ranked[count - 1].score, first_out = ranked[count].score;
        if (last_in != first_out && nearly_tied(last_in, first_out)) return std::nullopt;
    }
    std::vector<ListingIn> best;
    for (std::size_t rank = 0; rank < std::min(count, ranked.size()); ++rank) {
        const ShardView& shard = shards[ranked[rank].shard];
        best.push_back({&shard.database, ranked[rank].docid, shard.snapshot.get()});
    }
    return best;
}

// Adds the listing's title terms that start with `typed` to `seen`, each
// once, read from its termlist (or kept by its snapshot: 100 termlists
// read through Xapian, a B-tree descent and a copied block each, were a
// tenth of the time of "lot 2").
void count_indexed_title_terms(const ListingIn& listing, const std::string& typed,
                               std::unordered_map<std::string, std::size_t>& seen) {
    if (listing.snapshot != nullptr) {
        for (const std::string& term : listing.snapshot->title_terms(listing.docid, *listing.database)->terms) {
            if (starts_with(term, typed)) ++seen[term];
        }
        return;
    }
    const std::string title(analyzers::word_fields[0].prefix);
    const std::string wanted = title + typed;
    const Xapian::Database& database = *listing.database;
    auto term = database.termlist_begin(listing.docid);
    for (term.skip_to(wanted); term != database.termlist_end(listing.docid) && starts_with(*term, wanted); ++term) {
        ++seen[(*term).substr(title.size())];
    }
}

// The same for a listing of a frozen shard, which has no termlists: its
// stored title analysed as the indexer analysed it.
void count_analysed_title_terms(const ListingIn& listing, const std::string& typed, analyzers::TextAnalyzer& analyzer,
                                std::unordered_map<std::string, std::size_t>& seen) {
    const std::string stored = listing.database->get_document(listing.docid).get_value(analyzers::slot::stored_fields);
    std::vector<std::string> terms = analyzers::title_terms(analyzers::stored_title(stored), analyzer);
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    for (const std::string& term : terms) {
        if (starts_with(term, typed)) ++seen[term];
    }
}

// How many of the listings' titles have each term starting with `typed`.
std::unordered_map<std::string, std::size_t> title_terms_starting(const std::vector<ListingIn>& listings,
                                                                 const std::string& typed,
                                                                 analyzers::TextAnalyzer& analyzer) {
    std::unordered_map<std::string, std::size_t> seen;
    std::unordered_map<const Xapian::Database*, bool> has_termlists;
    for (const ListingIn& listing : listings) {
        auto [known, first_time] = has_termlists.try_emplace(listing.database, false);
        if (first_time) known->second = analyzers::has_termlists(*listing.database);
        if (known->second) count_indexed_title_terms(listing, typed, seen);
        else count_analysed_title_terms(listing, typed, analyzer, seen);
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

std::vector<std::string> completions_in_context(const TextQuery& text, const PlanSources& sources,
                                                const RankingConfig& ranking, analyzers::TextAnalyzer& analyzer) {
    const auto typed = completed_word(text);
    const auto context = other_words(text);
    const auto listings_read = static_cast<std::size_t>(ranking.text.typing.context_listings);
    if (!typed || !context || listings_read == 0) return {};
    // The best listings by the ranking's BM25: those whose titles have the
    // other words, before those whose descriptions do.
    auto listings =
        best_on_snapshots(*context, sources.database, sources.shards, ranking, listings_read, sources.parallel_shards);
    if (!listings) listings = best_by_matcher(*context, sources, ranking, static_cast<Xapian::doccount>(listings_read));
    return most_seen_first(title_terms_starting(*listings, *typed, analyzer), searched_for(text, *typed));
}

}  // namespace query
