#include <doctest/doctest.h>

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
