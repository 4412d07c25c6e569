#include <doctest/doctest.h>

#include <memory>
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

TEST_CASE("counts by the shared ids of two shards and by name through Xapian add up by name") {
    const auto numbering = std::make_shared<FacetNames>();
    FacetNames& names = *numbering;
    // Two snapshots numbered their brands in different orders; index 0 is no value.
    const std::vector<std::uint32_t> first_shard{0, names.id_of(FacetDimension::brand, "Tally Nike"),
                                                 names.id_of(FacetDimension::brand, "Tally Adidas")};
    const std::vector<std::uint32_t> second_shard{0, names.id_of(FacetDimension::brand, "Tally Adidas"),
                                                  names.id_of(FacetDimension::brand, "Tally Zara"),
                                                  names.id_of(FacetDimension::brand, "Tally Nike")};
    CHECK(first_shard[2] == second_shard[1]);
    CHECK(names.find(FacetDimension::brand, "Tally Zara") == second_shard[2]);
    CHECK_FALSE(names.find(FacetDimension::brand, "Tally Gap").has_value());
    CHECK_FALSE(names.find(FacetDimension::category_1, "Tally Nike").has_value());  // numbered per dimension

    FacetTally tally;
    tally.add_by_ids(FacetDimension::brand, numbering, first_shard, {7, 2, 1});      // listings without a brand: not counted
    tally.add_by_ids(FacetDimension::brand, numbering, second_shard, {0, 4, 3, 1});
    tally.add(FacetDimension::brand, "Tally Zara", 1);  // a listing newer than its snapshot, read through Xapian
    tally.add(FacetDimension::brand, "Tally Puma", 2);  // a name no snapshot has
    FacetTally other_pass;
    other_pass.add_by_ids(FacetDimension::brand, numbering, first_shard, {0, 0, 1});
    tally.add_all(other_pass);

    FacetCounts counts;
    tally.write_to(counts, 10);
    CHECK(listed(counts.brand) == std::vector<std::pair<std::string, std::uint64_t>>{
                                      {"Tally Adidas", 6}, {"Tally Zara", 4}, {"Tally Nike", 3}, {"Tally Puma", 2}});
}

TEST_CASE("counts in two numberings (two generations' snapshots) still add up by name") {
    const auto older = std::make_shared<FacetNames>(), newer = std::make_shared<FacetNames>();
    // The same names, numbered in other orders: ids alone would mix them up.
    const std::vector<std::uint32_t> in_older{0, older->id_of(FacetDimension::brand, "Nike"),
                                              older->id_of(FacetDimension::brand, "Zara")};
    const std::vector<std::uint32_t> in_newer{0, newer->id_of(FacetDimension::brand, "Zara"),
                                              newer->id_of(FacetDimension::brand, "Gap"),
                                              newer->id_of(FacetDimension::brand, "Nike")};
    REQUIRE(in_older[1] == in_newer[1]);  // "Nike" in one is "Zara" in the other
    FacetTally tally;
    tally.add_by_ids(FacetDimension::brand, older, in_older, {0, 5, 1});
    tally.add_by_ids(FacetDimension::brand, newer, in_newer, {0, 2, 3, 1});
    FacetTally other_pass;
    other_pass.add_by_ids(FacetDimension::brand, newer, in_newer, {0, 0, 0, 4});
    tally.add_all(other_pass);
    FacetCounts counts;
    tally.write_to(counts, 10);
    CHECK(listed(counts.brand) ==
          std::vector<std::pair<std::string, std::uint64_t>>{{"Nike", 10}, {"Gap", 3}, {"Zara", 3}});
}
