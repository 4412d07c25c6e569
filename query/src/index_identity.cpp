#include "index_identity.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "query/errors.h"

namespace query {
namespace {

// An inode number may be reused once its file is gone (a directory
// removed and built again), so the change time comes with it.
std::string identity_of(const struct stat& file) {
    return fmt::format("file {}:{}:{}.{:09}", file.st_dev, file.st_ino, file.st_ctim.tv_sec, file.st_ctim.tv_nsec);
}

[[noreturn]] void no_index(const std::filesystem::path& index_dir) {
    throw IndexError(IndexError::Kind::unavailable,
                     fmt::format("no index in {}: build one with listing-indexer build", index_dir.string()));
}

}  // namespace

ServingGeneration read_serving_generation(const std::filesystem::path& index_dir) {
    // The file's identity is taken before it is read: should a publication
    // come in between, the next look sees a new identity and reads again.
    // It is also the id of a CURRENT written before ids existed.
    const std::string stub = serving_stub_identity(index_dir);
    const auto generation = analyzers::serving_generation(index_dir);
    if (!generation) no_index(index_dir);
    return {.generation = *generation, .id = generation->id.empty() ? stub : "id " + generation->id, .stub = stub};
}

std::string serving_stub_identity(const std::filesystem::path& index_dir) {
    struct stat stub {};
    if (::stat(analyzers::serving_stub_path(index_dir).c_str(), &stub) != 0) no_index(index_dir);
    return identity_of(stub);
}

bool ShardCommitWatch::Stamp::operator==(const Stamp& other) const {
    return device == other.device && inode == other.inode && size == other.size &&
           changed.tv_sec == other.changed.tv_sec && changed.tv_nsec == other.changed.tv_nsec;
}

ShardCommitWatch::ShardCommitWatch(const std::vector<std::filesystem::path>& shard_dirs) {
    for (const auto& dir : shard_dirs) version_files_.push_back(dir / "iamglass");
}

std::optional<std::vector<ShardCommitWatch::Stamp>> ShardCommitWatch::stamps() const {
    if (version_files_.empty()) return std::nullopt;
    std::vector<Stamp> taken;
    for (const auto& file : version_files_) {
        struct stat status {};
        if (::stat(file.c_str(), &status) != 0) return std::nullopt;  // not glass, or going away: reopen
        taken.push_back({.device = status.st_dev,
                         .inode = status.st_ino,
                         .size = static_cast<std::uint64_t>(status.st_size),
                         .changed = status.st_ctim});
    }
    return taken;
}

void ShardCommitWatch::before_reopen() {
    at_reopen_ = stamps();
    if (!at_reopen_) return;
    // The change times are the wall clock's, as the kernel keeps it.
    const auto settled_before = std::chrono::system_clock::now() - settle_time;
    for (const Stamp& stamp : *at_reopen_) {
        const auto changed = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(stamp.changed.tv_sec) + std::chrono::nanoseconds(stamp.changed.tv_nsec)));
        if (changed >= settled_before) {
            at_reopen_.reset();
            return;
        }
    }
}

bool ShardCommitWatch::may_have_changed() const {
    if (!at_reopen_) return true;
    const auto now = stamps();
    return !now || *now != *at_reopen_;
}

}  // namespace query
