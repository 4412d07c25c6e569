#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "facets.h"

using namespace query;

namespace {

std::vector<std::pair<std::string, std::uint64_t>> listed(const std::vector<FacetValueCount>& counts) {
    std::vector<std::pair<std::string, std::uint64_t>> values;
    for (const auto& count : counts) values.emplace_back(count.value, count.count);
    return values;
}

}  // namespace

TEST_CASE("a tally adds each name's counts over shards and writes the most frequent first, ties by name") {
    FacetTally tally;
    // Two shards' counts, the same brand under the same name in each.
    tally.add(FacetDimension::brand, "Nike", 3);
    tally.add(FacetDimension::brand, "Adidas", 5);
    tally.add(FacetDimension::brand, "Zara", 4);
    tally.add(FacetDimension::brand, "Gap", 0);  // counted nowhere: not listed
    tally.add(FacetDimension::brand, std::string("Nike"), 2);
    tally.add(FacetDimension::brand, "Coach", 5);
    tally.add(FacetDimension::brand, "Apple", 1);

    FacetCounts all;
    tally.write_to(all, 10);
    CHECK(listed(all.brand) == std::vector<std::pair<std::string, std::uint64_t>>{
                                   {"Adidas", 5}, {"Coach", 5}, {"Nike", 5}, {"Zara", 4}, {"Apple", 1}});

    // Only the top `limit`, in the same order, whichever tie the limit cuts through.
    FacetCounts top;
    tally.write_to(top, 2);
    CHECK(listed(top.brand) == std::vector<std::pair<std::string, std::uint64_t>>{{"Adidas", 5}, {"Coach", 5}});
    // A dimension never tallied stays as it was; one tallied with no counts is empty.
    CHECK(top.category_1.empty());
    tally.add(FacetDimension::condition, "3", 0);
    FacetCounts none;
    none.condition = {{"stale", 1}};
    tally.write_to(none, 5);
    CHECK(none.condition.empty());
}
