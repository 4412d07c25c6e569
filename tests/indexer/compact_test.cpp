// listing-indexer compact: the serving generation copied compacted into a
// new one, the same listings and feed positions, under a running follower.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "index_lock.h"  // private to the indexer; tested directly
#include "indexer/indexer.h"
#include "test_support.h"

namespace {

std::string listing_line(const std::string& id, const std::string& title) {
    return R"({"id":")" + id + R"(","title":")" + title + R"(","description":"worn twice, no marks","price":12})" "\n";
}

void append(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

indexer::FollowOptions follow_options(const std::filesystem::path& index, const std::filesystem::path& feed) {
    indexer::FollowOptions options;
    options.feed.feed = feed;
    options.feed.index_dir = index;
    options.feed.data_dir = test_support::project_data_dir();
    options.feed.shard_count = 2;
    options.feed.on_notice = [](const std::string&) {};
    options.follow = false;
    options.commit_interval = std::chrono::milliseconds(20);
    options.idle_poll = std::chrono::milliseconds(5);
    return options;
}

// Follows 40 rounds of updates of 100 listings into a new index (from an
// empty generation): the B-tree blocks they touch are left half full.
indexer::FollowOptions follow_many_updates(const std::filesystem::path& index, const std::filesystem::path& feed) {
    std::string lines;
    for (int round = 0; round < 40; ++round) {
        for (int n = 0; n < 100; ++n) lines += listing_line(fmt::format("L{}", n), fmt::format("lamp {}", round));
    }
    test_support::write_file(feed, lines);
    auto follow = follow_options(index, feed);
    follow.feed.commit_every_lines = 50;
    indexer::follow_feed(follow);
    return follow;
}

indexer::CompactOptions compact_options(const std::filesystem::path& index) {
    indexer::CompactOptions options;
    options.index_dir = index;
    options.on_notice = [](const std::string&) {};
    return options;
}

// Every listing's id and stored title, from the serving generation.
std::map<std::string, std::string> served_titles(const std::filesystem::path& index) {
    const Xapian::Database database(analyzers::serving_stub_path(index).string());
    std::map<std::string, std::string> titles;
    for (auto posting = database.postlist_begin(""); posting != database.postlist_end(""); ++posting) {
        const auto listing = analyzers::stored_listing_of(database.get_document(*posting), database);
        CHECK_MESSAGE(titles.count(listing.id) == 0, "listed twice: " << listing.id);
        titles[listing.id] = listing.title;
    }
    return titles;
}

std::vector<std::string> feed_positions(const std::filesystem::path& index) {
    const auto generation = analyzers::serving_generation(index);
    std::vector<std::string> positions;
    for (std::size_t shard = 0; shard < generation->shard_count; ++shard) {
        positions.push_back(
            Xapian::Database(analyzers::shard_path(index, generation->number, shard).string()).get_metadata("feed.position"));
    }
    return positions;
}

}  // namespace

TEST_CASE("compacting a followed generation keeps its listings and feed positions in less space") {
    test_support::TempDir dir;
    const auto index = dir / "index", feed = dir / "feed.jsonl";
    const auto follow = follow_many_updates(index, feed);
    const auto titles = served_titles(index);
    const auto positions = feed_positions(index);
    REQUIRE(titles.size() == 100);

    const indexer::CompactReport report = indexer::compact_generation(compact_options(index));
    CHECK(report.compacted.number == 1);
    CHECK(report.generation.number == 2);
    CHECK(analyzers::serving_generation(index)->number == 2);
    CHECK(report.documents == 100);
    CHECK(report.bytes_after < report.bytes_before);
    CHECK(served_titles(index) == titles);
    CHECK(feed_positions(index) == positions);

    // The follower resumes after the last line, in the compacted generation.
    append(feed, listing_line("L7", "lamp again") + listing_line("M1", "mirror"));
    const indexer::FeedReport resumed = indexer::follow_feed(follow);
    CHECK(resumed.lines == 2);
    CHECK(resumed.generation.number == 2);
    const auto after = served_titles(index);
    CHECK(after.size() == 101);
    CHECK(after.at("L7") == "lamp again");
}

TEST_CASE("compact --if-grown compacts only a generation that has grown that much since it was published") {
    test_support::TempDir dir;
    const auto index = dir / "index", feed = dir / "feed.jsonl";
    follow_many_updates(index, feed);  // into an empty generation, published tiny
    const auto titles = served_titles(index);

    auto options = compact_options(index);
    options.if_grown = 1.5;
    const indexer::CompactReport grown = indexer::compact_generation(options);
    CHECK_FALSE(grown.skipped);
    REQUIRE(grown.bytes_published.has_value());
    CHECK(grown.bytes_before >= 1.5 * static_cast<double>(*grown.bytes_published));
    CHECK(analyzers::serving_generation(index)->number == 2);

    // Just compacted: its size is the one it was published with.
    const indexer::CompactReport fresh = indexer::compact_generation(options);
    CHECK(fresh.skipped);
    CHECK(fresh.generation.number == 2);
    REQUIRE(fresh.bytes_published.has_value());
    CHECK(*fresh.bytes_published > 0);
    CHECK(static_cast<double>(fresh.bytes_before) < 1.5 * static_cast<double>(*fresh.bytes_published));
    CHECK(analyzers::serving_generation(index)->number == 2);
    CHECK(served_titles(index) == titles);
    CHECK(indexer::describe(fresh).find("left as it is") != std::string::npos);

    // Without the option it is compacted all the same.
    CHECK(indexer::compact_generation(compact_options(index)).generation.number == 3);
}

TEST_CASE("compactions under a running follower lose and duplicate no listing") {
    test_support::TempDir dir;
    const auto index = dir / "index", feed = dir / "feed.jsonl";
    test_support::write_file(feed, listing_line("L0", "lamp 0"));
    auto options = follow_options(index, feed);
    options.follow = true;
    std::atomic<bool> stop{false};
    options.stop_requested = &stop;
    std::thread follower([&] { indexer::follow_feed(options); });
    REQUIRE(test_support::eventually([&] { return std::filesystem::exists(analyzers::serving_stub_path(index)); },
                                     std::chrono::seconds(5)));

    // A producer writes new listings and updates while three compactions run.
    std::map<std::string, std::string> expected{{"L0", "lamp 0"}};
    std::thread producer([&] {
        for (int n = 1; n <= 600; ++n) {
            const std::string id = fmt::format("L{}", n % 150), title = fmt::format("lamp {}", n);
            append(feed, listing_line(id, title));
            expected[id] = title;
            if (n % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    for (int compaction = 0; compaction < 3; ++compaction) {
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        indexer::compact_generation(compact_options(index));
    }
    producer.join();
    const auto caught_up = [&] {
        const auto titles = served_titles(index);
        return titles.size() == expected.size() && titles.at("L99") == expected.at("L99");
    };
    CHECK(test_support::eventually(caught_up, std::chrono::seconds(10)));
    stop = true;
    follower.join();
    CHECK(analyzers::serving_generation(index)->number == 4);
    CHECK(served_titles(index) == expected);
}

TEST_CASE("compact refuses a frozen generation and an index without one, saying why") {
    test_support::TempDir dir;
    const auto index = dir / "index", feed = dir / "feed.jsonl";
    CHECK_THROWS_WITH_AS(indexer::compact_generation(compact_options(index)),
                         doctest::Contains("no index directory"), std::runtime_error);
    std::filesystem::create_directories(index);
    CHECK_THROWS_WITH_AS(indexer::compact_generation(compact_options(index)),
                         doctest::Contains("serves no generation"), std::runtime_error);

    test_support::write_file(feed, listing_line("L1", "lamp"));
    indexer::FeedOptions build = follow_options(index, feed).feed;
    build.no_termlists = true;
    indexer::build_generation(build);
    CHECK_THROWS_WITH_AS(indexer::compact_generation(compact_options(index)),
                         doctest::Contains("is frozen (built with --no-termlists)"), std::runtime_error);
    CHECK(analyzers::serving_generation(index)->number == 1);
    CHECK_FALSE(std::filesystem::exists(analyzers::generation_path(index, 2)));
}

// A build and a compaction would publish over each other: they share the
// build lock, and the one refused is told which job holds it.
TEST_CASE("a build is refused while a compaction holds the index, and told so") {
    test_support::TempDir dir;
    std::filesystem::create_directories(dir / "index");
    const indexer::IndexLock compacting = indexer::IndexLock::for_job(dir / "index", "build", "compact");
    const std::string expected = fmt::format("another listing-indexer compact is already running on {} (pid {}): "
                                             "one build or compact at a time",
                                             (dir / "index").string(), ::getpid());
    CHECK_THROWS_WITH_AS(indexer::IndexLock::for_job(dir / "index", "build", "build"),
                         doctest::Contains(expected.c_str()), std::runtime_error);
}
