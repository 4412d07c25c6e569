#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "docid_set.h"

TEST_CASE("a docid set's subset by value keeps exactly the docids whose value by rank reaches the lowest") {
    std::mt19937 random(17);
    for (const double share : {0.01, 0.3, 1.0}) {
        query::DocidSet set(5000);
        std::bernoulli_distribution in_set(share);
        std::vector<Xapian::docid> docids;
        for (Xapian::docid docid = 1; docid < 5000; ++docid) {
            if (in_set(random)) {
                set.add(docid);
                docids.push_back(docid);
            }
        }
        std::uniform_real_distribution<double> value(0, 10);
        std::vector<double> by_rank(docids.size());
        for (double& v : by_rank) v = value(random);
        if (!by_rank.empty()) by_rank.back() = 9.5;  // a value equal to `lowest` is kept

        const query::DocidSet subset = set.subset_at_least(by_rank, 9.5);
        std::vector<Xapian::docid> expected, kept;
        for (std::size_t rank = 0; rank < docids.size(); ++rank) {
            if (by_rank[rank] >= 9.5) expected.push_back(docids[rank]);
        }
        subset.for_each([&](Xapian::docid docid) { kept.push_back(docid); });
        CHECK(kept == expected);
        CHECK(subset.size() == set.size());
    }
}
