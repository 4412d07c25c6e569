#include <doctest/doctest.h>

#include <numeric>
#include <set>

#include <fmt/format.h>

#include "index_fixture.h"
#include "query/inspector.h"

using namespace query;

namespace {

const char* catalog =
    R"({"id":"shoe","title":"Nike Air Max 90 sneakers","brand":"Nike","category":"Men/Shoes/Athletic","price":80,"created_at":1700000000})" "\n"
    R"({"id":"blazer","title":"Nike Blazer","brand":"Nike","price":40,"created_at":1700000000})" "\n"
    R"({"id":"boots","title":"Leather boots","brand":"Dr. Martens","price":120,"created_at":1700000000})" "\n"
    R"({"id":"sold","title":"Nike Air Force 1","brand":"Nike","price":60,"status":"sold","created_at":1700000000})" "\n";

ServiceOptions options_for(const test_support::TempDir& dir) {
    return {.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
            .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\n")};
}

double sum_of(const Explanation& explanation) {
    double sum = explanation.unexplained;
    for (const auto& part : explanation.parts) sum += part.score;
    return sum;
}

bool has_part(const Explanation& explanation, const std::string& prefix) {
    for (const auto& part : explanation.parts) {
        if (part.name.rfind(prefix, 0) == 0 && part.score > 0) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("an explanation splits the score the search gave into per-field terms and signals") {
    test_support::TempDir dir;
    query_test::build_index(dir, catalog);
    SearchService service(options_for(dir));
    Inspector inspector(options_for(dir));
    const auto result = service.search({.text = "nike air"});
    REQUIRE(query_test::ids_of(result) == std::vector<std::string>{"shoe"});
    const auto explanation = inspector.explain({.text = "nike air"}, "shoe");
    CHECK(explanation.score == doctest::Approx(result.hits[0].score));
    CHECK(sum_of(explanation) == doctest::Approx(explanation.score));
    CHECK(std::abs(explanation.unexplained) < 1e-9);
    CHECK(has_part(explanation, "title:nike (BM25"));
    CHECK(has_part(explanation, "title:air (BM25"));
    CHECK(has_part(explanation, "brand:nike (BM25"));
    CHECK(has_part(explanation, "brand named in the query"));
    CHECK_THROWS_WITH(inspector.explain({.text = "nike"}, "nope"), "no listing 'nope' in the index");
}

TEST_CASE("a diagnosis names the word or filter that keeps a listing out, or gives its rank") {
    test_support::TempDir dir;
    query_test::build_index(dir, catalog);
    Inspector inspector(options_for(dir));

    const auto missing_word = inspector.diagnose({.text = "nike boots"}, "blazer");
    CHECK_FALSE(missing_word.matches);
    REQUIRE(missing_word.reasons.size() == 1);
    CHECK(missing_word.reasons[0] == "word 2 of the query (indexed as 'boot') is in none of its fields (title \"Nike Blazer\")");

    const auto filtered = inspector.diagnose({.text = "nike", .filters = {.price_max = 50}}, "shoe");
    CHECK_FALSE(filtered.matches);
    REQUIRE(filtered.reasons.size() == 1);
    CHECK(filtered.reasons[0].rfind("the filter price_max=50 excludes it", 0) == 0);

    const auto sold = inspector.diagnose({.text = "nike"}, "sold");
    CHECK_FALSE(sold.matches);
    CHECK(sold.reasons.back() == "it is sold and the status filter asks for on_sale");

    // "Nike Blazer" is first (the shorter title), the sneakers second.
    const auto ranked = inspector.diagnose({.text = "nike", .limit = 1}, "shoe");
    CHECK(ranked.matches);
    CHECK(ranked.rank == 2);
    CHECK(ranked.reasons.back().rfind("it matches: rank 2 of 2", 0) == 0);

    CHECK_FALSE(inspector.diagnose({.text = "nike"}, "ghost").found);
}

// Regression: the rank was looked up by the docid a Document read through
// the combined database knows, which is its docid within its shard: over
// two shards most listings were said to match at "rank 0".
TEST_CASE("a diagnosis gives every matching listing its rank, whichever shard holds it") {
    test_support::TempDir dir;
    std::string feed;
    for (int n = 0; n < 12; ++n) {
        feed += fmt::format(R"({{"id":"lamp{}","title":"Brass lamp{}","price":{},"created_at":1700000000}})", n,
                            std::string(static_cast<std::size_t>(n), '!'), 10 + n) + "\n";
    }
    query_test::build_index(dir, feed);
    Inspector inspector(options_for(dir));
    std::set<std::size_t> ranks;
    for (int n = 0; n < 12; ++n) {
        const auto diagnosis = inspector.diagnose({.text = "brass lamp", .limit = 1}, fmt::format("lamp{}", n));
        REQUIRE(diagnosis.matches);
        ranks.insert(diagnosis.rank);
    }
    CHECK(ranks.size() == 12);
    CHECK(*ranks.begin() == 1);
    CHECK(*ranks.rbegin() == 12);
}

// The search re-ranks its best listings by their titles (proximity, head
// noun, the typed words as written); a diagnosis that gave Xapian's rank and score before that told a
// relevance engineer another order than the one buyers see.
TEST_CASE("a diagnosis gives the rank and score the search shows, after re-ranking by the titles") {
    test_support::TempDir dir;
    const char* titles[] = {"Slot for mail",           "Mail slot",          "Mail slot cover brass",
                            "Brass mail box slot",     "Slot machine mail",  "Door mail slot flap",
                            "Mail organizer",          "Coin slot bank",     "Brass door slot for mail"};
    std::string feed;
    int n = 0;
    for (const char* title : titles) {
        feed += fmt::format(R"({{"id":"l{}","title":"{}","price":{},"created_at":1700000000}})", n, title, 10 + n) +
                "\n";
        ++n;
    }
    query_test::build_index(dir, feed);
    // Every listing re-ranked, or only the best three (the others keep
    // Xapian's score, and explain must not add the bonuses to theirs).
    for (const std::string window : {"50", "3"}) {
        CAPTURE(window);
        const ServiceOptions options{
            .index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
            .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\nproximity.weight = 4\n"
                                                            "head_noun.weight = 4\nexact.weight = 0.7\n"
                                                            "exact.pair_weight = 0.2\nrelated.weight = 1\n"
                                                            "proximity.window = " + window + "\n")};
        SearchService service(options);
        Inspector inspector(options);
        for (const std::string text : {"mail slot", "brass mail slot", "slot mail", "door slot"}) {
            CAPTURE(text);
            const auto result = service.search({.text = text, .limit = 20});
            const auto ids = query_test::ids_of(result);
            for (std::size_t rank = 0; rank < ids.size(); ++rank) {
                CAPTURE(ids[rank]);
                const auto diagnosis = inspector.diagnose({.text = text, .limit = 20}, ids[rank]);
                CHECK(diagnosis.rank == rank + 1);
                CHECK(diagnosis.score == doctest::Approx(result.hits[rank].score));
                const auto explanation = inspector.explain({.text = text}, ids[rank]);
                CHECK(explanation.score == doctest::Approx(result.hits[rank].score));
            }
        }
    }
}

// Regression: the brand and category signals were looked up by the docid a
// Document read through the combined database knows, its docid within its
// shard: over several shards, explain named a brand match for listings of
// other brands and missed it for listings of the brand.
TEST_CASE("explain names a brand match for every listing of the brand, whichever shard holds it") {
    test_support::TempDir dir;
    std::string feed;
    for (int n = 0; n < 24; ++n) {
        const char* brand = n % 2 == 0 ? "Nike" : "Adidas";
        feed += fmt::format(R"({{"id":"s{}","title":"running shoes {}","brand":"{}","price":{},"created_at":1700000000}})",
                            n, n, brand, 10 + n) +
                "\n";
    }
    query_test::build_index(dir, feed);
    const ServiceOptions options{.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                                 .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\n"
                                                                                 "brand_match.weight = 5\n")};
    Inspector inspector(options);
    for (int n = 0; n < 24; ++n) {
        CAPTURE(n);
        const auto explanation = inspector.explain({.text = "nike running shoes"}, fmt::format("s{}", n));
        CHECK(has_part(explanation, "brand named in the query") == (n % 2 == 0));
    }
}
