#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "feed_source.h"  // private to the indexer; tested directly
#include "test_support.h"

using indexer::FeedPosition;
using indexer::FeedSource;

namespace {

void append(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

// Every line available right now.
std::vector<std::string> read_all(FeedSource& source, bool at_rest_is_end = false) {
    std::vector<std::string> lines;
    while (auto line = source.next(at_rest_is_end)) lines.push_back(line->text);
    return lines;
}

// A FeedSource whose notices are kept for the test to read.
struct NoticedSource {
    explicit NoticedSource(const std::filesystem::path& path)
        : source(path, indexer::feed_limits.max_line_bytes, [this](const std::string& text) { notices.push_back(text); }) {}
    std::vector<std::string> notices;
    FeedSource source;
};

using Lines = std::vector<std::string>;

// DIR/feed, holding these files (name, contents).
std::filesystem::path feed_directory(const test_support::TempDir& dir,
                                     const std::vector<std::pair<std::string, std::string>>& files) {
    std::filesystem::create_directories(dir / "feed");
    for (const auto& [name, contents] : files) test_support::write_file(dir / "feed" / name, contents);
    return dir / "feed";
}

// Where a reader of `feed` stands after its first `lines` lines, having
// started at `from`.
FeedPosition position_after(const std::filesystem::path& feed, int lines, const FeedPosition& from = {}) {
    FeedSource source(feed);
    source.seek(from);
    FeedPosition position = from;
    for (int n = 0; n < lines; ++n) position = source.next(true)->end;
    return position;
}

}  // namespace

TEST_CASE("positions round-trip through their encoding, segment names with spaces included") {
    const FeedPosition position{.segment = "segment 7.jsonl", .offset = 1234, .line = 56};
    CHECK(FeedPosition::decode(position.encode()) == position);
    const FeedPosition in_file{.file_sequence = 3, .file = {2049, 1311768}, .offset = 1234, .line = 56};
    CHECK(FeedPosition::decode(in_file.encode()) == in_file);
    CHECK_THROWS_AS(FeedPosition::decode("nonsense"), std::runtime_error);
    CHECK_THROWS_AS(FeedPosition::decode("file 1 2"), std::runtime_error);
}

TEST_CASE("positions committed before files had identities still decode") {
    CHECK(FeedPosition::decode("1234 56 segment-000007.jsonl") ==
          FeedPosition{.segment = "segment-000007.jsonl", .offset = 1234, .line = 56});
    CHECK(FeedPosition::decode("1234 56 ") == FeedPosition{.offset = 1234, .line = 56});
}

TEST_CASE("positions order by segment number, then file, then offset") {
    const auto at = [](std::string segment, std::uint64_t offset) {
        return FeedPosition{.segment = std::move(segment), .offset = offset};
    };
    CHECK(at("segment-000001.jsonl", 100) < at("segment-000002.jsonl", 1));
    CHECK(at("segment-999999.jsonl", 100) < at("segment-1000000.jsonl", 1));
    CHECK(at("a", 1) < at("a", 2));
    CHECK_FALSE(at("a", 2) < at("a", 2));
    // A rotated file's lines come after all of the old file's.
    CHECK(FeedPosition{.file_sequence = 1, .offset = 10000} < FeedPosition{.file_sequence = 2, .offset = 5});
}

TEST_CASE("lines come with their end positions and line numbers; seeking resumes there") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "one\r\ntwo\nthree");
    FeedSource source(dir / "feed");
    auto first = source.next(true);
    REQUIRE(first);
    CHECK(first->text == "one");
    CHECK(first->end.offset == 5);
    CHECK(first->number == 1);
    CHECK(source.next(true)->text == "two");
    CHECK(source.next(true)->text == "three");  // unterminated, but the file is finished
    CHECK_FALSE(source.next(true));

    source.seek(first->end);
    auto again = source.next(true);
    REQUIRE(again);
    CHECK(again->text == "two");
    CHECK(again->number == 2);
}

TEST_CASE("when following, an unterminated last line waits for its newline") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "whole\npart");
    FeedSource source(dir / "feed");
    CHECK(source.next(false)->text == "whole");
    CHECK_FALSE(source.next(false));
    {
        std::ofstream out(dir / "feed", std::ios::app);
        out << "ial\n";
    }
    CHECK(source.next(false)->text == "partial");
}

TEST_CASE("a missing feed is a clear error") {
    CHECK_THROWS_WITH(FeedSource("/nonexistent/feed.jsonl"), "feed /nonexistent/feed.jsonl does not exist");
}

// Issue 14, finding 6: a line's size was checked only once all of it was
// in memory.
TEST_CASE("a line over the limit is read to its end, but only its start is kept") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "short\n" + std::string(100'000, 'x') + "\r\nnext\n");
    FeedSource source(dir / "feed", 1000);
    CHECK(source.next(true)->text == "short");
    const auto huge = source.next(true);
    REQUIRE(huge);
    CHECK(huge->over_limit);
    CHECK(huge->text_bytes == 100'000);
    CHECK(huge->text.size() <= 4096);
    CHECK(huge->text.starts_with("xxxx"));
    CHECK(huge->end.offset == 6 + 100'002);
    CHECK(huge->number == 2);
    const auto next = source.next(true);
    CHECK(next->text == "next");
    CHECK_FALSE(next->over_limit);
}

// Issue 14, finding 2: a producer's segment-000003.jsonl.tmp was read as a
// segment, and the final segment-000003.jsonl, sorting before it, never was.
TEST_CASE("only segment-NNNNNN.jsonl files are read: temporary names never, other names with one notice") {
    test_support::TempDir dir;
    NoticedSource feed(feed_directory(dir, {{"segment-000001.jsonl", "one\n"},
                                            {"segment-000002.jsonl.tmp", "being written\n"},
                                            {".segment-000002.jsonl", "being written too\n"},
                                            {"segment-2.jsonl", "too few digits\n"},
                                            {"README", "not a segment\n"}}));
    CHECK(read_all(feed.source) == Lines{"one"});
    std::filesystem::rename(dir / "feed" / "segment-000002.jsonl.tmp", dir / "feed" / "segment-000002.jsonl");
    CHECK(read_all(feed.source) == Lines{"being written"});
    CHECK(read_all(feed.source).empty());
    std::sort(feed.notices.begin(), feed.notices.end());
    CHECK(feed.notices == Lines{"ignoring " + (dir / "feed" / "README").string() + ": not a segment name (segment-NNNNNN.jsonl)",
                                "ignoring " + (dir / "feed" / "segment-2.jsonl").string() +
                                    ": not a segment name (segment-NNNNNN.jsonl)"});
}

TEST_CASE("segments are read in the order of their numbers") {
    test_support::TempDir dir;
    FeedSource source(feed_directory(dir, {{"segment-1000000.jsonl", "third\n"},
                                           {"segment-999999.jsonl", "second\n"},
                                           {"segment-000001.jsonl", "first\n"}}));
    CHECK(read_all(source) == Lines{"first", "second", "third"});
}

TEST_CASE("a segment that appears below the one being read is reported loudly and counted, not read") {
    test_support::TempDir dir;
    NoticedSource feed(feed_directory(dir, {{"segment-000001.jsonl", "one\n"}, {"segment-000003.jsonl", "three\n"}}));
    CHECK(read_all(feed.source) == Lines{"one", "three"});
    test_support::write_file(dir / "feed" / "segment-000002.jsonl", "two, too late\n");
    test_support::write_file(dir / "feed" / "segment-000004.jsonl", "four\n");
    CHECK(read_all(feed.source) == Lines{"four"});
    CHECK(read_all(feed.source).empty());
    CHECK(feed.source.late_segments() == 1);
    REQUIRE(feed.notices.size() == 1);
    CHECK(feed.notices[0] == "NOT READ: segment " + (dir / "feed" / "segment-000002.jsonl").string() +
                                 " appeared after segment-000003.jsonl had been read; segments are read in the order "
                                 "of their numbers, so give it a number above the newest segment to have it read");
}

// Issue 14, finding 1: a truncated feed file lost what was appended after,
// a rotated one left the follower reading the old file, and a restart
// sought to the old offset inside the new file.
TEST_CASE("a rotated file is read to its end through the open descriptor, then the new file from its start") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "old 1\n");
    NoticedSource feed(dir / "feed");
    CHECK(read_all(feed.source) == Lines{"old 1"});
    std::filesystem::rename(dir / "feed", dir / "feed.1");
    CHECK(read_all(feed.source).empty());  // no new file yet: keep waiting on the old one
    append(dir / "feed.1", "old 2\nold 3, unterminated");  // the producer writes on before reopening
    test_support::write_file(dir / "feed", "new 1\n");
    CHECK(read_all(feed.source) == Lines{"old 2", "old 3, unterminated", "new 1"});
    const auto last = feed.source.next(false);
    CHECK_FALSE(last);
    REQUIRE(feed.notices.size() == 1);
    CHECK(feed.notices[0].find("was replaced by a new file (rotated): the old file was read to its end (3 lines") !=
          std::string::npos);
}

TEST_CASE("a truncated file is read again from its start") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "before 1\nbefore 2\n");
    NoticedSource feed(dir / "feed");
    CHECK(read_all(feed.source) == Lines{"before 1", "before 2"});
    test_support::write_file(dir / "feed", "after\n");  // truncated, then written
    CHECK(read_all(feed.source) == Lines{"after"});
    REQUIRE(feed.notices.size() == 1);
    CHECK(feed.notices[0] == (dir / "feed").string() +
                                 " was truncated to 6 bytes after 18 bytes had been read: reading it again from its start");
}

TEST_CASE("a position in a file that was rotated or truncated while stopped resumes at the new file's start") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "old 1\nold 2\nold 3\n");
    const FeedPosition committed = position_after(dir / "feed", 2);
    std::filesystem::rename(dir / "feed", dir / "feed.1");
    test_support::write_file(dir / "feed", "new 1 is a longer line\nnew 2\n");
    {
        NoticedSource feed(dir / "feed");
        feed.source.seek(committed);
        const auto line = feed.source.next(true);
        CHECK(line->text == "new 1 is a longer line");
        CHECK(line->end.file_sequence == committed.file_sequence + 1);
        REQUIRE(feed.notices.size() == 1);
        CHECK(feed.notices[0].find("is not the file last read") != std::string::npos);
    }
    test_support::write_file(dir / "feed.1", "x\n");  // the same file, now shorter than the position
    {
        NoticedSource feed(dir / "feed.1");
        feed.source.seek(committed);
        CHECK(feed.source.next(true)->text == "x");
        REQUIRE(feed.notices.size() == 1);
        CHECK(feed.notices[0] == (dir / "feed.1").string() + " is shorter (2 bytes) than the position last committed "
                                                             "(12 bytes): it was truncated while the indexer was "
                                                             "stopped; reading it from its start");
    }
}

TEST_CASE("after a crash between two shards' commits across a rotation, the new file is numbered as the latest says") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed", "old\n");
    const FeedPosition behind = position_after(dir / "feed", 1);  // one shard committed here, in the old file
    std::filesystem::rename(dir / "feed", dir / "feed.1");
    test_support::write_file(dir / "feed", "new 1\nnew 2\n");
    const FeedPosition ahead = position_after(dir / "feed", 1, behind);  // the other one here, in the new file
    FeedSource source(dir / "feed");
    source.resume(behind, ahead);
    const auto first = source.next(true);
    CHECK(first->text == "new 1");  // the shard behind has none of the new file yet
    CHECK(first->end == ahead);     // and the shard ahead sees its own position
}

// Found while testing the build lock with a named pipe as the feed: the
// pipe was opened again when reading began, which waited for ever once
// the writer had gone.
TEST_CASE("a named pipe is read as it comes, opened once, like stdin") {
    using namespace std::chrono_literals;
    test_support::TempDir dir;
    REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);
    std::thread writer([&] {
        std::ofstream out(dir / "pipe");  // waits for the reader
        out << "one\ntwo\n";
    });
    FeedSource source(dir / "pipe");
    writer.join();  // written and closed
    CHECK_FALSE(source.seekable());
    auto reading = std::async(std::launch::async, [&] {
        source.seek({});
        return read_all(source, true);
    });
    const bool read_in_time = reading.wait_for(5s) == std::future_status::ready;
    if (!read_in_time) std::ofstream unblock(dir / "pipe");  // lets a reader stuck in open() go
    CHECK(read_in_time);
    CHECK(reading.get() == Lines{"one", "two"});
}
