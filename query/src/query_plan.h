// From a buyer's request to the queries that answer it, the same way for
// the search service and the relevance inspector: the text analysed into
// clauses (spelling correction of words no listing contains, searching the
// suggestion when the ranking config says to), all words required, relaxed
// to any word (with a bonus per word matched) when they find too little,
// then the filters and the ranking signals.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <xapian.h>

#include "analyzers/synonyms.h"
#include "field_vocabulary.h"
#include "query/ranking.h"
#include "query/search_request.h"
#include "query/search_result.h"
#include "query_builder.h"
#include "query_tree.h"
#include "ranking_signals.h"
#include "shard_view.h"
#include "word_dictionary.h"

namespace query {

// One request's text query and how it is matched.
struct Plan {
    const SearchRequest& request;
    std::shared_ptr<const RankingConfig> ranking;
    TextQuery text;
    QueryTree matching;     // the text side: all words, or any once relaxed
    Xapian::Query matches;  // the same for Xapian
    bool relaxed = false;
    // The typed query with unknown words corrected ("nikke hoodie" ->
    // "nike hoodie"); empty when every word is known or none is correctable.
    std::string suggestion;
    bool corrected = false;  // the suggestion is searched instead of the typed words
    MatchingStrategy strategy = MatchingStrategy::frequency;  // the request's, or the ranking config's
    // The ranks to fetch: the request's page, or from the first rank on
    // when the best listings are ranked again (by proximity).
    std::size_t first_rank = 0;
    std::size_t rank_count = 0;
    // The first ranks ranked again by their titles after (0: none): how
    // those order among themselves is checked once they are.
    std::size_t reranked_by_title = 0;

    // The query as searched, when some words were read otherwise than typed.
    std::string interpreted() const;
    std::vector<WordReading> readings() const;
};

// What a plan is built from: the index's vocabulary and spelling data, the
// combined database (to tell known words from unknown ones) and, for local
// shards, the shards with their snapshots (to rank the listings that choose
// completions in context; empty: Xapian's matcher ranks them).
struct PlanSources {
    const FieldVocabulary& vocabulary;
    const WordDictionary& words;
    const Xapian::Database& database;
    std::vector<ShardView> shards = {};
    // A frozen generation's replaced base listings, which choose nothing.
    std::shared_ptr<const ReplacedListings> replaced = nullptr;
    // The shards may be read on two threads (ServiceOptions::parallel_shards).
    bool parallel_shards = false;
};

// Not thread-safe (owns a QueryBuilder): one per searcher.
class Planner {
public:
    // `lexicon` must outlive the planner.
    explicit Planner(const analyzers::Lexicon& lexicon) : lexicon_(lexicon), builder_(lexicon) {}

    // All words of the request's text, corrected as the ranking config says.
    Plan plan(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking, const PlanSources& sources);
    // Whether an all-words plan with this many matches is to be relaxed.
    bool should_relax(const Plan& plan, std::uint64_t all_words_matches) const {
        return all_words_matches < relaxed_below(plan);
    }
    // The number of matches below which the plan is relaxed (0: never).
    std::uint64_t relaxed_below(const Plan& plan) const;
    // Switches the plan to listings matching any word (more words rank higher).
    void relax(Plan& plan) const;

    // The plan's matches with the request's filters, or with `filters`.
    Xapian::Query filtered(const Plan& plan) { return filtered(plan, plan.request.filters); }
    Xapian::Query filtered(const Plan& plan, const Filters& filters);
    // With the term filters only, and with all of them, for each set of
    // filters facet counting and the snapshots ask about.
    FilteredQueries filtered_queries(const Plan& plan);
    // Every listing passing `filters`, whatever the words.
    Xapian::Query listings_passing(const Filters& filters);
    // The filtered matches ranked by the ranking config's signals.
    Xapian::Query ranked(const Plan& plan, const RankingContext& context);
    // The unfiltered text query with its signals, as the snapshot scorer weighs it.
    QueryTree scored(const Plan& plan, const RankingContext& context) const;

    analyzers::TextAnalyzer& analyzer() { return builder_.analyzer(); }

private:
    const analyzers::Lexicon& lexicon_;
    QueryBuilder builder_;
};

// The relaxed form of `text` under `strategy`: frequency, listings matching
// any word, plus ranking.relax_word_bonus for each word they match; last,
// listings with the first word, each further word adding a bonus that
// outweighs all the words after it (dropping words from the end).
QueryTree relaxed_query(const TextQuery& text, const RankingConfig& ranking, MatchingStrategy strategy);

// An Enquire over `database` weighing with the ranking config's BM25.
Xapian::Enquire enquire_for(const Xapian::Database& database, const Xapian::Query& query,
                            const RankingConfig& ranking);

}  // namespace query
