// How the query side tells one published index from another. Generation
// numbers restart at 1 when an index directory is rebuilt from scratch, so
// the searchers, the derived data (vocabulary, spelling, snapshots) and the
// result cache go by an identity that never repeats.
#pragma once

#include <cstdint>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/index_layout.h"

namespace query {

// The generation CURRENT names, and its identity: the random id the
// indexer writes with each publication (analyzers::Generation::id) or, in
// a CURRENT written before ids existed, the identity of the file itself
// (device, inode and change time: every publication renames a new file
// over CURRENT).
struct ServingGeneration {
    analyzers::Generation generation;
    std::string id;
    std::string stub;  // serving_stub_identity() of the CURRENT read
};

// Reads CURRENT. Throws IndexError when there is no index to serve.
ServingGeneration read_serving_generation(const std::filesystem::path& index_dir);

// The identity of the CURRENT file (device, inode, change time), from one
// stat(): while it stays the same, so does what the file says. Reading and
// parsing the file for every request took 15-20 µs of a search's time
// outside took_ms. Throws IndexError when there is no index to serve.
std::string serving_stub_identity(const std::filesystem::path& index_dir);

// Where a searcher's view stands: which generation, and how far its
// commits go. The result cache's clock.
struct IndexVersion {
    std::string generation;     // ServingGeneration::id
    std::uint64_t commits = 0;  // grows with each commit to the generation
    // The commits the in-memory snapshots were built from: they lag the
    // live shards (rebuilt in the background), and a listing deleted or
    // changed since shows in their counts and columns only once rebuilt.
    std::uint64_t snapshot_commits = 0;

    // Whether what was computed at this version is current for a view at
    // `view`: the same generation, and neither the live shards nor the
    // snapshots newer there.
    bool covers(const IndexVersion& view) const {
        return generation == view.generation && commits >= view.commits && snapshot_commits >= view.snapshot_commits;
    }
};

// Tells whether a view's local shards may have had a commit since its
// handles were last reopened, from one stat() of each shard's version file
// (glass writes a new one and renames it into place at each commit)
// instead of reopening them: a reopen reads and parses the file of the
// stub's shards and of each shard again, 25 µs of every request at 2
// shards (2% of the server's time under load).
//
// A file's change time moves with the kernel's clock tick (a few ms), and
// the file renamed away frees its inode for the next commit's: three
// commits within one tick could bring back the identity seen after the
// first. So stamps are trusted only when every file was older than
// settle_time when they were taken: any later commit has a later change
// time. Otherwise the handles reopen at every request, as without this.
class ShardCommitWatch {
public:
    ShardCommitWatch() = default;
    explicit ShardCommitWatch(const std::vector<std::filesystem::path>& shard_dirs);

    // Takes the stamps, just before the handles are (re)opened: a commit
    // after them shows as a change next time.
    void before_reopen();
    // Whether the handles must reopen to be sure to see every commit.
    bool may_have_changed() const;

    static constexpr std::chrono::milliseconds settle_time{50};

private:
    struct Stamp {
        std::uint64_t device = 0, inode = 0, size = 0;
        std::timespec changed{};
        bool operator==(const Stamp& other) const;
    };
    std::optional<std::vector<Stamp>> stamps() const;

    std::vector<std::filesystem::path> version_files_;
    std::optional<std::vector<Stamp>> at_reopen_;  // nullopt: not to be trusted
};

}  // namespace query
