// Related words: a typed word a title lacks is partly there when the title
// has words that go with it in the index's titles ("spot" with "flood"),
// and typed pairs next to each other as written ("coffee maker").
#include <doctest/doctest.h>

#include <algorithm>

#include <xapian.h>

#include "analyzers/index_layout.h"
#include "analyzers/synonyms.h"
#include "index_fixture.h"
#include "proximity.h"
#include "query/inspector.h"
#include "title_cooccurrence.h"

using namespace query;
using query_test::titled_listing;

namespace {

// Titles where "spot" and "flood" go together, and "desk" with neither.
std::string lights_feed() {
    return titled_listing("desk", "desk light white") +  // first: wins a tie
           titled_listing("flood", "flood light outdoor") +
           titled_listing("s1", "spot flood lamp") + titled_listing("s2", "led spot flood lamp") +
           titled_listing("s3", "spot and flood lamp kit") + titled_listing("d1", "desk lamp") +
           titled_listing("d2", "desk lamp chair") + titled_listing("d3", "oak desk lamp") +
           titled_listing("n1", "lamp 60 bulb") + titled_listing("n2", "spot 60 lamp") +
           titled_listing("g1", "garden hose reel") + titled_listing("g2", "garden hose nozzle");
}

double pair_share(const std::string& query, const std::string& title) {
    analyzers::TextAnalyzer analyzer(analyzers::AnalyzerOptions{.keep_surface = true});
    const analyzers::Lexicon lexicon = analyzers::parse_lexicon("", "", analyzer);
    QueryBuilder builder(lexicon);
    return TypedPairs(builder.build(query)).share_in(analyzer.analyze(title));
}

Xapian::Database open_index(const test_support::TempDir& dir) {
    return Xapian::Database(analyzers::serving_stub_path(dir / "index").string());
}

}  // namespace

TEST_CASE("words that share titles go together, by normalised PMI; numbers and strangers do not") {
    test_support::TempDir dir;
    query_test::build_index(dir, lights_feed());
    const auto cooccurrence = TitleCooccurrence::build(open_index(dir));
    CHECK(cooccurrence->listing_count() == 12);
    const auto strength = cooccurrence->associations("spot", {"flood", "desk", "hose", "60", "nowhere", "lamp"});
    CHECK(strength[0] > 0.5);     // three titles of four with spot have flood
    CHECK(strength[1] == 0);      // never together
    CHECK(strength[2] == 0);
    CHECK(strength[3] == 0);      // a number goes with nothing
    CHECK(strength[4] == 0);      // a word in no title
    CHECK(strength[5] > 0);       // lamp: in every spot title, and in twice as many others
    CHECK(strength[5] < strength[0]);
    // Asked again, a word's counts come from the cache: the same strengths.
    CHECK(cooccurrence->associations("spot", {"flood", "desk", "hose", "60", "nowhere", "lamp"}) == strength);
    CHECK(cooccurrence->associations("nowhere", {"flood"}) == std::vector<double>{0});
    CHECK(cooccurrence->associations("60", {"lamp"}) == std::vector<double>{0});

    // A sample of the listings (here the first half) still sees the strong pairs.
    const auto sampled = TitleCooccurrence::build(open_index(dir), 6);
    CHECK(sampled->listing_count() == 6);
    CHECK(sampled->associations("spot", {"flood"})[0] > 0.5);
}

TEST_CASE("the share of typed pairs a title has next to each other as written") {
    CHECK(pair_share("coffee maker", "Coffee Maker 12-Cup") == doctest::Approx(1.0));
    CHECK(pair_share("coffee maker", "Maker of coffee") == 0);
    CHECK(pair_share("coffee makers", "Coffee Maker") == doctest::Approx(1.0));  // a plural's s aside
    CHECK(pair_share("coffee maker", "Coffee Makes") == 0);                      // not a stem
    CHECK(pair_share("bunn coffee maker", "Bunn Drip Coffee Maker") == doctest::Approx(0.5));
    CHECK(pair_share("maker", "Coffee Maker") == 0);  // no pair typed
}

TEST_CASE("a title lacking a typed word ranks higher with words that go with it, and explain adds it up") {
    test_support::TempDir dir;
    query_test::build_index(dir, lights_feed());
    const auto options_with = [&](const std::string& config) {
        return query_test::options_with_ranking(dir, "freshness.weight = 0\nproximity.weight = 0\n"
                                                     "head_noun.weight = 0\nexact.weight = 0\n" + config);
    };
    const auto before = [](const std::vector<std::string>& ids, const std::string& a, const std::string& b) {
        const auto at = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
        return at(a) < at(b);
    };
    // Both match "light" alone, with titles as long: the one indexed first leads.
    SearchService without(options_with("related.weight = 0\n"));
    CHECK(before(query_test::ids_of(without.search({.text = "spot light", .limit = 20})), "desk", "flood"));
    SearchService with(options_with("related.weight = 1\n"));
    const auto result = with.search({.text = "spot light", .limit = 20});
    const auto ids = query_test::ids_of(result);
    REQUIRE(before(ids, "flood", "desk"));

    Inspector inspector(options_with("related.weight = 1\n"));
    const auto explanation = inspector.explain({.text = "spot light"}, "flood");
    const auto part = std::find_if(explanation.parts.begin(), explanation.parts.end(), [](const auto& part) {
        return part.name.find("words that go with them") != std::string::npos;
    });
    REQUIRE(part != explanation.parts.end());
    CHECK(part->score > 0);
    const auto rank = std::find(ids.begin(), ids.end(), "flood") - ids.begin();
    CHECK(explanation.score == doctest::Approx(result.hits[static_cast<std::size_t>(rank)].score));
    const auto diagnosis = inspector.diagnose({.text = "spot light", .limit = 20}, "flood");
    CHECK(diagnosis.rank == static_cast<std::size_t>(rank) + 1);
}
