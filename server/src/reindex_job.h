// The reindex trigger behind POST /v1/admin/reindex: runs the operator's
// configured command (typically `listing-indexer build --feed DUMP --index
// DIR`), one at a time, and reports how it went. The command comes from the
// server's command line, never from a request, and runs without a shell.
#pragma once

#include <chrono>
#include <cstdint>
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
        int exit_code = -1;
        std::int64_t started_at = 0, finished_at = 0;  // epoch seconds
    };

    // `command`: the program and its arguments, split on whitespace.
    explicit ReindexJob(const std::string& command);
    ~ReindexJob();

    bool configured() const { return !arguments_.empty(); }
    // Starts the command unless it is already running; false if it is.
    // Throws std::runtime_error if it cannot be started.
    bool start();
    Status status() const;

private:
    void wait_for(int pid);

    std::vector<std::string> arguments_;
    mutable std::mutex mutex_;
    Status status_;
    std::thread waiter_;
};

const char* to_string(ReindexJob::State state);

}  // namespace server
