#include "shard_tasks.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace query {
namespace {

// Counted once: glibc reads /sys for it on every call (0.8% of a search's
// time when each request asked several times).
unsigned processors() {
    static const unsigned count = std::max(1u, std::thread::hardware_concurrency());
    return count;
}

std::atomic<unsigned> running_requests{0};

// A request hands its shards to a helper several times in a row (matching,
// weighing, reading the page, counting facets). Waking a sleeping thread
// takes tens of microseconds on a VM, as long as a median request's part
// of a shard: so a helper that has just finished polls for the next part
// this long before it sleeps, and a request waiting for its helper polls
// as long before it sleeps. Only a quiet server hands parts over (see
// run_shard_tasks), so the polling takes no core a request needs. Once no
// request is running, the helper sleeps at once: polling on, it held one
// of two cores while the request's thread wrote and sent its answer and
// the client woke to read it (one client's median over the long-tail log,
// five rounds alternated: 1.72 against 1.81 ms).
constexpr auto helper_polls_for = std::chrono::microseconds(300);
constexpr auto request_polls_for = std::chrono::microseconds(200);

// Polls `ready` until it holds or `duration` has passed; whether it held.
template <typename Ready>
bool poll_for(std::chrono::microseconds duration, Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    for (unsigned spins = 0;; ++spins) {
        if (ready()) return true;
        if (spins % 64 == 63 && std::chrono::steady_clock::now() >= deadline) return false;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

// One request's tasks. Whoever runs one (the request's thread or a
// helper) takes the next index; the request's thread waits until all are
// done. A helper that takes the job after every index was taken runs none,
// so the job may outlive the request's `task` (shared ownership), never use it.
struct Job {
    const std::function<void(std::size_t)>* task;
    std::size_t count;
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::condition_variable all_done;
    std::atomic<std::size_t> done{0};  // changed under `mutex`, polled without it
    std::exception_ptr error;

    // Runs tasks until none is left to take.
    void work() {
        for (std::size_t index = next++; index < count; index = next++) {
            std::exception_ptr failed;
            try {
                (*task)(index);
            } catch (...) {
                failed = std::current_exception();
            }
            std::lock_guard lock(mutex);
            if (failed && !error) error = failed;
            if (++done == count) all_done.notify_one();
        }
    }
};

// Helper threads, one fewer than the processors (at least one), for the
// life of the process.
class Helpers {
public:
    // Never destroyed: the helpers wait on it until the process ends (a
    // static's destructor would wait at exit for them to stop waiting).
    static Helpers& instance() {
        static Helpers& helpers = *new Helpers(processors() - 1);
        return helpers;
    }

    // Hands `job` to an idle helper; false if none is idle.
    bool offer(const std::shared_ptr<Job>& job) {
        std::lock_guard lock(mutex_);
        if (idle_ == 0 || !waiting_.empty()) return false;
        waiting_.push_back(job);
        jobs_waiting_.store(true, std::memory_order_release);
        wake_.notify_one();
        return true;
    }

private:
    explicit Helpers(unsigned count) {
        for (unsigned n = 0; n < count; ++n) std::thread([this] { serve(); }).detach();  // live as long as the process
    }

    void serve() {
        for (;;) next_job()->work();
    }

    // Idle (polling, then asleep) until a job is handed over.
    std::shared_ptr<Job> next_job() {
        std::unique_lock lock(mutex_);
        ++idle_;
        if (waiting_.empty()) {
            lock.unlock();
            poll_for(helper_polls_for, [&] {
                return jobs_waiting_.load(std::memory_order_acquire) ||
                       running_requests.load(std::memory_order_relaxed) == 0;
            });
            lock.lock();
        }
        wake_.wait(lock, [&] { return !waiting_.empty(); });
        --idle_;
        std::shared_ptr<Job> job = std::move(waiting_.front());
        waiting_.pop_front();
        jobs_waiting_.store(!waiting_.empty(), std::memory_order_release);
        return job;
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> waiting_;
    std::atomic<bool> jobs_waiting_{false};  // !waiting_.empty(), polled without the lock
    unsigned idle_ = 0;
};

}  // namespace

RunningRequest::RunningRequest() { ++running_requests; }
RunningRequest::~RunningRequest() { --running_requests; }

void run_shard_tasks(std::size_t count, const std::function<void(std::size_t)>& task, bool side_by_side) {
    if (count <= 1 || !side_by_side || running_requests.load(std::memory_order_relaxed) >= processors()) {
        for (std::size_t index = 0; index < count; ++index) task(index);
        return;
    }
    auto job = std::make_shared<Job>();
    job->task = &task;
    job->count = count;
    Helpers::instance().offer(job);
    job->work();
    std::exception_ptr error;
    poll_for(request_polls_for, [&] { return job->done.load(std::memory_order_acquire) == job->count; });
    {
        std::unique_lock lock(job->mutex);
        job->all_done.wait(lock, [&] { return job->done == job->count; });
        error = std::move(job->error);  // a helper may drop the job later: it must not hold the exception
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace query
