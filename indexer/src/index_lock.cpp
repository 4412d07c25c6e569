#include "index_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace indexer {
namespace {

int open_lock_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    return fd;
}

// What the holder wrote ("PID JOB"; older indexers wrote the pid alone),
// for the message; a guess at worst.
struct Holder {
    std::string pid;
    std::string job;
};

Holder holder_of(int fd) {
    char text[64] = {};
    const ssize_t length = ::pread(fd, text, sizeof text - 1, 0);
    const std::string written = length > 0 ? std::string(text, static_cast<std::size_t>(length)) : "";
    const auto space = written.find(' ');
    if (space == std::string::npos) return {written, ""};
    return {written.substr(0, space), written.substr(space + 1)};
}

// Only for the message a refused second writer gets: failing to write it
// (a full disk) is harmless.
void record_holder(int fd, std::string_view job) {
    const std::string holder = fmt::format("{} {}", ::getpid(), job);
    if (::ftruncate(fd, 0) != 0) return;
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, holder.data(), holder.size(), 0);
}

// Which jobs take a lock, for the message.
std::string_view jobs_sharing(std::string_view lock) {
    return lock == "build" ? "build or compact" : lock;
}

}  // namespace

IndexLock::~IndexLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

IndexLock IndexLock::for_job(const std::filesystem::path& index_dir, std::string_view lock, std::string_view job) {
    const auto path = index_dir / fmt::format("{}.lock", lock);
    const int fd = open_lock_file(path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const Holder holder = error == EWOULDBLOCK ? holder_of(fd) : Holder{};
        ::close(fd);
        if (error != EWOULDBLOCK) {
            throw std::runtime_error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
        }
        throw std::runtime_error(fmt::format("another listing-indexer {} is already running on {}{}: one {} at a "
                                             "time per index directory (lock: {})",
                                             holder.job.empty() ? lock : holder.job, index_dir.string(),
                                             holder.pid.empty() ? "" : fmt::format(" (pid {})", holder.pid),
                                             jobs_sharing(lock), path.string()));
    }
    record_holder(fd, job);
    return IndexLock(fd);
}

IndexLock IndexLock::for_generations(const std::filesystem::path& index_dir) {
    const auto path = index_dir / "generations.lock";
    const int fd = open_lock_file(path);
    int result;
    do {
        result = ::flock(fd, LOCK_EX);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        const int error = errno;
        ::close(fd);
        throw std::runtime_error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
    }
    return IndexLock(fd);
}

}  // namespace indexer
