// How a follower rides out writes that fail for a while (a full disk):
// each failure is said at once, then it waits (1 s, doubling up to 30 s)
// and starts again from the last commit. So it resumes by itself when
// space returns, and loses nothing: what was not committed is read again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "indexer/indexer.h"
#include "write_failure.h"

namespace indexer {

class WriteRetry {
public:
    WriteRetry(NoticeCallback on_notice, const std::atomic<bool>* stop_requested)
        : on_notice_(std::move(on_notice)), stop_requested_(stop_requested) {}

    // Says what failed, then waits before the next attempt. Throws
    // std::runtime_error if a stop is requested meanwhile: the operator
    // must hear that the last writes failed.
    void wait_after(const WriteFailure& failure);
    // A commit went through: after failures, says that writes work again.
    void succeeded();
    // Failed attempts in all.
    std::uint64_t failures() const { return failures_; }

private:
    bool stop_requested() const { return stop_requested_ && stop_requested_->load(); }

    NoticeCallback on_notice_;
    const std::atomic<bool>* stop_requested_;
    std::uint64_t failures_ = 0;
    std::uint64_t failing_in_a_row_ = 0;
};

}  // namespace indexer
