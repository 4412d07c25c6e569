// Builds a small real index from JSON lines, for the query tests.
#pragma once

#include <string>
#include <vector>

#include "analyzers/listing.h"
#include "indexer/indexer.h"
#include "query/search_service.h"
#include "test_support.h"

namespace query_test {

// `frozen`: a generation without termlists (listing-indexer build --no-termlists).
inline void build_index(const test_support::TempDir& dir, const std::string& feed, bool frozen = false) {
    test_support::write_file(dir / "feed.jsonl", feed);
    indexer::FeedOptions options;
    options.feed = dir / "feed.jsonl";
    options.index_dir = dir / "index";
    options.data_dir = test_support::project_data_dir();
    options.shard_count = 2;
    options.no_termlists = frozen;
    options.on_notice = [](const std::string&) {};
    indexer::build_generation(options);
}

// Applies more feed lines to the index in `dir`, as the follower would.
inline void follow_once(const test_support::TempDir& dir, const std::string& feed) {
    test_support::write_file(dir / "more.jsonl", feed);
    indexer::FollowOptions follow;
    follow.feed.feed = dir / "more.jsonl";
    follow.feed.index_dir = dir / "index";
    follow.feed.data_dir = test_support::project_data_dir();
    follow.follow = false;
    indexer::follow_feed(follow);
}

inline std::vector<std::string> ids_of(const query::SearchResult& result) {
    std::vector<std::string> ids;
    for (const auto& hit : result.hits) ids.push_back(analyzers::listing_from_stored_json(hit.stored_json).id);
    return ids;
}

// A ranking config file in `dir` with these lines (defaults otherwise).
inline std::filesystem::path ranking_file(const test_support::TempDir& dir, const std::string& lines,
                                          const std::string& name = "ranking.conf") {
    test_support::write_file(dir / name, lines);
    return dir / name;
}

// A feed line of a listing with this title (price 10, a fixed date).
inline std::string titled_listing(const std::string& id, const std::string& title) {
    return R"({"id":")" + id + R"(","title":")" + title + R"(","price":10,"created_at":1700000000})" "\n";
}

// The service over dir/index with a ranking config of these lines, and no
// result cache.
inline query::ServiceOptions options_with_ranking(const test_support::TempDir& dir, const std::string& lines) {
    return query::ServiceOptions{.index_dir = dir / "index",
                                 .data_dir = test_support::project_data_dir(),
                                 .ranking_config = ranking_file(dir, lines),
                                 .result_cache_entries = 0};
}

}  // namespace query_test
