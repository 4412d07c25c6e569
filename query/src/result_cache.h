// Recent search results, so that the popular queries of the moment (a
// marketplace's query log is heavily skewed) are answered without
// matching again.
//
// An entry is served while the index is unchanged since it was computed,
// and for at most `max_stale` after the index changes: while listings
// stream in, a result may lag the index by that much more, which keeps new
// listings visible within a second (commit 250 ms + refresh 200 ms +
// 250 ms here).
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "index_identity.h"
#include "query/ranking.h"
#include "query/search_request.h"
#include "query/search_result.h"

namespace query {

// Thread-safe (one mutex; a lookup or store is a few hash and list operations).
class ResultCache {
public:
    using Clock = std::chrono::steady_clock;

    ResultCache(std::size_t max_entries, std::chrono::milliseconds max_stale);

    using Ranking = std::shared_ptr<const RankingConfig>;

    // A stored result for `key`, computed with this ranking config on index
    // `version` (or later commits to its generation) or, within max_stale,
    // on any other version: an older one, or another generation.
    std::optional<SearchResult> find(const std::string& key, const IndexVersion& version, const Ranking& ranking);
    void store(const std::string& key, IndexVersion version, Ranking ranking, const SearchResult& result);
    bool enabled() const { return max_entries_ > 0; }

private:
    struct Entry {
        std::string key;
        IndexVersion version;
        Clock::time_point stored_at;
        Ranking ranking;  // a reloaded config makes the entry useless
        SearchResult result;
    };
    std::size_t max_entries_;
    std::chrono::milliseconds max_stale_;
    std::mutex mutex_;
    std::list<Entry> entries_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// Everything in a request that changes its result, as one string.
std::string cache_key(const SearchRequest& request);

}  // namespace query
