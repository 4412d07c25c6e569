#include "context_completions.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "analyzers/document_layout.h"
#include "ranking_signals.h"
#include "snapshot_scoring.h"
#include "term_cache.h"

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

// How many of some listings' titles have each title term, in term order.
using TitleTermCounts = std::vector<std::pair<std::string, std::size_t>>;

// Adds the listing's title terms to `seen`, each once, read from its
// termlist (or kept by its snapshot).
void count_indexed_title_terms(const ListingIn& listing, std::map<std::string, std::size_t>& seen) {
    if (listing.snapshot != nullptr) {
        for (const std::string& term : listing.snapshot->title_terms(listing.docid, *listing.database)->terms) {
            ++seen[term];
        }
        return;
    }
    const std::string title(analyzers::word_fields[0].prefix);
    const Xapian::Database& database = *listing.database;
    auto term = database.termlist_begin(listing.docid);
    for (term.skip_to(title); term != database.termlist_end(listing.docid) && starts_with(*term, title); ++term) {
        ++seen[(*term).substr(title.size())];
    }
}

// The same for a listing of a frozen shard, which has no termlists: its
// stored title analysed as the indexer analysed it.
void count_analysed_title_terms(const ListingIn& listing, analyzers::TextAnalyzer& analyzer,
                                std::map<std::string, std::size_t>& seen) {
    const std::string stored = listing.database->get_document(listing.docid).get_value(analyzers::slot::stored_fields);
    std::vector<std::string> terms = analyzers::title_terms(analyzers::stored_title(stored), analyzer);
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    for (const std::string& term : terms) ++seen[term];
}

// Every title term of the listings, with how many of their titles have it.
TitleTermCounts title_term_counts(const std::vector<ListingIn>& listings, analyzers::TextAnalyzer& analyzer) {
    std::map<std::string, std::size_t> seen;
    std::unordered_map<const Xapian::Database*, bool> has_termlists;
    for (const ListingIn& listing : listings) {
        auto [known, first_time] = has_termlists.try_emplace(listing.database, false);
        if (first_time) known->second = analyzers::has_termlists(*listing.database);
        if (known->second) count_indexed_title_terms(listing, seen);
        else count_analysed_title_terms(listing, analyzer, seen);
    }
    return TitleTermCounts(seen.begin(), seen.end());
}

// The title term counts of a context's best listings ranked on the
// snapshots, kept for the next request typing after the same words: a
// buyer typing "bundle s", "bundle si", "bundle siz" has the same context
// ranked at each key (a quarter of the time of "bundle si"), and popular
// contexts come back from many buyers. The context's best listings are a
// function of the context, the BM25 parameters and the snapshots (which
// hold their shards' commits exactly: BM25's statistics too), so that is
// the key; entries of replaced snapshots age out of the cache.
struct ContextTitles {
    TitleTermCounts counts;
    // The key's length: a long query's key can outweigh its counts, and a
    // client sending thousands of them must not grow the cache past its budget.
    std::size_t key_bytes = 0;

    std::size_t memory_bytes() const {
        constexpr std::size_t entry_bytes = 128;  // node, pointers
        std::size_t bytes = entry_bytes + key_bytes + counts.capacity() * sizeof(counts.front());
        for (const auto& [term, count] : counts) bytes += term.capacity() + 1;
        return bytes;
    }
};

// About 500 contexts' hundred titles.
constexpr std::size_t context_titles_budget_bytes = 16 << 20;

TermCache<ContextTitles>& context_titles_cache() {
    static TermCache<ContextTitles> cache(context_titles_budget_bytes);
    return cache;
}

template <typename Number>
void append_bytes(std::string& key, Number number) {
    key.append(reinterpret_cast<const char*>(&number), sizeof number);
}

// The key of a context's best `count` listings on `shards`' snapshots;
// nullopt when a snapshot is behind its shard, or the context cannot be
// serialised (a ranking signal's posting source).
std::optional<std::string> context_key(const QueryTree& context, const std::vector<ShardView>& shards,
                                       const Bm25Parameters& bm25, std::size_t count) {
    std::string key;
    try {
        key = context.to_xapian().serialise();
    } catch (const Xapian::Error&) {
        return std::nullopt;
    }
    append_bytes(key, count);
    append_bytes(key, bm25.k1);
    append_bytes(key, bm25.b);
    append_bytes(key, bm25.min_normlen);
    for (const ShardView& shard : shards) {
        if (!shard.snapshot->is_current_for(shard.database)) return std::nullopt;
        key += shard.snapshot->uuid();
        append_bytes(key, shard.snapshot->revision());
        append_bytes(key, shard.snapshot->size());
    }
    return key;
}

// The title term counts of the context's best `count` listings: ranked on
// the snapshots (and kept) when they can be, by Xapian's matcher otherwise.
std::shared_ptr<const ContextTitles> context_titles(const QueryTree& context, const PlanSources& sources,
                                                    const RankingConfig& ranking, std::size_t count,
                                                    analyzers::TextAnalyzer& analyzer) {
    const auto key = context_key(context, sources.shards, bm25_parameters(ranking), count);
    if (key) {
        if (auto kept = context_titles_cache().find(*key)) return kept;
    }
    auto listings = best_on_snapshots(context, sources.database, sources.shards, ranking, count, sources.parallel_shards);
    const bool on_snapshots = listings.has_value();
    if (!listings) listings = best_by_matcher(context, sources, ranking, static_cast<Xapian::doccount>(count));
    auto titles = std::make_shared<const ContextTitles>(
        ContextTitles{.counts = title_term_counts(*listings, analyzer), .key_bytes = key ? key->size() : 0});
    if (!key || !on_snapshots) return titles;
    return context_titles_cache().insert(*key, std::move(titles));
}

// The terms among `counts` that start with `typed`, the most often seen
// first, up to max_context_completions new ones: the terms already
// searched stay in the list, to say which completion the context prefers,
// but only new ones count against the limit.
std::vector<std::string> most_seen_first(const TitleTermCounts& counts, const std::string& typed,
                                         const std::unordered_set<std::string>& searched) {
    const auto first = std::lower_bound(counts.begin(), counts.end(), typed,
                                        [](const auto& entry, const std::string& term) { return entry.first < term; });
    std::vector<std::pair<std::string, std::size_t>> by_count;
    for (auto entry = first; entry != counts.end() && starts_with(entry->first, typed); ++entry) {
        by_count.push_back(*entry);
    }
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
    const auto titles = context_titles(*context, sources, ranking, listings_read, analyzer);
    return most_seen_first(titles->counts, *typed, searched_for(text, *typed));
}

}  // namespace query
