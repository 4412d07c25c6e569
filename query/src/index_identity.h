// How the query side tells one published index from another. Generation
// numbers restart at 1 when an index directory is rebuilt from scratch, so
// the searchers, the derived data (vocabulary, spelling, snapshots) and the
// result cache go by an identity that never repeats.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

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

}  // namespace query
