#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "docid_set.h"

TEST_CASE("a docid set's listings at given ranks are exactly the docids of those ranks") {
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
        // Every rank, none, a few spread out, the first and the last.
        std::vector<std::vector<std::size_t>> rank_lists(3);
        std::bernoulli_distribution picked(0.05);
        for (std::size_t rank = 0; rank < docids.size(); ++rank) {
            rank_lists[0].push_back(rank);
            if (picked(random) || rank == 0 || rank + 1 == docids.size()) rank_lists[2].push_back(rank);
        }
        for (const auto& ranks : rank_lists) {
            std::vector<Xapian::docid> expected, found;
            for (const std::size_t rank : ranks) expected.push_back(docids[rank]);
            const query::DocidSet subset = set.at_ranks(ranks);
            subset.for_each([&](Xapian::docid docid) { found.push_back(docid); });
            CHECK(found == expected);
            CHECK(subset.size() == set.size());
        }
    }
}

TEST_CASE("two sets' intersection and difference, written in one pass, are what folding one into a copy gives") {
    std::mt19937 random(23);
    std::bernoulli_distribution in_a(0.3), in_b(0.5);
    // A shorter second set too: a snapshot's sets all have its size, but
    // the words past the shorter one's end must read as empty.
    for (const std::size_t size_of_b : {std::size_t{5000}, std::size_t{3000}}) {
        query::DocidSet a(5000), b(size_of_b);
        for (Xapian::docid docid = 1; docid < 5000; ++docid) {
            if (in_a(random)) a.add(docid);
            if (docid < size_of_b && in_b(random)) b.add(docid);
        }
        query::DocidSet folded_and = a, folded_less = a;
        folded_and &= b;
        folded_less.subtract(b);
        const query::DocidSet both = query::DocidSet::intersection(a, b);
        const query::DocidSet rest = query::DocidSet::difference(a, b);
        CHECK(both.words() == folded_and.words());
        CHECK(rest.words() == folded_less.words());
        CHECK(both.count() + rest.count() == a.count());
        CHECK(rest.size() == a.size());
    }
}
