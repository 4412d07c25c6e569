#include <doctest/doctest.h>

#include "server/v1_api.h"

using namespace server;
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
    CHECK(request.filters.status == StatusFilter::on_sale);
    CHECK(request.sort == SortOrder::relevance);
}

TEST_CASE("paging, filters and sort are read") {
    auto parsed = parse_search_parameters({{"limit", "5"}, {"offset", "40"}, {"status", "any"}, {"brand", "Nike"},
                                           {"brand", "Adidas"}, {"category", "Men/Shoes"}, {"price_min", "10"},
                                           {"price_max", "99.5"}, {"condition", "1,2"}, {"condition", "3"},
                                           {"shipping", "seller"}, {"sort", "price_desc"}});
    REQUIRE(std::holds_alternative<SearchRequest>(parsed));
    const auto& request = std::get<SearchRequest>(parsed);
    CHECK(request.limit == 5);
    CHECK(request.offset == 40);
    CHECK(request.filters.status == StatusFilter::any);
    CHECK(request.filters.brands.size() == 2);
    CHECK(request.filters.category == "Men/Shoes");
    CHECK(*request.filters.price_min == 10);
    CHECK(*request.filters.price_max == 99.5);
    CHECK(request.filters.conditions.size() == 3);
    CHECK(request.filters.shipping == "seller");
    CHECK(request.sort == SortOrder::price_desc);
}

TEST_CASE("facets are named in a list, or all") {
    const auto some = std::get<SearchRequest>(parse_search_parameters({{"facets", "brand,price"}, {"facet_limit", "5"}}));
    CHECK(some.facets.brand);
    CHECK(some.facets.price);
    CHECK_FALSE(some.facets.category);
    CHECK(some.facet_limit == 5);
    const auto all = std::get<SearchRequest>(parse_search_parameters({{"facets", "all"}}));
    CHECK((all.facets.brand && all.facets.category && all.facets.condition && all.facets.shipping && all.facets.price));
    CHECK(error_for({{"facets", "colour"}}).message ==
          "'facets' takes brand, category, condition, shipping, price or all, not \"colour\"");
}

TEST_CASE("bad filter values name the parameter and what is allowed") {
    CHECK(error_for({{"price_min", "cheap"}}).message == "'price_min' must be a price of 0 or more, not \"cheap\"");
    CHECK(error_for({{"price_max", "-5"}}).parameter == "price_max");
    CHECK(error_for({{"price_min", "50"}, {"price_max", "10"}}).message == "'price_min' must not be above 'price_max'");
    CHECK(error_for({{"condition", "7"}}).message == "'condition' takes numbers from 1 (new) to 5 (poor), not \"7\"");
    CHECK(error_for({{"shipping", "free"}}).message == "'shipping' must be one of seller, buyer, any, not \"free\"");
    CHECK(error_for({{"sort", "cheapest"}}).message ==
          "'sort' must be one of relevance, price_asc, price_desc, newest, not \"cheapest\"");
    CHECK(error_for({{"status", "gone"}}).parameter == "status");
}

TEST_CASE("a non-numeric or out-of-range limit names the parameter") {
    const ApiError error = error_for({{"limit", "ten"}});
    CHECK(error.status() == 400);
    CHECK(error.name() == "invalid_parameter");
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

TEST_CASE("text that is not UTF-8 is refused, not searched as U+FFFD (which matched every listing)") {
    const ApiError error = error_for({{"q", "\xFF\xFE"}});
    CHECK(error.parameter == "q");
    CHECK(error.message == "'q' is not valid UTF-8");
    CHECK(error_for({{"brand", "Nik\xC3"}}).parameter == "brand");
    CHECK(error_for({{"q", "\xED\xA0\x80"}}).parameter == "q");  // a UTF-16 surrogate, encoded
    CHECK(std::holds_alternative<SearchRequest>(parse_search_parameters({{"q", "ナイキ Pokémon"}})));
}

TEST_CASE("a category with an empty level or more than three is refused, not widened to its parent") {
    for (const char* category : {"/", "Women//Tops", "Women/", " /Tops", "A/B/C/D"}) {
        const ApiError error = error_for({{"category", category}});
        CHECK(error.parameter == "category");
    }
    CHECK(error_for({{"category", "A//B"}}).message ==
          "'category' \"A//B\": a category is a path of 1 to 3 levels joined by '/', none of them empty");
    CHECK(error_for({{"category", "A/B/C/D"}}).message == "'category' \"A/B/C/D\": a category has at most 3 levels");
    const auto parsed = parse_search_parameters({{"category", "Women/Tops & Blouses/Blouse"}});
    REQUIRE(std::holds_alternative<SearchRequest>(parsed));
    CHECK(std::get<SearchRequest>(parsed).filters.category == "Women/Tops & Blouses/Blouse");
}

TEST_CASE("unknown and repeated parameters are refused") {
    const ApiError unknown = error_for({{"qq", "x"}});
    CHECK(unknown.name() == "unknown_parameter");
    CHECK(unknown.message == "unknown parameter 'qq'; known parameters: q, limit, offset, brand, category, "
                             "price_min, price_max, condition, shipping, status, facets, facet_limit, sort, matching");
    CHECK(error_for({{"q", "a"}, {"q", "b"}}).message == "'q' is given more than once");
}

TEST_CASE("the matching strategy is chosen by name, or left to the ranking config") {
    CHECK_FALSE(std::get<SearchRequest>(parse_search_parameters({{"q", "nike"}})).matching.has_value());
    const auto last = std::get<SearchRequest>(parse_search_parameters({{"q", "nike"}, {"matching", "last"}}));
    CHECK(last.matching == query::MatchingStrategy::last);
    CHECK(error_for({{"matching", "most"}}).message == "'matching' must be one of all, last, frequency, not \"most\"");
}

TEST_CASE("error JSON carries code, message and parameter") {
    CHECK(v1_error_json({.code = ErrorCode::invalid_parameter, .message = "bad \"x\"", .parameter = "limit"}) ==
          R"({"error":{"code":"invalid_parameter","message":"bad \"x\"","parameter":"limit"}})");
}

TEST_CASE("a JSON body reads like the query string, arrays standing for repeated parameters") {
    auto parsed = parse_search_body(R"({"q": "nike", "limit": 5, "brand": ["Nike", "Adidas"], "price_max": 49.5,
                                        "condition": [1, 2], "facets": ["brand", "price"]})");
    REQUIRE(std::holds_alternative<SearchRequest>(parsed));
    const auto& request = std::get<SearchRequest>(parsed);
    CHECK(request.text == "nike");
    CHECK(request.limit == 5);
    CHECK(request.filters.brands == std::vector<std::string>{"Nike", "Adidas"});
    CHECK(request.filters.price_max == 49.5);
    CHECK(request.filters.conditions == std::vector<int>{1, 2});
    CHECK(request.facets.brand);
    CHECK(request.facets.price);
}

TEST_CASE("a bad JSON body is refused with what was wrong") {
    const auto error_of = [](std::string_view body) { return std::get<ApiError>(parse_search_body(body)); };
    CHECK(error_of("{").name() == "invalid_json");
    CHECK(error_of("[1]").message == "the body must be a JSON object of search parameters");
    const ApiError wrong_type = error_of(R"({"q": {"text": "nike"}})");
    CHECK(wrong_type.parameter == "q");
    CHECK(wrong_type.message == "'q' must be a string, a number or an array of them");
    CHECK(error_of(R"({"limit": [1, 2]})").message == "'limit' is given more than once");
    CHECK(error_of(R"({"sort": "cheapest"})").parameter == "sort");
    CHECK(error_of(R"({"colour": "red"})").name() == "unknown_parameter");
}

TEST_CASE("an empty body asks for the defaults, as an empty query string does") {
    for (const std::string_view body : {"", " \r\n"}) {
        const auto parsed = parse_search_body(body);
        REQUIRE(std::holds_alternative<SearchRequest>(parsed));
        CHECK(std::get<SearchRequest>(parsed).text.empty());
        CHECK(std::get<SearchRequest>(parsed).limit == 20);
    }
}
