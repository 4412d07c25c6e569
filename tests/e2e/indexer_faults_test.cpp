// The real listing-indexer against an unlucky operator and a careless
// producer (issue 14): huge lines, rotated and truncated feeds, temporary
// segment files, overlapping writers, builds that die, a full disk.
#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "test_support.h"

namespace {

using namespace std::chrono_literals;

std::vector<std::string> indexer(const std::string& command, const std::filesystem::path& feed,
                                 const std::filesystem::path& index, std::vector<std::string> more = {}) {
    std::vector<std::string> arguments{test_support::binary("INDEXER_BIN").string(), command, "--feed",
                                       feed.string(), "--index", index.string(), "--data-dir",
                                       test_support::project_data_dir().string()};
    arguments.insert(arguments.end(), more.begin(), more.end());
    return arguments;
}

std::string listing_line(const std::string& id) {
    return fmt::format(R"({{"id":"{}","title":"listing {}","price":1}})", id, id) + "\n";
}

// Lines for listings PREFIX-FROM .. PREFIX-(TO-1).
std::string listing_lines(const std::string& prefix, int from, int to) {
    std::string lines;
    for (int n = from; n < to; ++n) lines += listing_line(fmt::format("{}-{}", prefix, n));
    return lines;
}

void append(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

// How many of PREFIX-FROM .. PREFIX-(TO-1) the serving generation holds.
int listings_present(const std::filesystem::path& index, const std::string& prefix, int from, int to) {
    if (!std::filesystem::exists(analyzers::serving_stub_path(index))) return 0;
    const Xapian::Database database(analyzers::serving_stub_path(index).string());
    int present = 0;
    for (int n = from; n < to; ++n) present += database.term_exists(analyzers::id_term(fmt::format("{}-{}", prefix, n)));
    return present;
}

bool contains(const std::filesystem::path& file, const std::string& text) {
    return test_support::read_file(file).find(text) != std::string::npos;
}

// `listing-indexer follow` on DIR/feed.jsonl, running, once it has indexed
// its first 100 listings (a-0 .. a-99); its output goes to DIR/out.txt.
std::unique_ptr<test_support::ChildProcess> follow_first_listings(const test_support::TempDir& dir) {
    test_support::write_file(dir / "feed.jsonl", listing_lines("a", 0, 100));
    auto follower = std::make_unique<test_support::ChildProcess>(
        indexer("follow", dir / "feed.jsonl", dir / "index", {"--quiet"}), dir / "out.txt");
    REQUIRE(test_support::eventually([&] { return listings_present(dir / "index", "a", 0, 100) == 100; }, 20s));
    return follower;
}

}  // namespace

// Issue 14, finding 6: the line limit was checked once the whole line was
// in memory (a 200 MB line: 408 MB RSS).
TEST_CASE("a 64 MB feed line is dead-lettered without being held in memory") {
    test_support::TempDir dir;
    constexpr std::size_t huge_title_bytes = 64 << 20;
    const std::string start = R"({"id":"huge","title":")", end = R"(","price":1})";
    {
        std::ofstream out(dir / "feed.jsonl", std::ios::binary);
        out << listing_line("before") << start;
        const std::string chunk(1 << 20, 'x');
        for (std::size_t written = 0; written < huge_title_bytes; written += chunk.size()) out << chunk;
        out << end << "\n" << listing_line("after");
    }
    test_support::ChildProcess build(indexer("build", dir / "feed.jsonl", dir / "index", {"--quiet"}), dir / "out.txt");
    REQUIRE_MESSAGE(build.wait() == 0, test_support::read_file(dir / "out.txt"));
    MESSAGE("peak RSS " << build.max_rss_kb() / 1024 << " MB");
    CHECK(build.max_rss_kb() < static_cast<long>(huge_title_bytes / 1024));  // less than the line itself
    const Xapian::Database database(analyzers::serving_stub_path(dir / "index").string());
    CHECK(database.term_exists("Qbefore"));
    CHECK(database.term_exists("Qafter"));
    CHECK_FALSE(database.term_exists("Qhuge"));
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(dead.find(fmt::format(R"({{"line":2,"error":"line of {} bytes is over the limit of 262144","text":"{{\"id\":\"huge\")",
                                start.size() + huge_title_bytes + end.size())) == 0);
    CHECK(dead.size() < 5000);  // an excerpt, not the line
}

// Issue 14, finding 1: truncating the followed feed lost what was appended
// afterwards; rotating it left the follower on the old file, and after a
// restart it sought to the old offset inside the new file.
TEST_CASE("a followed feed that is truncated and written again loses nothing") {
    test_support::TempDir dir;
    const auto follower = follow_first_listings(dir);
    test_support::write_file(dir / "feed.jsonl", "");  // : > feed.jsonl
    REQUIRE(test_support::eventually([&] { return contains(dir / "out.txt", "was truncated to 0 bytes"); }, 5s));
    append(dir / "feed.jsonl", listing_lines("b", 0, 200));
    CHECK(test_support::eventually([&] { return listings_present(dir / "index", "b", 0, 200) == 200; }, 20s));
    follower->send_signal(SIGTERM);
    CHECK(follower->wait() == 0);
}

TEST_CASE("a followed feed that is rotated is read to its end, then the new file from its start") {
    test_support::TempDir dir;
    const auto follower = follow_first_listings(dir);
    std::filesystem::rename(dir / "feed.jsonl", dir / "feed.jsonl.1");
    append(dir / "feed.jsonl.1", listing_lines("a", 100, 110));  // written before the producer reopens
    test_support::write_file(dir / "feed.jsonl", listing_lines("b", 0, 200));
    CHECK(test_support::eventually([&] { return listings_present(dir / "index", "b", 0, 200) == 200; }, 20s));
    CHECK(listings_present(dir / "index", "a", 0, 110) == 110);
    CHECK(contains(dir / "out.txt", "was replaced by a new file (rotated): the old file was read to its end (110 lines"));
    follower->send_signal(SIGTERM);
    CHECK(follower->wait() == 0);
}

TEST_CASE("after a restart, a feed rotated or truncated meanwhile is read from its start, and the operator is told") {
    test_support::TempDir dir;
    const auto follow_once = [&] {
        test_support::ChildProcess follower(indexer("follow", dir / "feed.jsonl", dir / "index", {"--once", "--quiet"}),
                                            dir / "out.txt");
        REQUIRE(follower.wait() == 0);
    };
    test_support::write_file(dir / "feed.jsonl", listing_lines("a", 0, 100));
    follow_once();
    std::filesystem::rename(dir / "feed.jsonl", dir / "feed.jsonl.1");
    test_support::write_file(dir / "feed.jsonl", listing_lines("b", 0, 200));  // longer than the old file
    follow_once();
    CHECK(listings_present(dir / "index", "b", 0, 200) == 200);
    CHECK(contains(dir / "out.txt", "is not the file last read"));
    test_support::write_file(dir / "feed.jsonl", listing_lines("c", 0, 50));  // shorter than the position
    follow_once();
    CHECK(listings_present(dir / "index", "c", 0, 50) == 50);
    CHECK(contains(dir / "out.txt", "it was truncated while the indexer was stopped; reading it from its start"));
}
