#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "term_cache.h"

namespace {

struct Sized {
    std::size_t bytes = 1;
    std::size_t memory_bytes() const { return bytes; }
};

std::shared_ptr<const Sized> one_byte() { return std::make_shared<const Sized>(); }

}  // namespace

TEST_CASE("the term cache keeps what is used and drops the least recently used first, over its budget") {
    query::TermCache<Sized> cache(8);  // eight one-byte values
    for (int n = 0; n < 8; ++n) cache.insert(fmt::format("t{}", n), one_byte());
    // t0 is the oldest; used again, it is kept while newer, unused terms go.
    for (int round = 0; round < 3; ++round) {
        CHECK(cache.find("t0") != nullptr);
        cache.insert(fmt::format("new{}", round), one_byte());
    }
    CHECK(cache.find("t0") != nullptr);
    CHECK(cache.find("t1") == nullptr);  // the three oldest unused, in order
    CHECK(cache.find("t2") == nullptr);
    CHECK(cache.find("t3") == nullptr);
    CHECK(cache.find("t4") != nullptr);
    CHECK(cache.find("new2") != nullptr);
    CHECK(cache.find("absent") == nullptr);
    // A term found while among the newer half is not moved, and stays kept
    // as long as it is used within half the cache's turnover.
    for (int n = 0; n < 20; ++n) {
        CHECK(cache.find("t0") != nullptr);
        cache.insert(fmt::format("more{}", n), one_byte());
    }
    CHECK(cache.find("t0") != nullptr);
    CHECK(cache.recent_terms(100).size() == 8);
}

TEST_CASE("the term cache's index finds every kept term and no dropped one through inserts and erases") {
    // Colliding hashes (a few homes for many terms) make long probe runs,
    // where an erase must move the following entries back into its hole.
    struct Named {
        std::string term;
    };
    std::vector<std::unique_ptr<Named>> entries;
    for (int n = 0; n < 400; ++n) entries.push_back(std::make_unique<Named>(Named{fmt::format("term{}", n)}));
    const auto hash_of = [](int n) { return std::uint64_t(n % 7) * 1'000'003; };
    query::TermIndex<Named> index;
    std::vector<bool> kept(entries.size(), false);
    const auto check_all = [&] {
        for (std::size_t n = 0; n < entries.size(); ++n) {
            const Named* found = index.find(entries[n]->term, hash_of(int(n)));
            CHECK(found == (kept[n] ? entries[n].get() : nullptr));
        }
    };
    std::uint64_t state = 12345;  // a fixed pseudo-random order of inserts and erases
    const auto next_random = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::size_t>(state >> 33);
    };
    for (int step = 0; step < 3000; ++step) {
        const std::size_t n = next_random() % entries.size();
        if (kept[n]) {
            index.erase(entries[n]->term, hash_of(int(n)));
        } else {
            index.insert(entries[n].get(), hash_of(int(n)));
        }
        kept[n] = !kept[n];
        if (step % 500 == 0) check_all();
    }
    check_all();
    // The real hash too, and a term absent with a hash equal to a kept one's.
    query::TermIndex<Named> hashed;
    hashed.insert(entries[0].get(), query::TermIndex<Named>::hash_of(entries[0]->term));
    CHECK(hashed.find("term0", query::TermIndex<Named>::hash_of("term0")) == entries[0].get());
    CHECK(hashed.find("other", query::TermIndex<Named>::hash_of("term0")) == nullptr);
}
