#include <doctest/doctest.h>

#include <memory>
#include <string>

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
    for (int n = 0; n < 8; ++n) cache.insert("t" + std::to_string(n), one_byte());
    // t0 is the oldest; used again, it is kept while newer, unused terms go.
    for (int round = 0; round < 3; ++round) {
        CHECK(cache.find("t0") != nullptr);
        cache.insert("new" + std::to_string(round), one_byte());
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
        cache.insert("more" + std::to_string(n), one_byte());
    }
    CHECK(cache.find("t0") != nullptr);
    CHECK(cache.recent_terms(100).size() == 8);
}
