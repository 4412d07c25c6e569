// The typed words as written in a title ("exact", as Algolia ranks): when
// the best listings are ranked again, a title with "controller" as typed
// ranks above one that matches it only through its stem, "control".
#include <doctest/doctest.h>

#include <algorithm>

#include "analyzers/synonyms.h"
#include "index_fixture.h"
#include "proximity.h"
#include "query/inspector.h"

using namespace query;

namespace {

double share_of(const std::string& query, const std::string& title) {
    analyzers::TextAnalyzer analyzer(analyzers::AnalyzerOptions{.keep_surface = true});
    const analyzers::Lexicon lexicon = analyzers::parse_lexicon("", "", analyzer);
    QueryBuilder builder(lexicon);
    return TypedWords(builder.build(query)).share_in(analyzer.analyze(title));
}

}  // namespace

TEST_CASE("the share of the typed words a title has as written: not their stems, a plural's s aside") {
    CHECK(share_of("temperature controller box", "Temperature Controller Box") == doctest::Approx(1.0));
    CHECK(share_of("temperature controller box", "Temperature Control Box") == doctest::Approx(2.0 / 3));
    CHECK(share_of("temperature controller box", "Box of controllers") == doctest::Approx(2.0 / 3));
    CHECK(share_of("temperature controller box box", "Box") == doctest::Approx(1.0 / 3));  // each word once
    CHECK(share_of("mail slot", "Flap") == 0);
    CHECK(share_of("5-gallon bucket", "5 gallon bucket") == doctest::Approx(0.5));  // the compound's parts count
}

TEST_CASE("a title with the typed words as written ranks above one matching them through their stems") {
    // Both match every stem and score alike; without the factor the one
    // indexed first leads.
    using query_test::titled_listing;
    const std::string feed = titled_listing("control", "temperature control box") +
                             titled_listing("controller", "temperature controller box") +
                             titled_listing("other", "garden hose reel");
    test_support::TempDir dir;
    query_test::build_index(dir, feed);
    const auto options_with = [&](const std::string& config) {
        return query_test::options_with_ranking(
            dir, "freshness.weight = 0\nproximity.weight = 0\nhead_noun.weight = 0\n" + config);
    };
    SearchService without(options_with("exact.weight = 0\n"));
    SearchService with(options_with("exact.weight = 0.7\n"));
    CHECK(query_test::ids_of(without.search({.text = "temperature controller box"})).front() == "control");
    const auto result = with.search({.text = "temperature controller box"});
    REQUIRE(query_test::ids_of(result).front() == "controller");

    // explain names the factor as what it adds, and its parts add up to the score shown.
    Inspector inspector(options_with("exact.weight = 0.7\n"));
    const auto explanation = inspector.explain({.text = "temperature controller box"}, "controller");
    const auto part = std::find_if(explanation.parts.begin(), explanation.parts.end(),
                                   [](const auto& part) { return part.name.find("as typed") != std::string::npos; });
    REQUIRE(part != explanation.parts.end());
    CHECK(part->name == "100% of the typed words in the title as typed (score x 1.7)");
    CHECK(explanation.score == doctest::Approx(result.hits.front().score));
    CHECK(part->score == doctest::Approx(explanation.score * 0.7 / 1.7));
}
