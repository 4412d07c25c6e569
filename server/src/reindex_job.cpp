#include "reindex_job.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace server {
namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ReindexJob::ReindexJob(const std::string& command) {
    std::istringstream words(command);
    for (std::string word; words >> word;) arguments_.push_back(word);
}

ReindexJob::~ReindexJob() {
    if (waiter_.joinable()) waiter_.join();
}

bool ReindexJob::start() {
    std::lock_guard lock(mutex_);
    if (status_.state == State::running) return false;
    if (waiter_.joinable()) waiter_.join();  // the previous run has finished
    std::vector<char*> argv;
    for (auto& argument : arguments_) argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (const int error = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); error != 0) {
        throw std::runtime_error("cannot start the reindex command " + arguments_[0] + ": " + std::strerror(error));
    }
    status_ = {.state = State::running, .exit_code = -1, .started_at = now_seconds(), .finished_at = 0};
    waiter_ = std::thread([this, pid] { wait_for(pid); });
    return true;
}

void ReindexJob::wait_for(int pid) {
    int wait_status = 0;
    ::waitpid(pid, &wait_status, 0);
    std::lock_guard lock(mutex_);
    status_.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    status_.state = status_.exit_code == 0 ? State::succeeded : State::failed;
    status_.finished_at = now_seconds();
}

ReindexJob::Status ReindexJob::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

const char* to_string(ReindexJob::State state) {
    switch (state) {
        case ReindexJob::State::idle: return "idle";
        case ReindexJob::State::running: return "running";
        case ReindexJob::State::succeeded: return "succeeded";
        case ReindexJob::State::failed: return "failed";
    }
    return "?";
}

}  // namespace server
