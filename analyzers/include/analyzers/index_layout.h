// The index directory on disk, shared by the indexer (writes) and the query
// side (reads):
//
//   <index>/CURRENT              Xapian stub file naming the serving shards
//   <index>/serving              tiny database naming the same, for replicas
//   <index>/gen-000001/shard-00  one Xapian database per shard
//   <index>/gen-000001/shard-01
//
// A frozen generation (listing-indexer build --no-termlists) has two
// databases per shard: shard-NN, its base, built without termlists and
// never changed, and delta-NN, which the follower writes (frozen_generation.h):
//
//   <index>/gen-000002/shard-00  base
//   <index>/gen-000002/shard-01
//   <index>/gen-000002/delta-00  what the follower added or replaced since
//   <index>/gen-000002/delta-01
//
// A listing always lives in shard shard_of(id): updates and deletes find it.
// Swapping generations is one atomic rename of CURRENT.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace analyzers {

struct Generation {
    std::uint64_t number = 0;
    std::size_t shard_count = 0;
    // 128 random bits in hex, new with every published generation. Numbers
    // restart at 1 when an index directory is rebuilt from scratch; this
    // never repeats. Empty in stubs written before identifiers existed.
    std::string id;
    // Each shard a frozen base and a delta.
    bool frozen = false;
};

// A fresh generation identifier: 32 lowercase hex digits from the kernel's
// random source.
std::string new_generation_id();

std::filesystem::path serving_stub_path(const std::filesystem::path& index_dir);
std::filesystem::path generation_path(const std::filesystem::path& index_dir, std::uint64_t generation);
std::filesystem::path shard_path(const std::filesystem::path& index_dir, std::uint64_t generation,
                                 std::size_t shard);

// A frozen generation's delta of `shard`.
std::filesystem::path delta_path(const std::filesystem::path& index_dir, std::uint64_t generation, std::size_t shard);
// The databases a generation serves, in the order CURRENT lists them: the
// shards, then (frozen) their deltas, shard k's delta at shard_count + k.
std::vector<std::filesystem::path> serving_databases(const std::filesystem::path& index_dir,
                                                     const Generation& generation);

// Stable across runs, machines and compilers (FNV-1a), unlike std::hash.
std::size_t shard_of(std::string_view listing_id, std::size_t shard_count);

// Points CURRENT at `generation` atomically (write a temporary file, fsync,
// rename). Readers that open CURRENT see the old or the new generation.
// Then records it in the serving pointer database, for replicas. The stub
// names the generation in '#' comment lines, which Xapian skips:
//   # generation 2 of 2 shards, written by the indexer
//   # id 6f1c0d9e2b7a4c83a5e0f4d2c1b9a877
//   # frozen: each shard a base and a delta     (frozen generations only)
// A generation without an id is given a new one.
void publish_generation(const std::filesystem::path& index_dir, const Generation& generation);

// <index>/serving: a Xapian database whose metadata "generation", "shards",
// "id" and "frozen" ("1" or absent) name the serving generation. xapian-replicate copies databases,
// not files, so replicas (scripts/replica.sh) read this to know what to copy.
inline constexpr const char* serving_pointer_name = "serving";
void write_serving_pointer(const std::filesystem::path& index_dir, const Generation& generation);
// The generation CURRENT points at, or nothing if there is none yet.
// Throws std::runtime_error if CURRENT exists but is not ours.
std::optional<Generation> serving_generation(const std::filesystem::path& index_dir);

}  // namespace analyzers
