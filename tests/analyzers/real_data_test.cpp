// Real, awkward marketplace text from ../shared/data: the analyzer must
// never throw, and its fast path must agree with ICU.
#include <doctest/doctest.h>

#include <algorithm>

#include "analyzers/text_analyzer.h"
#include "test_support.h"

using namespace analyzers;

TEST_CASE("Mercari descriptions analyse without throwing and identically twice") {
    const auto path = test_support::shared_data_file("mercari/mercari_train_5k.tsv");
    if (!path) {
        MESSAGE("skipped: ../shared/data/mercari is not present");
        return;
    }
    TextAnalyzer first, second;
    for (const auto& row : test_support::read_delimited(*path, '\t', 5001)) {
        if (row.size() < 8) continue;
        std::vector<Word> a, b;
        CHECK_NOTHROW(a = first.analyze(row[7]));
        b = second.analyze(row[7]);
        REQUIRE(a.size() == b.size());
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].term == b[i].term);
    }
}

TEST_CASE("the ASCII fast path gives exactly ICU's words on real ASCII text") {
    TextAnalyzer fast;
    TextAnalyzer icu(AnalyzerOptions{.ascii_fast_path = false});
    std::vector<std::string> texts = {
        "a:b a.b 1,000 1;2 a'b a_b _ __x a.1 1.a 10.5cm ab..cd x'' 'a e.g. U.S.A. 3.5mm 1'000 a''b",
        "a-b a/b 1/2 $5 #1 @x a@b x@ @@x a&b c++ 100% http://x.com/a?b=c t--shirt -a- /3/4/",
        "iPhone 12 Pro Max 128GB", "Size 10.5 3/4 sleeve T-Shirt", "Levi's 501 jeans W32/L30"};
    for (const char* file : {"mercari/mercari_train_5k.tsv", "relevance-dev/homedepot_products.csv"}) {
        const auto path = test_support::shared_data_file(file);
        if (!path) continue;
        for (const auto& row : test_support::read_delimited(*path, file[0] == 'm' ? '\t' : ',', 3000)) {
            for (const auto& field : row) texts.push_back(field);
        }
    }
    std::size_t compared = 0;
    for (const auto& text : texts) {
        const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (!ascii) continue;
        const auto a = fast.analyze(text), b = icu.analyze(text);
        bool same = a.size() == b.size();
        for (std::size_t i = 0; same && i < a.size(); ++i) same = a[i].term == b[i].term && a[i].parts == b[i].parts;
        CHECK_MESSAGE(same, "paths disagree on: " << text);
        ++compared;
    }
    CHECK(compared >= 5);  // the built-in texts, plus real data when present
}
