#include "query/search_service.h"

#include <functional>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/field_vocabulary.h"
#include "analyzers/index_layout.h"
#include "analyzers/query_builder.h"
#include "analyzers/synonyms.h"
#include "facets.h"
#include "filters.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// New brands and categories become searchable as such, and facet columns
// catch up with updated listings, within this long.
constexpr auto derived_data_max_age = std::chrono::seconds(2);

}  // namespace

// Data derived from an index snapshot (the brand and category vocabulary,
// the facet columns), shared by all searchers and rebuilt when the index
// has changed and the copy is older than derived_data_max_age.
template <typename Derived, typename Source>
class SnapshotCache {
public:
    using Builder = std::function<std::shared_ptr<const Derived>(const Source&)>;
    explicit SnapshotCache(Builder build) : build_(std::move(build)) {}

    // A new generation has new docids: its data is always rebuilt.
    std::shared_ptr<const Derived> get(const Source& database, std::uint64_t generation, bool changed) {
        std::lock_guard lock(mutex_);
        const bool stale = changed && Clock::now() - built_at_ >= derived_data_max_age;
        if (!current_ || stale || generation != generation_) {
            current_ = build_(database);
            built_at_ = Clock::now();
            generation_ = generation;
        }
        return current_;
    }

private:
    Builder build_;
    std::mutex mutex_;
    std::shared_ptr<const Derived> current_;
    Clock::time_point built_at_;
    std::uint64_t generation_ = 0;
};

using ShardColumns = std::vector<std::shared_ptr<const FacetColumns>>;

struct SnapshotCaches {
    SnapshotCache<analyzers::FieldVocabulary, Xapian::Database> vocabulary{[](const Xapian::Database& database) {
        analyzers::TextAnalyzer analyzer;
        return std::make_shared<const analyzers::FieldVocabulary>(
            analyzers::FieldVocabulary::from_database(database, analyzer));
    }};
    SnapshotCache<ShardColumns, std::vector<Xapian::Database>> facet_columns{
        [](const std::vector<Xapian::Database>& shards) {
            auto columns = std::make_shared<ShardColumns>();
            for (const auto& shard : shards) columns->push_back(FacetColumns::build(shard));
            return std::shared_ptr<const ShardColumns>(std::move(columns));
        }};
};

// One thread's view of the index. Xapian::Database is not thread-safe, so
// each concurrent request borrows its own Searcher from the pool.
class SearchService::Searcher {
public:
    Searcher(const ServiceOptions& options, const analyzers::Lexicon& lexicon, SnapshotCaches& caches)
        : options_(options), lexicon_(lexicon), builder_(lexicon), caches_(caches) {
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
        const analyzers::TextQuery text_query = builder_.build(request.text, {}, vocabulary_.get());
        const Xapian::Query matches_typed = text_query.all_words();
        Xapian::Enquire enquire(database_);
        enquire.set_query(apply_filters(matches_typed, request.filters, builder_.analyzer(), lexicon_));
        set_sort(enquire, request.sort);
        const Xapian::MSet matches = enquire.get_mset(static_cast<Xapian::doccount>(request.offset),
                                                      static_cast<Xapian::doccount>(request.limit));
        SearchResult result;
        result.total = matches.get_matches_estimated();
        result.total_exact = matches.get_matches_lower_bound() == matches.get_matches_upper_bound();
        if (request.facets.any()) {
            FacetCountingResult counted = count_facets(shard_views(), request, [&](const Filters& filters) {
                return apply_filters(matches_typed, filters, builder_.analyzer(), lexicon_);
            });
            result.facets = std::move(counted.counts);
            result.total = counted.matches;  // every match was visited: exact
            result.total_exact = true;
        }
        for (auto match = matches.begin(); match != matches.end(); ++match) {
            result.hits.push_back({match.get_weight(), analyzers::stored_fields_of(match.get_document())});
        }
        result.took_ms = milliseconds_since(started);
        return result;
    }

    std::vector<ShardView> shard_views() {
        auto columns = caches_.facet_columns.get(shards_, generation_, changed_since_snapshot_);
        changed_since_snapshot_ = false;
        std::vector<ShardView> views;
        for (std::size_t shard = 0; shard < shards_.size(); ++shard) views.push_back({shards_[shard], (*columns)[shard]});
        return views;
    }

    const ServiceOptions& options_;
    const analyzers::Lexicon& lexicon_;
    analyzers::QueryBuilder builder_;
    SnapshotCaches& caches_;
    std::vector<Xapian::Database> shards_;  // the same shards, one by one, for facet counting
    std::shared_ptr<const analyzers::FieldVocabulary> vocabulary_;
    bool changed_since_snapshot_ = true;
    Xapian::Database database_;
    std::uint64_t generation_ = 0;
    Clock::time_point last_refresh_;
};

class SearchService::SearcherPool {
public:
    explicit SearcherPool(ServiceOptions options)
        : options_(std::move(options)), lexicon_(analyzers::load_lexicon(options_.data_dir)) {
        release(std::make_unique<Searcher>(options_, lexicon_, caches_));  // fail at start if there is no index
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
        return std::make_unique<Searcher>(options_, lexicon_, caches_);
    }

    void release(std::unique_ptr<Searcher> searcher) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(searcher));
    }

    ServiceOptions options_;
    analyzers::Lexicon lexicon_;
    SnapshotCaches caches_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Searcher>> idle_;
};

SearchService::SearchService(ServiceOptions options) : index_dir_(options.index_dir) {
    try {
        pool_ = std::make_unique<SearcherPool>(std::move(options));
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

std::uint64_t SearchService::document_count() {
    return pool_->with_searcher([](Searcher& searcher) { return searcher.document_count(); });
}

}  // namespace query
