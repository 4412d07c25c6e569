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
                      doctest::Contains("Attribute `colour` is not filterable. Available filterable attributes are: `id, brand,"));
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

TEST_CASE("a filter bigger than a buyer's is refused, naming the limit") {
    // 3,000 OR'ed price ranges took 6.5 s to search.
    std::string ranges = "price 0 TO 1";
    for (int i = 1; i < 101; ++i) ranges += " OR price " + std::to_string(i) + " TO " + std::to_string(i + 1);
    CHECK_THROWS_WITH_AS(parse_filter(ranges), "The filter has 101 conditions; the limit is 100.", FilterError);
    std::string brands = "brand IN [b0";
    for (int i = 1; i < 51; ++i) brands += ", b" + std::to_string(i);
    CHECK_THROWS_WITH_AS(parse_filter(brands + "]"), "`brand` IN [...] lists 51 values; the limit is 50.", FilterError);
    CHECK_NOTHROW(parse_filter(ranges.substr(0, ranges.rfind(" OR "))));  // 100 conditions

    FilterExpression combined{FilterExpression::Kind::all_of};
    for (int i = 0; i < 101; ++i) combined.children.push_back(parse_filter("price > 1"));
    CHECK_THROWS_AS(check_filter_size(combined), FilterError);
}

TEST_CASE("filter values must be UTF-8, and category paths whole") {
    CHECK_THROWS_WITH_AS(parse_filter("brand = \"\xFF\""), "A value of `brand` is not valid UTF-8.", FilterError);
    CHECK_THROWS_WITH_AS(parse_filter("category.lvl1 = \"Women//Tops\""),
                         "`category.lvl1` = \"Women//Tops\": a category is a path of 1 to 3 levels joined by '/', "
                         "none of them empty.",
                         FilterError);
    CHECK_THROWS_AS(parse_filter("category IN [Women, \"/\"]"), FilterError);
    CHECK_NOTHROW(parse_filter("category.lvl1 = \"Women/Tops & Blouses\""));
}
