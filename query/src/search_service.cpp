#include "query/search_service.h"

#include <functional>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/field_vocabulary.h"
#include "analyzers/index_layout.h"
#include "analyzers/query_builder.h"
#include "analyzers/synonyms.h"
#include "analyzers/highlighter.h"
#include "facets.h"
#include "filters.h"
#include "ranking_signals.h"
#include "spelling.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// New brands and categories become searchable as such, and facet columns
// catch up with updated listings, within this long.
constexpr auto derived_data_max_age = std::chrono::seconds(2);
// New words reach "did you mean" within this long: the dictionary takes a
// moment to build, and a new word is rarely the correction a buyer needs.
constexpr auto spelling_max_age = std::chrono::minutes(5);

}  // namespace

// Data derived from an index snapshot (the brand and category vocabulary,
// the facet columns), shared by all searchers and rebuilt when the index
// has changed and the copy is older than its max age.
template <typename Derived, typename Source>
class SnapshotCache {
public:
    using Builder = std::function<std::shared_ptr<const Derived>(const Source&)>;
    explicit SnapshotCache(Builder build, Clock::duration max_age = derived_data_max_age)
        : build_(std::move(build)), max_age_(max_age) {}

    // A new generation has new docids: its data is always rebuilt.
    std::shared_ptr<const Derived> get(const Source& database, std::uint64_t generation, bool changed) {
        std::lock_guard lock(mutex_);
        const bool stale = changed && Clock::now() - built_at_ >= max_age_;
        if (!current_ || stale || generation != generation_) {
            current_ = build_(database);
            built_at_ = Clock::now();
            generation_ = generation;
        }
        return current_;
    }

private:
    Builder build_;
    Clock::duration max_age_;
    std::mutex mutex_;
    std::shared_ptr<const Derived> current_;
    Clock::time_point built_at_;
    std::uint64_t generation_ = 0;
};


struct SnapshotCaches {
    SnapshotCache<analyzers::FieldVocabulary, Xapian::Database> vocabulary{[](const Xapian::Database& database) {
        analyzers::TextAnalyzer analyzer;
        return std::make_shared<const analyzers::FieldVocabulary>(
            analyzers::FieldVocabulary::from_database(database, analyzer));
    }};
    SnapshotCache<ShardSnapshots, std::vector<Xapian::Database>> shard_snapshots{
        [](const std::vector<Xapian::Database>& shards) {
            auto snapshots = std::make_shared<ShardSnapshots>();
            for (const auto& shard : shards) snapshots->push_back(ShardSnapshot::build(shard));
            return std::shared_ptr<const ShardSnapshots>(std::move(snapshots));
        }};
    SnapshotCache<SpellingDictionary, Xapian::Database> spelling{&SpellingDictionary::build, spelling_max_age};
};

using RankingSource = std::function<std::shared_ptr<const RankingConfig>()>;

// One thread's view of the index. Xapian::Database is not thread-safe, so
// each concurrent request borrows its own Searcher from the pool.
class SearchService::Searcher {
public:
    Searcher(const ServiceOptions& options, const analyzers::Lexicon& lexicon, SnapshotCaches& caches,
             RankingSource ranking_source)
        : options_(options), lexicon_(lexicon), builder_(lexicon), caches_(caches),
          ranking_source_(std::move(ranking_source)) {
        open();
    }

    SearchResult search(const SearchRequest& request) {
        refresh_if_stale();
        try {
            return run(request);
        } catch (const Xapian::DatabaseModifiedError&) {
            // A writer committed twice since we opened: catch up and retry once.
            database_.reopen();
            for (auto& shard : shards_) shard.reopen();
            return run(request);
        }
    }

    std::uint64_t document_count() {
        refresh_if_stale();
        return database_.get_doccount();
    }

private:
    void open() {
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
        generation_ = serving->number;
        last_refresh_ = Clock::now();
        changed_since_snapshot_ = true;
        vocabulary_ = caches_.vocabulary.get(database_, generation_, true);
        spelling_ = caches_.spelling.get(database_, generation_, true);
    }

    // Near-real-time: new commits become visible within refresh_interval,
    // and a new generation is picked up by reopening the stub.
    void refresh_if_stale() {
        if (Clock::now() - last_refresh_ < options_.refresh_interval) return;
        const auto serving = analyzers::serving_generation(options_.index_dir);
        if (serving && serving->number != generation_) {
            open();
            return;
        }
        bool changed = database_.reopen();
        for (auto& shard : shards_) changed = shard.reopen() || changed;
        changed_since_snapshot_ = changed_since_snapshot_ || changed;
        vocabulary_ = caches_.vocabulary.get(database_, generation_, changed);
        spelling_ = caches_.spelling.get(database_, generation_, changed);
        last_refresh_ = Clock::now();
    }

    void set_sort(Xapian::Enquire& enquire, SortOrder sort) const {
        switch (sort) {
            case SortOrder::relevance: break;
            case SortOrder::price_asc: enquire.set_sort_by_value_then_relevance(analyzers::slot::price, false); break;
            case SortOrder::price_desc: enquire.set_sort_by_value_then_relevance(analyzers::slot::price, true); break;
            case SortOrder::newest: enquire.set_sort_by_value_then_relevance(analyzers::slot::created_at, true); break;
        }
    }

    SearchResult run(const SearchRequest& request) {
        const auto started = Clock::now();
        const std::shared_ptr<const RankingConfig> ranking = ranking_source_();
        const analyzers::TextQuery text = builder_.build(request.text, ranking->text, vocabulary_.get());
        const auto filtered = [&](const Xapian::Query& matches, const Filters& filters) {
            return apply_filters(matches, filters, builder_.analyzer(), lexicon_);
        };
        Xapian::Query matches = text.all_words();
        Xapian::MSet page = top_matches(request, *ranking, text, filtered(matches, request.filters));
        SearchResult result;
        const bool too_few = page.get_matches_estimated() < static_cast<Xapian::doccount>(ranking->relax_min_matches);
        if (too_few && text.clauses.size() > 1) {
            matches = text.any_word();
            page = top_matches(request, *ranking, text, filtered(matches, request.filters));
            result.relaxed = true;
        }
        if (too_few) result.suggestion = suggestion_for(request.text, text);
        result.total = page.get_matches_estimated();
        result.total_exact = page.get_matches_lower_bound() == page.get_matches_upper_bound();
        if (request.facets.any()) {
            const FilteredQueries queries{
                [&](const Filters& filters) {
                    return apply_term_filters(matches, filters, builder_.analyzer(), lexicon_);
                },
                [&](const Filters& filters) { return filtered(matches, filters); }};
            FacetCountingResult counted = count_facets(shard_views(), request, queries);
            result.facets = std::move(counted.counts);
            result.total = counted.matches;  // every match was visited: exact
            result.total_exact = true;
        }
        const std::unordered_set<std::string> highlighted(text.match_terms.begin(), text.match_terms.end());
        for (auto match = page.begin(); match != page.end(); ++match) {
            std::string stored = analyzers::stored_fields_of(match.get_document());
            const std::string title = analyzers::listing_from_stored_json(stored).title;
            result.hits.push_back({match.get_weight(), std::move(stored), highlighter_.highlight(title, highlighted)});
        }
        result.took_ms = milliseconds_since(started);
        return result;
    }

    Xapian::MSet top_matches(const SearchRequest& request, const RankingConfig& ranking,
                             const analyzers::TextQuery& text, const Xapian::Query& filtered) {
        const RankingContext context{request.filters.status != StatusFilter::on_sale, now_seconds(), snapshots()};
        Xapian::Enquire enquire(database_);
        enquire.set_weighting_scheme(bm25_of(ranking));
        enquire.set_query(with_business_signals(filtered, text, ranking, context));
        set_sort(enquire, request.sort);
        return enquire.get_mset(static_cast<Xapian::doccount>(request.offset),
                                static_cast<Xapian::doccount>(request.limit));
    }

    // "nikee air max" -> "nike air max": each typed word that no listing
    // contains, replaced by the closest known word. Empty if none is found.
    std::string suggestion_for(const std::string& typed, const analyzers::TextQuery& text) {
        std::unordered_map<std::string, std::string> corrections;
        for (const auto& word : text.words) {
            if (known(word.term)) continue;
            if (auto corrected = spelling_->correct(word.term)) corrections.emplace(word.term, *corrected);
        }
        if (corrections.empty()) return "";
        std::string suggestion;
        std::size_t start = 0;
        while (start < typed.size()) {
            const std::size_t space = std::min(typed.find(' ', start), typed.size());
            std::string token = typed.substr(start, space - start);
            const auto words = builder_.analyzer().analyze(token);
            if (words.size() == 1) {
                if (auto found = corrections.find(words[0].term); found != corrections.end()) token = found->second;
            }
            if (!token.empty()) suggestion += (suggestion.empty() ? "" : " ") + token;
            start = space + 1;
        }
        return suggestion;
    }

    bool known(const std::string& term) {
        for (const auto& field : analyzers::word_fields) {
            if (database_.get_termfreq(std::string(field.prefix) + term) > 0) return true;
        }
        return !vocabulary_->brand_terms(term).empty() || !vocabulary_->category_terms(term).empty();
    }

    static double now_seconds() {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    std::shared_ptr<const ShardSnapshots> snapshots() {
        auto snapshots = caches_.shard_snapshots.get(shards_, generation_, changed_since_snapshot_);
        changed_since_snapshot_ = false;
        return snapshots;
    }

    std::vector<ShardView> shard_views() {
        auto snapshots = this->snapshots();
        std::vector<ShardView> views;
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) views.push_back({shards_[shard], (*snapshots)[shard]});
        return views;
    }

    const ServiceOptions& options_;
    const analyzers::Lexicon& lexicon_;
    analyzers::QueryBuilder builder_;
    SnapshotCaches& caches_;
    RankingSource ranking_source_;
    analyzers::Highlighter highlighter_;
    std::shared_ptr<const SpellingDictionary> spelling_;
    std::vector<Xapian::Database> shards_;  // the same shards, one by one, for facet counting
    std::shared_ptr<const analyzers::FieldVocabulary> vocabulary_;
    bool changed_since_snapshot_ = true;
    Xapian::Database database_;
    std::uint64_t generation_ = 0;
    Clock::time_point last_refresh_;
};

class SearchService::SearcherPool {
public:
    SearcherPool(ServiceOptions options, RankingSource ranking_source)
        : options_(std::move(options)),
          lexicon_(analyzers::load_lexicon(options_.data_dir)),
          ranking_source_(std::move(ranking_source)) {
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
        return std::make_unique<Searcher>(options_, lexicon_, caches_, ranking_source_);
    }

    void release(std::unique_ptr<Searcher> searcher) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(searcher));
    }

    ServiceOptions options_;
    analyzers::Lexicon lexicon_;
    RankingSource ranking_source_;
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
