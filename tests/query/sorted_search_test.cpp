#include <algorithm>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "sorted_search.h"

// gallop_to must find what std::lower_bound finds over the rest of the
// run, wherever it starts: a wrong step skips a listing's posting and its
// weight silently.
TEST_CASE("gallop_to finds the first docid not below the one sought, as a binary search does") {
    std::mt19937 random(17);
    for (int round = 0; round < 300; ++round) {
        std::vector<unsigned> docids(static_cast<std::size_t>(random() % 200));
        for (unsigned& docid : docids) docid = random() % 1000;
        std::sort(docids.begin(), docids.end());
        docids.erase(std::unique(docids.begin(), docids.end()), docids.end());
        // Short steps from the last place found, and long ones from anywhere.
        auto from = docids.begin();
        for (unsigned sought = 0; sought < 1010; sought += 1 + random() % 9) {
            const auto expected = std::lower_bound(from, docids.end(), sought);
            from = query::gallop_to(from, docids.end(), sought);
            REQUIRE(from == expected);
        }
        for (int jump = 0; jump < 50 && !docids.empty(); ++jump) {
            const auto start = docids.begin() + static_cast<std::ptrdiff_t>(random() % docids.size());
            const unsigned sought = static_cast<unsigned>(random() % 1010);
            REQUIRE(query::gallop_to(start, docids.end(), sought) == std::lower_bound(start, docids.end(), sought));
        }
    }
    const std::vector<unsigned> none;
    CHECK(query::gallop_to(none.begin(), none.end(), 5u) == none.end());
}
