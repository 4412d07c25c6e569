// Locks on files in the index directory (flock: the kernel releases them
// when the process ends, even by kill -9), so that writers that must not
// overlap exclude each other:
//
//   INDEX/build.lock        held by `build` or `compact` for its whole run: one at a time
//   INDEX/follow.lock       held by `follow` for its whole run: one follower at a time
//   INDEX/generations.lock  held for a moment by both, while a generation
//                           number is allocated, a generation published, or
//                           old and orphaned generations deleted
//
// A build and a follower do run together: the follower switches to the
// generation the build publishes. The lock files stay: deleting one would
// let a second writer lock a new file while the first holds the old one.
#pragma once

#include <filesystem>
#include <string_view>

namespace indexer {

class IndexLock {
public:
    IndexLock(IndexLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    IndexLock(const IndexLock&) = delete;
    IndexLock& operator=(const IndexLock&) = delete;
    ~IndexLock();

    // The lock `lock` ("build", which compact takes too, or "follow") for
    // `job`. Throws std::runtime_error at once, naming the holder's job and
    // pid, if another process (or thread) holds it on this index directory.
    static IndexLock for_job(const std::filesystem::path& index_dir, std::string_view lock, std::string_view job);
    // The lock for allocating, publishing and deleting generations; waits
    // for it (it is only ever held for a moment).
    static IndexLock for_generations(const std::filesystem::path& index_dir);

private:
    explicit IndexLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace indexer
