// The search service: answers buyers' queries from the serving generation
// of the sharded index, seeing new commits and generation swaps by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "query/ranking.h"
#include "query/search_request.h"
#include "query/search_result.h"

namespace query {

struct ServiceOptions {
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;  // synonyms.txt, brand_aliases.txt
    std::filesystem::path ranking_config;  // empty: built-in defaults
    // A Xapian stub of "remote HOST:PORT" lines, one per shard served by
    // xapian-tcpsrv: search those instead of index_dir. Facets then go
    // through Xapian's ValueCountMatchSpy and the freshness signal is off
    // (the stock server cannot run our posting source).
    std::filesystem::path remote_stub;
    // How stale a searcher may be before it looks for new commits. Looking
    // costs a few small file reads, so by default every request does: a
    // handle even 100 ms old made ~10% of requests under a 50 listings/s
    // feed fail on a discarded revision and start again.
    std::chrono::milliseconds refresh_interval{0};
    // Recent results kept (0 turns the cache off), and how long one may be
    // served after the index changed under it.
    std::size_t result_cache_entries = 4096;
    std::chrono::milliseconds result_cache_max_stale{250};
    // Rank text queries' candidates on the shard snapshots before Xapian's
    // matcher weighs them (off: the matcher weighs every match; same results).
    bool snapshot_scoring = true;
};

class ResultCache;

// Thread-safe: any number of threads may search at once (each borrows a
// searcher of its own from a pool).
class SearchService {
public:
    // Throws IndexError when there is no index to serve yet, RequestError
    // when the ranking config is bad, std::runtime_error when the data
    // files (synonyms, brand aliases) are malformed.
    explicit SearchService(ServiceOptions options);
    ~SearchService();

    // Throws RequestError for a request that cannot be answered as asked,
    // IndexError when the index cannot be read.
    SearchResult search(const SearchRequest& request);
    std::uint64_t document_count();
    // The generation CURRENT points at (what searchers switch to next).
    std::uint64_t serving_generation() const;

    // Rereads the ranking config file; requests already running finish with
    // the old one. Throws RequestError (keeping the old config) if the file
    // is bad.
    void reload_ranking();
    std::shared_ptr<const RankingConfig> ranking() const;

private:
    class SearcherPool;
    std::filesystem::path index_dir_;
    std::filesystem::path ranking_config_path_;
    mutable std::mutex ranking_mutex_;
    std::shared_ptr<const RankingConfig> ranking_;
    std::unique_ptr<ResultCache> results_;
    std::unique_ptr<SearcherPool> pool_;
};

}  // namespace query
