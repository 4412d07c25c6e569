#include <doctest/doctest.h>

#include <ctime>

#include <fmt/format.h>

#include "analyzers/listing.h"

using namespace analyzers;

namespace {

FeedLineResult parse(std::string_view line) {
    FeedLineParser parser;
    return parser.parse(line);
}

std::string error_of(std::string_view line) {
    auto result = parse(line);
    CHECK_FALSE(result.ok());
    return result.error;
}

}  // namespace

TEST_CASE("a full listing line is parsed into every field") {
    auto result = parse(R"({"id":"L1","title":"Nike Air Max 90","description":"worn twice","brand":"Nike",)"
                        R"("category":"Men/Shoes/Athletic","price":45.5,"condition":2,"shipping":"seller",)"
                        R"("status":"sold","created_at":1767225600,"seller_id":"u7"})");
    REQUIRE(result.ok());
    const Listing& listing = result.record->listing;
    CHECK(result.record->op == FeedOp::upsert);
    CHECK(listing.id == "L1");
    CHECK(listing.brand == "Nike");
    CHECK(listing.category == "Men/Shoes/Athletic");
    CHECK(listing.price == 45.5);
    CHECK(listing.condition == 2);
    CHECK(listing.shipping == Shipping::seller);
    CHECK(listing.status == ListingStatus::sold);
    CHECK(listing.created_at == 1767225600);
    CHECK(listing.seller_id == "u7");
}

TEST_CASE("required fields are checked with a message naming the field") {
    CHECK(error_of(R"({"title":"x","price":1})") == "missing required field 'id'");
    CHECK(error_of(R"({"id":"a","price":1})") == "missing required field 'title'");
    CHECK(error_of(R"({"id":"a","title":"x"})") == "missing required field 'price'");
    CHECK(error_of(R"({"id":"a","title":"x","price":null})") == "missing required field 'price'");
}

TEST_CASE("wrong types are rejected with the field and the types") {
    CHECK(error_of(R"({"id":"a","title":"x","price":"12"})") == "field 'price': expected a number, found string");
    CHECK(error_of(R"({"id":7,"title":"x","price":1})") == "field 'id': expected a string, found number");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"condition":2.5})") ==
          "field 'condition': expected a whole number");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"shipping":"free"})") ==
          "field 'shipping': \"free\" is not \"seller\" or \"buyer\"");
}

TEST_CASE("values out of range are rejected") {
    CHECK(error_of(R"({"id":"a","title":"x","price":-1})") == "field 'price': must not be negative");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"condition":9})") ==
          "field 'condition': 9 is not between 1 (new) and 5 (poor)");
}

TEST_CASE("image_url: an http(s) photo URL, kept in the stored fields; anything a page could run is refused") {
    auto result = parse(R"({"id":"a","title":"x","price":1,"image_url":"https://img.example/a.jpg"})");
    REQUIRE(result.ok());
    CHECK(result.record->listing.image_url == "https://img.example/a.jpg");
    CHECK(listing_from_stored_json(stored_fields_json(result.record->listing)).image_url == "https://img.example/a.jpg");
    CHECK(stored_fields_json(parse(R"({"id":"a","title":"x","price":1})").record->listing).find("image_url") ==
          std::string::npos);
    const std::string refused = "field 'image_url': expected an http:// or https:// URL without spaces";
    CHECK(error_of(R"j({"id":"a","title":"x","price":1,"image_url":"javascript:alert(1)"})j") == refused);
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"image_url":"https://a b"})") == refused);
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"image_url":7})") == "field 'image_url': expected a string, found number");
}

TEST_CASE("malformed JSON and non-objects are rejected, never thrown") {
    CHECK(error_of("not json").rfind("invalid JSON", 0) == 0);
    CHECK(error_of(R"({"id":"a","title":"x","price":1)").rfind("invalid JSON", 0) == 0);
    CHECK(error_of("[1,2]") == "expected a JSON object, found array");
}

TEST_CASE("oversized fields and lines are rejected") {
    const std::string title(2000, 'x');
    CHECK(error_of(R"({"id":"a","price":1,"title":")" + title + "\"}") ==
          "field 'title': 2000 bytes is over the limit of 1024");
    FeedLineParser small(FeedLimits{.max_line_bytes = 10});
    CHECK(small.parse(R"({"id":"a","title":"x","price":1})").error == "line of 32 bytes is over the limit of 10");
}

TEST_CASE("delete and sold records need only the id") {
    auto deleted = parse(R"({"op":"delete","id":"L9"})");
    REQUIRE(deleted.ok());
    CHECK(deleted.record->op == FeedOp::remove);
    CHECK(deleted.record->listing.id == "L9");
    auto sold = parse(R"({"op":"sold","id":"L9"})");
    REQUIRE(sold.ok());
    CHECK(sold.record->op == FeedOp::sold);
    CHECK(error_of(R"({"op":"refund","id":"L9"})") == "field 'op': \"refund\" is not \"upsert\", \"delete\" or \"sold\"");
}

TEST_CASE("unknown fields are ignored and optional nulls are accepted") {
    auto result = parse(R"({"id":"a","title":"x","price":1,"colour":"red","brand":null})");
    REQUIRE(result.ok());
    CHECK(result.record->listing.brand.empty());
}

TEST_CASE("stored fields read back what was stored") {
    Listing listing;
    listing.id = "L1";
    listing.title = "ナイキ \"quoted\"";
    listing.brand = "Nike";
    listing.price = 19.99;
    listing.condition = 3;
    listing.shipping = Shipping::buyer;
    listing.created_at = 42;
    const Listing back = listing_from_stored_json(stored_fields_json(listing));
    CHECK(back.id == listing.id);
    CHECK(back.title == listing.title);
    CHECK(back.brand == listing.brand);
    CHECK(back.price == listing.price);
    CHECK(back.condition == 3);
    CHECK(back.shipping == Shipping::buyer);
    CHECK(back.created_at == 42);
}

TEST_CASE("stored description is cut to a display snippet on a character boundary") {
    Listing listing;
    listing.id = "L1";
    listing.title = std::string(3, 't');
    listing.description.reserve(400);
    for (int i = 0; i < 200; ++i) listing.description.append("\xC3\xA9");  // é, 2 bytes each
    const Listing back = listing_from_stored_json(stored_fields_json(listing));
    CHECK(back.description.size() <= 280);
    CHECK(back.description.size() % 2 == 0);
}

// Regression tests for issue 14, finding 8: gaps in the feed contract that
// used to be accepted silently (or, for the BOM, refused).
TEST_CASE("a UTF-8 byte order mark before a line is skipped") {
    auto result = parse("\xEF\xBB\xBF" R"({"id":"a","title":"x","price":1})");
    REQUIRE(result.ok());
    CHECK(result.record->listing.id == "a");
}

TEST_CASE("a category is a path of one to three levels, none of them empty") {
    CHECK(parse(R"({"id":"a","title":"x","price":1,"category":"Women/Tops & Blouses/Blouse"})").ok());
    CHECK(parse(R"({"id":"a","title":"x","price":1,"category":"Women"})").ok());
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"category":"A/B/C/D"})") ==
          "field 'category': 4 levels, at most 3 (levels are separated by '/')");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"category":"A//B"})") == "field 'category': level 2 is empty");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"category":"/A"})") == "field 'category': level 1 is empty");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"category":"A/"})") == "field 'category': level 2 is empty");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"category":"A/ /B"})") == "field 'category': level 2 is empty");
}

TEST_CASE("a field named twice in one line is rejected, whichever field it is") {
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"price":2})") == "duplicate field 'price'");
    CHECK(error_of(R"({"id":"a","title":"x","price":1,"colour":"red","colour":"blue"})") ==
          "duplicate field 'colour'");
    // Checked before the values, so the message names the real problem.
    CHECK(error_of(R"({"id":"a","title":"x","price":"one","price":1})") == "duplicate field 'price'");
}

TEST_CASE("created_at more than a day ahead of the clock is rejected") {
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    const auto line = [](std::int64_t created_at) {
        return R"({"id":"a","title":"x","price":1,"created_at":)" + std::to_string(created_at) + "}";
    };
    CHECK(parse(line(now + 3600)).ok());  // producers' clocks drift a little
    const std::string error = error_of(line(4102444800));  // 2100-01-01
    CHECK(error.rfind("field 'created_at': 4102444800 is more than 24 hours ahead of the indexer's clock (", 0) == 0);
    CHECK(error.find(fmt::format("({}", now / 1000)) != std::string::npos);  // the clock, in epoch seconds
}

TEST_CASE("stored fields written before a contract rule still read back") {
    // Listings indexed before categories were limited to three levels must
    // still show their stored fields.
    const Listing back =
        listing_from_stored_json(R"({"id":"a","title":"x","price":1,"category":"A//B/C/D","created_at":4102444800})");
    CHECK(back.id == "a");
    CHECK(back.category == "A//B/C/D");
    CHECK(back.created_at == 4102444800);
}
