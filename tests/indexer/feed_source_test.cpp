#include <doctest/doctest.h>

#include <fstream>

#include "feed_source.h"  // private to the indexer; tested directly
#include "test_support.h"

using indexer::FeedPosition;
using indexer::FeedSource;

TEST_CASE("positions round-trip through their encoding, segment names with spaces included") {
    const FeedPosition position{"segment 7.jsonl", 1234, 56};
    CHECK(FeedPosition::decode(position.encode()) == position);
    CHECK_THROWS_AS(FeedPosition::decode("nonsense"), std::runtime_error);
}

TEST_CASE("positions order by segment, then offset") {
    CHECK(FeedPosition{"a", 100, 0} < FeedPosition{"b", 1, 0});
    CHECK(FeedPosition{"a", 1, 0} < FeedPosition{"a", 2, 0});
    CHECK_FALSE(FeedPosition{"a", 2, 0} < FeedPosition{"a", 2, 0});
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
