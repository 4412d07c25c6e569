// The local implementation of IndexView: shards in an index directory on
// this machine, with their in-memory snapshots.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "column_ranking.h"
#include "derived_data.h"
#include "index_identity.h"
#include "index_view.h"
#include "query/errors.h"
#include "shard_tasks.h"
#include "snapshot_scoring.h"
#include "stored_fields.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

// Rounds of looking further down a column ranking for listings deleted
// since the snapshots were built (each round twice as far as the deletions
// it met).
constexpr int max_window_attempts = 3;

// Reading a listing through Xapian takes a few microseconds, about as long
// as handing a shard's listings to a polling helper: side by side from
// this many (see min_matches_side_by_side for the other parts).
constexpr std::size_t min_listings_read_side_by_side = 16;

ScoringBound scoring_bound(ServiceOptions::TopKBound bound) {
    switch (bound) {
        case ServiceOptions::TopKBound::many_matches: return ScoringBound::top_k;
        case ServiceOptions::TopKBound::always: return ScoringBound::top_k_always;
        case ServiceOptions::TopKBound::off: break;
    }
    return ScoringBound::all;
}

// Whether Xapian's matcher could rank other listings than the snapshots
// from `first` to `last` (the page), or in another order, as their scores
// round otherwise. Listings whose scores nearly tie form runs; a run is
// ordered surely only if each two neighbours are (OrderedAlike: weighed
// alike but for freshness; a brand's listings often tie so). A run matters
// if it crosses the page's borders or holds two of its ranks, but for the
// first `reranked`, which are ranked again by their titles: which listings
// are among them matters here, how they order among themselves only if
// their titles' bonuses leave them tied (checked then; of the long-tail
// log's pages that went back to the matcher for ties, most had them there).
bool near_tie_on_page(const std::vector<ScoredCandidate>& ranked, std::size_t first, std::size_t last,
                      std::size_t reranked, const OrderedAlike& ordered_alike) {
    const std::size_t ordered_from = std::max(first, reranked);  // ranks ordered among themselves here
    const auto matters = [&](std::size_t run_start, std::size_t run_end) {  // the run [run_start, run_end)
        const auto crosses = [&](std::size_t border) { return run_start < border && border < run_end; };
        const std::size_t from = std::max(run_start, ordered_from), to = std::min(run_end, last);
        const bool holds_two_ordered_ranks = to > from + 1;
        return crosses(first) || crosses(reranked) || crosses(last) || holds_two_ordered_ranks;
    };
    const auto surely_ordered = [&](std::size_t run_start, std::size_t run_end) {
        for (std::size_t rank = run_start + 1; rank < run_end; ++rank) {
            if (!ordered_alike(ranked[rank - 1], ranked[rank])) return false;
        }
        return true;
    };
    return any_tie_run(ranked.size(), last, [&](std::size_t rank) { return ranked[rank].score; },
                       [&](std::size_t run_start, std::size_t run_end) {
                           return matters(run_start, run_end) && !surely_ordered(run_start, run_end);
                       });
}

class LocalIndexView : public IndexView {
public:
    LocalIndexView(const ServiceOptions& options, TextDerivedData& text, SnapshotsCache& snapshots)
        : options_(options), text_(text), snapshot_cache_(snapshots) {
        open();
    }

    void refresh() override {
        if (Clock::now() - last_refresh_ < options_.refresh_interval) return;
        // A new generation (or a new index, whose numbers start again) is
        // picked up by reopening the stub. Every publication renames a new
        // CURRENT into place: while the file is the same, it is not read.
        if (serving_stub_identity(options_.index_dir) != serving_.stub) {
            ServingGeneration now = read_serving_generation(options_.index_dir);
            if (now.id != serving_.id) return open();
            serving_.stub = std::move(now.stub);
        }
        // Derived data rebuilt in the background is taken up either way.
        take_derived_data(shard_commits_.may_have_changed() && reopen_all());
        last_refresh_ = Clock::now();
    }

    void catch_up() override { reopen_all(); }

    IndexVersion version() const override {
        IndexVersion version{.generation = serving_.id};
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
            version.commits += shards_[shard].get_revision();
            version.snapshot_commits += (*snapshots_)[shard]->revision();
        }
        return version;
    }

    std::uint64_t listing_count() const override {
        return combined_.get_doccount() - (replaced_ ? replaced_->count() : 0);
    }

    DeltaCounts delta_counts() const override {
        if (!serving_.generation.frozen) return {};
        DeltaCounts counts{.replaced = replaced_ ? replaced_->count() : 0};
        for (std::size_t shard = serving_.generation.shard_count; shard < shards_.size(); ++shard) {
            counts.listings += shards_[shard].get_doccount();
        }
        return counts;
    }

    RankingContext ranking_context(bool sold_shown, double now_seconds) const override {
        return {.sold_shown = sold_shown, .now_seconds = now_seconds, .snapshots = snapshots_, .replaced = replaced_};
    }

    // With snapshot scoring off, Xapian's matcher ranks everything.
    PlanSources plan_sources() const override {
        if (!options_.snapshot_scoring) return {*vocabulary_, *words_, combined_, {}, replaced_};
        return {*vocabulary_, *words_, combined_, shard_views(), replaced_, options_.parallel_shards};
    }

    // Sorted results, and an empty query's, come from the snapshots'
    // columns; text relevance from Xapian's matcher over the candidates the
    // snapshots rank.
    std::optional<Page> rank_page(const Plan& plan, Planner& planner, ScoreSource scores) override {
        const bool by_columns = plan.request.sort != SortOrder::relevance || plan.text.empty();
        if (by_columns) return page_from_columns(plan, planner);
        if (options_.snapshot_scoring) return page_from_snapshot_candidates(plan, planner, scores);
        return std::nullopt;
    }

    // Where the shards' counts go side by side, a helper is busy with them.
    bool counts_facets_beside_titles(const Page& page) const override {
        return options_.parallel_shards && !shards_counted_side_by_side(page);
    }

    FacetCountingResult count_facets(const Plan& plan, Planner& planner, const Page& page) override {
        return query::count_facets(shard_views(), plan.request, filtered_queries(plan, planner),
                                   page.snapshot_matches.get(), shards_counted_side_by_side(page));
    }

private:
    bool shards_counted_side_by_side(const Page& page) const {
        // Counting a thousand matches takes less than handing a shard to a helper.
        constexpr std::uint64_t min_matches_counted_side_by_side = 2048;
        return options_.parallel_shards && page.matches >= min_matches_counted_side_by_side;
    }

    void open() {
        serving_ = read_serving_generation(options_.index_dir);
        shard_commits_ = ShardCommitWatch(analyzers::serving_databases(options_.index_dir, serving_.generation));
        shard_commits_.before_reopen();
        combined_ = Xapian::Database(analyzers::serving_stub_path(options_.index_dir).string());
        shards_ = open_local_shards(options_.index_dir, serving_.generation);
        read_replaced();
        last_refresh_ = Clock::now();
        take_derived_data(true);
    }

    // What a frozen generation's deltas replaced, at the revisions the
    // view's handles read.
    void read_replaced() {
        replaced_ = serving_.generation.frozen ? ReplacedListings::read(shards_, serving_.generation.shard_count)
                                               : nullptr;
        replaced_sets_.assign(shards_.size(), nullptr);
        if (!replaced_) return;
        // Sized as the shard's snapshot: a base never changes, so its
        // snapshot holds every docid it has.
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
            replaced_sets_[shard] = replaced_->of(shard, shards_[shard].get_lastdocid() + 1);
        }
    }

    // The request's queries; those for Xapian leave the replaced listings
    // out (the snapshots' matches do already: matches_in_snapshot).
    FilteredQueries filtered_queries(const Plan& plan, Planner& planner) const {
        FilteredQueries queries = planner.filtered_queries(plan);
        if (!replaced_ || replaced_->empty()) return queries;
        queries.with_all_filters = [all = std::move(queries.with_all_filters), replaced = replaced_](const Filters& f) {
            return replaced->left_out_of(all(f));
        };
        return queries;
    }

    // The shared vocabulary, spelling dictionary and shard snapshots for
    // this view; `changed`: the index changed since the view last asked.
    void take_derived_data(bool changed) {
        vocabulary_ = text_.vocabulary.get(serving_, changed);
        words_ = text_.words.get(serving_, changed);
        cooccurrence_ = text_.cooccurrence.get(serving_, changed);
        snapshots_ = snapshot_cache_.get(serving_, changed);
    }

    // Catches up with the writers' commits; whether anything changed.
    bool reopen_all() {
        shard_commits_.before_reopen();
        bool changed = reopened(combined_);
        for (auto& shard : shards_) changed = reopened(shard) || changed;
        if (changed) read_replaced();
        return changed;
    }

    RankingContext ranking_context_of(const Plan& plan) const {
        return ranking_context(plan.request.filters.status != StatusFilter::on_sale, now_seconds());
    }

    std::vector<ShardView> shard_views() const {
        std::vector<ShardView> views;
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
            views.push_back(
                {.database = shards_[shard], .snapshot = (*snapshots_)[shard], .replaced = replaced_sets_[shard]});
        }
        return views;
    }

    std::optional<Page> page_from_snapshot_candidates(const Plan& plan, Planner& planner, ScoreSource scores) {
        const RankingContext context = ranking_context_of(plan);
        const auto views = shard_views();
        const bool from_snapshots = scores == ScoreSource::snapshots_when_current && !snapshots_behind();
        const auto scored = std::make_shared<const QueryTree>(planner.scored(plan, context));
        auto candidates = snapshot_candidates(views, combined_, *scored, bm25_parameters(*plan.ranking),
                                              plan.request.filters, filtered_queries(plan, planner),
                                              plan.first_rank + plan.rank_count,
                                              scoring_bound(options_.top_k_bound), options_.parallel_shards,
                                              ranked_from_matches(plan, planner, from_snapshots));
        if (!candidates) return std::nullopt;
        if (from_snapshots) {
            if (auto page = page_from_snapshot_scores(plan, planner, views, scored, *candidates)) return page;
        }
        return page_from_final_pass(plan, planner, views, std::move(*candidates));
    }

    // When every snapshot is as current as its shard, the snapshots' scores
    // are Xapian's own up to rounding (its BM25 formula and the combined
    // statistics, the same signals) and the page is read from them: Xapian's
    // final pass would open a posting list per query term (hundreds for a
    // prefix) to weigh a few dozen candidates again. nullopt (the final pass
    // decides) when scores on the page or at its borders nearly tie (but
    // for listings Xapian orders alike), or a listing is missing after all.
    std::optional<Page> page_from_snapshot_scores(const Plan& plan, Planner& planner,
                                                  const std::vector<ShardView>& views,
                                                  const std::shared_ptr<const QueryTree>& scored,
                                                  SnapshotCandidates& candidates) {
        Page page{.matches = candidates.matches,
                  .exact = true,
                  .ranked_by = RankedBy::snapshot_candidates,
                  .scores_rounded = true};
        // A page the searcher is about to relax away is neither ranked
        // (ranked_from_matches) nor read.
        if (!planner.should_relax(plan, page.matches)) {
            const std::size_t last = std::min(candidates.ranked.size(), plan.first_rank + plan.rank_count);
            const auto ordered_alike =
                std::make_shared<const OrderedAlike>(views, combined_, scored, bm25_parameters(*plan.ranking));
            if (near_tie_on_page(candidates.ranked, plan.first_rank, last, plan.reranked_by_title, *ordered_alike)) {
                return std::nullopt;
            }
            try {
                read_ranked(plan.request, candidates.ranked, plan.first_rank, last, page);
            } catch (const Xapian::DocNotFoundError&) {
                return std::nullopt;
            }
            page.matcher_orders_alike = [ordered_alike, first = plan.first_rank,
                                         ranked = std::move(candidates.ranked)](std::size_t above, std::size_t below) {
                return (*ordered_alike)(ranked.at(first + above), ranked.at(first + below));
            };
        }
        page.snapshot_matches = std::make_shared<const std::vector<DocidSet>>(std::move(candidates.matching));
        return page;
    }

    // The hits of `ranked` from `first` to `last`: all the stored fields of
    // those shown, the text fields of those only re-ranked. Each shard's
    // listings are read on its own thread when a helper is idle (a page
    // and its re-ranking window read ~70 listings through Xapian, a tenth
    // of the long-tail log's time). Throws Xapian::DocNotFoundError if a
    // listing is gone.
    void read_ranked(const SearchRequest& request, const std::vector<ScoredCandidate>& ranked, std::size_t first,
                     std::size_t last, Page& page) const {
        if (last <= first) return;  // a page past the last match
        std::vector<std::string> fields(last - first);
        std::vector<std::unordered_map<std::string, ListingAddress>> partial(shards_.size());
        run_shard_tasks(
            shards_.size(),
            [&](std::size_t shard) {
                for (std::size_t rank = first; rank < last; ++rank) {
                    const ScoredCandidate& listing = ranked[rank];
                    if (listing.shard != shard) continue;
                    fields[rank - first] = shown_at(request, rank)
                                               ? stored_fields(shard, listing.docid)
                                               : partial_fields(shard, listing.docid, partial[shard]);
                }
            },
            options_.parallel_shards && last - first >= min_listings_read_side_by_side);
        for (std::size_t rank = first; rank < last; ++rank) {
            page.hits.push_back({.score = ranked[rank].score, .stored_json = std::move(fields[rank - first])});
        }
        for (auto& of_shard : partial) page.partial.merge(of_shard);
    }

    // The matches from which a page is worth ranking: fewer, and the
    // searcher relaxes the query. Only when the snapshots' count is the
    // whole count (listings newer than the snapshots would add to it).
    static std::uint64_t ranked_from_matches(const Plan& plan, const Planner& planner, bool from_snapshots) {
        return from_snapshots ? planner.relaxed_below(plan) : 0;
    }

    void read_partial_hits(Page& page) override {
        if (page.partial.empty()) return;
        for (Hit& hit : page.hits) {
            const auto found = page.partial.find(hit.stored_json);
            if (found != page.partial.end()) hit.stored_json = stored_fields(found->second.shard, found->second.docid);
        }
        page.partial.clear();
    }

    // Whether the listing at `rank` is shown unless proximity reranks it.
    static bool shown_at(const SearchRequest& request, std::size_t rank) {
        return rank >= request.offset && rank < request.offset + request.limit;
    }

    // Throws Xapian::DocNotFoundError if the listing is gone.
    std::string stored_fields(std::size_t shard, Xapian::docid docid) const {
        return query::stored_fields_of(shards_[shard], *(*snapshots_)[shard], docid);
    }

    // Where a listing of combined_ (whose docids interleave the shards') is.
    ListingAddress address_of(Xapian::docid combined) const { return address_in_combined(combined, shards_.size()); }

    // The stored fields of a match in combined_, or its text fields alone
    // (`partial`, see partial_fields) when it is not shown unless proximity
    // reranks it. Read as the match's document unless the snapshot holds
    // the listing, as combined_ may be a revision behind shards_.
    std::string match_fields(const Xapian::MSetIterator& match, bool partial,
                             std::unordered_map<std::string, ListingAddress>& partial_hits) const {
        const ListingAddress listing = address_of(*match);
        if (!(*snapshots_)[listing.shard]->holds_as_in(shards_[listing.shard], listing.docid)) {
            return analyzers::stored_fields_of(match.get_document(), combined_);
        }
        if (partial) return partial_fields(listing.shard, listing.docid, partial_hits);
        return stored_fields(listing.shard, listing.docid);
    }

    // The text fields alone, from one value slot of the eight (~20 us a
    // listing over the 1M index, most of a small query's time when
    // proximity reranks 50 of them): enough to rerank.
    std::string partial_fields(std::size_t shard, Xapian::docid docid,
                               std::unordered_map<std::string, ListingAddress>& partial_hits) const {
        std::string json =
            analyzers::stored_fields_json(stored_text_fields(shards_[shard], *(*snapshots_)[shard], docid));
        partial_hits.emplace(json, ListingAddress{shard, docid});
        return json;
    }

    // Xapian's matcher ranks the candidates and the listings newer than the
    // snapshots, so that changes since the snapshots show at once.
    Page page_from_final_pass(const Plan& plan, Planner& planner, const std::vector<ShardView>& views,
                              SnapshotCandidates candidates) {
        const RankingContext context = ranking_context_of(plan);
        const Xapian::Query ranked(Xapian::Query::OP_FILTER, planner.ranked(plan, context),
                                   candidates_query(views, candidates));
        // Counting every match here is cheap (only candidates and listings
        // newer than the snapshots match) and makes the total exact.
        const Xapian::MSet matches =
            enquire_for(combined_, ranked, *plan.ranking)
                .get_mset(static_cast<Xapian::doccount>(plan.first_rank),
                          static_cast<Xapian::doccount>(plan.rank_count), combined_.get_doccount());
        std::unordered_map<std::string, ListingAddress> partial_hits;
        Page page = page_of(matches, [&](const Xapian::MSetIterator& match) {
            return match_fields(match, !shown_at(plan.request, match.get_rank()), partial_hits);
        });
        page.partial = std::move(partial_hits);
        page.ranked_by = RankedBy::candidates_final_pass;
        page.matches = candidates.matches - candidates.candidate_count() + matches.get_matches_estimated();
        page.exact = true;
        page.snapshot_matches = std::make_shared<const std::vector<DocidSet>>(std::move(candidates.matching));
        return page;
    }

    std::optional<Page> page_from_columns(const Plan& plan, Planner& planner) {
        const ColumnOrder order{.sort = plan.request.sort,
                                .ranking = plan.ranking.get(),
                                .sold_shown = plan.request.filters.status != StatusFilter::on_sale,
                                .now_seconds = now_seconds()};
        // Listings deleted since the snapshots were built are still in their
        // columns, and are passed over here: above the page too (ranked from
        // the top then), and the window reaches further down so that the page
        // stays full.
        const bool behind = snapshots_behind();
        const std::size_t from = behind ? 0 : plan.first_rank;
        const std::size_t above_page = plan.first_rank - from;
        std::size_t window = above_page + plan.rank_count;
        for (int attempt = 1;; ++attempt) {
            auto ranked = rank_by_columns(shard_views(), plan.request.filters, filtered_queries(plan, planner), order,
                                          from, window, options_.parallel_shards);
            if (!ranked) return std::nullopt;
            Page page{.ranked_by = RankedBy::columns};
            // Facets count these matches again only for their own filters.
            page.snapshot_matches = std::make_shared<const std::vector<DocidSet>>(std::move(ranked->matching));
            // A page the searcher is about to relax away is not read, when
            // the columns' count is the whole count.
            if (!behind && planner.should_relax(plan, ranked->matches)) {
                page.matches = ranked->matches;
                page.exact = true;
                return page;
            }
            std::vector<Xapian::docid> combined_docids;  // of page.hits
            const std::size_t deleted = read_hits(ranked->page, above_page, plan.rank_count, page.hits, combined_docids);
            const bool no_more = ranked->page.size() < window;
            if (page.hits.size() < plan.rank_count && !no_more && attempt < max_window_attempts) {
                window += 2 * deleted;
                continue;
            }
            page.matches = ranked->matches - std::min<std::uint64_t>(ranked->matches, deleted);
            page.exact = deleted == 0;
            set_scores(plan, planner, page.hits, combined_docids);
            return page;
        }
    }

    // Whether a shard has commits its snapshot does not have yet.
    bool snapshots_behind() const {
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
            if (shards_[shard].get_revision() != (*snapshots_)[shard]->revision()) return true;
        }
        return false;
    }

    // The stored fields of the `ranked` listings after the first `skipped`
    // that still exist, at most `wanted` of them, with their docids in
    // combined_; how many of those looked at were deleted since the
    // snapshots were built.
    std::size_t read_hits(const std::vector<ListingAddress>& ranked, std::size_t skipped, std::size_t wanted,
                          std::vector<Hit>& hits, std::vector<Xapian::docid>& combined_docids) const {
        std::size_t deleted = 0;
        for (const ListingAddress& listing : ranked) {
            if (hits.size() == wanted) break;
            try {
                if (skipped > 0) {
                    shards_[listing.shard].get_doclength(listing.docid);  // throws if it is gone
                    --skipped;
                    continue;
                }
                hits.push_back({.stored_json = stored_fields(listing.shard, listing.docid)});
                combined_docids.push_back(combined_docid(listing, shards_.size()));
            } catch (const Xapian::DocNotFoundError&) {
                ++deleted;
            }
        }
        return deleted;
    }

    // The same scores Xapian's matcher gives these listings (at
    // `combined_docids`), so a hit's score never depends on which path
    // found it. Told apart by docid: the matches' stored fields are not read.
    void set_scores(const Plan& plan, Planner& planner, std::vector<Hit>& hits,
                    const std::vector<Xapian::docid>& combined_docids) {
        if (hits.empty()) return;
        if (set_scores_from_snapshots(plan, planner, hits, combined_docids)) return;
        std::vector<std::string> id_terms;
        for (const Hit& hit : hits) {
            id_terms.push_back(analyzers::id_term(analyzers::listing_from_stored_json(hit.stored_json).id));
        }
        const Xapian::Query these(Xapian::Query::OP_OR, id_terms.begin(), id_terms.end());
        const Xapian::Query scored(Xapian::Query::OP_FILTER, planner.ranked(plan, ranking_context_of(plan)), these);
        const Xapian::MSet matches =
            enquire_for(combined_, scored, *plan.ranking).get_mset(0, static_cast<Xapian::doccount>(hits.size()));
        std::unordered_map<Xapian::docid, double> score_of;
        for (auto match = matches.begin(); match != matches.end(); ++match) score_of[*match] = match.get_weight();
        for (std::size_t n = 0; n < hits.size(); ++n) hits[n].score = score_of[combined_docids[n]];
    }

    // A sorted page's relevance scores weighed on the snapshots, as a
    // relevance page's are: Xapian's matcher would open the posting list of
    // every query term (hundreds for a prefix) to weigh 20 listings. False
    // (the matcher decides) when a snapshot is behind its shard or the tree
    // cannot be weighed there.
    bool set_scores_from_snapshots(const Plan& plan, Planner& planner, std::vector<Hit>& hits,
                                   const std::vector<Xapian::docid>& combined_docids) {
        if (!options_.snapshot_scoring || snapshots_behind()) return false;
        std::vector<ListingAddress> listings;
        for (const Xapian::docid combined : combined_docids) listings.push_back(address_of(combined));
        const auto scores = snapshot_scores(shard_views(), combined_, planner.scored(plan, ranking_context_of(plan)),
                                            bm25_parameters(*plan.ranking), listings, options_.parallel_shards);
        if (!scores) return false;
        for (std::size_t n = 0; n < hits.size(); ++n) hits[n].score = (*scores)[n];
        return true;
    }

    const ServiceOptions& options_;
    TextDerivedData& text_;
    SnapshotsCache& snapshot_cache_;
    std::vector<Xapian::Database> shards_;  // the same shards as combined_, one by one
    std::shared_ptr<const ShardSnapshots> snapshots_;
    std::shared_ptr<const ReplacedListings> replaced_;  // null: not a frozen generation
    std::vector<std::shared_ptr<const DocidSet>> replaced_sets_;  // by shard, as ShardView::replaced
    ServingGeneration serving_;
    ShardCommitWatch shard_commits_;  // of shards_, and so of combined_'s
    Clock::time_point last_refresh_;
};

class LocalIndex : public IndexViews {
public:
    explicit LocalIndex(const ServiceOptions& options)
        : options_(options),
          text_([index_dir = options.index_dir](const analyzers::Generation& generation) {
              Xapian::Database combined;
              for (const auto& shard : open_local_shards(index_dir, generation)) combined.add_database(shard);
              return combined;
          }),
          snapshots_(options.index_dir) {}

    std::unique_ptr<IndexView> new_view() override {
        return std::make_unique<LocalIndexView>(options_, text_, snapshots_);
    }

    IndexHealth check_health() const override {
        IndexHealth health;
        try {
            const analyzers::Generation generation = read_serving_generation(options_.index_dir).generation;
            health.generation = generation.number;
            for (const auto& path : analyzers::serving_databases(options_.index_dir, generation)) {
                const auto name = path.lexically_relative(options_.index_dir).string();
                health.shards.push_back(shard_health(name, [&] { return Xapian::Database(path.string()); }));
            }
            if (generation.frozen) leave_out_replaced(health, generation);
        } catch (const std::exception& error) {  // no index, or a CURRENT not ours
            health.problem = error.what();
        }
        return health;
    }

private:
    // A frozen generation's bases count the listings their deltas have
    // replaced no more (a delta that cannot be read is its own problem).
    void leave_out_replaced(IndexHealth& health, const analyzers::Generation& generation) const {
        for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
            ShardHealth& delta = health.shards[generation.shard_count + shard];
            try {
                const Xapian::Database database(
                    analyzers::delta_path(options_.index_dir, generation.number, shard).string());
                const auto replaced = analyzers::ReplacedListings::of(database).count();
                health.shards[shard].documents -= std::min<std::uint64_t>(replaced, health.shards[shard].documents);
            } catch (const Xapian::Error& error) {
                if (delta.problem.empty()) delta.problem = error.get_description();
            } catch (const std::runtime_error& error) {
                if (delta.problem.empty()) delta.problem = error.what();
            }
        }
    }

    const ServiceOptions& options_;
    TextDerivedData text_;
    SnapshotsCache snapshots_;
};

}  // namespace

std::unique_ptr<IndexViews> open_local_index(const ServiceOptions& options) {
    return std::make_unique<LocalIndex>(options);
}

}  // namespace query
