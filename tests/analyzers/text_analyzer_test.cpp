#include <doctest/doctest.h>

#include "analyzers/text_analyzer.h"

using analyzers::TextAnalyzer;
using analyzers::Word;

namespace {

std::vector<std::string> terms_of(std::string_view text) {
    TextAnalyzer analyzer;
    std::vector<std::string> terms;
    for (const Word& word : analyzer.analyze(text)) terms.push_back(word.term);
    return terms;
}

Word only_word(std::string_view text) {
    TextAnalyzer analyzer;
    auto words = analyzer.analyze(text);
    REQUIRE(words.size() == 1);
    return words.front();
}

}  // namespace

TEST_CASE("full-width digits and letters fold to ASCII") {
    TextAnalyzer analyzer;
    CHECK(analyzer.normalize("２７ｃｍ") == "27cm");
    CHECK(analyzer.normalize("ＮＩＫＥ") == "nike");
}

TEST_CASE("Latin accents are removed so that Pokémon matches pokemon") {
    TextAnalyzer analyzer;
    CHECK(analyzer.normalize("Pokémon") == "pokemon");
    CHECK(analyzer.normalize("CAFÉ Crème") == "cafe creme");
    CHECK(terms_of("Pokémon") == terms_of("pokemon"));
}

TEST_CASE("Japanese voicing marks survive accent removal") {
    // Regression guard: removing every combining mark would turn ガ into カ.
    TextAnalyzer analyzer;
    CHECK(analyzer.normalize("ガンダム") == "ガンダム");
    CHECK(analyzer.normalize("ﾅｲｷ") == "ナイキ");  // half-width katakana folds to full-width
}

TEST_CASE("Japanese text is broken into dictionary words") {
    CHECK(terms_of("ナイキのスニーカー２７ｃｍ中古品") ==
          std::vector<std::string>{"ナイキ", "の", "スニーカー", "27cm", "中古", "品"});
}

TEST_CASE("English words are stemmed the same way on both sides") {
    CHECK(terms_of("Running Shoes") == std::vector<std::string>{"run", "shoe"});
    CHECK(terms_of("sneakers") == terms_of("sneaker"));
}

TEST_CASE("a hyphenated word is one compound term with its parts") {
    const Word word = only_word("T-Shirt");
    CHECK(word.term == "tshirt");
    CHECK(word.parts == std::vector<std::string>{"t", "shirt"});
}

TEST_CASE("phone models keep numbers and split capacities") {
    TextAnalyzer analyzer;
    const auto words = analyzer.analyze("iPhone 12 Pro Max 128GB");
    REQUIRE(words.size() == 5);
    CHECK(words[0].term == "iphon");
    CHECK(words[1].term == "12");
    CHECK(words[3].term == "max");
    CHECK(words[4].term == "128gb");
    CHECK(words[4].parts == std::vector<std::string>{"128", "gb"});
    CHECK(words[4].position == 5);
}

TEST_CASE("decimal sizes stay whole") {
    CHECK(terms_of("size 10.5") == std::vector<std::string>{"size", "10.5"});
}

TEST_CASE("numbers written with thousands separators are the numbers written without") {
    CHECK(terms_of("10,000 btu") == std::vector<std::string>{"10000", "btu"});
    CHECK(terms_of("1,234,567") == std::vector<std::string>{"1234567"});
    CHECK(terms_of("１０，０００円") == terms_of("10000円"));  // full-width, through ICU
    // Not thousands: each group after a comma must have three digits, the first at most three.
    CHECK(terms_of("1,5 3,50 1234,567 12,3456") == std::vector<std::string>{"1,5", "3,50", "1234,567", "12,3456"});
}

TEST_CASE("fractions keep their slash so 3/4 never meets 34") {
    const Word word = only_word("3/4");
    CHECK(word.term == "3/4");
    CHECK(word.parts == std::vector<std::string>{"3", "4"});
}

TEST_CASE("numbers joined by a hyphen keep it, so a 10-3 wire never meets 103") {
    const Word gauge = only_word("10-3");
    CHECK(gauge.term == "10-3");
    CHECK(gauge.parts == std::vector<std::string>{"10", "3"});
    CHECK(only_word("1-1/2").term == "1-1/2");
    // Letters and digits still join: a model is one term.
    CHECK(only_word("wd-40").term == "wd40");
}

TEST_CASE("curly and straight apostrophes give the same stem") {
    CHECK(terms_of("Levi’s") == terms_of("Levi's"));
    CHECK(terms_of("Levi's") == std::vector<std::string>{"levi"});
}

TEST_CASE("punctuation, emoji and blank text give no words") {
    CHECK(terms_of("").empty());
    CHECK(terms_of("  !!! --- ").empty());
    CHECK(terms_of("🔥🔥").empty());
}

TEST_CASE("over-long junk tokens are dropped") {
    const std::string junk(300, 'x');
    CHECK(terms_of(junk + " shoe") == std::vector<std::string>{"shoe"});
}

TEST_CASE("invalid UTF-8 does not throw") {
    CHECK_NOTHROW(terms_of("bad \xC3\x28 byte \xFF end"));
}

TEST_CASE("mixed Latin and Japanese query is analysed word by word") {
    CHECK(terms_of("iphone 中古 pro") == std::vector<std::string>{"iphon", "中古", "pro"});
}

TEST_CASE("the same text always gives the same terms, across instances") {
    const std::string text = "Nike Air Max 90 スニーカー T-Shirt 3/4 Pokémon";
    TextAnalyzer first, second;
    auto a = first.analyze(text), b = second.analyze(text), c = first.analyze(text);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].term == b[i].term);
        CHECK(a[i].parts == b[i].parts);
        CHECK(a[i].term == c[i].term);
    }
}
