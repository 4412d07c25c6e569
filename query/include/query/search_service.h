// The search service: answers buyers' queries from the serving generation
// of the sharded index, seeing new commits and generation swaps by itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "query/index_health.h"
#include "query/ranking.h"
#include "query/search_request.h"
#include "query/search_result.h"
#include "query/service_options.h"

namespace query {

class ResultCache;

// How far the serving index has come: its generation, its shards' commits,
// and the commits the in-memory snapshots (which count and filter listings
// for empty queries, facets and sorting) were built from: a change shows in
// every answer once snapshot_commits has reached the commits it was seen at.
struct IndexProgress {
    std::string generation;  // an id: numbers repeat when an index is built again
    std::uint64_t commits = 0;
    std::uint64_t snapshot_commits = 0;
};

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
    // The listings served, and what a frozen generation's deltas hold.
    std::uint64_t document_count();
    DeltaCounts delta_counts();
    // Catches up with the index first, as a search does.
    IndexProgress progress();
    // Opens every shard of the serving index afresh and reads a little of
    // each (readiness). Never throws: problems are in the report.
    IndexHealth check_health() const;
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
