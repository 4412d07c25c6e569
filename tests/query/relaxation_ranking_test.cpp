// How listings matching some of the words rank once a query is relaxed,
// and the proximity bonus: on a real index, through the search service.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "index_fixture.h"
#include "query/inspector.h"

using namespace query;
using query_test::build_index;
using query_test::ids_of;

namespace {

std::string listing(const std::string& id, const std::string& title) {
    std::ostringstream line;
    line << R"({"id":")" << id << R"(","title":")" << title << R"(","price":10,"created_at":1700000000})" << "\n";
    return line.str();
}

// `count` listings with the same title, ids "prefix-0", "prefix-1"...
std::string listings(const std::string& prefix, int count, const std::string& title) {
    std::string feed;
    for (int n = 0; n < count; ++n) feed += listing(prefix + "-" + std::to_string(n), title);
    return feed;
}

// Filler titles so that "with" and "door" are common and "plane" known.
std::string common_words(int count) {
    std::string feed;
    for (int n = 0; n < count; ++n) {
        feed += listing("filler-" + std::to_string(n), "oak door with frame " + std::to_string(n));
    }
    return feed;
}

struct Fixture {
    test_support::TempDir dir;
    ServiceOptions options;
    std::unique_ptr<SearchService> service;

    Fixture(const std::string& feed, const std::string& config) {
        build_index(dir, feed);
        options = {.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                   .ranking_config = query_test::ranking_file(dir, "freshness.weight = 0\n" + config),
                   .result_cache_entries = 0};
        service = std::make_unique<SearchService>(options);
    }

    // The names of the parts of the listing's score.
    std::vector<std::string> explained(const std::string& text, const std::string& id) {
        std::vector<std::string> names;
        for (const auto& part : Inspector(options).explain({.text = text}, id).parts) names.push_back(part.name);
        return names;
    }

    double score_of(const std::string& text, const std::string& id) {
        const SearchResult result = service->search({.text = text, .limit = 50});
        const auto ids = ids_of(result);
        const auto found = std::find(ids.begin(), ids.end(), id);
        REQUIRE(found != ids.end());
        return result.hits[static_cast<std::size_t>(found - ids.begin())].score;
    }

    std::vector<std::string> ids(const std::string& text, std::size_t offset = 0, std::size_t limit = 20) {
        return ids_of(service->search({.text = text, .offset = offset, .limit = limit}));
    }
};

}  // namespace

TEST_CASE("proximity: words typed together rank above the same words apart, pages stay consistent") {
    const std::string feed = listing("apart", "hand tool set block plane") + listing("near", "hand held block plane") +
                             listing("adjacent", "block set hand plane tool") + common_words(5);
    Fixture without(feed, "proximity.weight = 0\n");
    Fixture with(feed, "proximity.weight = 8\n");
    const auto ranked = with.ids("hand plane ");
    REQUIRE(ranked.size() == 3);
    CHECK(ranked == std::vector<std::string>{"adjacent", "near", "apart"});
    CHECK(without.ids("hand plane ") != ranked);
    // The second page of one is the second listing of the whole ranking.
    CHECK(with.ids("hand plane ", 1, 1) == std::vector<std::string>{"near"});
    CHECK(with.ids("hand plane ", 2, 5) == std::vector<std::string>{"apart"});
}

TEST_CASE("relaxed: a typo of a word titles have earns no word bonus") {
    const std::string feed = listing("planet", "hand shower planet") + listing("plane", "block plane") +
                             listing("plane2", "jack plane tool") + common_words(3) +
                             listing("hand", "hand towel") + listing("hand2", "hand soap");
    // relax.min_matches above every count: "hand planes" is relaxed.
    Fixture flat(feed, "relax.min_matches = 1000\nrelax.other_word_share = 1\nproximity.weight = 0\n");
    Fixture tuned(feed, "relax.min_matches = 1000\nrelax.other_word_share = 0\nproximity.weight = 0\n");
    // "hand shower planet" matches "hand" and "planet", a typo of "planes"
    // (a word titles have): the typo earns half the word bonus (30), or none.
    CHECK(flat.ids("hand planes ").front() == "planet");
    CHECK(flat.score_of("hand planes ", "planet") - tuned.score_of("hand planes ", "planet") ==
          doctest::Approx(15));
    CHECK(flat.score_of("hand planes ", "plane") == doctest::Approx(tuned.score_of("hand planes ", "plane")));
}

// Issue 16's example, "fiberglass door with mail slot": a door matching
// "fiberglass door with" (two of them words every other title has)
// against the mail slot.
const std::string door_or_mail_slot =
    listing("door", "fiberglass door with glass") + listing("slot", "brass mail slot") + common_words(30);
const std::string relaxed_without_title_signals = "relax.min_matches = 1000\nproximity.weight = 0\nhead_noun.weight = 0\n";

TEST_CASE("relaxed: with an IDF bonus, a common word counts less than a rare one") {
    Fixture flat(door_or_mail_slot, relaxed_without_title_signals + "relax.word_bonus = 30\nrelax.idf_bonus = 0\n");
    Fixture informative(door_or_mail_slot,
                        relaxed_without_title_signals + "relax.word_bonus = 0\nrelax.idf_bonus = 10\n");
    CHECK(flat.ids("fiberglass door with mail slot ").front() == "door");
    CHECK(informative.ids("fiberglass door with mail slot ").front() == "slot");
}

TEST_CASE("units: an abbreviation matches the unit written out, both ways") {
    const std::string feed = listing("gal", "5 gal. homer bucket") + listing("gallon", "5 gallon paint") +
                             listing("feet", "6 feet ladder") + common_words(3);
    Fixture f(feed, "");
    const auto gallons = f.ids("gallon ");
    CHECK(gallons.size() == 2);
    CHECK(f.ids("gal ").size() == 2);
    CHECK(f.ids("6 ft ladder ") == std::vector<std::string>{"feet"});
    // A unit written into a compound word: its part finds the other spelling.
    CHECK(f.ids("5-gallon bucket ").front() == "gal");
    CHECK(f.ids("6ft ladder ").front() == "feet");
}

TEST_CASE("spelling: of two corrections as close, the one listings have with the other words") {
    Fixture f(listings("control", 3, "brass control valve") + listings("contort", 6, "contort yoga mat"), "");
    // "contorl" is one edit from both; contort is the more common alone.
    CHECK(f.service->search({.text = "contorl "}).suggestion == "contort");
    CHECK(f.service->search({.text = "contorl valve "}).suggestion == "control valve");
    CHECK(f.ids("contorl valve ").front().starts_with("control-"));
}

TEST_CASE("spelling: of corrections listings have with other words, one they have with every other word first") {
    // "pire" is one edit from fire and from pipe. Pipe is the more common,
    // and some listing has it with "gas"; a listing has fire with both
    // "gas" and "column".
    Fixture f(listings("pipe", 6, "gas pipe fitting") + listings("fire", 3, "propane gas fire pit column"), "");
    CHECK(f.service->search({.text = "gas pire "}).suggestion == "gas pipe");
    CHECK(f.service->search({.text = "gas pire column "}).suggestion == "gas fire column");
    CHECK(f.ids("gas pire column ").front().starts_with("fire-"));
}

TEST_CASE("a word weighs the best way a title matches it: its completion in the same title adds nothing") {
    // "pro" being typed also matches its completion "protector": a title
    // with both weighs "pro" once, as a title with "pro" alone of the same
    // length does, so the ways of one word never outweigh another word.
    const std::string feed = listing("both-ways", "screen pro protector") + listing("one-way", "screen pro stand") +
                             listing("completion", "screen protector film") + common_words(5);
    Fixture f(feed, "proximity.weight = 0\n");
    CHECK(f.score_of("screen pro", "both-ways") == doctest::Approx(f.score_of("screen pro", "one-way")));
    // The completion alone still matches, weighing less than the word typed.
    CHECK(f.score_of("screen pro", "completion") < f.score_of("screen pro", "one-way"));
}

TEST_CASE("relaxed: words naming no thing earn no word bonus") {
    // The door came first because "with" earned a word's bonus (30).
    Fixture flat(door_or_mail_slot, relaxed_without_title_signals + "relax.function_word_share = 1\n");
    Fixture tuned(door_or_mail_slot, relaxed_without_title_signals + "relax.function_word_share = 0\n");
    const std::string query = "fiberglass door with mail slot ";
    CHECK(flat.ids(query).front() == "door");
    CHECK(tuned.ids(query).front() == "slot");
    CHECK(flat.score_of(query, "door") - tuned.score_of(query, "door") == doctest::Approx(30));
    CHECK(flat.score_of(query, "slot") == doctest::Approx(tuned.score_of(query, "slot")));
    // explain says why "with" earned nothing.
    const auto parts = tuned.explained(query, "door");
    CHECK(std::count(parts.begin(), parts.end(), "a typed word matched (relaxed query)") == 2);
    CHECK(std::count(parts.begin(), parts.end(), "'with' names no thing: 0 of a word's bonus (relaxed query)") == 1);
}
