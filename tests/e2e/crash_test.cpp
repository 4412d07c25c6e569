// Exactly-once under kill -9: the real listing-indexer is killed at 20
// random points while it follows a feed of creates, updates, sold marks,
// deletes and bad lines (generated, and built from real Mercari listings
// when ../shared is here); after it is restarted to the end, every listing
// must be present exactly once, in its latest version, and deleted ones gone.
#include <doctest/doctest.h>

#include <chrono>
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/frozen_generation.h"
#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "test_support.h"

namespace {

struct ExpectedListing {
    std::string title;
    double price = 0;
    bool sold = false;
};

// The n-th listing a feed creates.
using ListingSource = std::function<analyzers::Listing(int n)>;

analyzers::Listing generated_listing(int n) {
    analyzers::Listing listing;
    listing.id = fmt::format("C{}", n);
    listing.title = "listing " + listing.id;
    listing.description = "generated for the crash test";
    listing.price = 10;
    return listing;
}

// Writes a feed of creates (from `source`), updates, sold marks, deletes and
// bad lines, and returns the state it should leave behind. The updates,
// sold marks and deletes also reach the listings `indexed` already (version
// 0 of each, as write_dump writes them).
std::map<std::string, ExpectedListing> write_feed(const std::filesystem::path& path, int listings,
                                                  const ListingSource& source,
                                                  const std::vector<analyzers::Listing>& indexed = {}) {
    std::mt19937 random(20261124);
    std::map<std::string, ExpectedListing> live;
    std::vector<analyzers::Listing> created = indexed;
    for (analyzers::Listing listing : indexed) {
        listing.title += " version 0";
        live[listing.id] = {listing.title, listing.price, false};
    }
    std::ofstream out(path);
    const auto upsert = [&](analyzers::Listing listing, int version) {
        listing.title += fmt::format(" version {}", version);
        listing.price += version;
        out << analyzers::stored_fields_json(listing) << "\n";
        live[listing.id] = {listing.title, listing.price, false};
    };
    for (int n = 0; n < listings; ++n) {
        created.push_back(source(n));
        upsert(created.back(), 0);
        if (n % 97 == 0) out << "this line is not JSON\n";
        if (n < 10 || random() % 4 != 0) continue;
        const analyzers::Listing& other = created[random() % created.size()];
        switch (random() % 3) {
            case 0: upsert(other, static_cast<int>(random() % 1000) + 1); break;
            case 1:
                out << R"({"op":"sold","id":")" << other.id << "\"}\n";
                if (live.count(other.id)) live[other.id].sold = true;
                break;
            default:
                out << R"({"op":"delete","id":")" << other.id << "\"}\n";
                live.erase(other.id);
        }
    }
    return live;
}

// A dump of `count` listings (each once, version 0) to build a generation from.
std::vector<analyzers::Listing> write_dump(const std::filesystem::path& path, int count) {
    std::vector<analyzers::Listing> dumped;
    std::ofstream out(path);
    for (int n = 0; n < count; ++n) {
        analyzers::Listing listing = generated_listing(n);
        listing.id = fmt::format("B{}", n);
        dumped.push_back(listing);
        listing.title += " version 0";
        out << analyzers::stored_fields_json(listing) << "\n";
    }
    return dumped;
}

std::vector<std::string> follow_command(const test_support::TempDir& dir) {
    return {test_support::binary("INDEXER_BIN").string(), "follow", "--once", "--quiet", "--feed",
            (dir / "feed.jsonl").string(), "--index", (dir / "index").string(), "--data-dir",
            test_support::project_data_dir().string(), "--commit-every", "700", "--shards", "3"};
}

// Kills the follower at `kills` random points, then lets it finish; returns
// how many kills landed before the feed was fully indexed.
int kill_and_restart(const test_support::TempDir& dir, int kills) {
    std::mt19937 random(7);
    int landed = 0;
    for (int attempt = 0; attempt < kills; ++attempt) {
        test_support::ChildProcess indexer(follow_command(dir));
        std::this_thread::sleep_for(std::chrono::milliseconds(30 + random() % 150));
        if (indexer.finished()) break;  // it reached the end before this kill
        indexer.kill_hard();
        ++landed;
    }
    test_support::ChildProcess last(follow_command(dir));
    while (!last.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(last.exit_code() == 0);
    return landed;
}

// Listings missing, duplicated or not in their latest version.
std::size_t wrong_listings(const test_support::TempDir& dir, const std::map<std::string, ExpectedListing>& expected) {
    Xapian::Database database(analyzers::serving_stub_path(dir / "index").string());
    CHECK(database.get_doccount() == expected.size());
    std::size_t wrong = 0;
    for (const auto& [id, listing] : expected) {
        const std::string term = analyzers::id_term(id);
        if (database.get_termfreq(term) != 1) {
            ++wrong;
            continue;
        }
        const auto stored = analyzers::stored_listing_of(database.get_document(*database.postlist_begin(term)), database);
        const bool sold = stored.status == analyzers::ListingStatus::sold;
        if (stored.title != listing.title || stored.price != listing.price || sold != listing.sold) ++wrong;
    }
    return wrong;
}

// The same for a frozen generation, as the engine reads it: a listing is
// its delta's copy, or else its base's unless the delta marks it replaced.
std::size_t wrong_frozen_listings(const test_support::TempDir& dir,
                                  const std::map<std::string, ExpectedListing>& expected) {
    const auto generation = analyzers::serving_generation(dir / "index");
    REQUIRE(generation->frozen);
    std::vector<Xapian::Database> bases, deltas;
    std::vector<analyzers::ReplacedListings> replaced;
    std::size_t live_listings = 0;
    for (std::size_t shard = 0; shard < generation->shard_count; ++shard) {
        bases.emplace_back(analyzers::shard_path(dir / "index", generation->number, shard).string());
        deltas.emplace_back(analyzers::delta_path(dir / "index", generation->number, shard).string());
        replaced.push_back(analyzers::ReplacedListings::of(deltas.back()));
        live_listings += bases.back().get_doccount() - replaced.back().count() + deltas.back().get_doccount();
    }
    CHECK(live_listings == expected.size());
    std::size_t wrong = 0;
    for (const auto& [id, listing] : expected) {
        const std::string term = analyzers::id_term(id);
        const std::size_t shard = analyzers::shard_of(id, generation->shard_count);
        const auto in_base = bases[shard].postlist_begin(term);
        const bool base_live = in_base != bases[shard].postlist_end(term) && !replaced[shard].contains(*in_base);
        const Xapian::Database& holder = deltas[shard].get_termfreq(term) == 1 ? deltas[shard] : bases[shard];
        if (base_live == (&holder == &deltas[shard]) || holder.get_termfreq(term) != 1) {
            ++wrong;  // in both, or in neither
            continue;
        }
        const auto stored = analyzers::stored_listing_of(holder.get_document(*holder.postlist_begin(term)), holder);
        const bool sold = stored.status == analyzers::ListingStatus::sold;
        if (stored.title != listing.title || stored.price != listing.price || sold != listing.sold) ++wrong;
    }
    return wrong;
}

}  // namespace

TEST_CASE("kill -9 at 20 random points loses and duplicates nothing") {
    test_support::TempDir dir;
    const auto expected = write_feed(dir / "feed.jsonl", 100'000, generated_listing);
    const int kills = kill_and_restart(dir, 20);
    MESSAGE(kills << " kills before the feed was fully indexed");
    CHECK(kills == 20);
    CHECK(wrong_listings(dir, expected) == 0);
    // Every bad line is reported. The dead-letter file is not part of the
    // Xapian commit, so a line read again after a crash may appear twice.
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(std::count(dead.begin(), dead.end(), '\n') >= (100'000 + 96) / 97);
}

TEST_CASE("kill -9 at 20 random points during a real feed loses and duplicates nothing") {
    const auto tsv = test_support::shared_data_file("mercari/mercari_train_5k.tsv");
    if (!tsv) {
        MESSAGE("skipped: ../shared/data/mercari is not here");
        return;
    }
    test_support::TempDir dir;
    // Real Mercari listings, each listed again in later passes (updates of
    // the same ids), among sold marks, deletes and bad lines.
    std::vector<analyzers::Listing> real;
    analyzers::FeedLineParser parser;
    std::ifstream in(test_support::mercari_feed(*tsv, dir.path(), 0));
    for (std::string line; std::getline(in, line);) {
        auto parsed = parser.parse(line);
        if (parsed.ok()) real.push_back(parsed.record->listing);
    }
    REQUIRE(real.size() > 4000);
    const auto expected = write_feed(dir / "feed.jsonl", 60'000, [&](int n) {
        analyzers::Listing listing = real[static_cast<std::size_t>(n) % real.size()];
        listing.title += fmt::format(" pass {}", static_cast<std::size_t>(n) / real.size());
        return listing;
    });
    const int kills = kill_and_restart(dir, 20);
    MESSAGE(kills << " kills during the real feed");
    CHECK(kills == 20);
    CHECK(wrong_listings(dir, expected) == 0);
}

// A frozen generation is followed through its deltas: the listings, the
// marks of replaced base listings and the feed position commit together.
TEST_CASE("kill -9 at 20 random points while following a frozen generation loses and duplicates nothing") {
    test_support::TempDir dir;
    const auto dumped = write_dump(dir / "dump.jsonl", 20'000);
    const auto built = test_support::run_command(
        {test_support::binary("INDEXER_BIN").string(), "build", "--quiet", "--no-termlists", "--feed",
         (dir / "dump.jsonl").string(), "--index", (dir / "index").string(), "--data-dir",
         test_support::project_data_dir().string(), "--shards", "3"});
    REQUIRE(built.exit_code == 0);
    const auto expected = write_feed(dir / "feed.jsonl", 80'000, generated_listing, dumped);
    const int kills = kill_and_restart(dir, 20);
    MESSAGE(kills << " kills while following the frozen generation");
    CHECK(kills == 20);
    CHECK(wrong_frozen_listings(dir, expected) == 0);
}
