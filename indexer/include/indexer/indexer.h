// The indexer: turns the listing feed into sharded Xapian indexes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

#include "analyzers/index_layout.h"

namespace indexer {

struct BuildOptions {
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;          // synonyms.txt, brand_aliases.txt
    std::size_t shard_count = 2;
    std::filesystem::path dead_letter_path;  // rejected lines go here; empty: <index_dir>/dead-letter.jsonl
};

struct Progress {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t total_bytes = 0;  // 0 when unknown (stdin)
    double seconds = 0;
};

struct BuildReport {
    std::uint64_t lines = 0;     // non-empty lines read
    std::uint64_t upserts = 0;
    std::uint64_t deletes = 0;
    std::uint64_t sold = 0;      // "sold" records applied to an indexed listing
    std::uint64_t rejected = 0;  // written to the dead-letter file
    std::uint64_t documents = 0; // listings in the new generation
    analyzers::Generation generation;
    std::filesystem::path dead_letter_path;
    double seconds = 0;
};

using ProgressCallback = std::function<void(const Progress&)>;

// Builds a new generation of all shards from a full dump of the feed, in
// parallel (one writer thread per shard), then makes it the serving one.
// Bad lines are reported in the dead-letter file and skipped. Throws
// std::runtime_error when the index cannot be written.
BuildReport build_generation(const BuildOptions& options, std::istream& feed, std::uint64_t feed_bytes,
                             const ProgressCallback& on_progress = {});

// A short human-readable summary of a build, for the command line.
std::string describe(const BuildReport& report);

}  // namespace indexer
