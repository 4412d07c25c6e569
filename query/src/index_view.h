// What a searcher reads: the serving index, kept current, and the ways of
// ranking and counting it offers.
//
// Local or remote shards is one choice, made once when the service opens
// the index (as Xapian's matcher holds a LocalSubMatch or RemoteSubMatch
// per shard):
//   local   shards on this machine: in-memory snapshots rank text queries'
//           candidates, columns rank sorts and empty queries, bitmaps count
//           facets, and freshness is a ranking signal;
//   remote  shards behind xapian-tcpsrv: Xapian's matcher ranks every
//           match, ValueCountMatchSpy counts facets on the shard servers,
//           and there is no freshness signal (the stock server cannot
//           unserialise our posting source).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "docid_set.h"
#include "facets.h"
#include "index_identity.h"
#include "query/index_health.h"
#include "query/search_result.h"
#include "query/service_options.h"
#include "query_plan.h"
#include "title_cooccurrence.h"

namespace query {

// One page of hits with the number of matches.
struct Page {
    std::vector<Hit> hits;
    std::uint64_t matches = 0;
    bool exact = false;
    RankedBy ranked_by = RankedBy::matcher;
    // Ranked on the snapshots: the listings there matching, per shard, so
    // that facet counting need not evaluate the query again.
    std::shared_ptr<const std::vector<DocidSet>> snapshot_matches;
    // The scores are the snapshots', which are Xapian's up to rounding.
    bool scores_rounded = false;
    // With rounded scores: whether Xapian's matcher surely orders the hit
    // at rank `above` before the one at rank `below` (ranks of `hits` as
    // found, before any re-ranking), however their scores round
    // (OrderedAlike). Ties among re-ranked hits are checked by it.
    std::function<bool(std::size_t above, std::size_t below)> matcher_orders_alike;
    // Hits ranked outside the requested ranks, read only for proximity
    // reranking: their stored fields hold the text fields alone (one value
    // slot of eight). By those partial fields, where to read the rest
    // should the hit be shown after all (IndexView::read_partial_hits).
    std::unordered_map<std::string, ListingAddress> partial;
};

// Where a ranked page's scores may come from: the snapshots, when they are
// as current as the shards and no two scores on the page nearly tie (but
// for listings the matcher orders alike: OrderedAlike); or
// always Xapian's matcher (its final pass over the snapshots' candidates).
enum class ScoreSource { snapshots_when_current, matcher };

// A page of Xapian's matches in `searched`: hits with scores and stored
// fields, and the matcher's count.
Page page_of(const Xapian::MSet& matches, const Xapian::Database& searched);
// The same with each hit's stored fields from stored_fields(match), the
// match an Xapian::MSetIterator.
template <typename StoredFields>
Page page_of(const Xapian::MSet& matches, StoredFields stored_fields) {
    Page page{.matches = matches.get_matches_estimated(),
              .exact = matches.get_matches_lower_bound() == matches.get_matches_upper_bound()};
    for (auto match = matches.begin(); match != matches.end(); ++match) {
        page.hits.push_back({.score = match.get_weight(), .stored_json = stored_fields(match)});
    }
    return page;
}

// Reads a little through each table a search uses (postings, a document's
// terms unless the shard is frozen, values and data) and the stored-text
// dictionary, and returns the
// number of documents; throws Xapian::Error when the database cannot be
// read, std::runtime_error when its dictionary cannot.
std::uint64_t read_a_little(const Xapian::Database& database);
// A shard's health after opening it with `open` and reading a little.
template <typename Open>
ShardHealth shard_health(std::string name, Open open) {
    ShardHealth health{.name = std::move(name)};
    try {
        const Xapian::Database shard = open();
        health.documents = read_a_little(shard);
        health.warning = analyzers::analysis_mismatch(shard, health.name);
    } catch (const Xapian::Error& error) {
        health.problem = error.get_description();
    } catch (const std::runtime_error& error) {  // what the shard holds cannot be read: its stored text, say
        health.problem = error.what();
    }
    return health;
}

// Reopens `database` at its newest revision; whether anything changed. A
// reopen overtaken by a commit counts as a change: the search that follows
// meets the error and catches up again.
bool reopened(Xapian::Database& database);

// "Now" for the freshness signal, in epoch seconds.
double now_seconds();

// One searcher's view. Not thread-safe: Xapian::Database is not, so each
// searcher owns its view. The view keeps the derived data (vocabulary,
// spelling, snapshots) it was given alive while it uses them.
class IndexView {
public:
    virtual ~IndexView() = default;

    // Catches up with the writers' commits and with a new serving
    // generation, unless it looked less than refresh_interval ago.
    virtual void refresh() = 0;
    // Reopens every handle after a read was overtaken by a writer.
    virtual void catch_up() = 0;
    // Changes whenever what this view sees changes (the result cache's clock).
    virtual IndexVersion version() const = 0;

    // All shards as one database.
    const Xapian::Database& combined() const { return combined_; }
    // The listings served (a frozen generation's replaced base listings left out).
    virtual std::uint64_t listing_count() const { return combined_.get_doccount(); }
    virtual DeltaCounts delta_counts() const { return {}; }
    virtual PlanSources plan_sources() const { return {*vocabulary_, *words_, combined_}; }
    // Which title words go together, for re-ranking titles.
    const TitleCooccurrence& cooccurrence() const { return *cooccurrence_; }

    // What the ranking signals may read here.
    virtual RankingContext ranking_context(bool sold_shown, double now_seconds) const = 0;
    // The page ranked without Xapian weighing every match (columns, or the
    // snapshots' candidates); nullopt: the matcher ranks it.
    virtual std::optional<Page> rank_page(const Plan& plan, Planner& planner, ScoreSource scores) = 0;
    // Reads the full stored fields of the page's partial hits.
    virtual void read_partial_hits(Page&) {}
    // Exact facet counts (and the exact number of matches) for the plan.
    virtual FacetCountingResult count_facets(const Plan& plan, Planner& planner, const Page& page) = 0;
    // Whether count_facets may run on a helper thread while the request's
    // own thread orders the page's hits by their titles (which touches
    // neither the view nor the planner), or the other way round.
    virtual bool counts_facets_beside_titles(const Page&) const { return false; }

protected:
    Xapian::Database combined_;
    std::shared_ptr<const FieldVocabulary> vocabulary_;
    std::shared_ptr<const WordDictionary> words_;
    std::shared_ptr<const TitleCooccurrence> cooccurrence_;
};

// Makes the views of one index for the searchers, and holds the derived
// data they share. Thread-safe.
class IndexViews {
public:
    virtual ~IndexViews() = default;
    // Throws IndexError when there is no index to serve.
    virtual std::unique_ptr<IndexView> new_view() = 0;
    // Every shard opened afresh and read a little (SearchService::check_health).
    virtual IndexHealth check_health() const = 0;

    // Local shards under options.index_dir, or remote ones when
    // options.remote_stub is set. The options must outlive the views.
    static std::unique_ptr<IndexViews> open(const ServiceOptions& options);
};

// The two implementations (local_index.cpp, remote_index.cpp).
std::unique_ptr<IndexViews> open_local_index(const ServiceOptions& options);
std::unique_ptr<IndexViews> open_remote_index(const ServiceOptions& options);

}  // namespace query
