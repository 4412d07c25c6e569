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

// The pid written by the holder, for the message; a guess at worst.
std::string holder_of(int fd) {
    char text[32] = {};
    const ssize_t length = ::pread(fd, text, sizeof text - 1, 0);
    const std::string pid = length > 0 ? std::string(text, static_cast<std::size_t>(length)) : "";
    return pid.empty() ? "" : fmt::format(" (pid {})", pid);
}

// Only for the message a refused second writer gets: failing to write it
// (a full disk) is harmless.
void record_holder(int fd) {
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd, 0) != 0) return;
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
}

}  // namespace

IndexLock::~IndexLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

IndexLock IndexLock::for_job(const std::filesystem::path& index_dir, std::string_view job) {
    const auto path = index_dir / fmt::format("{}.lock", job);
    const int fd = open_lock_file(path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const std::string holder = error == EWOULDBLOCK ? holder_of(fd) : "";
        ::close(fd);
        if (error != EWOULDBLOCK) {
            throw std::runtime_error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
        }
        throw std::runtime_error(fmt::format("another listing-indexer {} is already running on {}{}: one {} at a "
                                             "time per index directory (lock: {})",
                                             job, index_dir.string(), holder, job, path.string()));
    }
    record_holder(fd);
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
