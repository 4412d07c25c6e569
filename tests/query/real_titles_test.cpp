// Real, awkward marketplace text from ../shared/data: the indexer's and the
// query side's terms must agree, so searching a listing's own title always
// finds it.
#include <doctest/doctest.h>

#include "analyzers/document_layout.h"
#include "query_builder.h"
#include "test_support.h"

using namespace analyzers;
using query::QueryBuilder;

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
