#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <fstream>
#include <sstream>
#include <thread>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "indexer/indexer.h"
#include "test_support.h"

namespace {

std::string listing_line(const std::string& id, const std::string& title, double price) {
    return "{\"id\":\"" + id + "\",\"title\":\"" + title + "\",\"price\":" + std::to_string(price) + "}\n";
}

void append(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

indexer::FollowOptions follow_options(const test_support::TempDir& dir, const std::filesystem::path& feed) {
    indexer::FollowOptions options;
    options.feed.feed = feed;
    options.feed.index_dir = dir / "index";
    options.feed.data_dir = test_support::project_data_dir();
    options.feed.shard_count = 2;
    options.follow = false;
    options.commit_interval = std::chrono::milliseconds(20);
    options.idle_poll = std::chrono::milliseconds(5);
    return options;
}

Xapian::Database serving(const test_support::TempDir& dir) {
    return Xapian::Database(analyzers::serving_stub_path(dir / "index").string());
}

std::string stored_title(const Xapian::Database& database, const std::string& id) {
    auto posting = database.postlist_begin(analyzers::id_term(id));
    if (posting == database.postlist_end(analyzers::id_term(id))) return "";
    return analyzers::stored_listing_of(database.get_document(*posting), database).title;
}

using test_support::eventually;

// Builds a frozen generation (build --no-termlists) of `feed` into dir/index.
void build_frozen(const test_support::TempDir& dir, const std::filesystem::path& feed) {
    indexer::FeedOptions options = follow_options(dir, feed).feed;
    options.no_termlists = true;
    options.on_notice = [](const std::string&) {};
    indexer::build_generation(options);
}

// follow_feed running in a thread until the object goes out of scope.
class RunningFollower {
public:
    RunningFollower(const test_support::TempDir& dir, const std::filesystem::path& feed)
        : options_(follow_options(dir, feed)) {
        options_.follow = true;
        options_.stop_requested = &stop_;
        thread_ = std::thread([this] { indexer::follow_feed(options_); });
        REQUIRE(eventually([&] { return std::filesystem::exists(analyzers::serving_stub_path(dir / "index")); },
                           std::chrono::seconds(5)));
    }
    ~RunningFollower() {
        stop_ = true;
        thread_.join();
    }
    const indexer::FollowOptions& options() const { return options_; }

private:
    std::atomic<bool> stop_{false};
    indexer::FollowOptions options_;
    std::thread thread_;
};

}  // namespace

TEST_CASE("following an empty index creates generation 1 and applies the feed") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", listing_line("a", "Nike shoes", 10) + listing_line("b", "Lego", 5));
    const auto report = indexer::follow_feed(follow_options(dir, dir / "feed.jsonl"));
    CHECK(report.generation.number == 1);
    CHECK(report.documents == 2);
    CHECK(report.upserts == 2);
    // The shards it started name the analysis it analysed with.
    for (std::size_t shard = 0; shard < report.generation.shard_count; ++shard) {
        const Xapian::Database database(analyzers::shard_path(dir / "index", 1, shard).string());
        CHECK(analyzers::analysis_version_of(database) == analyzers::analysis_version);
    }
}

TEST_CASE("a second run resumes after the last committed line") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "first", 1) + listing_line("b", "second", 2));
    indexer::follow_feed(follow_options(dir, feed));
    append(feed, listing_line("a", "first updated", 3) + "{\"op\":\"delete\",\"id\":\"b\"}\n");
    const auto report = indexer::follow_feed(follow_options(dir, feed));
    CHECK(report.lines == 2);  // only the new lines were read
    CHECK(report.upserts == 1);
    CHECK(report.deletes == 1);
    CHECK(report.documents == 1);
    CHECK(stored_title(serving(dir), "a") == "first updated");
}

TEST_CASE("a bad line is dead-lettered once, not again on the next run") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "ok", 1) + "garbage\n");
    CHECK(indexer::follow_feed(follow_options(dir, feed)).rejected == 1);
    append(feed, listing_line("b", "ok", 1));
    CHECK(indexer::follow_feed(follow_options(dir, feed)).rejected == 0);
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(dead.find("\"line\":2") != std::string::npos);
    CHECK(dead.find("\"line\":2", dead.find("\"line\":2") + 1) == std::string::npos);
}

TEST_CASE("a directory of segments is read in name order, new segments included") {
    test_support::TempDir dir;
    std::filesystem::create_directories(dir / "feed");
    test_support::write_file(dir / "feed" / "segment-000001.jsonl", listing_line("a", "version one", 1));
    test_support::write_file(dir / "feed" / "segment-000002.jsonl", listing_line("a", "version two", 1));
    indexer::follow_feed(follow_options(dir, dir / "feed"));
    CHECK(stored_title(serving(dir), "a") == "version two");
    test_support::write_file(dir / "feed" / "segment-000003.jsonl", listing_line("a", "version three", 1));
    const auto report = indexer::follow_feed(follow_options(dir, dir / "feed"));
    CHECK(report.lines == 1);
    CHECK(stored_title(serving(dir), "a") == "version three");
}

// Regression test for issue 14, finding 2: the producer's

// The documents API fails a write's task with the reason its line was
// dead-lettered for: it finds the line by the segment's name.
TEST_CASE("a dead-lettered line of a segment names the segment and its line within it") {
    test_support::TempDir dir;
    std::filesystem::create_directories(dir / "feed");
    test_support::write_file(dir / "feed" / "segment-000001.jsonl", listing_line("a", "ok", 1) + "garbage\n");
    test_support::write_file(dir / "feed" / "segment-000002.jsonl", "{\"id\":\"b\"}\n" + listing_line("c", "ok", 1));
    CHECK(indexer::follow_feed(follow_options(dir, dir / "feed")).rejected == 2);
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(dead.find(R"({"segment":"segment-000001.jsonl","line":2,)") != std::string::npos);
    CHECK(dead.find(R"({"segment":"segment-000002.jsonl","line":1,"error":"missing required field 'title'")") != std::string::npos);
}
// segment-000002.jsonl.tmp was read as a segment, and the final
// segment-000002.jsonl, sorting before it, was never read.
TEST_CASE("a producer's temporary segment is never read, and the final one is once renamed") {
    test_support::TempDir dir;
    std::filesystem::create_directories(dir / "feed");
    test_support::write_file(dir / "feed" / "segment-000001.jsonl", listing_line("a", "version one", 1));
    test_support::write_file(dir / "feed" / "segment-000002.jsonl.tmp",
                             listing_line("a", "version two", 1) + listing_line("b", "half written", 1));
    indexer::follow_feed(follow_options(dir, dir / "feed"));
    CHECK(stored_title(serving(dir), "a") == "version one");
    CHECK_FALSE(serving(dir).term_exists("Qb"));
    std::filesystem::rename(dir / "feed" / "segment-000002.jsonl.tmp", dir / "feed" / "segment-000002.jsonl");
    indexer::follow_feed(follow_options(dir, dir / "feed"));
    CHECK(stored_title(serving(dir), "a") == "version two");
    CHECK(serving(dir).term_exists("Qb"));
}

TEST_CASE("a followed line is searchable within a second, and a partial line waits for its end") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "first", 1));
    RunningFollower follower(dir, feed);
    const auto appended_at = std::chrono::steady_clock::now();
    append(feed, listing_line("fresh", "fresh listing", 2));
    Xapian::Database database = serving(dir);
    CHECK(eventually([&] { database.reopen(); return database.term_exists("Qfresh"); }, std::chrono::seconds(1)));
    MESSAGE("visible after " << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - appended_at).count() << " ms");

    append(feed, "{\"id\":\"half\",\"title\":\"half");  // a producer mid-write
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    database.reopen();
    CHECK_FALSE(database.term_exists("Qhalf"));
    append(feed, " written\",\"price\":1}\n");
    CHECK(eventually([&] { database.reopen(); return database.term_exists("Qhalf"); }, std::chrono::seconds(1)));
    CHECK_FALSE(std::filesystem::exists(dir / "index" / "dead-letter.jsonl"));
}

TEST_CASE("a reindex swaps generations under a running follower, which carries on in the new one") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "one", 1) + listing_line("b", "two", 2));
    auto follower = std::make_unique<RunningFollower>(dir, feed);

    indexer::FeedOptions rebuild = follower->options().feed;
    rebuild.shard_count = 3;
    const auto built = indexer::build_generation(rebuild);
    CHECK(built.generation.number == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the follower notices the swap
    append(feed, listing_line("c", "three", 3));
    CHECK(eventually([&] { return serving(dir).term_exists("Qc"); }, std::chrono::seconds(2)));
    follower.reset();  // stops it
    const auto database = serving(dir);
    CHECK(database.get_doccount() == 3);
    CHECK(analyzers::serving_generation(dir / "index")->shard_count == 3);
}

namespace {

// The base docids a frozen generation's delta of `shard` marks replaced.
std::vector<Xapian::docid> replaced_in(const test_support::TempDir& dir, std::size_t shard) {
    const auto generation = analyzers::serving_generation(dir / "index");
    const auto replaced = analyzers::ReplacedListings::of(
        Xapian::Database(analyzers::delta_path(dir / "index", generation->number, shard).string()));
    std::vector<Xapian::docid> docids;
    for (Xapian::docid docid = 0; docid < replaced.words().size() * 64; ++docid) {
        if (replaced.contains(docid)) docids.push_back(docid);
    }
    return docids;
}

Xapian::docid base_docid(const test_support::TempDir& dir, const std::string& id) {
    const Xapian::Database base(
        analyzers::shard_path(dir / "index", 1, analyzers::shard_of(id, 2)).string());
    return *base.postlist_begin(analyzers::id_term(id));
}

}  // namespace

TEST_CASE("a frozen reindex swaps generations under a running follower, which carries on in its deltas") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "one", 1) + listing_line("b", "two", 2));
    auto follower = std::make_unique<RunningFollower>(dir, feed);
    CHECK(eventually([&] { return serving(dir).term_exists("Qb"); }, std::chrono::seconds(2)));

    indexer::FeedOptions rebuild = follower->options().feed;
    rebuild.no_termlists = true;
    rebuild.on_notice = [](const std::string&) {};
    const auto built = indexer::build_generation(rebuild);
    CHECK(built.generation.number == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the follower notices the swap
    append(feed, listing_line("c", "three", 3) + listing_line("a", "one again", 4));
    CHECK(eventually([&] { return serving(dir).term_exists("Qc"); }, std::chrono::seconds(2)));
    CHECK(eventually([&] { return replaced_in(dir, analyzers::shard_of("a", 2)).size() == 1; }, std::chrono::seconds(2)));
    follower.reset();  // stops it
    CHECK(serving(dir).get_doccount() == 2 + 2);  // a and b in the bases, a and c in the deltas
    CHECK(analyzers::serving_generation(dir / "index")->frozen);
}

TEST_CASE("old generations are removed after a swap, the replaced one is kept") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "one", 1));
    auto options = follow_options(dir, feed).feed;
    for (int i = 0; i < 3; ++i) indexer::build_generation(options);
    CHECK_FALSE(std::filesystem::exists(analyzers::generation_path(dir / "index", 1)));
    CHECK(std::filesystem::exists(analyzers::generation_path(dir / "index", 2)));
    CHECK(std::filesystem::exists(analyzers::generation_path(dir / "index", 3)));
}

// The build trains one dictionary for a generation's stored text
// (analyzers/stored_text_dictionary.h); every shard must carry it, through
// the merge of its parts, and what a follower adds later must be read with it.
TEST_CASE("a build compresses stored text against one dictionary in every shard, and a follower adds with it") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    std::filesystem::copy_file(test_support::project_data_dir() / "sample_listings.jsonl", feed);
    indexer::FeedOptions build_options = follow_options(dir, feed).feed;
    build_options.listings_per_part = 400;  // several parts a shard, merged at the end
    const auto built = indexer::build_generation(build_options);
    REQUIRE(built.documents == 3000);

    std::optional<std::uint32_t> dictionary_id;
    for (std::size_t shard = 0; shard < 2; ++shard) {
        const Xapian::Database database(analyzers::shard_path(dir / "index", built.generation.number, shard).string());
        const auto dictionary = analyzers::StoredTextDictionary::of(database);
        REQUIRE(dictionary != nullptr);
        if (dictionary_id) CHECK(dictionary->id() == *dictionary_id);
        dictionary_id = dictionary->id();
    }
    // Every listing reads back as the feed wrote it.
    std::ifstream lines(feed);
    analyzers::FeedLineParser parser;
    const auto database = serving(dir);
    std::size_t checked = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto parsed = parser.parse(line);
        REQUIRE(parsed.ok());
        const auto& listing = parsed.record->listing;
        const auto posting = database.postlist_begin(analyzers::id_term(listing.id));
        REQUIRE(posting != database.postlist_end(analyzers::id_term(listing.id)));
        CHECK(analyzers::stored_fields_of(database.get_document(*posting), database) ==
              analyzers::stored_fields_json(listing));
        ++checked;
    }
    CHECK(checked == 3000);

    const std::string long_description =
        "Brand new with tags, never worn. Smoke free and pet free home. Bundle to save on shipping! "
        "Ships the next business day. Size medium, fits true to size. No trades, price is firm.";
    append(feed, listing_line("new-1", "a listing the follower adds", 12) +
                     "{\"id\":\"L0000001\",\"title\":\"updated by the follower\",\"price\":3,"
                     "\"description\":\"" + long_description + "\"}\n");
    indexer::follow_feed(follow_options(dir, feed));
    const auto followed = serving(dir);
    CHECK(stored_title(followed, "new-1") == "a listing the follower adds");
    const auto posting = followed.postlist_begin(analyzers::id_term("L0000001"));
    const analyzers::Listing updated = analyzers::stored_listing_of(followed.get_document(*posting), followed);
    CHECK(updated.title == "updated by the follower");
    CHECK(updated.description == long_description);
    // Compressed with the shard's dictionary.
    const std::string value = followed.get_document(*posting).get_value(analyzers::slot::stored_fields);
    CHECK(value.size() < analyzers::stored_text_value(updated).size());
}

TEST_CASE("a shard whose stored-text dictionary is damaged stops the follower, which names the shard") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "first", 1));
    indexer::follow_feed(follow_options(dir, feed));
    const auto shard = analyzers::shard_path(dir / "index", 1, 0);
    {
        Xapian::WritableDatabase database(shard.string());
        database.set_metadata(analyzers::stored_text_dictionary_key, "not a dictionary");
        database.commit();
    }
    append(feed, listing_line("b", "second", 2));
    CHECK_THROWS_WITH_AS(indexer::follow_feed(follow_options(dir, feed)),
                         doctest::Contains("shard-00: stored text dictionary: not a zstd dictionary"), std::runtime_error);
}

TEST_CASE("a frozen generation is followed through its deltas: base listings replaced are marked, never changed") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    std::string listings;
    for (const char* id : {"a", "b", "c", "e"}) listings += listing_line(id, std::string("first ") + id, 1);
    test_support::write_file(feed, listings);
    build_frozen(dir, feed);
    const auto generation = analyzers::serving_generation(dir / "index");
    REQUIRE(generation->frozen);

    append(feed, listing_line("d", "new listing", 4) + listing_line("a", "second a", 5) +
                     R"({"op":"delete","id":"b"})" "\n" R"({"op":"sold","id":"c"})" "\n"
                     R"({"op":"sold","id":"never-seen"})" "\n");
    const auto report = indexer::follow_feed(follow_options(dir, feed));
    CHECK(report.documents == 4);  // a (second), c (sold), d, e
    CHECK(report.upserts == 2);
    CHECK(report.deletes == 1);
    CHECK(report.sold == 1);

    // The bases are as built; the deltas have the new versions.
    std::size_t base_listings = 0;
    for (std::size_t shard = 0; shard < 2; ++shard) {
        const Xapian::Database base(analyzers::shard_path(dir / "index", 1, shard).string());
        CHECK_FALSE(analyzers::has_termlists(base));
        base_listings += base.get_doccount();
    }
    CHECK(base_listings == 4);
    const auto database = serving(dir);
    CHECK(database.get_doccount() == 4 + 3);  // the bases' four, and a, c and d in the deltas
    CHECK(database.get_termfreq("Qa") == 2);
    CHECK(database.get_termfreq("Qb") == 1);   // the base's, marked replaced
    CHECK(database.get_termfreq("XTsold") == 1);  // c, indexed again from its stored fields, in a delta
    for (const char* id : {"a", "b", "c"}) {
        const auto marked = replaced_in(dir, analyzers::shard_of(id, 2));
        CHECK_MESSAGE(std::count(marked.begin(), marked.end(), base_docid(dir, id)) == 1, id);
    }
    CHECK(replaced_in(dir, 0).size() + replaced_in(dir, 1).size() == 3);  // not e, not d

    // A second run resumes after the last commit: nothing applied twice.
    const auto again = indexer::follow_feed(follow_options(dir, feed));
    CHECK(again.upserts == 0);
    CHECK(again.documents == 4);
    CHECK(serving(dir).get_doccount() == 7);
}

TEST_CASE("a listing replaced twice in a frozen generation is marked once, and its delta copy updated in place") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "first", 1));
    build_frozen(dir, feed);
    append(feed, listing_line("a", "second", 2));
    indexer::follow_feed(follow_options(dir, feed));
    append(feed, listing_line("a", "third", 3) + R"({"op":"sold","id":"a"})" "\n");
    const auto report = indexer::follow_feed(follow_options(dir, feed));
    CHECK(report.documents == 1);
    CHECK(stored_title(serving(dir), "a") == "first");  // the base's copy comes first in the combined database
    const Xapian::Database delta(analyzers::delta_path(dir / "index", 1, analyzers::shard_of("a", 2)).string());
    CHECK(delta.get_doccount() == 1);
    const auto posting = delta.postlist_begin(analyzers::id_term("a"));
    const auto listing = analyzers::stored_listing_of(delta.get_document(*posting), delta);
    CHECK(listing.title == "third");
    CHECK(listing.status == analyzers::ListingStatus::sold);
    CHECK(replaced_in(dir, analyzers::shard_of("a", 2)).size() == 1);
}

TEST_CASE("a frozen base named in a CURRENT that does not say frozen is not written, and the follower says why") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("a", "one", 1));
    build_frozen(dir, feed);
    // CURRENT as if written by hand, without the '# frozen' line and the deltas.
    const auto stub = analyzers::serving_stub_path(dir / "index");
    std::string kept;
    std::istringstream lines(test_support::read_file(stub));
    for (std::string line; std::getline(lines, line);) {
        if (line.find("frozen") == std::string::npos && line.find("delta") == std::string::npos) kept += line + "\n";
    }
    test_support::write_file(stub, kept);
    append(feed, listing_line("b", "two", 2));
    try {
        indexer::follow_feed(follow_options(dir, feed));
        FAIL("the follower wrote into a frozen base");
    } catch (const std::runtime_error& error) {
        CHECK_MESSAGE(std::string(error.what()).find("is a frozen generation's base") != std::string::npos, error.what());
    }
}
