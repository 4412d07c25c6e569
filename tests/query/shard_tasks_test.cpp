// run_shard_tasks: a request's per-shard work on its own thread and an idle
// helper (issue 17, eighth pass).
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "shard_tasks.h"

using query::run_shard_tasks;

TEST_CASE("shard tasks run each index once, side by side or one after another") {
    for (const bool side_by_side : {true, false}) {
        for (const std::size_t count : {0, 1, 2, 3, 7}) {
            std::vector<std::atomic<int>> runs(count);
            std::mutex mutex;
            std::set<std::thread::id> threads;
            run_shard_tasks(
                count,
                [&](std::size_t index) {
                    ++runs[index];
                    std::lock_guard lock(mutex);
                    threads.insert(std::this_thread::get_id());
                },
                side_by_side);
            for (std::size_t index = 0; index < count; ++index) CHECK(runs[index] == 1);
            // One after another, only the caller's thread runs them.
            if (!side_by_side && count > 0) CHECK(threads == std::set{std::this_thread::get_id()});
        }
    }
}

TEST_CASE("a shard task's exception reaches the caller once every task has finished") {
    std::atomic<int> finished{0};
    const auto task = [&](std::size_t index) {
        if (index == 1) throw std::runtime_error("shard 1 failed");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ++finished;
    };
    CHECK_THROWS_WITH(run_shard_tasks(3, task, true), "shard 1 failed");
    CHECK(finished == 2);  // the others ran to the end: nothing still uses the caller's state
}

TEST_CASE("requests running shard tasks at once all finish with every task run") {
    // More requests than helpers: most find none idle and run their own.
    std::atomic<long> total{0};
    std::vector<std::thread> requests;
    for (int request = 0; request < 6; ++request) {
        requests.emplace_back([&] {
            for (int round = 0; round < 500; ++round) {
                std::atomic<int> ran{0};
                run_shard_tasks(2, [&](std::size_t) { ++ran; }, true);
                total += ran;
            }
        });
    }
    for (auto& request : requests) request.join();
    CHECK(total == 6 * 500 * 2);
}

// Issue 17, eleventh pass: a helper that has just finished polls for the
// next request's tasks for a few hundred microseconds, then sleeps. Tasks
// handed over back to back (while it polls) and after pauses longer than
// its polling (once it sleeps) must all run, each once.
TEST_CASE("shard tasks handed over while the helper polls and after it has gone to sleep all run") {
    for (const auto pause : {std::chrono::microseconds(0), std::chrono::microseconds(50), std::chrono::microseconds(2000)}) {
        CAPTURE(pause.count());
        for (int round = 0; round < 40; ++round) {
            std::vector<std::atomic<int>> runs(2);
            run_shard_tasks(2, [&](std::size_t index) { ++runs[index]; }, true);
            CHECK(runs[0] == 1);
            CHECK(runs[1] == 1);
            std::this_thread::sleep_for(pause);
        }
    }
}
