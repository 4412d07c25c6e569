// Exactly-once under kill -9: the real listing-indexer is killed at random
// points while it follows a feed of creates, updates, sold marks and
// deletes; after it is restarted to the end, every listing must be present
// exactly once, in its latest version, and deleted ones gone.
#include <doctest/doctest.h>

#include <chrono>
#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "test_support.h"

namespace {

struct ExpectedListing {
    std::string title;
    double price = 0;
    bool sold = false;
};

// Writes a feed and returns the state it should leave behind.
std::map<std::string, ExpectedListing> write_feed(const std::filesystem::path& path, int listings) {
    std::mt19937 random(20261124);
    std::map<std::string, ExpectedListing> live;
    std::vector<std::string> ids;
    std::ofstream out(path);
    const auto upsert = [&](const std::string& id, int version) {
        ExpectedListing listing{"listing " + id + " version " + std::to_string(version), 10.0 + version, false};
        out << R"({"id":")" << id << R"(","title":")" << listing.title << R"(","price":)" << listing.price
            << R"(,"description":"generated for the crash test, version )" << version << "\"}\n";
        live[id] = listing;
    };
    for (int n = 0; n < listings; ++n) {
        ids.push_back(fmt::format("C{}", n));
        upsert(ids.back(), 0);
        if (n % 97 == 0) out << "this line is not JSON\n";
        if (n < 10 || random() % 4 != 0) continue;
        const std::string& other = ids[random() % ids.size()];
        switch (random() % 3) {
            case 0: upsert(other, static_cast<int>(random() % 1000) + 1); break;
            case 1:
                out << R"({"op":"sold","id":")" << other << "\"}\n";
                if (live.count(other)) live[other].sold = true;
                break;
            default:
                out << R"({"op":"delete","id":")" << other << "\"}\n";
                live.erase(other);
        }
    }
    return live;
}

std::vector<std::string> follow_command(const test_support::TempDir& dir) {
    return {test_support::binary("INDEXER_BIN").string(), "follow", "--once", "--quiet", "--feed",
            (dir / "feed.jsonl").string(), "--index", (dir / "index").string(), "--data-dir",
            test_support::project_data_dir().string(), "--commit-every", "700", "--shards", "3"};
}

}  // namespace

TEST_CASE("kill -9 at 20 random points loses and duplicates nothing") {
    test_support::TempDir dir;
    const auto expected = write_feed(dir / "feed.jsonl", 40'000);
    std::mt19937 random(7);
    int kills = 0;
    for (int attempt = 0; attempt < 20; ++attempt) {
        test_support::ChildProcess indexer(follow_command(dir));
        std::this_thread::sleep_for(std::chrono::milliseconds(40 + random() % 260));
        if (indexer.finished()) break;  // it reached the end before this kill
        indexer.kill_hard();
        ++kills;
    }
    MESSAGE(kills << " kills before the feed was fully indexed");
    CHECK(kills >= 5);
    test_support::ChildProcess last(follow_command(dir));
    while (!last.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(last.exit_code() == 0);

    Xapian::Database database(analyzers::serving_stub_path(dir / "index").string());
    CHECK(database.get_doccount() == expected.size());
    std::size_t wrong = 0;
    for (const auto& [id, listing] : expected) {
        const std::string term = analyzers::id_term(id);
        if (database.get_termfreq(term) != 1) {
            ++wrong;
            continue;
        }
        const auto stored = analyzers::listing_from_stored_json(analyzers::stored_fields_of(database.get_document(*database.postlist_begin(term))));
        const bool sold = stored.status == analyzers::ListingStatus::sold;
        if (stored.title != listing.title || stored.price != listing.price || sold != listing.sold) ++wrong;
    }
    CHECK(wrong == 0);
    // Every bad line is reported. The dead-letter file is not part of the
    // Xapian commit, so a line read again after a crash may appear twice.
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(std::count(dead.begin(), dead.end(), '\n') >= (40'000 + 96) / 97);
}
