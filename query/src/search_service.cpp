#include "query/search_service.h"

#include <chrono>
#include <mutex>

#include <xapian.h>

#include "analyzers/index_layout.h"
#include "analyzers/synonyms.h"
#include "index_view.h"
#include "query/errors.h"
#include "result_cache.h"
#include "searcher.h"
#include "shard_tasks.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A Xapian failure the searcher could not get past, as the engine's error.
IndexError index_error_of(const Xapian::Error& error, std::string_view doing) {
    const bool corrupt = std::string_view(error.get_type()) == "DatabaseCorruptError";
    return IndexError(corrupt ? IndexError::Kind::corrupt : IndexError::Kind::unavailable,
                      std::string(doing) + ": " + error.get_description());
}

}  // namespace

// The searchers not in use, handed out one per concurrent request.
// Thread-safe.
class SearchService::SearcherPool {
public:
    // Opens one searcher at once, so that a missing index fails here.
    explicit SearcherPool(ServiceOptions options)
        : options_(std::move(options)),
          lexicon_(analyzers::load_lexicon(options_.data_dir)),
          views_(IndexViews::open(options_)) {
        release(make_searcher());
    }

    IndexHealth check_health() const { return views_->check_health(); }

    // Runs `work` with a searcher no other thread is using.
    template <typename Work>
    auto with_searcher(Work work) {
        std::unique_ptr<Searcher> searcher = acquire();
        try {
            auto result = work(*searcher);
            release(std::move(searcher));
            return result;
        } catch (const Xapian::Error& error) {
            // Drop the searcher: its database handles may be unusable.
            throw index_error_of(error, "index read failed");
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
        try {
            return std::make_unique<Searcher>(views_->new_view(), lexicon_);
        } catch (const Xapian::Error& error) {
            throw index_error_of(error, "cannot open index");
        }
    }

    void release(std::unique_ptr<Searcher> searcher) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(searcher));
    }

    // The views and searchers refer to options_ and lexicon_: declared first,
    // they are destroyed last.
    const ServiceOptions options_;
    const analyzers::Lexicon lexicon_;
    std::unique_ptr<IndexViews> views_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Searcher>> idle_;
};

SearchService::SearchService(ServiceOptions options)
    : index_dir_(options.index_dir),
      ranking_config_path_(options.ranking_config),
      results_(std::make_unique<ResultCache>(options.result_cache_entries, options.result_cache_max_stale)) {
    reload_ranking();
    pool_ = std::make_unique<SearcherPool>(std::move(options));
}

SearchService::~SearchService() = default;

SearchResult SearchService::search(const SearchRequest& request) {
    const RunningRequest running;  // whether its shards may go side by side
    return pool_->with_searcher([&](Searcher& searcher) {
        const auto started = Clock::now();
        searcher.refresh();
        const std::shared_ptr<const RankingConfig> config = ranking();
        const std::string key = cache_key(request);
        const IndexVersion version = searcher.version();
        if (auto cached = request.latest ? std::nullopt : results_->find(key, version, config)) {
            cached->cached = true;
            cached->took_ms = milliseconds_since(started);
            return std::move(*cached);
        }
        SearchResult result = searcher.search(request, config);
        results_->store(key, version, config, result);
        return result;
    });
}

std::uint64_t SearchService::document_count() {
    return pool_->with_searcher([](Searcher& searcher) {
        searcher.refresh();
        return searcher.document_count();
    });
}

DeltaCounts SearchService::delta_counts() {
    return pool_->with_searcher([](Searcher& searcher) {
        searcher.refresh();
        return searcher.delta_counts();
    });
}

IndexProgress SearchService::progress() {
    return pool_->with_searcher([](Searcher& searcher) {
        searcher.refresh();
        const IndexVersion version = searcher.version();
        return IndexProgress{.generation = version.generation,
                             .commits = version.commits,
                             .snapshot_commits = version.snapshot_commits};
    });
}

IndexHealth SearchService::check_health() const { return pool_->check_health(); }

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

}  // namespace query
