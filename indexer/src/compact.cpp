#include <chrono>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/index_layout.h"
#include "generations.h"
#include "index_lock.h"
#include "indexer/indexer.h"

namespace indexer {
namespace {

using Clock = std::chrono::steady_clock;

// A shard is read at one revision while the follower may go on writing:
// once two commits overtake that revision, glass may reuse its blocks and
// Xapian throws DatabaseModifiedError. The copy then starts again from the
// latest revision; a follower committing faster than a shard can be copied
// makes the job fail with that reason.
constexpr int attempts_per_shard = 5;

void compact_shard(const std::filesystem::path& from, const std::filesystem::path& to) {
    for (int attempt = 1;; ++attempt) {
        try {
            Xapian::Database(from.string()).compact(to.string(), Xapian::DBCOMPACT_MULTIPASS);
            return;
        } catch (const Xapian::DatabaseModifiedError& error) {
            std::filesystem::remove_all(to);
            if (attempt == attempts_per_shard) {
                throw std::runtime_error(fmt::format("{} changed under every one of {} copies (the follower commits "
                                                     "faster than it can be copied): {}",
                                                     from.string(), attempts_per_shard, error.get_description()));
            }
        }
    }
}

void compact_shards(const std::filesystem::path& index_dir, const analyzers::Generation& from,
                    const analyzers::Generation& to) {
    for_each_shard_in_parallel(from.shard_count, "compacting the shards", [&](std::size_t shard) {
        compact_shard(analyzers::shard_path(index_dir, from.number, shard),
                      analyzers::shard_path(index_dir, to.number, shard));
    });
}

std::uint64_t listings_in(const std::filesystem::path& index_dir, const analyzers::Generation& generation) {
    std::uint64_t listings = 0;
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        listings += Xapian::Database(analyzers::shard_path(index_dir, generation.number, shard).string()).get_doccount();
    }
    return listings;
}

// Whether the serving generation has grown `if_grown` times its published
// size (or that size is unknown, or no threshold is set).
bool grown_enough(const CompactReport& report, double if_grown) {
    if (if_grown <= 0 || !report.bytes_published || *report.bytes_published == 0) return true;
    return static_cast<double>(report.bytes_before) >= if_grown * static_cast<double>(*report.bytes_published);
}

CompactReport compact_unchecked(const CompactOptions& options) {
    const auto started = Clock::now();
    const std::filesystem::path& index_dir = options.index_dir;
    if (!std::filesystem::is_directory(index_dir)) {
        throw std::runtime_error(fmt::format("no index directory at {}", index_dir.string()));
    }
    // One job that makes generations at a time: a build and a compaction
    // would each publish over the other.
    const IndexLock build_lock = IndexLock::for_job(index_dir, "build", "compact");
    const auto serving = analyzers::serving_generation(index_dir);
    if (!serving) throw std::runtime_error(fmt::format("{} serves no generation: nothing to compact", index_dir.string()));
    if (serving->frozen) {
        throw std::runtime_error(fmt::format(
            "generation {} is frozen (built with --no-termlists): its bases still hold the listings its deltas "
            "replaced, which only a build leaves out; rebuild it with 'listing-indexer build --no-termlists'",
            serving->number));
    }
    CompactReport report;
    report.compacted = *serving;
    report.bytes_before = bytes_under(analyzers::generation_path(index_dir, serving->number));
    report.bytes_published = published_size(index_dir, serving->number);
    if (!grown_enough(report, options.if_grown)) {
        report.skipped = true;
        report.generation = *serving;
        report.bytes_after = report.bytes_before;
        report.documents = listings_in(index_dir, *serving);
        report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        return report;
    }
    // The copy is at most as large as the shards it copies.
    DiskReserve{index_dir, options.reserved_disk_bytes}.check(report.bytes_before);
    {
        const IndexLock generations = IndexLock::for_generations(index_dir);
        remove_orphaned_generations(index_dir, options.on_notice);
        report.generation = allocate_generation(index_dir, serving->shard_count);
    }
    try {
        compact_shards(index_dir, *serving, report.generation);
        const IndexLock generations = IndexLock::for_generations(index_dir);
        publish_and_clean_up(index_dir, report.generation);
    } catch (...) {
        discard_unpublished(index_dir, report.generation, options.on_notice);
        throw;
    }
    report.bytes_after = bytes_under(analyzers::generation_path(index_dir, report.generation.number));
    report.documents = listings_in(index_dir, report.generation);
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace

CompactReport compact_generation(const CompactOptions& options) {
    try {
        return compact_unchecked(options);
    } catch (const Xapian::Error& error) {
        // Xapian's errors are not std::exceptions: translate at our boundary.
        throw std::runtime_error("compaction failed: " + error.get_description());
    }
}

std::string describe(const CompactReport& report) {
    if (report.skipped) {
        return fmt::format("generation {} ({} listings) left as it is: {:.1f} MB, {:.2f} times its {:.1f} MB when "
                           "published, below --if-grown",
                           report.compacted.number, report.documents, report.bytes_before / 1e6,
                           static_cast<double>(report.bytes_before) / static_cast<double>(*report.bytes_published),
                           *report.bytes_published / 1e6);
    }
    return fmt::format("generation {} ({} shards, {} listings) compacted into generation {}: {:.0f} MB -> {:.0f} MB "
                       "in {:.1f} s",
                       report.compacted.number, report.generation.shard_count, report.documents,
                       report.generation.number, report.bytes_before / 1e6, report.bytes_after / 1e6, report.seconds);
}

}  // namespace indexer
