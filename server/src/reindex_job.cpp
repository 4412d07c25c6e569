#include "reindex_job.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

extern char** environ;

namespace server {
namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The program's path, searched in PATH as a shell would (the child runs
// execve, which does not search).
std::string find_program(const std::string& name) {
    const auto runnable = [](const std::filesystem::path& path) { return ::access(path.c_str(), X_OK) == 0; };
    if (name.find('/') != std::string::npos) {
        if (runnable(name)) return name;
    } else {
        std::istringstream directories(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
        for (std::string directory; std::getline(directories, directory, ':');) {
            const auto path = std::filesystem::path(directory.empty() ? "." : directory) / name;
            if (runnable(path)) return path.string();
        }
    }
    throw std::runtime_error("cannot start the reindex command " + name + ": no such program");
}

}  // namespace

ReindexJob::ReindexJob(const std::string& command, std::chrono::milliseconds stop_grace) : stop_grace_(stop_grace) {
    std::istringstream words(command);
    for (std::string word; words >> word;) arguments_.push_back(word);
}

ReindexJob::~ReindexJob() { stop(); }

bool ReindexJob::start() {
    std::lock_guard lock(mutex_);
    if (status_.state == State::running) return false;
    if (waiter_.joinable()) waiter_.join();  // the previous run has finished
    std::promise<int> started;
    auto pid = started.get_future();
    waiter_ = std::thread([this, program = find_program(arguments_[0]), started = std::move(started)]() mutable {
        run(program, std::move(started));
    });
    status_ = {.state = State::running, .pid = pid.get(), .started_at = now_seconds()};  // get() rethrows a failed start
    return true;
}

// On the waiter thread, which forks the command and lives until it ends:
// PR_SET_PDEATHSIG fires when the thread that forked the child ends, so
// the command gets SIGTERM if the server dies, and never before.
void ReindexJob::run(const std::string& program, std::promise<int> started) {
    std::vector<std::string> arguments = arguments_;
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    const pid_t server = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {  // only async-signal-safe calls until execve
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != server) ::_exit(127);  // the server died before prctl
        ::execve(program.c_str(), argv.data(), environ);
        ::_exit(127);
    }
    if (pid < 0) {
        const std::runtime_error error("cannot start the reindex command " + program + ": " + std::strerror(errno));
        started.set_exception(std::make_exception_ptr(error));
        return;
    }
    started.set_value(pid);
    // Waits without reaping: until record_end() reaps it, under the mutex,
    // the pid cannot be reused, so stop() never signals a stranger.
    siginfo_t ended{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &ended, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    record_end(pid);
}

void ReindexJob::record_end(int pid) {
    std::lock_guard lock(mutex_);
    int wait_status = 0;
    ::waitpid(pid, &wait_status, 0);
    status_.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    status_.state = status_.exit_code == 0 ? State::succeeded : State::failed;
    status_.pid = 0;
    status_.finished_at = now_seconds();
    ended_.notify_all();
}

void ReindexJob::stop() {
    std::unique_lock lock(mutex_);
    if (status_.state == State::running) {
        const int pid = status_.pid;
        std::cerr << fmt::format("stopping the reindex command (pid {}): SIGTERM\n", pid);
        ::kill(pid, SIGTERM);
        const auto has_ended = [this] { return status_.state != State::running; };
        if (!ended_.wait_for(lock, stop_grace_, has_ended)) {
            std::cerr << fmt::format("the reindex command (pid {}) is still running after {} ms: SIGKILL\n", pid,
                                     stop_grace_.count());
            ::kill(pid, SIGKILL);
            ended_.wait(lock, has_ended);
        }
    }
    lock.unlock();
    if (waiter_.joinable()) waiter_.join();
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
