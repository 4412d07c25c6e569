#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <sys/stat.h>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "feed_source.h"  // private to the indexer: the position a build leaves
#include "indexer/indexer.h"
#include "test_support.h"

namespace {

// Options to build `feed`, written to dir/feed.jsonl, into dir/index.
indexer::FeedOptions build_options(const test_support::TempDir& dir, const std::string& feed, std::size_t shards = 3) {
    test_support::write_file(dir / "feed.jsonl", feed);
    indexer::FeedOptions options;
    options.feed = dir / "feed.jsonl";
    options.index_dir = dir / "index";
    options.data_dir = test_support::project_data_dir();
    options.shard_count = shards;
    return options;
}

indexer::FeedReport build(const test_support::TempDir& dir, const std::string& feed, std::size_t shards = 3) {
    return indexer::build_generation(build_options(dir, feed, shards));
}

Xapian::Database serving(const test_support::TempDir& dir) {
    return Xapian::Database(analyzers::serving_stub_path(dir / "index").string());
}

bool has_listing(const Xapian::Database& database, const std::string& id) {
    return database.term_exists(analyzers::id_term(id));
}

const char* three_listings =
    R"({"id":"a","title":"Nike Air Max 90","price":80,"brand":"Nike"})" "\n"
    R"({"id":"b","title":"Razer Keyboard","price":45})" "\n"
    R"({"id":"c","title":"Pokémon cards","price":5})" "\n";

// Later lines for those: an update, a delete, a sold mark, and a sold mark
// of a listing never indexed.
const char* three_changed =
    R"({"id":"a","title":"Nike Air Max 95","price":90})" "\n"
    R"({"op":"delete","id":"b"})" "\n"
    R"({"op":"sold","id":"c"})" "\n"
    R"({"op":"sold","id":"never-seen"})" "\n";

}  // namespace

TEST_CASE("a feed is indexed into shards and published as generation 1") {
    test_support::TempDir dir;
    const auto report = build(dir, three_listings);
    CHECK(report.generation.number == 1);
    CHECK(report.documents == 3);
    CHECK(report.upserts == 3);
    CHECK(report.rejected == 0);
    const auto database = serving(dir);
    CHECK(database.get_doccount() == 3);
    CHECK(has_listing(database, "a"));
    for (std::size_t shard = 0; shard < 3; ++shard) {
        CHECK(std::filesystem::exists(analyzers::shard_path(dir / "index", 1, shard)));
    }
}

TEST_CASE("each listing lives in the shard its id hashes to") {
    test_support::TempDir dir;
    build(dir, three_listings);
    for (std::string id : {"a", "b", "c"}) {
        const auto shard = analyzers::shard_of(id, 3);
        Xapian::Database database(analyzers::shard_path(dir / "index", 1, shard).string());
        CHECK_MESSAGE(has_listing(database, id), id);
    }
}

TEST_CASE("a later line for the same id replaces the listing, delete removes it, sold marks it") {
    test_support::TempDir dir;
    const auto report = build(dir, std::string(three_listings) + three_changed);
    CHECK(report.documents == 2);
    CHECK(report.deletes == 1);
    CHECK(report.sold == 1);
    const auto database = serving(dir);
    CHECK_FALSE(has_listing(database, "b"));
    CHECK(database.term_exists("T95"));
    CHECK_FALSE(database.term_exists("T90"));
    CHECK(database.get_termfreq("XTsold") == 1);
}

TEST_CASE("updates, deletes and sold marks find listings in earlier part databases") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", std::string(three_listings) +
                                                     R"({"id":"d","title":"fourth","price":4})" "\n"
                                                     R"({"id":"a","title":"Nike Air Max 95","price":90})" "\n"
                                                     R"({"op":"delete","id":"b"})" "\n"
                                                     R"({"op":"sold","id":"c"})" "\n");
    indexer::FeedOptions options;
    options.feed = dir / "feed.jsonl";
    options.index_dir = dir / "index";
    options.data_dir = test_support::project_data_dir();
    options.shard_count = 1;
    options.listings_per_part = 1;  // every listing in a part of its own
    const auto report = indexer::build_generation(options);
    CHECK(report.documents == 3);
    const auto database = serving(dir);
    CHECK(database.get_termfreq("Qa") == 1);
    CHECK(database.term_exists("T95"));
    CHECK_FALSE(database.term_exists("T90"));
    CHECK_FALSE(has_listing(database, "b"));
    CHECK(database.get_termfreq("XTsold") == 1);
    CHECK(std::filesystem::is_empty(analyzers::generation_path(dir / "index", 1)) == false);
    CHECK_FALSE(std::filesystem::exists(analyzers::generation_path(dir / "index", 1) / "staging-00"));
}

TEST_CASE("bad lines go to the dead-letter file with line number and reason; the rest is indexed") {
    test_support::TempDir dir;
    const std::string feed = "{\"id\":\"a\",\"title\":\"ok\",\"price\":1}\n"
                             "not json\n"
                             "\n"
                             "{\"id\":\"b\",\"title\":\"bad price\",\"price\":\"12\"}\n"
                             "{\"id\":\"c\",\"title\":\"ok too\",\"price\":2}\r\n";
    const auto report = build(dir, feed);
    CHECK(report.documents == 2);
    CHECK(report.rejected == 2);
    const std::string dead = test_support::read_file(report.dead_letter_path);
    CHECK(dead.find(R"({"line":2,"error":"invalid JSON)") != std::string::npos);
    CHECK(dead.find(R"({"line":4,"error":"field 'price': expected a number, found string","text":)") !=
          std::string::npos);
}

TEST_CASE("every shard a build writes names the analysis it was analysed with") {
    test_support::TempDir dir;
    const auto report = build(dir, three_listings, 2);
    for (std::size_t shard = 0; shard < 2; ++shard) {
        const Xapian::Database database(analyzers::shard_path(dir / "index", report.generation.number, shard).string());
        CHECK(analyzers::analysis_version_of(database) == analyzers::analysis_version);
        CHECK(analyzers::analysis_mismatch(database, "shard").empty());
    }
}

TEST_CASE("a second build becomes generation 2 and replaces the first") {
    test_support::TempDir dir;
    build(dir, three_listings);
    const auto second = build(dir, R"({"id":"z","title":"only one","price":1})" "\n", 2);
    CHECK(second.generation.number == 2);
    const auto database = serving(dir);
    CHECK(database.get_doccount() == 1);
    CHECK(has_listing(database, "z"));
}

TEST_CASE("the summary names what happened") {
    test_support::TempDir dir;
    const auto report = build(dir, "{\"id\":\"a\",\"title\":\"t\",\"price\":1}\nbad\n");
    const std::string text = indexer::describe(report);
    CHECK(text.find("1 listings served; 2 lines read") != std::string::npos);
    CHECK(text.find("rejected 1, already indexed 0 (see ") != std::string::npos);
}

// Regression test for issue 14, finding 8: a feed saved by an editor that
// starts files with a byte order mark lost its first listing.
TEST_CASE("a feed starting with a UTF-8 byte order mark loses no listing") {
    test_support::TempDir dir;
    const auto report = build(dir, "\xEF\xBB\xBF" + std::string(three_listings));
    CHECK(report.rejected == 0);
    CHECK(has_listing(serving(dir), "a"));
}

// Regression test for issue 14, finding 8: such a listing used to be
// indexed without its brand filter key, and no one was told.
TEST_CASE("a listing whose brand cannot be a filter key is dead-lettered with the reason") {
    test_support::TempDir dir;
    const std::string brand(300, 'x');
    const auto report = build(dir, std::string(three_listings) + R"({"id":"long","title":"t","price":1,"brand":")" +
                                       brand + "\"}\n");
    CHECK(report.rejected == 1);
    CHECK_FALSE(has_listing(serving(dir), "long"));
    const std::string dead = test_support::read_file(report.dead_letter_path);
    CHECK(dead.find(R"({"line":4,"error":"field 'brand': 300 bytes once normalised, over the limit of 238")") !=
          std::string::npos);
}

// Regression test for issue 14, finding 7: after the index directory was
// rebuilt from scratch, generation 1 again, readers could not tell.
TEST_CASE("each build publishes a new identifier, even when generation numbers restart") {
    test_support::TempDir dir;
    const auto first = build(dir, three_listings);
    CHECK(first.generation.id.size() == 32);
    CHECK(analyzers::serving_generation(dir / "index")->id == first.generation.id);
    std::filesystem::remove_all(dir / "index");
    const auto rebuilt = build(dir, three_listings);
    CHECK(rebuilt.generation.number == first.generation.number);
    CHECK(analyzers::serving_generation(dir / "index")->id == rebuilt.generation.id);
    CHECK(rebuilt.generation.id != first.generation.id);
}

// A stream can be read once: no sample of it trains a dictionary, so its
// listings' stored text is kept as it is, and the operator is told why.
TEST_CASE("a build from a pipe stores text uncompressed and says so") {
    test_support::TempDir dir;
    const auto pipe = dir / "feed.fifo";
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    std::thread writer([&] { test_support::write_file(pipe, three_listings); });  // blocks until the build opens it
    std::vector<std::string> notices;
    indexer::FeedOptions options;
    options.feed = pipe;
    options.index_dir = dir / "index";
    options.data_dir = test_support::project_data_dir();
    options.shard_count = 1;
    options.on_notice = [&](const std::string& notice) { notices.push_back(notice); };
    const auto report = indexer::build_generation(options);
    writer.join();
    CHECK(report.documents == 3);
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].find("not compressed") != std::string::npos);
    const auto database = serving(dir);
    CHECK(analyzers::StoredTextDictionary::of(database) == nullptr);
    CHECK(analyzers::stored_listing_of(database.get_document(*database.postlist_begin("Qb")), database).title ==
          "Razer Keyboard");
}

namespace {

indexer::FeedOptions frozen_build_options(const test_support::TempDir& dir, const std::string& feed) {
    indexer::FeedOptions options = build_options(dir, feed, 2);
    options.listings_per_part = 2;  // several parts a shard, merged at the end
    options.no_termlists = true;
    options.on_notice = [](const std::string&) {};
    return options;
}

std::string sample_listings_feed() {
    std::ifstream in(test_support::project_data_dir() / "sample_listings.jsonl", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("a frozen build writes shards without termlists that hold the same listings, terms and metadata, and empty deltas") {
    test_support::TempDir frozen_dir, usual_dir;
    const std::string feed = sample_listings_feed();
    const auto frozen = indexer::build_generation(frozen_build_options(frozen_dir, feed));
    indexer::FeedOptions usual_options = frozen_build_options(usual_dir, feed);
    usual_options.no_termlists = false;
    const auto usual = indexer::build_generation(usual_options);
    REQUIRE(frozen.documents == 3000);
    CHECK(usual.documents == 3000);

    for (std::size_t shard = 0; shard < 2; ++shard) {
        const Xapian::Database without(analyzers::shard_path(frozen_dir / "index", 1, shard).string());
        const Xapian::Database with(analyzers::shard_path(usual_dir / "index", 1, shard).string());
        CHECK_FALSE(analyzers::has_termlists(without));
        CHECK(analyzers::has_termlists(with));
        // No termlist, only the empty table file replicas need to open it.
        CHECK_THROWS_AS(without.termlist_begin(*without.postlist_begin("")), Xapian::DocNotFoundError);
        CHECK(std::filesystem::file_size(analyzers::shard_path(frozen_dir / "index", 1, shard) / "termlist.glass") == 0);
        CHECK(without.get_doccount() == with.get_doccount());
        // The same postings, term for term.
        auto term = with.allterms_begin();
        for (auto other = without.allterms_begin(); other != without.allterms_end(); ++other, ++term) {
            REQUIRE(term != with.allterms_end());
            CHECK(*other == *term);
            CHECK(without.get_termfreq(*other) == with.get_termfreq(*term));
        }
        CHECK(term == with.allterms_end());
        // What the follower and the server read: where the feed ended, the
        // analysis version and the dictionary.
        for (const auto* database : {&without, &with}) {
            const auto position = indexer::FeedPosition::decode(database->get_metadata("feed.position"));
            CHECK(position.line == 3000);
            CHECK(position.offset == feed.size());
            CHECK_FALSE(database->get_metadata("feed.identity").empty());
        }
        for (const char* key : {analyzers::analysis_version_key, analyzers::stored_text_dictionary_key}) {
            CHECK_MESSAGE(!with.get_metadata(key).empty(), key);
            CHECK_MESSAGE(without.get_metadata(key) == with.get_metadata(key), key);
        }
        // Each frozen shard has an empty delta for the follower, made for
        // this base, where the follower resumes.
        const Xapian::Database delta(analyzers::delta_path(frozen_dir / "index", 1, shard).string());
        CHECK(delta.get_doccount() == 0);
        CHECK(analyzers::has_termlists(delta));
        CHECK(delta.get_metadata(analyzers::delta_base_key) == without.get_uuid());
        for (const char* key : {"feed.position", "feed.identity", analyzers::analysis_version_key,
                                analyzers::stored_text_dictionary_key}) {
            CHECK_MESSAGE(delta.get_metadata(key) == without.get_metadata(key), key);
        }
    }
    const auto generation = analyzers::serving_generation(frozen_dir / "index");
    CHECK(generation->frozen);
    CHECK_FALSE(analyzers::serving_generation(usual_dir / "index")->frozen);
    CHECK(serving(frozen_dir).get_doccount() == 3000);  // the bases and the empty deltas, through CURRENT
    CHECK(analyzers::serving_databases(frozen_dir / "index", *generation).size() == 4);
}

TEST_CASE("a frozen build sends what the feed changes after a listing's first line to the delta") {
    test_support::TempDir dir;
    const std::string feed = std::string(three_listings) + three_changed +
                             R"({"op":"delete","id":"never-seen"})" "\n"
                             R"({"id":"d","title":"fourth","price":4})" "\n"
                             R"({"id":"a","title":"Nike Air Max 97","price":95})" "\n";
    const auto report = indexer::build_generation(frozen_build_options(dir, feed));
    CHECK(report.documents == 3);  // a (97), c (sold), d
    CHECK(report.deletes == 2);    // delete records, "never-seen" included
    CHECK(report.sold == 1);
    // The bases hold every listing's first line; the deltas what came later,
    // and the base copies they replace are marked.
    std::size_t in_bases = 0, in_deltas = 0, marked = 0;
    for (std::size_t shard = 0; shard < 2; ++shard) {
        const Xapian::Database base(analyzers::shard_path(dir / "index", 1, shard).string());
        const Xapian::Database delta(analyzers::delta_path(dir / "index", 1, shard).string());
        in_bases += base.get_doccount();
        in_deltas += delta.get_doccount();
        const auto replaced = analyzers::ReplacedListings::of(delta);
        marked += replaced.count();
        for (const std::string id : {"a", "b", "c"}) {
            if (analyzers::shard_of(id, 2) != shard) continue;
            CHECK_MESSAGE(replaced.contains(*base.postlist_begin(analyzers::id_term(id))), id);
        }
        CHECK(delta.get_metadata(analyzers::delta_base_key) == base.get_uuid());
        CHECK_FALSE(delta.get_metadata("feed.position").empty());
    }
    CHECK(in_bases == 4);   // a, b, c, d as first named
    CHECK(in_deltas == 2);  // a (97) and c (sold)
    CHECK(marked == 3);
    const auto database = serving(dir);
    CHECK(database.term_exists("T97"));
    CHECK(database.get_termfreq("XTsold") == 1);
    CHECK_FALSE(std::filesystem::exists(analyzers::generation_path(dir / "index", 1) / "staging-delta-00"));
}
