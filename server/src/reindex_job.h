// The reindex trigger behind POST /v1/admin/reindex: runs the operator's
// configured command (typically `listing-indexer build --feed DUMP --index
// DIR`), one at a time, and reports how it went. The command comes from the
// server's command line, never from a request, and runs without a shell.
//
// The command never outlives the server: stopping the job (the server
// does when it stops) sends it SIGTERM, then SIGKILL after a grace
// period; and should the server die without stopping it (kill -9, a
// crash), the kernel sends it SIGTERM (PR_SET_PDEATHSIG). Otherwise a
// restarted server could start a second build over one still running.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace server {

// Thread-safe (one mutex): request threads start it and read its status
// while a waiter thread records how it ended.
class ReindexJob {
public:
    enum class State { idle, running, succeeded, failed };

    struct Status {
        State state = State::idle;
        int pid = 0;  // while running
        int exit_code = -1;
        std::int64_t started_at = 0, finished_at = 0;  // epoch seconds
    };

    // `command`: the program and its arguments, split on whitespace.
    ReindexJob(const std::string& command, std::chrono::milliseconds stop_grace);
    // Stops a running command (see stop()).
    ~ReindexJob();

    bool configured() const { return !arguments_.empty(); }
    // Starts the command unless it is already running; false if it is.
    // Throws std::runtime_error if it cannot be started.
    bool start();
    Status status() const;
    // SIGTERM to a running command, SIGKILL if it is still running after
    // the grace period; returns once it has ended.
    void stop();

private:
    void run(const std::string& program, std::promise<int> started);
    void record_end(int pid);

    std::vector<std::string> arguments_;
    std::chrono::milliseconds stop_grace_;
    mutable std::mutex mutex_;
    std::condition_variable ended_;
    Status status_;
    std::thread waiter_;
};

const char* to_string(ReindexJob::State state);

}  // namespace server
