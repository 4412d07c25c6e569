#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <xapian.h>

#include "derived_data.h"
#include "snapshot_cache.h"
#include "test_support.h"

using namespace std::chrono_literals;
using query::ServingGeneration;
using query::SnapshotCache;

namespace {

using Clock = std::chrono::steady_clock;

// A derived copy that says which build made it.
struct Built {
    int number = 0;
};

// Builds numbered copies, each taking `cost`.
struct CountingBuilder {
    std::chrono::milliseconds cost;
    std::shared_ptr<std::atomic<int>> builds = std::make_shared<std::atomic<int>>(0);

    SnapshotCache<Built>::Builder builder() const {
        return [cost = cost, builds = builds](const analyzers::Generation&, const std::shared_ptr<const Built>&) {
            std::this_thread::sleep_for(cost);
            return std::make_shared<const Built>(Built{++*builds});
        };
    }
};

ServingGeneration serving() { return {.generation = {.number = 1, .shard_count = 1, .id = "g1"}, .id = "g1"}; }

// Asks for the copy, after a change, until `deadline`; the copy then served.
int number_served_until(SnapshotCache<Built>& cache, Clock::time_point deadline) {
    cache.get(serving(), true);
    while (Clock::now() < deadline) std::this_thread::sleep_for(2ms);
    return cache.get(serving(), false)->number;
}

}  // namespace

TEST_CASE("a copy cheap to build is rebuilt soon after a change, long before its max age") {
    const CountingBuilder cheap{.cost = 1ms};
    SnapshotCache<Built> cache(cheap.builder(), 1h, 0ms);
    REQUIRE(cache.get(serving(), false)->number == 1);
    // The change is seen at once and rebuilt in the background (a few
    // times the build's own millisecond later).
    cache.get(serving(), true);
    const auto deadline = Clock::now() + 2s;
    int served = 1;
    while (served == 1 && Clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
        served = cache.get(serving(), false)->number;
    }
    CHECK(served == 2);
}

TEST_CASE("a copy costly to build waits a few times its build time before it is rebuilt") {
    const CountingBuilder costly{.cost = 60ms};
    SnapshotCache<Built> cache(costly.builder(), 1h, 0ms);
    REQUIRE(cache.get(serving(), false)->number == 1);
    // Four times the 60 ms build must pass first: asked at once and for
    // 100 ms after a change, the first copy is still served.
    CHECK(number_served_until(cache, Clock::now() + 100ms) == 1);
    CHECK(*costly.builds == 1);
}

TEST_CASE("the minimum age holds back even a cheap rebuild, and the maximum age caps the wait") {
    const CountingBuilder cheap{.cost = 1ms};
    SnapshotCache<Built> held(cheap.builder(), 1h, 1h);
    REQUIRE(held.get(serving(), false)->number == 1);
    CHECK(number_served_until(held, Clock::now() + 100ms) == 1);

    const CountingBuilder costly{.cost = 50ms};
    SnapshotCache<Built> capped(costly.builder(), 20ms, 0ms);  // 4 x 50 ms would be 200 ms
    REQUIRE(capped.get(serving(), false)->number == 1);
    std::this_thread::sleep_for(30ms);  // past the 20 ms max age
    capped.get(serving(), true);        // starts the rebuild
    std::this_thread::sleep_for(150ms);  // it takes 50 ms
    CHECK(capped.get(serving(), false)->number == 2);
}

TEST_CASE("a generation's snapshots share one facet numbering, and a new generation starts a fresh one") {
    test_support::TempDir dir;
    const auto open_empty = [&](const std::string& name) {
        Xapian::WritableDatabase(dir.path() / name, Xapian::DB_CREATE).commit();
        return Xapian::Database((dir.path() / name).string());
    };
    const std::vector<Xapian::Database> generation{open_empty("gen-1-shard-0"), open_empty("gen-1-shard-1")};
    const auto numbering = query::facet_names_for(generation, nullptr);
    query::ShardSnapshots built;
    for (const auto& shard : generation) built.push_back(query::ShardSnapshot::build(shard, nullptr, numbering));
    CHECK(built[0]->facet_names() == numbering);

    // Rebuilt for the same shards (new commits): the same numbering.
    CHECK(query::facet_names_for(generation, &built) == numbering);
    // A new generation (built or compacted: new databases): a fresh one,
    // without the names the old one met.
    numbering->id_of(query::FacetDimension::brand, "Old Brand");
    const std::vector<Xapian::Database> next{open_empty("gen-2-shard-0"), open_empty("gen-2-shard-1")};
    const auto fresh = query::facet_names_for(next, &built);
    CHECK(fresh != numbering);
    CHECK_FALSE(fresh->find(query::FacetDimension::brand, "Old Brand").has_value());
}
