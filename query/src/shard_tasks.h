// Runs a request's per-shard work side by side: on the request's own
// thread and, when one is idle, on a helper thread. On a quiet server a
// request over two shards then takes two cores (issue 17: one client's
// latency). Under load (as many requests running as processors) the
// request's thread runs every task itself: every core is busy, and handing
// tasks to a helper would only add a thread to the cores' queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace query {

// Handing a shard's part of a request to a helper thread costs a few
// microseconds while the helper polls (tens to wake it on a VM): side by
// side only where the part is larger, by the terms it reads or the matches
// it goes through. Over the long-tail log, 4 terms and 512 matches (with
// facets from 2,048) gave 6% less server time than 16 and 2,048 (8,192).
inline constexpr std::size_t min_terms_side_by_side = 4;
inline constexpr std::uint64_t min_matches_side_by_side = 512;

// Runs task(0) ... task(count - 1), each once, and returns when all have
// finished; rethrows the first exception a task threw. With `side_by_side`
// false, or no helper idle, they run one after another on this thread.
// Tasks must not share unsynchronised state (Xapian objects included:
// Xapian::Query and Database handles count references without locks).
void run_shard_tasks(std::size_t count, const std::function<void(std::size_t)>& task, bool side_by_side);

// Runs `first` and `second`, which share no unsynchronised state, side by
// side when `side_by_side` and a helper is idle; returns when both have
// finished, rethrowing the first exception.
template <typename First, typename Second>
void run_both(First&& first, Second&& second, bool side_by_side) {
    run_shard_tasks(2, [&](std::size_t task) { task == 0 ? first() : second(); }, side_by_side);
}

// A search request running, for as long as it lives: tasks go side by
// side only while fewer requests run than the machine has processors.
class RunningRequest {
public:
    RunningRequest();
    ~RunningRequest();
    RunningRequest(const RunningRequest&) = delete;
    RunningRequest& operator=(const RunningRequest&) = delete;
};

}  // namespace query
