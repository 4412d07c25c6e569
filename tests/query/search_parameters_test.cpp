#include <doctest/doctest.h>

#include "query/http_api.h"

using namespace query;

namespace {

ApiError error_for(QueryParameters parameters) {
    auto parsed = parse_search_parameters(parameters);
    REQUIRE(std::holds_alternative<ApiError>(parsed));
    return std::get<ApiError>(parsed);
}

}  // namespace

TEST_CASE("defaults: first page of 20, sold listings hidden") {
    auto parsed = parse_search_parameters({{"q", "nike"}});
    REQUIRE(std::holds_alternative<SearchRequest>(parsed));
    const auto& request = std::get<SearchRequest>(parsed);
    CHECK(request.text == "nike");
    CHECK(request.limit == 20);
    CHECK(request.offset == 0);
    CHECK_FALSE(request.include_sold);
}

TEST_CASE("limit, offset and include_sold are read") {
    auto parsed = parse_search_parameters({{"limit", "5"}, {"offset", "40"}, {"include_sold", "true"}});
    const auto& request = std::get<SearchRequest>(parsed);
    CHECK(request.limit == 5);
    CHECK(request.offset == 40);
    CHECK(request.include_sold);
}

TEST_CASE("a non-numeric or out-of-range limit names the parameter") {
    const ApiError error = error_for({{"limit", "ten"}});
    CHECK(error.status == 400);
    CHECK(error.code == "invalid_parameter");
    CHECK(error.parameter == "limit");
    CHECK(error.message == "'limit' must be a whole number from 1 to 100, not \"ten\"");
    CHECK(error_for({{"limit", "0"}}).parameter == "limit");
    CHECK(error_for({{"limit", "-3"}}).parameter == "limit");
}

TEST_CASE("pages too deep are refused") {
    CHECK(error_for({{"offset", "10001"}}).message == "'offset' must be a whole number from 0 to 10000, not \"10001\"");
}

TEST_CASE("a 10 kB query is refused") {
    const ApiError error = error_for({{"q", std::string(10'000, 'a')}});
    CHECK(error.parameter == "q");
    CHECK(error.message == "'q' is 10000 bytes; the limit is 1024");
}

TEST_CASE("unknown and repeated parameters are refused") {
    const ApiError unknown = error_for({{"qq", "x"}});
    CHECK(unknown.code == "unknown_parameter");
    CHECK(unknown.message == "unknown parameter 'qq'; known parameters: q, limit, offset, include_sold");
    CHECK(error_for({{"q", "a"}, {"q", "b"}}).message == "'q' is given more than once");
}

TEST_CASE("error JSON carries code, message and parameter") {
    CHECK(error_json({400, "invalid_parameter", "limit", "bad \"x\""}) ==
          R"({"error":{"code":"invalid_parameter","message":"bad \"x\"","parameter":"limit"}})");
}
