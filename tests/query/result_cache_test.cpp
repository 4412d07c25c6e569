#include <doctest/doctest.h>

#include <thread>

#include "index_fixture.h"
#include "result_cache.h"

using namespace query;

namespace {

SearchResult result_with_total(std::uint64_t total) {
    SearchResult result;
    result.total = total;
    return result;
}

const auto ranking = std::make_shared<const RankingConfig>();

IndexVersion at(std::uint64_t commits, std::string generation = "generation 1") {
    return {.generation = std::move(generation), .commits = commits};
}

}  // namespace

TEST_CASE("a cached result is served while the index is unchanged, and briefly after it changes") {
    ResultCache cache(10, std::chrono::milliseconds(50));
    cache.store("nike", at(7), ranking, result_with_total(3));
    REQUIRE(cache.find("nike", at(7), ranking));
    CHECK(cache.find("nike", at(7), ranking)->total == 3);
    CHECK_FALSE(cache.find("adidas", at(7), ranking));
    CHECK(cache.find("nike", at(8), ranking));  // the index moved on, but the entry is fresh
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    CHECK_FALSE(cache.find("nike", at(8), ranking));  // too stale now
    CHECK(cache.find("nike", at(7), ranking));        // still exact for a searcher on version 7
}

TEST_CASE("a result from another index is not current, whatever its numbers: an index rebuilt from scratch") {
    ResultCache cache(10, std::chrono::milliseconds(50));
    cache.store("nike", at(9, "old index"), ranking, result_with_total(800));
    // Its numbers start again: before, the old entry's higher version counted as newer.
    CHECK(cache.find("nike", at(2, "new index"), ranking));  // within the stale time
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    CHECK_FALSE(cache.find("nike", at(2, "new index"), ranking));
    CHECK(cache.find("nike", at(9, "old index"), ranking));
}

// Regression: after every listing was deleted, an empty query computed on
// the snapshots built before the delete (3,000 matches) was stored as
// current, and served as such after the snapshots were rebuilt: until the
// next commit, whatever the time.
TEST_CASE("a result computed on snapshots older than the shards is not current once the snapshots are rebuilt") {
    ResultCache cache(10, std::chrono::milliseconds(50));
    const IndexVersion before_rebuild{.generation = "generation 1", .commits = 9, .snapshot_commits = 7};
    const IndexVersion after_rebuild{.generation = "generation 1", .commits = 9, .snapshot_commits = 9};
    cache.store("", before_rebuild, ranking, result_with_total(3000));
    CHECK(cache.find("", before_rebuild, ranking));  // the same inputs give the same result
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    CHECK(cache.find("", before_rebuild, ranking));
    CHECK_FALSE(cache.find("", after_rebuild, ranking));
}

TEST_CASE("a reloaded ranking config makes cached results useless") {
    ResultCache cache(10, std::chrono::milliseconds(1000));
    cache.store("nike", at(7), ranking, result_with_total(3));
    CHECK_FALSE(cache.find("nike", at(7), std::make_shared<const RankingConfig>()));
}

TEST_CASE("the least recently used result goes first when the cache is full") {
    ResultCache cache(2, std::chrono::milliseconds(1000));
    cache.store("a", at(1), ranking, result_with_total(1));
    cache.store("b", at(1), ranking, result_with_total(2));
    CHECK(cache.find("a", at(1), ranking));  // "a" is now the most recent
    cache.store("c", at(1), ranking, result_with_total(3));
    CHECK(cache.find("a", at(1), ranking));
    CHECK_FALSE(cache.find("b", at(1), ranking));
    CHECK(cache.find("c", at(1), ranking));
    ResultCache off(0, std::chrono::milliseconds(1000));
    off.store("a", at(1), ranking, result_with_total(1));
    CHECK_FALSE(off.find("a", at(1), ranking));
}

TEST_CASE("cache keys tell apart every part of a request") {
    const SearchRequest plain{.text = "nike"};
    CHECK(cache_key(plain) == cache_key(SearchRequest{.text = "nike"}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .offset = 20}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .filters = {.brands = {"Nike"}}}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .filters = {.price_max = 10}}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .filters = {.price_min = 10}}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .sort = SortOrder::newest}));
    CHECK(cache_key(plain) != cache_key(SearchRequest{.text = "nike", .facets = {.brand = true}}));
}

TEST_CASE("a repeated search is answered from the cache, and a new listing still shows at once when asked") {
    test_support::TempDir dir;
    query_test::build_index(dir, R"({"id":"a","title":"Nike Air Max","price":80})" "\n");
    SearchService service({.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                           .refresh_interval = std::chrono::milliseconds(0),
                           .result_cache_max_stale = std::chrono::milliseconds(0)});
    CHECK_FALSE(service.search({.text = "nike"}).cached);
    const SearchResult again = service.search({.text = "nike"});
    CHECK(again.cached);
    CHECK(query_test::ids_of(again) == std::vector<std::string>{"a"});

    query_test::follow_once(dir, R"({"id":"b","title":"Nike Dunk","price":70})" "\n");
    const SearchResult after = service.search({.text = "nike"});
    CHECK_FALSE(after.cached);
    CHECK(after.total == 2);
}
