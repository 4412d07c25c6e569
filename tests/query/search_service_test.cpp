#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "query/request_checks.h"
#include "index_fixture.h"
#include "index_identity.h"

using namespace query;
using query_test::build_index;
using query_test::ids_of;

namespace {

SearchService open_service(const test_support::TempDir& dir, std::chrono::milliseconds refresh = std::chrono::milliseconds(200)) {
    // Relaxation off, and cached results only while the index is unchanged:
    // these tests check exactly which listings match, at once.
    return SearchService({.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                          .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\n"),
                          .refresh_interval = refresh,
                          .result_cache_max_stale = std::chrono::milliseconds(0)});
}

const char* feed =
    R"({"id":"a","title":"Nike Air Max 90 sneakers","price":80,"brand":"Nike"})" "\n"
    R"({"id":"b","title":"Razer BlackWidow keyboard","price":45,"brand":"Razer"})" "\n"
    R"({"id":"c","title":"Nike running shorts","price":15,"brand":"Nike","status":"sold"})" "\n";

}  // namespace

TEST_CASE("a query finds matching listings across shards, best first") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir);
    CHECK(ids_of(service.search({.text = "razer keyboard"})) == std::vector<std::string>{"b"});
    const auto nike = service.search({.text = "nike air max"});
    CHECK(ids_of(nike) == std::vector<std::string>{"a"});
    CHECK(nike.total == 1);
    CHECK(nike.total_exact);
}

TEST_CASE("sold listings are hidden unless asked for") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir);
    CHECK(ids_of(service.search({.text = "nike"})) == std::vector<std::string>{"a"});
    CHECK(service.search({.text = "nike", .filters = {.status = StatusFilter::any}}).hits.size() == 2);
    CHECK(ids_of(service.search({.text = "nike", .filters = {.status = StatusFilter::sold}})) ==
          std::vector<std::string>{"c"});
}

TEST_CASE("offset and limit page through results") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir);
    const auto all = ids_of(service.search({.text = "", .filters = {.status = StatusFilter::any}}));
    CHECK(all.size() == 3);
    const auto second =
        ids_of(service.search({.text = "", .offset = 1, .limit = 1, .filters = {.status = StatusFilter::any}}));
    CHECK(second == std::vector<std::string>{all[1]});
}

const char* catalog =
    R"({"id":"shoe1","title":"Nike Air Max 90","price":80,"brand":"Nike","category":"Men/Shoes/Athletic","condition":2,"shipping":"seller","created_at":300})" "\n"
    R"({"id":"shoe2","title":"Adidas Ultraboost","price":60,"brand":"Adidas","category":"Men/Shoes/Athletic","condition":1,"shipping":"buyer","created_at":100})" "\n"
    R"({"id":"shoe3","title":"Nike Blazer","price":40,"brand":"Nike","category":"Women/Shoes/Athletic","condition":3,"shipping":"buyer","created_at":200})" "\n"
    R"({"id":"tee","title":"Nike T-Shirt","price":15,"brand":"Nike","category":"Men/Tops/T-shirts","condition":1,"shipping":"seller","created_at":400})" "\n"
    R"({"id":"lulu","title":"Align leggings","price":50,"brand":"Lululemon Athletica","category":"Women/Athletic Apparel/Pants","condition":2,"shipping":"seller","created_at":500})" "\n";

std::set<std::string> found(SearchService& service, Filters filters) {
    auto ids = ids_of(service.search({.text = "", .filters = std::move(filters)}));
    return {ids.begin(), ids.end()};
}

TEST_CASE("filters narrow by brand, category subtree, price, condition and shipping") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir);
    using Ids = std::set<std::string>;
    CHECK(found(service, {.brands = {"nike"}}) == Ids{"shoe1", "shoe3", "tee"});
    CHECK(found(service, {.brands = {"Adidas", "NIKE"}}) == Ids{"shoe1", "shoe2", "shoe3", "tee"});
    CHECK(found(service, {.brands = {"lulu"}}) == Ids{"lulu"});  // through the brand alias
    CHECK(found(service, {.category = "Men"}) == Ids{"shoe1", "shoe2", "tee"});
    CHECK(found(service, {.category = "men/shoes"}) == Ids{"shoe1", "shoe2"});
    CHECK(found(service, {.category = "Men/Shoes/Athletic"}) == Ids{"shoe1", "shoe2"});
    CHECK(found(service, {.price_min = 50}) == Ids{"shoe1", "shoe2", "lulu"});
    CHECK(found(service, {.price_min = 40, .price_max = 60}) == Ids{"shoe2", "shoe3", "lulu"});
    CHECK(found(service, {.price_max = 15}) == Ids{"tee"});
    CHECK(found(service, {.conditions = {1, 3}}) == Ids{"shoe2", "shoe3", "tee"});
    CHECK(found(service, {.shipping = "buyer"}) == Ids{"shoe2", "shoe3"});
    CHECK(found(service, {.brands = {"nike"}, .category = "Men", .shipping = "seller"}) == Ids{"shoe1", "tee"});
    CHECK(ids_of(service.search({.text = "nike shoes", .filters = {.price_max = 50}})) ==
          std::vector<std::string>{"shoe3"});
}

TEST_CASE("results sort by price either way or newest first") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir);
    using Ids = std::vector<std::string>;
    CHECK(ids_of(service.search({.text = "nike", .sort = SortOrder::price_asc})) == Ids{"tee", "shoe3", "shoe1"});
    CHECK(ids_of(service.search({.text = "nike", .sort = SortOrder::price_desc})) == Ids{"shoe1", "shoe3", "tee"});
    CHECK(ids_of(service.search({.text = "", .sort = SortOrder::newest})) ==
          Ids{"lulu", "tee", "shoe1", "shoe3", "shoe2"});
    // Sorted results count every match exactly and carry relevance scores.
    const auto sorted = service.search({.text = "nike", .sort = SortOrder::price_asc});
    CHECK(sorted.total == 3);
    CHECK(sorted.total_exact);
    CHECK(sorted.hits.front().score > 0);
}

TEST_CASE("sorted results include listings indexed after the snapshot, and equal prices go newest first") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    using Ids = std::vector<std::string>;
    CHECK(ids_of(service.search({.text = "", .limit = 1, .sort = SortOrder::newest})) == Ids{"lulu"});
    query_test::follow_once(dir, R"({"id":"fresh","title":"Nike Dunk","price":40,"created_at":900})" "\n");
    CHECK(ids_of(service.search({.text = "", .limit = 1, .sort = SortOrder::newest})) == Ids{"fresh"});
    // shoe3 and the new listing both cost 40: the newer first.
    CHECK(ids_of(service.search({.text = "nike", .sort = SortOrder::price_asc})) == Ids{"tee", "fresh", "shoe3", "shoe1"});
    CHECK(service.search({.text = "nike", .sort = SortOrder::price_asc}).total == 4);
}

// Regression: for up to two seconds after listings were deleted (until the
// snapshots are rebuilt in the background), an empty query sorted by the
// snapshots' columns answered a page one listing short per deletion.
TEST_CASE("a page sorted on the snapshots stays full when listings were deleted since they were built") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    using Ids = std::vector<std::string>;
    REQUIRE(ids_of(service.search({.text = "", .limit = 2, .sort = SortOrder::newest})) == Ids{"lulu", "tee"});
    query_test::follow_once(dir, R"({"op":"delete","id":"lulu"})" "\n" R"({"op":"delete","id":"tee"})" "\n");
    const auto page = service.search({.text = "", .limit = 2, .sort = SortOrder::newest});
    CHECK(ids_of(page) == Ids{"shoe1", "shoe3"});
    CHECK(page.total == 3);
    CHECK(ids_of(service.search({.text = "", .offset = 1, .limit = 2, .sort = SortOrder::newest})) == Ids{"shoe3", "shoe2"});
    CHECK(ids_of(service.search({.text = "", .limit = 5, .sort = SortOrder::price_desc})) == Ids{"shoe1", "shoe2", "shoe3"});
}

TEST_CASE("a new generation is served without restarting") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    CHECK(service.document_count() == 3);
    build_index(dir, R"({"id":"z","title":"Lego set","price":30})" "\n");
    CHECK(service.document_count() == 1);
    CHECK(ids_of(service.search({.text = "lego"})) == std::vector<std::string>{"z"});
}

TEST_CASE("an index directory built again from scratch is served at once, though its generation numbers start again") {
    test_support::TempDir dir;
    build_index(dir, feed);
    // The result cache as served: current while the index is unchanged, 250 ms after it changes.
    SearchService service({.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                           .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\n")});
    using Ids = std::vector<std::string>;
    REQUIRE(ids_of(service.search({.text = "nike"})) == Ids{"a"});
    REQUIRE(service.search({.text = "", .sort = SortOrder::newest}).total == 2);

    std::filesystem::remove_all(dir / "index");
    build_index(dir, R"({"id":"x","title":"Nike Blazer","price":50})" "\n" R"({"id":"y","title":"Lego castle","price":30})" "\n"
                     R"({"id":"z","title":"Lego city","price":20})" "\n");
    REQUIRE(analyzers::serving_generation(dir / "index")->number == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the cache's stale allowance
    // The cached answer, the searchers' handles and the snapshots were the
    // old index's: its cache version looked as new, its number the same.
    CHECK(ids_of(service.search({.text = "nike"})) == Ids{"x"});
    CHECK(ids_of(service.search({.text = "", .sort = SortOrder::price_asc})) == Ids{"z", "y", "x"});
    CHECK(service.search({.text = "lego"}).total == 2);
    CHECK(service.document_count() == 3);
}

namespace {

// CURRENT as indexers wrote it before generation ids: the same stub
// without its "# id" line, renamed over the old one.
void drop_generation_id(const test_support::TempDir& dir) {
    const auto stub = analyzers::serving_stub_path(dir / "index");
    std::istringstream lines(test_support::read_file(stub));
    std::string without_id;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("# id ", 0) != 0) without_id += line + "\n";
    }
    test_support::write_file(dir / "index" / "CURRENT.old-format", without_id);
    std::filesystem::rename(dir / "index" / "CURRENT.old-format", stub);
}

}  // namespace

TEST_CASE("an index published before generation ids existed is told apart from its rebuild by the CURRENT file itself") {
    test_support::TempDir dir;
    build_index(dir, feed);
    drop_generation_id(dir);
    REQUIRE(analyzers::serving_generation(dir / "index")->id.empty());
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    REQUIRE(ids_of(service.search({.text = "nike"})) == std::vector<std::string>{"a"});
    std::filesystem::remove_all(dir / "index");
    build_index(dir, R"({"id":"x","title":"Nike Blazer","price":50})" "\n");
    drop_generation_id(dir);
    CHECK(ids_of(service.search({.text = "nike"})) == std::vector<std::string>{"x"});
    CHECK(service.document_count() == 1);
}

// Overwrites one metadata entry of shard `shard` of generation 1, as an
// older build or a damaged file leaves it.
void set_shard_metadata(const test_support::TempDir& dir, std::size_t shard, const std::string& key,
                        const std::string& value) {
    Xapian::WritableDatabase database(analyzers::shard_path(dir / "index", 1, shard).string(), Xapian::DB_OPEN);
    database.set_metadata(key, value);
    database.commit();
}

TEST_CASE("an index analysed otherwise than its queries is served, with a warning naming the shard") {
    test_support::TempDir dir;
    build_index(dir, feed);
    {
        SearchService service = open_service(dir);
        for (const auto& shard : service.check_health().shards) CHECK(shard.warning.empty());
    }
    // As an index built before the analysis had a version says.
    set_shard_metadata(dir, 1, analyzers::analysis_version_key, "");
    SearchService service = open_service(dir);
    const IndexHealth health = service.check_health();
    CHECK(health.ready());
    REQUIRE(health.shards.size() == 2);
    CHECK(health.shards[0].warning.empty());
    CHECK(health.shards[1].warning.find("gen-000001/shard-01 was analysed with version 1 of the analysis") == 0);
    CHECK(ids_of(service.search({.text = "razer keyboard"})) == std::vector<std::string>{"b"});
}

// A damaged dictionary fails every listing whose stored text names it:
// readiness must say so before a load balancer sends buyers there.
TEST_CASE("a shard whose stored-text dictionary is damaged is not ready, and readiness names the shard") {
    test_support::TempDir dir;
    build_index(dir, feed);
    set_shard_metadata(dir, 1, analyzers::stored_text_dictionary_key, "not a dictionary");
    SearchService service = open_service(dir);
    const IndexHealth health = service.check_health();
    CHECK_FALSE(health.ready());
    REQUIRE(health.shards.size() == 2);
    CHECK(health.shards[0].problem.empty());
    CHECK(health.shards[1].problem.find("not a zstd dictionary") != std::string::npos);
}

TEST_CASE("opening a directory with no index says what to do") {
    test_support::TempDir dir;
    CHECK_THROWS_WITH(open_service(dir), doctest::Contains("no index in"));
}

TEST_CASE("concurrent searches from many threads all succeed") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir);
    std::vector<std::thread> threads;
    std::atomic<int> found{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) found += service.search({.text = "keyboard"}).hits.size();
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(found == 400);
}

namespace {

std::map<std::string, std::uint64_t> as_map(const std::vector<FacetValueCount>& counts) {
    std::map<std::string, std::uint64_t> map;
    for (const auto& [value, count] : counts) map[value] = count;
    return map;
}

using Counts = std::map<std::string, std::uint64_t>;

}  // namespace

TEST_CASE("facets count brands, category levels, condition and shipping exactly, with price stats") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir);
    const auto result = service.search({.text = "", .facets = {true, true, true, true, true}});
    REQUIRE(result.facets);
    const FacetCounts& facets = *result.facets;
    CHECK(as_map(facets.brand) == Counts{{"Nike", 3}, {"Adidas", 1}, {"Lululemon Athletica", 1}});
    CHECK(facets.brand.front().value == "Nike");  // most first
    CHECK(as_map(facets.category_1) == Counts{{"Men", 3}, {"Women", 2}});
    CHECK(as_map(facets.category_2) ==
          Counts{{"Men/Shoes", 2}, {"Men/Tops", 1}, {"Women/Shoes", 1}, {"Women/Athletic Apparel", 1}});
    CHECK(as_map(facets.category_3)["Men/Shoes/Athletic"] == 2);
    CHECK(as_map(facets.condition) == Counts{{"1", 2}, {"2", 2}, {"3", 1}});
    CHECK(as_map(facets.shipping) == Counts{{"seller", 3}, {"buyer", 2}});
    REQUIRE(facets.price);
    CHECK(facets.price->count == 5);
    CHECK(facets.price->min == 15);
    CHECK(facets.price->max == 80);
    CHECK(facets.price->average == doctest::Approx(49));
    CHECK(facets.price->histogram[1].count == 1);  // 10-25: the t-shirt
    CHECK(result.total_exact);
}

// Issue 17, part 2: the snapshot counts the category levels by path, one
// column read a match, and adds them up by level afterwards.
TEST_CASE("category facets count each level exactly, shallow categories and categoryless listings included") {
    test_support::TempDir dir;
    const char* categories[] = {"Men/Shoes/Athletic", "Women/Shoes/Athletic", "Women/Shoes", "Kids", "",
                                "Men/Shoes/Boots", "Women/Bags/Totes"};
    std::ostringstream listings;
    std::map<std::string, std::uint64_t> expected[3];
    for (int n = 0; n < 70; ++n) {
        const std::string category = categories[n % 7];
        listings << R"({"id":"c)" << n << R"(","title":"Shoe )" << n % 3 << R"(","price":10,"category":")" << category
                 << R"("})" "\n";
        if (n % 3 != 0) continue;  // the query below asks for "shoe 0"
        for (std::size_t end = 0, level = 0; !category.empty() && level < 3; ++level) {
            end = category.find('/', end + (level > 0));
            ++expected[level][category.substr(0, end)];
            if (end == std::string::npos) break;
        }
    }
    build_index(dir, listings.str());
    SearchService service = open_service(dir);
    const auto result = service.search({.text = "shoe 0", .limit = 0, .facets = {.category = true}});
    REQUIRE(result.facets);
    CHECK(as_map(result.facets->category_1) == expected[0]);
    CHECK(as_map(result.facets->category_2) == expected[1]);
    CHECK(as_map(result.facets->category_3) == expected[2]);
    CHECK(expected[2].size() == 4);
}

TEST_CASE("a facet's counts ignore its own filter but obey the others") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir);
    const auto result = service.search(
        {.text = "", .filters = {.brands = {"Nike"}, .shipping = "seller"}, .facets = {true, true, false, true, true}});
    REQUIRE(result.facets);
    CHECK(result.hits.size() == 2);  // shoe1 and tee
    // Brands over shipping=seller only: Nike 2, Lululemon 1.
    CHECK(as_map(result.facets->brand) == Counts{{"Nike", 2}, {"Lululemon Athletica", 1}});
    // Shipping over brand=Nike only: seller 2, buyer 1.
    CHECK(as_map(result.facets->shipping) == Counts{{"seller", 2}, {"buyer", 1}});
    // Categories over both filters.
    CHECK(as_map(result.facets->category_1) == Counts{{"Men", 2}});
}

TEST_CASE("listings added after the facet snapshot are counted too") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    CHECK(as_map(service.search({.text = "", .facets = {.brand = true}}).facets->brand)["Nike"] == 3);
    query_test::follow_once(
        dir, R"({"id":"new","title":"Nike Dunk","price":70,"brand":"Nike","category":"Men/Shoes/Athletic"})" "\n");
    CHECK(as_map(service.search({.text = "", .facets = {.brand = true}}).facets->brand)["Nike"] == 4);
}

TEST_CASE("a listing committed after a quiet spell is found by the very next search") {
    test_support::TempDir dir;
    build_index(dir, catalog);
    SearchService service = open_service(dir, std::chrono::milliseconds(0));
    // The shards have been quiet: the searcher reopens its handles no more
    // while their version files stay the same (ShardCommitWatch).
    std::this_thread::sleep_for(ShardCommitWatch::settle_time + std::chrono::milliseconds(20));
    CHECK(service.search({.text = "dunk"}).total == 0);
    CHECK(service.search({.text = "dunk"}).total == 0);
    query_test::follow_once(
        dir, R"({"id":"new","title":"Nike Dunk","price":70,"brand":"Nike","category":"Men/Shoes/Athletic"})" "\n");
    CHECK(ids_of(service.search({.text = "dunk"})) == std::vector<std::string>{"new"});
}

TEST_CASE("price stats and price filters keep cents exactly") {
    test_support::TempDir dir;
    build_index(dir, R"({"id":"a","title":"Lego set","price":210.99})" "\n"
                     R"({"id":"b","title":"Lego figure","price":19.99})" "\n");
    SearchService service = open_service(dir);
    const auto result = service.search({.text = "lego", .facets = {.price = true}});
    REQUIRE(result.facets->price);
    CHECK(result.facets->price->max == 210.99);
    CHECK(result.facets->price->min == 19.99);
    CHECK(ids_of(service.search({.text = "lego", .filters = {.price_max = 19.99}})) == std::vector<std::string>{"b"});
    CHECK(service.search({.text = "lego", .filters = {.price_min = 19.99, .price_max = 19.99}, .facets = {.brand = true}})
              .total == 1);
}

TEST_CASE("a query of more than 32 words searches the first 32 and says so") {
    test_support::TempDir dir;
    build_index(dir, feed);
    SearchService service = open_service(dir);
    std::string text = "nike";
    std::string searched = "nike";
    for (std::size_t n = 2; n <= max_query_words + 5; ++n) {
        text += " nike";
        if (n <= max_query_words) searched += " nike";
    }
    const SearchResult result = service.search({.text = text});
    CHECK(ids_of(result) == std::vector<std::string>{"a"});
    CHECK(result.interpreted == searched);
    CHECK(service.search({.text = "nike air"}).interpreted.empty());
}
