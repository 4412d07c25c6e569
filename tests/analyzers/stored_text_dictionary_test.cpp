#include <doctest/doctest.h>

#include <fstream>

#include "analyzers/document_layout.h"
#include "analyzers/stored_text_dictionary.h"
#include "test_support.h"

using namespace analyzers;

namespace {

// The bundled sample's listings, as the indexer parses them.
std::vector<Listing> sample_listings() {
    std::ifstream feed(test_support::project_data_dir() / "sample_listings.jsonl");
    FeedLineParser parser;
    std::vector<Listing> listings;
    for (std::string line; std::getline(feed, line);) {
        FeedLineResult parsed = parser.parse(line);
        if (parsed.ok() && parsed.record->op == FeedOp::upsert) listings.push_back(std::move(parsed.record->listing));
    }
    REQUIRE(listings.size() >= 3000);
    return listings;
}

std::shared_ptr<const StoredTextDictionary> trained_on(const std::vector<Listing>& listings, std::size_t from,
                                                       std::size_t to) {
    std::vector<std::string> samples;
    for (std::size_t n = from; n < to; ++n) samples.push_back(compressed_stored_text(listings[n]));
    return StoredTextDictionary::train(samples);
}

// A shard on disk whose metadata holds `dictionary` (none: nothing).
Xapian::WritableDatabase shard_holding(const test_support::TempDir& dir,
                                       const std::shared_ptr<const StoredTextDictionary>& dictionary) {
    Xapian::WritableDatabase shard((dir / "shard").string(), Xapian::DB_CREATE);
    if (dictionary) dictionary->write_to(shard);
    shard.commit();
    return shard;
}

// The sample's listings, and a shard on disk whose metadata holds a
// dictionary trained on the first `trained` of them.
struct TrainedShard {
    explicit TrainedShard(std::size_t trained)
        : listings(sample_listings()),
          dictionary(trained_on(listings, 0, trained)),
          shard(shard_holding(dir, dictionary)) {
        REQUIRE(dictionary != nullptr);
    }

    std::vector<Listing> listings;
    std::shared_ptr<const StoredTextDictionary> dictionary;
    test_support::TempDir dir;
    Xapian::WritableDatabase shard;
};

Lexicon empty_lexicon() {
    TextAnalyzer analyzer;
    return parse_lexicon("", "", analyzer);
}

}  // namespace

TEST_CASE("stored text compressed against the index's dictionary reads back as written, in far fewer bytes") {
    const TrainedShard trained(2000);
    const auto& [listings, dictionary, dir, shard] = trained;
    const Lexicon lexicon = empty_lexicon();
    DocumentBuilder compressing(lexicon, dictionary);
    std::size_t compressed_bytes = 0, plain_bytes = 0;
    for (std::size_t n = 2000; n < listings.size(); ++n) {  // listings the dictionary never saw
        const Xapian::Document document = compressing.build(listings[n]);
        const std::string value = document.get_value(slot::stored_fields);
        compressed_bytes += value.size();
        plain_bytes += stored_text_value(listings[n]).size();
        CHECK(stored_fields_of(document, shard) == stored_fields_json(listings[n]));
        CHECK(stored_title(value) == listings[n].title);
        const Listing text = stored_text_of(value, shard);
        CHECK(text.id == listings[n].id);
        CHECK(text.image_url == listings[n].image_url);
    }
    MESSAGE("slot 7: " << compressed_bytes << " bytes compressed, " << plain_bytes << " as they are");
    CHECK(compressed_bytes < plain_bytes * 7 / 10);
}

TEST_CASE("a dictionary read from the metadata is the one written") {
    TrainedShard trained(1000);
    trained.shard.close();
    const auto read = StoredTextDictionary::of(Xapian::Database((trained.dir / "shard").string()));
    REQUIRE(read != nullptr);
    CHECK(read->id() == trained.dictionary->id());
    CHECK(read->bytes() == trained.dictionary->bytes());
    CHECK(StoredTextDictionary::of(Xapian::Database()) == nullptr);
}

TEST_CASE("a value naming a dictionary the index does not hold is refused, not read as garbage") {
    const TrainedShard trained(1500);
    const auto& [listings, held, dir, shard] = trained;
    // Trained on other listings than any other test's: a dictionary this
    // process has not read, so the index's metadata is all there is.
    const auto unknown = trained_on(listings, 1500, 3000);
    REQUIRE(unknown != nullptr);
    REQUIRE(unknown->id() != held->id());

    const std::string value = stored_text_value(listings[0], unknown.get());
    CHECK_THROWS_WITH_AS(stored_text_of(value, shard), doctest::Contains("which the index's metadata does not hold"),
                         std::runtime_error);
    CHECK_THROWS_AS(stored_text_of(value, Xapian::Database()), std::runtime_error);
    CHECK(stored_title(value) == listings[0].title);  // titles need no dictionary
}

TEST_CASE("a damaged compressed value is an error, not wrong text") {
    const TrainedShard trained(1000);
    const auto& [listings, dictionary, dir, shard] = trained;
    std::string value = stored_text_value(listings[1], dictionary.get());
    REQUIRE(stored_text_of(value, shard).id == listings[1].id);
    std::string cut = value;
    cut.resize(cut.size() - 3);
    CHECK_THROWS_WITH_AS(stored_text_of(cut, shard), doctest::Contains("damaged"), std::runtime_error);
    // A size after the title (1 byte of length + title) and the id (4 bytes)
    // that claims about 2^63 bytes: refused, not allocated.
    std::string huge = value;
    const std::size_t size_at = 1 + 1 + listings[1].title.size() + 4;
    REQUIRE(listings[1].title.size() < 128);
    huge.replace(size_at, 1, std::string(9, '\xff') + '\x7f');
    CHECK_THROWS_WITH_AS(stored_text_of(huge, shard), doctest::Contains("damaged"), std::runtime_error);
}

TEST_CASE("too few listings train no dictionary, and what is not a dictionary is refused") {
    const auto listings = sample_listings();
    CHECK(trained_on(listings, 0, 100) == nullptr);
    CHECK_THROWS_AS(StoredTextDictionary::from_bytes("not a dictionary"), std::runtime_error);
}
