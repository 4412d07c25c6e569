#include "query/search_service.h"

#include <functional>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "field_vocabulary.h"
#include "analyzers/index_layout.h"
#include "query_builder.h"
#include "analyzers/synonyms.h"
#include "highlighter.h"
#include "column_ranking.h"
#include "facets.h"
#include "filters.h"
#include "ranking_signals.h"
#include "result_cache.h"
#include "snapshot_scoring.h"
#include "derived_data.h"
#include "spelling.h"
#include "text_plan.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

using RankingSource = std::function<std::shared_ptr<const RankingConfig>()>;

// One thread's view of the index. Xapian::Database is not thread-safe, so
// each concurrent request borrows its own Searcher from the pool.
class SearchService::Searcher {
public:
    Searcher(const ServiceOptions& options, const analyzers::Lexicon& lexicon, SnapshotCaches& caches,
             RankingSource ranking_source, ResultCache& results)
        : options_(options), lexicon_(lexicon), builder_(lexicon), caches_(caches),
          ranking_source_(std::move(ranking_source)), results_(results) {
        open();
    }

    SearchResult search(const SearchRequest& request) {
        refresh_if_stale();
        const auto started = Clock::now();
        const std::shared_ptr<const RankingConfig> ranking = ranking_source_();
        const std::string key = cache_key(request);
        const std::uint64_t version = index_version();
        if (auto cached = results_.find(key, version, ranking)) {
            cached->cached = true;
            cached->took_ms = milliseconds_since(started);
            return std::move(*cached);
        }
        SearchResult result = run_retrying(request, ranking);
        results_.store(key, version, ranking, result);
        return result;
    }

    std::uint64_t document_count() {
        refresh_if_stale();
        return database_.get_doccount();
    }

private:
    SearchResult run_retrying(const SearchRequest& request, const std::shared_ptr<const RankingConfig>& ranking) {
        for (int attempt = 1;; ++attempt) {
            try {
                return run(request, ranking);
            } catch (const Xapian::DatabaseError&) {
                // A writer committed twice since we opened (DatabaseModifiedError,
                // or, when glass follows a block pointer the writer has since
                // reused, "EOF reading block"): catch up and try again. Rare
                // now that each request starts on the latest revision; with
                // handles up to 200 ms old, ~10% of requests under a
                // 50 listings/s feed needed this, and before the second
                // attempt existed some of those failed.
                if (attempt == max_attempts_on_modified) throw;
                reopen_all();
            }
        }
    }

    static constexpr int max_attempts_on_modified = 3;

    // Grows whenever what this searcher sees changes.
    std::uint64_t index_version() const {
        if (remote()) return remote_changes_;
        std::uint64_t revisions = 0;
        for (const auto& shard : shards_) revisions += shard.get_revision();
        return (generation_.number << 32) + revisions;
    }

    bool remote() const { return !options_.remote_stub.empty(); }

    // Remote shards: one database over xapian-tcpsrv servers, no snapshots;
    // reindex swaps are the shard servers' business.
    void open_remote() {
        database_ = Xapian::Database(options_.remote_stub.string());
        shards_.clear();
        generation_ = {1, 0};
        last_refresh_ = Clock::now();
        take_derived_data(true);
    }

    void open() {
        if (remote()) return open_remote();
        const auto serving = analyzers::serving_generation(options_.index_dir);
        if (!serving) {
            throw std::runtime_error(fmt::format("no index in {}: build one with listing-indexer build",
                                                 options_.index_dir.string()));
        }
        database_ = Xapian::Database(analyzers::serving_stub_path(options_.index_dir).string());
        shards_.clear();
        for (std::size_t shard = 0; shard < serving->shard_count; ++shard) {
            shards_.emplace_back(analyzers::shard_path(options_.index_dir, serving->number, shard).string());
        }
        generation_ = *serving;
        last_refresh_ = Clock::now();
        take_derived_data(true);
    }

    // The shared vocabulary, spelling dictionary and shard snapshots for this
    // searcher's view; `changed`: the index changed since it last asked.
    void take_derived_data(bool changed) {
        vocabulary_ = caches_.vocabulary.get(generation_, changed);
        spelling_ = caches_.spelling.get(generation_, changed);
        snapshots_ = caches_.shard_snapshots.get(generation_, changed);
    }

    // Near-real-time: new commits become visible within refresh_interval,
    // and a new generation is picked up by reopening the stub.
    void refresh_if_stale() {
        if (Clock::now() - last_refresh_ < options_.refresh_interval) return;
        const auto serving = remote() ? std::nullopt : analyzers::serving_generation(options_.index_dir);
        if (serving && serving->number != generation_.number) {
            open();
            return;
        }
        const bool changed = reopen_all();
        if (changed) ++remote_changes_;
        take_derived_data(changed);
        last_refresh_ = Clock::now();
    }

    // Catches up with the writers' commits; whether anything changed.
    // Reopening reads the newest revision and can itself be overtaken by a
    // commit: the search that follows then meets the error and retries.
    bool reopen_all() {
        bool changed = false;
        const auto reopen = [&changed](Xapian::Database& database) {
            try {
                changed = database.reopen() || changed;
            } catch (const Xapian::DatabaseError&) {
                changed = true;
            }
        };
        reopen(database_);
        for (auto& shard : shards_) reopen(shard);
        return changed;
    }

    // One request's text query and ranking, and the filtered queries built
    // from them.
    struct Plan {
        const SearchRequest& request;
        std::shared_ptr<const RankingConfig> ranking;
        TextQuery text;
        QueryTree matching;  // the text side: all words, or any once relaxed
        Xapian::Query matches;          // the same for Xapian
        bool relaxed = false;

        void match(QueryTree tree) {
            matching = std::move(tree);
            matches = matching.to_xapian();
        }
    };

    // One page of hits with the number of matches.
    struct Page {
        std::vector<Hit> hits;
        std::uint64_t matches = 0;
        bool exact = false;
        RankedBy ranked_by = RankedBy::matcher;
        // Ranked on the snapshots: the listings there matching, per shard.
        std::shared_ptr<const std::vector<DocidSet>> snapshot_matches;
    };

    SearchResult run(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking) {
        const auto started = Clock::now();
        Plan plan{request, std::move(ranking), {}, {}, {}, false};
        const TextPlan text_plan =
            plan_text(request.text, builder_, *plan.ranking, *vocabulary_, *spelling_, database_);
        plan.text = text_plan.text;
        plan.match(plan.text.all_words());
        Page page = find_page(plan);
        SearchResult result;
        result.suggestion = text_plan.suggestion;
        result.corrected = text_plan.corrected;
        if (relaxes(page.matches, plan.text, *plan.ranking)) {
            plan.match(relaxed_query(plan.text, *plan.ranking));
            plan.relaxed = true;
            page = find_page(plan);
            result.relaxed = true;
        }
        result.total = page.matches;
        result.total_exact = page.exact;
        result.ranked_by = page.ranked_by;
        if (request.facets.any() || (request.exact_total && !page.exact)) {
            FacetCountingResult counted =
                remote() ? count_facets_by_values(database_, request, filtered_queries(plan))
                         : count_facets(shard_views(), request, filtered_queries(plan), page.snapshot_matches.get());
            if (request.facets.any()) result.facets = std::move(counted.counts);
            result.total = counted.matches;  // every match was counted: exact
            result.total_exact = true;
        }
        result.hits = std::move(page.hits);
        highlight_titles(result.hits, plan.text, request.highlight);
        result.took_ms = milliseconds_since(started);
        return result;
    }

    FilteredQueries filtered_queries(const Plan& plan) {
        return {[this, &plan](const Filters& filters) {
                    return apply_term_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
                },
                [this, &plan](const Filters& filters) {
                    return apply_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
                }};
    }

    RankingContext ranking_context(const Plan& plan) const {
        return {plan.request.filters.status != StatusFilter::on_sale, now_seconds(), remote() ? nullptr : snapshots(),
                remote()};
    }

    Xapian::Query ranked_query(const Plan& plan, const RankingContext& context) {
        const Xapian::Query filtered = apply_filters(plan.matches, plan.request.filters, builder_.analyzer(), lexicon_);
        return with_business_signals(filtered, plan.text, *plan.ranking, context);
    }
    Xapian::Query ranked_query(const Plan& plan) { return ranked_query(plan, ranking_context(plan)); }

    Xapian::Enquire enquire_for(const Xapian::Query& query, const RankingConfig& ranking) {
        Xapian::Enquire enquire(database_);
        enquire.set_weighting_scheme(bm25_of(ranking));
        enquire.set_query(query);
        return enquire;
    }

    // Sorted results, and an empty query's, come from the snapshots'
    // columns; text relevance from Xapian's matcher, over the candidates
    // the snapshots rank when they can.
    Page find_page(const Plan& plan) {
        if (!remote()) {
            const bool by_columns = plan.request.sort != SortOrder::relevance || plan.text.empty();
            auto page = by_columns ? page_from_columns(plan)
                                   : options_.snapshot_scoring ? page_from_snapshot_candidates(plan) : std::nullopt;
            if (page) return std::move(*page);
        }
        return page_from_xapian(plan);
    }

    std::optional<Page> page_from_snapshot_candidates(const Plan& plan) {
        const RankingContext context = ranking_context(plan);
        const auto views = shard_views();
        auto candidates = snapshot_candidates(
            views, database_, with_business_signals(plan.matching, plan.text, *plan.ranking, context),
            bm25_parameters(*plan.ranking), plan.request.filters, filtered_queries(plan),
            plan.request.offset + plan.request.limit);
        if (!candidates) return std::nullopt;
        Xapian::Enquire enquire = enquire_for(
            Xapian::Query(Xapian::Query::OP_FILTER, ranked_query(plan, context), candidates_query(views, *candidates)),
            *plan.ranking);
        // Counting every match here is cheap (only candidates and listings
        // newer than the snapshots match) and makes the total exact.
        const Xapian::MSet matches = enquire.get_mset(static_cast<Xapian::doccount>(plan.request.offset),
                                                      static_cast<Xapian::doccount>(plan.request.limit),
                                                      database_.get_doccount());
        Page page = page_of(matches);
        page.ranked_by = RankedBy::snapshot_candidates;
        page.matches = candidates->matches - candidates->candidate_count() + matches.get_matches_estimated();
        page.exact = true;
        page.snapshot_matches = std::make_shared<const std::vector<DocidSet>>(std::move(candidates->matching));
        return page;
    }

    Page page_from_xapian(const Plan& plan) {
        Xapian::Enquire enquire = enquire_for(ranked_query(plan), *plan.ranking);
        set_order(enquire, plan.request.sort, plan.text.empty());
        // Checking at least relax.min_matches makes the count exact below
        // it, so whether to relax never rests on an estimate. A relaxed
        // query is checked in full: with Xapian 1.4.22's pruning, its word
        // bonuses (OP_AND_MAYBE over filtered constant weights) went missing
        // for some listings (relaxed "nike red sneakers", top 5, had a
        // listing with all three words one bonus short, below others).
        const auto check_at_least =
            plan.relaxed ? database_.get_doccount()
                         : static_cast<Xapian::doccount>(std::max(0.0, plan.ranking->relax_min_matches));
        return page_of(enquire.get_mset(static_cast<Xapian::doccount>(plan.request.offset),
                                        static_cast<Xapian::doccount>(plan.request.limit), check_at_least));
    }

    static Page page_of(const Xapian::MSet& matches) {
        Page page;
        page.matches = matches.get_matches_estimated();
        page.exact = matches.get_matches_lower_bound() == matches.get_matches_upper_bound();
        for (auto match = matches.begin(); match != matches.end(); ++match) {
            page.hits.push_back({match.get_weight(), analyzers::stored_fields_of(match.get_document()), ""});
        }
        return page;
    }

    std::optional<Page> page_from_columns(const Plan& plan) {
        const ColumnOrder order{plan.request.sort, plan.ranking.get(),
                                plan.request.filters.status != StatusFilter::on_sale, now_seconds()};
        auto ranked = rank_by_columns(shard_views(), plan.request.filters, filtered_queries(plan), order,
                                      plan.request.offset, plan.request.limit);
        if (!ranked) return std::nullopt;
        Page page;
        page.matches = ranked->matches;
        page.exact = true;
        page.ranked_by = RankedBy::columns;
        std::vector<std::string> id_terms;
        for (const RankedListing& listing : ranked->page) {
            Xapian::Document document;
            try {
                document = shards_[listing.shard].get_document(listing.docid);
            } catch (const Xapian::DocNotFoundError&) {
                continue;  // deleted since the snapshot was taken: the page is one short
            }
            page.hits.push_back({0, analyzers::stored_fields_of(document), ""});
            id_terms.push_back(analyzers::id_term(analyzers::listing_from_stored_json(page.hits.back().stored_json).id));
        }
        set_scores(plan, id_terms, page.hits);
        return page;
    }

    // The same scores Xapian's matcher gives these listings, so a hit's
    // score never depends on which path found it.
    void set_scores(const Plan& plan, const std::vector<std::string>& id_terms, std::vector<Hit>& hits) {
        if (hits.empty()) return;
        const Xapian::Query these(Xapian::Query::OP_OR, id_terms.begin(), id_terms.end());
        Xapian::Enquire enquire =
            enquire_for(Xapian::Query(Xapian::Query::OP_FILTER, ranked_query(plan), these), *plan.ranking);
        const Xapian::MSet scored = enquire.get_mset(0, static_cast<Xapian::doccount>(hits.size()));
        std::unordered_map<std::string, double> score_of;
        for (auto match = scored.begin(); match != scored.end(); ++match) {
            score_of[analyzers::stored_fields_of(match.get_document())] = match.get_weight();
        }
        for (Hit& hit : hits) hit.score = score_of[hit.stored_json];
    }

    void highlight_titles(std::vector<Hit>& hits, const TextQuery& text, const HighlightOptions& options) {
        const std::unordered_set<std::string> terms(text.match_terms.begin(), text.match_terms.end());
        const HighlightTags tags{options.pre, options.post, options.escape_html};
        for (Hit& hit : hits) {
            const auto listing = analyzers::listing_from_stored_json(hit.stored_json);
            hit.highlighted_title = highlighter_.highlight(listing.title, terms, tags);
            if (!options.all_fields) continue;
            hit.highlighted_fields = {{"title", hit.highlighted_title},
                                      {"description", highlighter_.highlight(listing.description, terms, tags)},
                                      {"brand", highlighter_.highlight(listing.brand, terms, tags)},
                                      {"category", highlighter_.highlight(listing.category, terms, tags)}};
        }
    }


    static double now_seconds() {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    const std::shared_ptr<const ShardSnapshots>& snapshots() const { return snapshots_; }

    std::vector<ShardView> shard_views() {
        auto snapshots = this->snapshots();
        std::vector<ShardView> views;
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) views.push_back({shards_[shard], (*snapshots)[shard]});
        return views;
    }

    const ServiceOptions& options_;
    const analyzers::Lexicon& lexicon_;
    QueryBuilder builder_;
    SnapshotCaches& caches_;
    RankingSource ranking_source_;
    ResultCache& results_;
    Highlighter highlighter_;
    std::shared_ptr<const SpellingDictionary> spelling_;
    std::vector<Xapian::Database> shards_;  // the same shards, one by one, for facet counting
    std::shared_ptr<const FieldVocabulary> vocabulary_;
    std::shared_ptr<const ShardSnapshots> snapshots_;
    Xapian::Database database_;
    std::uint64_t remote_changes_ = 0;  // the remote database's version, as far as reopen() tells
    analyzers::Generation generation_;
    Clock::time_point last_refresh_;
};

class SearchService::SearcherPool {
public:
    SearcherPool(ServiceOptions options, RankingSource ranking_source)
        : options_(std::move(options)),
          lexicon_(analyzers::load_lexicon(options_.data_dir)),
          ranking_source_(std::move(ranking_source)),
          results_(options_.result_cache_entries, options_.result_cache_max_stale),
          caches_(IndexSource{options_.index_dir, options_.remote_stub}) {
        release(make_searcher());  // fail at start if there is no index
    }

    // Runs `work` with a searcher no other thread is using.
    template <typename Work>
    auto with_searcher(Work work) {
        std::unique_ptr<Searcher> searcher = acquire();
        try {
            auto result = work(*searcher);
            release(std::move(searcher));
            return result;
        } catch (const Xapian::Error& error) {
            // Drop the searcher: its database handle may be unusable.
            throw std::runtime_error("index read failed: " + error.get_description());
        }
    }

private:
    std::unique_ptr<Searcher> acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto searcher = std::move(idle_.back());
                idle_.pop_back();
                return searcher;
            }
        }
        return make_searcher();
    }

    std::unique_ptr<Searcher> make_searcher() {
        return std::make_unique<Searcher>(options_, lexicon_, caches_, ranking_source_, results_);
    }

    void release(std::unique_ptr<Searcher> searcher) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(searcher));
    }

    ServiceOptions options_;
    analyzers::Lexicon lexicon_;
    RankingSource ranking_source_;
    ResultCache results_;
    SnapshotCaches caches_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Searcher>> idle_;
};

SearchService::SearchService(ServiceOptions options)
    : index_dir_(options.index_dir), ranking_config_path_(options.ranking_config) {
    reload_ranking();
    try {
        pool_ = std::make_unique<SearcherPool>(std::move(options), [this] { return ranking(); });
    } catch (const Xapian::Error& error) {
        throw std::runtime_error("cannot open index: " + error.get_description());
    }
}

SearchService::~SearchService() = default;

SearchResult SearchService::search(const SearchRequest& request) {
    return pool_->with_searcher([&](Searcher& searcher) { return searcher.search(request); });
}

std::uint64_t SearchService::serving_generation() const {
    const auto serving = analyzers::serving_generation(index_dir_);
    return serving ? serving->number : 0;
}

void SearchService::reload_ranking() {
    auto loaded = std::make_shared<const RankingConfig>(
        ranking_config_path_.empty() ? RankingConfig{} : RankingConfig::load(ranking_config_path_));
    std::lock_guard lock(ranking_mutex_);
    ranking_ = std::move(loaded);
}

std::shared_ptr<const RankingConfig> SearchService::ranking() const {
    std::lock_guard lock(ranking_mutex_);
    return ranking_;
}

std::uint64_t SearchService::document_count() {
    return pool_->with_searcher([](Searcher& searcher) { return searcher.document_count(); });
}

}  // namespace query
