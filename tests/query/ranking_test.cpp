#include <doctest/doctest.h>

#include <chrono>

#include <fmt/format.h>

#include "index_fixture.h"
#include "query/ranking.h"
#include "word_dictionary.h"

using namespace query;
using query_test::build_index;
using query_test::ids_of;
using query_test::ranking_file;

namespace {

SearchService open_service(const test_support::TempDir& dir, const std::filesystem::path& ranking) {
    return SearchService(
        {.index_dir = dir / "index", .data_dir = test_support::project_data_dir(), .ranking_config = ranking});
}

std::int64_t days_ago(int days) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::seconds>(now).count() - days * 86400LL;
}

}  // namespace

TEST_CASE("a ranking config sets every key and refuses bad lines with their line number") {
    const RankingConfig config = RankingConfig::parse("# comment\nfield.title = 5\n\nfreshness.weight=0 # off\n", "r.conf");
    CHECK(config.text.weights.title == 5);
    CHECK(config.freshness_weight == 0);
    CHECK(config.bm25_k1 == 1.2);  // untouched keys keep defaults
    CHECK_THROWS_WITH(RankingConfig::parse("bm25.k1 = 1\nfield.titel = 2\n", "r.conf"),
                      "r.conf:2: unknown key 'field.titel'");
    CHECK_THROWS_WITH(RankingConfig::parse("bm25.b = 2", "r.conf"), "r.conf:1: 'bm25.b' must be a number from 0 to 1, not \"2\"");
    CHECK_THROWS_WITH(RankingConfig::parse("bm25.b", "r.conf"), "r.conf:1: expected 'key = value', got \"bm25.b\"");
    // The text form reads back as the same config.
    const RankingConfig again = RankingConfig::parse(config.to_text(), "text");
    CHECK(again.text.weights.title == 5);
    CHECK(again.freshness_weight == 0);
}

TEST_CASE("the shipped ranking config loads") {
    CHECK_NOTHROW(RankingConfig::load(test_support::project_data_dir() / "ranking.conf"));
    CHECK_THROWS_WITH(RankingConfig::load("/nonexistent/ranking.conf"),
                      "cannot read ranking config /nonexistent/ranking.conf");
}

TEST_CASE("field weights decide between a title match and a description match, and reload without restart") {
    test_support::TempDir dir;
    build_index(dir, R"({"id":"in-title","title":"Lego castle","price":30,"created_at":1700000000})" "\n"
                     R"({"id":"in-description","title":"Toy castle","description":"a lego castle","price":30,"created_at":1700000000})" "\n");
    const auto ranking = ranking_file(dir, "freshness.weight = 0\n");
    SearchService service = open_service(dir, ranking);
    CHECK(ids_of(service.search({.text = "lego castle"})) == std::vector<std::string>{"in-title", "in-description"});

    ranking_file(dir, "freshness.weight = 0\nfield.title = 0.1\nfield.description = 10\n");
    service.reload_ranking();
    CHECK(ids_of(service.search({.text = "lego castle"})) == std::vector<std::string>{"in-description", "in-title"});

    // A bad file is refused and the config in use stays.
    ranking_file(dir, "field.description = lots\n");
    CHECK_THROWS_WITH(service.reload_ranking(), doctest::Contains("ranking.conf:1: 'field.description' must be"));
    CHECK(service.ranking()->text.weights.description == 10);
    CHECK(ids_of(service.search({.text = "lego castle"})).front() == "in-description");
}

TEST_CASE("fresher listings rank above older ones that match as well") {
    test_support::TempDir dir;
    build_index(dir, fmt::format(R"({{"id":"old","title":"Lego castle","price":30,"created_at":{}}})" "\n"
                                 R"({{"id":"new","title":"Lego castle","price":30,"created_at":{}}})" "\n",
                                 days_ago(200), days_ago(1)));
    SearchService service = open_service(dir, ranking_file(dir, "freshness.weight = 1\n"));
    const auto result = service.search({.text = "lego"});
    CHECK(ids_of(result) == std::vector<std::string>{"new", "old"});
    CHECK(result.hits[0].score > result.hits[1].score);
}

TEST_CASE("sold listings rank below unsold ones when shown, and named brands get a bonus") {
    test_support::TempDir dir;
    build_index(dir, R"({"id":"sold","title":"Nike hoodie","price":30,"status":"sold","created_at":1700000000})" "\n"
                     R"({"id":"unsold","title":"Nike hoodie","price":30,"created_at":1700000000})" "\n"
                     R"({"id":"branded","title":"Grey hoodie","brand":"Nike","price":30,"created_at":1700000000})" "\n");
    SearchService service = open_service(dir, ranking_file(dir, "freshness.weight = 0\nrelax.min_matches = 0\n"));
    const auto any = service.search({.text = "hoodie", .filters = {.status = StatusFilter::any}});
    const auto ids = ids_of(any);
    REQUIRE(ids.size() == 3);
    CHECK(ids.back() == "sold");

    // The brand bonus lifts the listing whose brand field says Nike.
    ranking_file(dir, "freshness.weight = 0\nrelax.min_matches = 0\nbrand_match.weight = 100\n");
    service.reload_ranking();
    CHECK(ids_of(service.search({.text = "nike hoodie"})).front() == "branded");
}

TEST_CASE("an all-words query that finds too little is relaxed to listings with some of the words") {
    test_support::TempDir dir;
    build_index(dir, R"({"id":"a","title":"Nike Air Max 90 sneakers","price":80})" "\n"
                     R"({"id":"b","title":"Razer BlackWidow keyboard","price":45})" "\n"
                     R"({"id":"c","title":"Nike running shorts","price":15})" "\n");
    SearchService relaxing = open_service(dir, ranking_file(dir, "relax.min_matches = 5\n"));
    const auto relaxed = relaxing.search({.text = "nike air keyboard"});
    CHECK(relaxed.relaxed);
    const auto ids = ids_of(relaxed);
    CHECK(ids.size() == 3);
    CHECK(ids.front() == "a");  // two of the three words
    CHECK_FALSE(relaxing.search({.text = "nike"}).relaxed);  // one word: nothing to relax

    SearchService strict = open_service(dir, ranking_file(dir, "relax.min_matches = 0\n", "strict.conf"));
    const auto exact = strict.search({.text = "nike air keyboard"});
    CHECK_FALSE(exact.relaxed);
    CHECK(exact.hits.empty());
}

TEST_CASE("a word no listing contains gets a did-you-mean suggestion") {
    test_support::TempDir dir;
    std::string feed;
    for (int i = 0; i < 4; ++i) {
        feed += fmt::format(R"({{"id":"k{}","title":"Razer mechanical keyboard {}","price":45}})" "\n", i, i);
        feed += fmt::format(R"({{"id":"v{}","title":"Vintage denim jacket {}","price":45}})" "\n", i, i);
    }
    build_index(dir, feed);
    SearchService service = open_service(dir, ranking_file(dir, "relax.min_matches = 1\n"));
    CHECK(service.search({.text = "Razer keybaord"}).suggestion == "Razer keyboard");
    CHECK(service.search({.text = "vintge jacket"}).suggestion == "vintage jacket");
    CHECK(service.search({.text = "mechanical keyboard"}).suggestion.empty());  // found: nothing to suggest
    CHECK(service.search({.text = "qqqqzzzz"}).suggestion.empty());             // nothing close
}

TEST_CASE("the words a query matched are highlighted in each hit's title") {
    test_support::TempDir dir;
    build_index(dir, R"({"id":"a","title":"Nike Air Max 90 Sneakers <new>","price":80})" "\n"
                     R"({"id":"j","title":"ナイキのスニーカー２７ｃｍ","price":80})" "\n");
    SearchService service = open_service(dir, ranking_file(dir, "relax.min_matches = 0\n"));
    const auto result = service.search({.text = "air max sneaker"});
    REQUIRE(result.hits.size() == 1);
    CHECK(result.hits[0].highlighted_title == "Nike <em>Air</em> <em>Max</em> 90 <em>Sneakers</em> &lt;new&gt;");
    const auto japanese = service.search({.text = "スニーカー 27cm"});
    REQUIRE(japanese.hits.size() == 1);
    CHECK(japanese.hits[0].highlighted_title == "ナイキの<em>スニーカー</em><em>２７ｃｍ</em>");
}

TEST_CASE("edit distance counts insertions, deletions, substitutions and transpositions") {
    CHECK(edit_distance("keyboard", "keyboard", 2) == 0);
    CHECK(edit_distance("keybaord", "keyboard", 2) == 1);
    CHECK(edit_distance("keybrd", "keyboard", 2) == 2);
    CHECK(edit_distance("kitten", "sitting", 2) == 3);  // past the limit: limit + 1
}
