#include "write_retry.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "notice.h"

namespace indexer {
namespace {

constexpr std::chrono::milliseconds first_delay{1000};
constexpr std::chrono::milliseconds longest_delay{30'000};
constexpr std::chrono::milliseconds stop_check_period{50};

std::chrono::milliseconds delay_after(std::uint64_t failures_in_a_row) {
    std::chrono::milliseconds delay = first_delay;
    for (std::uint64_t n = 1; n < failures_in_a_row && delay < longest_delay; ++n) delay *= 2;
    return std::min(delay, longest_delay);
}

}  // namespace

void WriteRetry::wait_after(const WriteFailure& failure) {
    ++failures_;
    ++failing_in_a_row_;
    const auto delay = delay_after(failing_in_a_row_);
    notify(on_notice_, fmt::format("{} (failure {}); nothing is lost: retrying from the last commit in {} s",
                                   failure.what(), failing_in_a_row_, delay.count() / 1000));
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (stop_requested()) {
            throw std::runtime_error(fmt::format("stopped while writes were failing ({}); nothing is lost: the "
                                                 "next run resumes after the last commit",
                                                 failure.what()));
        }
        std::this_thread::sleep_for(stop_check_period);
    }
}

void WriteRetry::succeeded() {
    if (failing_in_a_row_ == 0) return;
    notify(on_notice_, fmt::format("writes succeed again after {} failed attempts; following on from the last commit",
                                   failing_in_a_row_));
    failing_in_a_row_ = 0;
}

}  // namespace indexer
