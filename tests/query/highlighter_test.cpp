#include <doctest/doctest.h>

#include "highlighter.h"

using query::Highlighter;

TEST_CASE("highlights follow the analyzer: stems, compounds, full-width and Japanese words") {
    Highlighter highlighter;
    CHECK(highlighter.highlight("Nike Air Max Sneakers", {"sneaker"}) == "Nike Air Max <em>Sneakers</em>");
    CHECK(highlighter.highlight("Vintage T-Shirt, size M", {"tshirt"}) == "Vintage <em>T-Shirt</em>, size M");
    CHECK(highlighter.highlight("Pokémon card", {"pokemon"}) == "<em>Pokémon</em> card");
    CHECK(highlighter.highlight("スニーカー ２７ｃｍ", {"27cm"}) == "スニーカー <em>２７ｃｍ</em>");
    // Terms as the query side makes them ("iphone" is stemmed to "iphon").
    analyzers::TextAnalyzer analyzer;
    std::unordered_set<std::string> terms;
    for (const auto& word : analyzer.analyze("IPHONE pro")) terms.insert(word.term);
    CHECK(highlighter.highlight("iPhone 12 Pro", terms) == "<em>iPhone</em> 12 <em>Pro</em>");
}

TEST_CASE("highlighted text is HTML-escaped, and custom tags are used as given") {
    Highlighter highlighter;
    CHECK(highlighter.highlight("<b>Nike</b> & co", {"nike"}) == "&lt;b&gt;<em>Nike</em>&lt;/b&gt; &amp; co");
    CHECK(highlighter.highlight("Nike shoes", {"nike"}, {"[", "]"}) == "[Nike] shoes");
    CHECK(highlighter.highlight("nothing here", std::unordered_set<std::string>{}) == "nothing here");
    CHECK(highlighter.highlight("", {"nike"}).empty());
}
