#include <doctest/doctest.h>

#include <stdexcept>

#include "analyzers/synonyms.h"

using namespace analyzers;

namespace {

Lexicon lexicon_of(std::string_view synonyms, std::string_view aliases) {
    TextAnalyzer analyzer;
    return parse_lexicon(synonyms, aliases, analyzer);
}

std::vector<Word> words_of(std::string_view text) {
    TextAnalyzer analyzer;
    return analyzer.analyze(text);
}

}  // namespace

TEST_CASE("a synonym group works in every direction, phrases included") {
    const Lexicon lexicon = lexicon_of("# comment\n\nairpods, air pods\n", "");
    const auto one_word = lexicon.synonyms.longest_match(words_of("airpods pro"), 0);
    CHECK(one_word.length == 1);
    CHECK(one_word.alternatives == std::vector<Phrase>{{"air", "pod"}});
    const auto two_words = lexicon.synonyms.longest_match(words_of("apple air pods"), 1);
    CHECK(two_words.length == 2);
    CHECK(two_words.alternatives == std::vector<Phrase>{{"airpod"}});
    CHECK(lexicon.synonyms.longest_match(words_of("apple air pods"), 0).length == 0);
}

TEST_CASE("the longest phrase wins") {
    const Lexicon lexicon = lexicon_of("ps4, playstation 4\nps4 slim, playstation 4 slim\n", "");
    const auto match = lexicon.synonyms.longest_match(words_of("playstation 4 slim"), 0);
    CHECK(match.length == 3);
}

TEST_CASE("a brand alias finds the brand but not the other way round") {
    const Lexicon lexicon = lexicon_of("", "lulu => lululemon\nLululemon Athletica => lululemon\n");
    CHECK(lexicon.synonyms.longest_match(words_of("lulu leggings"), 0).alternatives ==
          std::vector<Phrase>{{"lululemon"}});
    CHECK(lexicon.synonyms.longest_match(words_of("lululemon"), 0).length == 0);
    CHECK(lexicon.brands.canonical("lululemon athletica") == "lululemon");
    CHECK(lexicon.brands.canonical("nike") == "nike");
}

TEST_CASE("malformed lines are reported with the file and line number") {
    CHECK_THROWS_WITH_AS(lexicon_of("ok, fine\nlonely\n", ""),
                         "synonyms.txt line 2: expected two or more phrases separated by commas",
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(lexicon_of("", "lulu lululemon\n"), "brand_aliases.txt line 1: expected \"alias => brand\"",
                         std::runtime_error);
}

TEST_CASE("the shipped data files load") {
    const char* data_dir = std::getenv("PROJECT_DATA_DIR");
    REQUIRE(data_dir != nullptr);
    const Lexicon lexicon = load_lexicon(data_dir);
    CHECK(lexicon.synonyms.size() > 10);
    CHECK(lexicon.brands.size() > 5);
    // A plural the stemmer leaves apart from its singular meets it through the table.
    CHECK(lexicon.synonyms.longest_match(words_of("glass shelf"), 1).alternatives == std::vector<Phrase>{{"shelv"}});
    CHECK(lexicon.synonyms.longest_match(words_of("scarves"), 0).alternatives == std::vector<Phrase>{{"scarf"}});
}

TEST_CASE("a missing data directory is an error, not an empty lexicon") {
    CHECK_THROWS_AS(load_lexicon("/nonexistent/data"), std::runtime_error);
}
