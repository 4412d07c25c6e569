// Real, awkward marketplace text from ../shared/data: the analyzer must
// never throw, and the indexer's and the query side's terms must agree, so
// searching a listing's own title always finds it.
#include <doctest/doctest.h>

#include <algorithm>

#include "analyzers/document_layout.h"
#include "analyzers/query_builder.h"
#include "test_support.h"

using namespace analyzers;

namespace {

struct TitleSource {
    std::string file;
    char delimiter;
    std::size_t title_column;
    std::size_t rows;
};

// Indexes each title and checks that the query built from the same title
// finds that listing.
void check_titles_find_themselves(const TitleSource& source) {
    const auto path = test_support::shared_data_file(source.file);
    if (!path) {
        MESSAGE("skipped: ../shared/data/" << source.file << " is not present");
        return;
    }
    const auto rows = test_support::read_delimited(*path, source.delimiter, source.rows);
    REQUIRE(rows.size() > 100);
    test_support::TempDir dir;
    Xapian::WritableDatabase database((dir / "db").string(), Xapian::DB_CREATE);
    TextAnalyzer analyzer;
    const Lexicon lexicon = load_lexicon(test_support::project_data_dir());
    DocumentBuilder documents(lexicon);
    std::vector<std::string> titles;
    for (std::size_t row = 1; row < rows.size(); ++row) {  // row 0 is the header
        if (rows[row].size() <= source.title_column) continue;
        Listing listing;
        listing.id = std::to_string(row);
        listing.title = rows[row][source.title_column];
        CHECK_NOTHROW(database.replace_document(id_term(listing.id), documents.build(listing)));
        titles.push_back(listing.title);
    }
    database.commit();
    QueryBuilder queries(lexicon);
    Xapian::Enquire enquire(database);
    std::size_t unfound = 0;
    for (std::size_t i = 0; i < titles.size(); ++i) {
        const Xapian::Query query = queries.build(titles[i]).all_words().to_xapian();
        enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query(id_term(std::to_string(i + 1)))));
        if (enquire.get_mset(0, 1).empty()) {
            ++unfound;
            MESSAGE("title does not find itself: " << titles[i]);
        }
    }
    CHECK(unfound == 0);
}

}  // namespace

TEST_CASE("Mercari titles find themselves") {
    check_titles_find_themselves({"mercari/mercari_train_5k.tsv", '\t', 1, 5001});
}

TEST_CASE("Myntra titles with non-breaking spaces find themselves") {
    check_titles_find_themselves({"catalogs/myntra_12k.csv", ',', 1, 3000});
}

TEST_CASE("Home Depot titles with mojibake find themselves") {
    check_titles_find_themselves({"relevance-dev/homedepot_products.csv", ',', 1, 3000});
}

TEST_CASE("Flipkart product names find themselves") {
    check_titles_find_themselves({"catalogs/flipkart_20k.csv", ',', 1, 3000});
}

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
