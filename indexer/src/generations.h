// Bookkeeping shared by the build and follow jobs.
#pragma once

#include <cstdint>
#include <filesystem>

#include "indexer/indexer.h"
#include "pipeline.h"

namespace indexer {

// One past the serving generation, skipping leftovers of builds that died
// before publishing.
std::uint64_t next_generation_number(const std::filesystem::path& index_dir);

// Deletes generation directories numbered below `keep_from`. Searchers that
// still have the old files open keep reading them until they reopen.
void remove_generations_before(const std::filesystem::path& index_dir, std::uint64_t keep_from);

std::filesystem::path dead_letter_path(const FeedOptions& options);

void fill_report(FeedReport& report, const PipelineTotals& totals, const std::filesystem::path& index_dir);

}  // namespace indexer
