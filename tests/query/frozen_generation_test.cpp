// A frozen generation (listing-indexer build --no-termlists) followed
// through its deltas must answer as a usual generation followed with the
// same lines: the replaced base listings never match, whichever path ranks
// or counts (snapshots, Xapian's matcher, sorted columns, facets, explain).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "index_fixture.h"
#include "query/inspector.h"

using namespace query;
using query_test::ids_of;

namespace {

const char* brands[] = {"Nike", "Adidas", "Sony", "Apple", "Coach"};
const char* things[] = {"sneakers", "hoodie", "headphones", "watch", "bag", "wallet", "cap", "jacket"};

std::string catalog() {
    std::string feed;
    for (int n = 0; n < 40; ++n) {
        feed += fmt::format(R"({{"id":"L{:02}","title":"{} {} {}","brand":"{}","category":"Men/Things/{}",)"
                            R"("price":{},"condition":{},"created_at":{}}})",
                            n, brands[n % 5], things[n % 8], n % 3 == 0 ? "black" : "white", brands[n % 5],
                            things[n % 8], 10 + n, 1 + n % 5, 1700000000 + n * 3600) +
                "\n";
    }
    return feed;
}

// Updates (a new title, brand or price), deletes, sold marks and new listings.
std::string changes() {
    std::string feed;
    for (int n : {1, 6, 11, 16, 21, 26, 31, 36}) {
        feed += fmt::format(R"({{"id":"L{:02}","title":"renamed {} {}","brand":"{}","category":"Women/Other/{}",)"
                            R"("price":{},"created_at":{}}})",
                            n, brands[(n + 1) % 5], things[(n + 3) % 8], brands[(n + 1) % 5], things[(n + 3) % 8],
                            100 + n, 1750000000 + n) +
                "\n";
    }
    for (int n : {2, 12, 22, 32, 39}) feed += fmt::format(R"({{"op":"delete","id":"L{:02}"}})", n) + "\n";
    for (int n : {3, 13, 23, 33, 38}) feed += fmt::format(R"({{"op":"sold","id":"L{:02}"}})", n) + "\n";
    for (int n = 0; n < 6; ++n) {
        feed += fmt::format(R"({{"id":"N{}","title":"new {} {}","brand":"{}","price":{},"created_at":{}}})", n,
                            brands[n % 5], things[n % 8], brands[n % 5], 5 + n, 1760000000 + n) +
                "\n";
    }
    return feed;
}

// The catalog and its changes, applied by the follower after the build, or
// (`built_together`) built from one feed.
struct Followed {
    test_support::TempDir dir;
    std::unique_ptr<SearchService> service;

    Followed(bool frozen, bool snapshot_scoring, bool built_together = false) {
        if (built_together) {
            query_test::build_index(dir, catalog() + changes(), frozen);
        } else {
            query_test::build_index(dir, catalog(), frozen);
            query_test::follow_once(dir, changes());
        }
        service = std::make_unique<SearchService>(ServiceOptions{
            .index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
            .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\nfreshness.weight = 0\n"),
            .result_cache_entries = 0, .snapshot_scoring = snapshot_scoring});
    }
};

std::string facets_of(const SearchResult& result) {
    if (!result.facets) return "";
    std::string text;
    for (const auto* counts : {&result.facets->brand, &result.facets->category_1, &result.facets->status}) {
        for (const auto& [value, count] : *counts) text += fmt::format("{}={} ", value, count);
        text += "| ";
    }
    return text;
}

std::vector<SearchRequest> requests() {
    std::vector<SearchRequest> all;
    const FacetRequest facets{.brand = true, .category = true, .status = true};
    for (const std::string text : {"", "nike", "renamed", "sneakers", "white", "black hoodie", "coach bag", "new",
                                   "headphones", "sony watch", "apple"}) {
        for (const SortOrder sort : {SortOrder::relevance, SortOrder::price_asc, SortOrder::newest}) {
            for (const StatusFilter status : {StatusFilter::on_sale, StatusFilter::any}) {
                all.push_back({.text = text, .limit = 50, .filters = {.status = status}, .sort = sort,
                               .facets = facets});
            }
        }
        all.push_back({.text = text, .limit = 50, .filters = {.brands = {"Nike"}}, .facets = facets});
        all.push_back({.text = text, .limit = 50, .filters = {.price_max = 60}, .facets = facets});
    }
    return all;
}

}  // namespace

TEST_CASE("a frozen generation answers as a usual one given the same lines, its replaced listings never matching") {
    for (const auto& [snapshot_scoring, built_together] : {std::pair{true, false}, {false, false}, {true, true}}) {
        CAPTURE(snapshot_scoring);
        CAPTURE(built_together);
        Followed usual(false, snapshot_scoring, built_together), frozen(true, snapshot_scoring, built_together);
        for (const SearchRequest& request : requests()) {
            CAPTURE(request.text);
            CAPTURE(static_cast<int>(request.sort));
            CAPTURE(static_cast<int>(request.filters.status));
            const SearchResult expected = usual.service->search(request);
            const SearchResult found = frozen.service->search(request);
            CHECK(found.total == expected.total);
            CHECK(facets_of(found) == facets_of(expected));
            auto found_ids = ids_of(found), expected_ids = ids_of(expected);
            CHECK(std::set<std::string>(found_ids.begin(), found_ids.end()).size() == found_ids.size());  // once each
            if (request.sort != SortOrder::relevance) CHECK(found_ids == expected_ids);  // columns: no statistics
            std::sort(found_ids.begin(), found_ids.end());
            std::sort(expected_ids.begin(), expected_ids.end());
            CHECK(found_ids == expected_ids);
            for (const auto& hit : found.hits) {
                // What is shown is the delta's version: no base title of a renamed listing.
                const auto listing = analyzers::listing_from_stored_json(hit.stored_json);
                const bool renamed_id = listing.id == "L01" || listing.id == "L06" || listing.id == "L11";
                if (renamed_id) CHECK_MESSAGE(listing.title.rfind("renamed", 0) == 0, std::string(listing.id + " " + listing.title));
            }
        }
        CHECK(frozen.service->check_health().ready());
    }
}

TEST_CASE("explain and a diagnosis read a replaced listing's new version in a frozen generation") {
    Followed frozen(true, true);
    Inspector inspector(ServiceOptions{.index_dir = frozen.dir / "index",
                                       .data_dir = test_support::project_data_dir(),
                                       .ranking_config = frozen.dir / "ranking.conf"});
    // L01 was "Adidas hoodie white"; it is "renamed Sony bag" now.
    const auto old_words = inspector.diagnose({.text = "adidas hoodie"}, "L01");
    CHECK(old_words.found);
    CHECK_FALSE(old_words.matches);
    const auto new_words = inspector.diagnose({.text = "renamed bag"}, "L01");
    CHECK(new_words.matches);
    CHECK(new_words.rank >= 1);
    const auto explanation = inspector.explain({.text = "renamed bag"}, "L01");
    CHECK(explanation.score > 0);
    CHECK_FALSE(inspector.diagnose({.text = "nike"}, "L02").matches);  // deleted: only the base copy is left
}

TEST_CASE("a frozen generation's service sees a follower's replacements at its next request") {
    test_support::TempDir dir;
    query_test::build_index(dir, catalog(), true);
    SearchService service(ServiceOptions{.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                                         .result_cache_entries = 0});
    CHECK(service.search({.text = "renamed"}).hits.empty());
    const auto before = service.search({.text = "", .limit = 100}).total;
    CHECK(service.document_count() == 40);
    CHECK(service.delta_counts().listings == 0);
    CHECK(service.delta_counts().replaced == 0);
    query_test::follow_once(dir, changes());
    const auto renamed = ids_of(service.search({.text = "renamed", .limit = 50}));
    CHECK(renamed.size() == 8);
    const auto old_title = ids_of(service.search({.text = "adidas hoodie white", .limit = 50}));  // L01's old title
    CHECK(std::find(old_title.begin(), old_title.end(), "L01") == old_title.end());
    CHECK(service.search({.text = "", .limit = 100}).total == before - 5 - 5 + 6);  // deleted, sold, new
    const auto health = service.check_health();
    std::uint64_t documents = 0;
    for (const auto& shard : health.shards) documents += shard.documents;
    CHECK(documents == 40 - 5 + 6);  // sold listings are still listings
    CHECK(service.document_count() == 40 - 5 + 6);
    CHECK(service.delta_counts().listings == 8 + 5 + 6);  // updated, sold (indexed again), new
    CHECK(service.delta_counts().replaced == 8 + 5 + 5);  // updated, deleted, sold
}
