#include <doctest/doctest.h>

#include <fstream>

#include "dead_letters.h"
#include "test_support.h"

namespace {

void append(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

}  // namespace

TEST_CASE("dead letters are read as they are appended, a record without its newline yet left for later") {
    test_support::TempDir dir;
    const auto path = dir / "dead-letter.jsonl";
    server::DeadLetters letters(path);
    CHECK(letters.of_segment("segment-000001.jsonl").empty());  // no file yet
    append(path, R"({"segment":"segment-000001.jsonl","line":2,"error":"missing required field 'price'","text":"{}"})"
                 "\n"
                 R"({"line":7,"error":"not JSON","text":"x"})"  // a single-file feed's: no task
                 "\n"
                 R"({"segment":"segment-000002.jsonl","line":1,"error":"half)");
    CHECK(letters.of_segment("segment-000001.jsonl").at(2) == "missing required field 'price'");
    CHECK(letters.of_segment("segment-000002.jsonl").empty());
    append(path, R"( written","text":""})" "\n");
    CHECK(letters.of_segment("segment-000002.jsonl").at(1) == "half written");
    // The same line again (read again after a crash) is kept once.
    append(path, R"({"segment":"segment-000001.jsonl","line":2,"error":"missing required field 'price'","text":"{}"})"
                 "\n");
    CHECK(letters.of_segment("segment-000001.jsonl").size() == 1);
}

TEST_CASE("a dead-letter file replaced or emptied by an operator is read from its start again") {
    test_support::TempDir dir;
    const auto path = dir / "dead-letter.jsonl";
    server::DeadLetters letters(path);
    append(path, R"({"segment":"segment-000001.jsonl","line":1,"error":"bad","text":""})" "\n");
    CHECK(letters.of_segment("segment-000001.jsonl").size() == 1);
    std::filesystem::remove(path);
    append(path, R"({"segment":"segment-000003.jsonl","line":4,"error":"worse","text":""})" "\n");
    CHECK(letters.of_segment("segment-000001.jsonl").empty());
    CHECK(letters.of_segment("segment-000003.jsonl").at(4) == "worse");
}
