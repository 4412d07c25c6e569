// Bookkeeping shared by the build and follow jobs: generation directories
// (allocated, published and deleted under IndexLock::for_generations()),
// the dead-letter path, the report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include "analyzers/index_layout.h"
#include "disk_reserve.h"
#include "indexer/indexer.h"
#include "pipeline.h"

namespace indexer {

// Hold IndexLock::for_generations() while calling these four.
//
// A new generation: one past the serving one, its directory created (a
// number whose directory exists is never reused), with a fresh id.
analyzers::Generation allocate_generation(const std::filesystem::path& index_dir, std::size_t shard_count);
// Deletes generation directories above the serving one (or all, if none
// serves): builds that died before publishing. Nothing else can be
// building while the caller holds the build lock and the generations lock.
void remove_orphaned_generations(const std::filesystem::path& index_dir, const NoticeCallback& on_notice);
// Points CURRENT at `generation`, then deletes the generations older than
// the one it replaced (which searchers may still be reading), never the
// one just published.
void publish_and_clean_up(const std::filesystem::path& index_dir, const analyzers::Generation& generation);
// Deletes a generation that will not be published (its build failed).
void discard_generation(const std::filesystem::path& index_dir, const analyzers::Generation& generation,
                        const NoticeCallback& on_notice);

// Takes the generations lock itself: deletes `generation` at once unless it
// got published. No reader has it, and it would only take disk space (a
// full disk is a likely cause of the failure that left it).
void discard_unpublished(const std::filesystem::path& index_dir, const analyzers::Generation& generation,
                         const NoticeCallback& on_notice);

// Runs work(shard) for every shard, each on a thread of its own, and waits
// for all of them. Then throws std::runtime_error naming `what` and the
// first shard's error (Xapian's included), if any failed.
void for_each_shard_in_parallel(std::size_t shard_count, std::string_view what,
                                const std::function<void(std::size_t)>& work);

// The size of the files under `dir`.
std::uint64_t bytes_under(const std::filesystem::path& dir);

// A generation's size on disk when it was published (recorded then by
// publish_and_clean_up), for `compact --if-grown`; nullopt for one
// published before sizes were recorded.
std::optional<std::uint64_t> published_size(const std::filesystem::path& index_dir, std::uint64_t generation);

std::filesystem::path dead_letter_path(const FeedOptions& options);
DiskReserve disk_reserve(const FeedOptions& options);

void fill_report(FeedReport& report, const PipelineTotals& totals, const std::filesystem::path& index_dir);

}  // namespace indexer
