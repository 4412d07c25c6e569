#include <doctest/doctest.h>

#include <string>

#include "query/filter_expression.h"

using namespace query;

TEST_CASE("the Meilisearch filter syntax: comparisons, ranges, lists, NOT, AND before OR, parentheses") {
    CHECK(to_string(parse_filter("brand = Nike")) == R"(brand = "Nike")");
    CHECK(to_string(parse_filter("price >= 10 AND price < 50")) == R"((price >= "10" AND price < "50"))");
    CHECK(to_string(parse_filter("brand = Nike AND price > 5 OR shipping = buyer")) ==
          R"(((brand = "Nike" AND price > "5") OR shipping = "buyer"))");
    CHECK(to_string(parse_filter("brand = Nike AND (price > 5 OR shipping = buyer)")) ==
          R"((brand = "Nike" AND (price > "5" OR shipping = "buyer")))");
    CHECK(to_string(parse_filter("price 10 TO 50")) == R"(price "10" TO "50")");
    CHECK(to_string(parse_filter("brand IN [Nike, 'Dr. Martens']")) == R"(brand IN ["Nike", "Dr. Martens"])");
    CHECK(to_string(parse_filter("brand NOT IN [Nike]")) == R"(NOT brand IN ["Nike"])");
    CHECK(to_string(parse_filter("NOT status = sold")) == R"(NOT status = "sold")");
    CHECK(to_string(parse_filter("category.lvl1 = \"Women/Tops & Blouses\"")) ==
          R"(category.lvl1 = "Women/Tops & Blouses")");
    CHECK(to_string(parse_filter("brand != nike and price <= 3")) == R"((brand != "nike" AND price <= "3"))");
    CHECK(to_string(parse_filter("  ")).empty());
}

TEST_CASE("a bad filter says what is wrong") {
    CHECK_THROWS_WITH(parse_filter("colour = red"),
                      doctest::Contains("Attribute `colour` is not filterable. Available filterable attributes are: `brand,"));
    CHECK_THROWS_WITH(parse_filter("price >= cheap"), "`price` compares numbers: \"cheap\" is not a number");
    CHECK_THROWS_WITH(parse_filter("brand = Nike AND"), doctest::Contains("a value is missing"));
    CHECK_THROWS_WITH(parse_filter("(brand = Nike"), doctest::Contains("a `(` is never closed"));
    CHECK_THROWS_WITH(parse_filter("brand Nike"), doctest::Contains("expected an operator or `TO`"));
    CHECK_THROWS_WITH(parse_filter("brand = 'Nike"), doctest::Contains("a quoted value is never closed"));
    CHECK_THROWS_AS(parse_filter("brand = Nike extra"), FilterError);
}

TEST_CASE("deeply nested filters are refused instead of exhausting the stack") {
    // Regression: tests/fuzz/filter_fuzzer crashed the parser with a few
    // thousand opening parentheses (stack overflow).
    CHECK_THROWS_WITH(parse_filter(std::string(5000, '(') + "brand = Nike"),
                      "The filter nests NOT and parentheses deeper than 32 levels.");
    std::string nots;
    for (int i = 0; i < 5000; ++i) nots += "NOT ";
    CHECK_THROWS_AS(parse_filter(nots + "brand = Nike"), FilterError);
    CHECK_NOTHROW(parse_filter(std::string(10, '(') + "brand = Nike" + std::string(10, ')')));
}
