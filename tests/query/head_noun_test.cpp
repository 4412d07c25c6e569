// Which word of a query names what the buyer wants, and the bonus a title
// with it earns when the best listings are ranked again.
#include <doctest/doctest.h>

#include <algorithm>

#include "analyzers/synonyms.h"
#include "head_noun.h"
#include "index_fixture.h"
#include "query/inspector.h"

using namespace query;

namespace {

std::string head_of(const std::string& text) {
    analyzers::TextAnalyzer analyzer;
    const analyzers::Lexicon lexicon = analyzers::parse_lexicon("", "", analyzer);
    QueryBuilder builder(lexicon);
    const HeadNoun head(builder.build(text));
    return head.empty() ? "(none)" : head.term();
}

}  // namespace

TEST_CASE("the head noun is the last word naming a thing, before with, for, in") {
    CHECK(head_of("fiberglass door with mail slot") == "door");
    CHECK(head_of("case for iphone 11") == "case");
    CHECK(head_of("iphone 11 case") == "case");
    CHECK(head_of("led bulbs in warm white") == "bulb");  // stemmed as titles are
    // Numbers, sizes and single letters name no kind of thing.
    CHECK(head_of("crown molding 5 1") == "mold");
    CHECK(head_of("cellular shades 50in x 60inch") == "shade");
    // One word: every listing found has it; numbers only: none to find.
    CHECK(head_of("door") == "(none)");
    CHECK(head_of("2 x 4") == "(none)");
}

TEST_CASE("relaxed: a title with the head noun ranks above one matching as many other words, and explain shows it") {
    // "mail slot door": both listings match two of the three words; the
    // one that is a door is what the buyer named, though "door" is the
    // most common word.
    using query_test::titled_listing;
    std::string feed = titled_listing("slot-cover", "mail slot cover") + titled_listing("door", "oak door with slot");
    for (int n = 0; n < 5; ++n) feed += titled_listing("filler-" + std::to_string(n), "brass door knob " + std::to_string(n));
    test_support::TempDir dir;
    query_test::build_index(dir, feed);
    const auto options_with = [&](const std::string& config) {
        return query_test::options_with_ranking(
            dir, "freshness.weight = 0\nproximity.weight = 0\nrelax.min_matches = 1000\n" + config);
    };
    SearchService without(options_with("head_noun.weight = 0\n"));
    SearchService with(options_with("head_noun.weight = 40\n"));
    CHECK(query_test::ids_of(without.search({.text = "mail slot door "})).front() == "slot-cover");
    CHECK(query_test::ids_of(with.search({.text = "mail slot door "})).front() == "door");

    Inspector inspector(options_with("head_noun.weight = 40\n"));
    const auto explanation = inspector.explain({.text = "mail slot door "}, "door");
    const auto part = std::find_if(explanation.parts.begin(), explanation.parts.end(),
                                   [](const auto& part) { return part.name.find("head noun") != std::string::npos; });
    REQUIRE(part != explanation.parts.end());
    CHECK(part->name == "the query's head noun 'door' in the title");
    CHECK(part->score == doctest::Approx(40));
}
