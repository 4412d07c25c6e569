#include <chrono>
#include <vector>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "analyzers/stored_text_dictionary.h"
#include "analyzers/synonyms.h"
#include "dead_letter.h"
#include "feed_source.h"
#include "generations.h"
#include "index_lock.h"
#include "indexer/indexer.h"
#include "notice.h"
#include "pipeline.h"

namespace indexer {
namespace {

std::filesystem::path staging_shard_path(const std::filesystem::path& index_dir, std::uint64_t generation,
                                         std::size_t shard) {
    return analyzers::generation_path(index_dir, generation) / fmt::format("staging-{:02}", shard);
}

// Where a frozen build puts the listings the feed names again (FrozenBuildStore).
std::filesystem::path staging_delta_path(const std::filesystem::path& index_dir, std::uint64_t generation,
                                         std::size_t shard) {
    return analyzers::generation_path(index_dir, generation) / fmt::format("staging-delta-{:02}", shard);
}

// Merging the parts by compaction also leaves each shard's B-trees full
// and in order: a smaller index that is faster to search. Shards are
// merged in parallel.
void merge_shards(const FeedOptions& options, const analyzers::Generation& generation, const PipelineTotals& totals,
                  const std::string& feed_identity) {
    const std::filesystem::path& index_dir = options.index_dir;
    for_each_shard_in_parallel(generation.shard_count, "merging shard parts", [&](std::size_t shard) {
        const auto base = analyzers::shard_path(index_dir, generation.number, shard);
        PartedBuildStore::merge_parts(staging_shard_path(index_dir, generation.number, shard), base,
                                      totals.last_committed, feed_identity, options.no_termlists);
        if (options.no_termlists) {
            FrozenShardStore::create_delta(base, analyzers::delta_path(index_dir, generation.number, shard),
                                           staging_delta_path(index_dir, generation.number, shard));
        }
    });
}

// Under the generations lock: leftovers of builds that died go first (they
// can fill the disk), then a number for this build.
analyzers::Generation start_generation(const FeedOptions& options) {
    const IndexLock generations = IndexLock::for_generations(options.index_dir);
    remove_orphaned_generations(options.index_dir, options.on_notice);
    return allocate_generation(options.index_dir, options.shard_count);
}

// Enough for zstd's trainer to find what listings share, few enough to be
// a small part of a build: on calibrated listings 5,000 train in 0.1 s and
// compress 0.8% less well than 20,000, which take 0.35 s.
constexpr std::size_t dictionary_sample_listings = 5'000;

// A dictionary for the generation's stored text, trained on the feed's
// first listings; none for a feed that cannot be read twice (a pipe, stdin)
// or has too few listings, whose text is then stored as it is.
std::shared_ptr<const analyzers::StoredTextDictionary> train_stored_text_dictionary(const FeedOptions& options) {
    if (FeedSource::is_stream(options.feed)) {
        notify(options.on_notice, "the feed is a stream, which cannot be sampled before it is read: listings' stored "
                                  "text is not compressed (a larger index); build from a file to compress it");
        return nullptr;
    }
    FeedSource sample(options.feed, feed_limits.max_line_bytes, [](const std::string&) {});  // said by the real read
    analyzers::FeedLineParser parser(feed_limits);
    std::vector<std::string> texts;
    while (texts.size() < dictionary_sample_listings) {
        const auto line = sample.next(/*at_rest_is_end=*/true);
        if (!line) break;
        const analyzers::FeedLineResult parsed = parser.parse(line->text);
        if (parsed.ok() && parsed.record->op == analyzers::FeedOp::upsert) {
            texts.push_back(analyzers::compressed_stored_text(parsed.record->listing));
        }
    }
    return analyzers::StoredTextDictionary::train(texts);
}

PipelineTotals index_feed(const FeedOptions& options, const analyzers::Generation& generation,
                          FeedSource& source, DeadLetterFile& dead_letters) {
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(options.data_dir);
    const auto dictionary = train_stored_text_dictionary(options);
    std::vector<std::unique_ptr<ShardStore>> staging;
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        const auto parts = staging_shard_path(options.index_dir, generation.number, shard);
        if (options.no_termlists) {
            staging.push_back(std::make_unique<FrozenBuildStore>(
                parts, staging_delta_path(options.index_dir, generation.number, shard), options.listings_per_part,
                dictionary, lexicon));
        } else {
            staging.push_back(std::make_unique<PartedBuildStore>(parts, options.listings_per_part, dictionary));
        }
    }
    PipelineOptions pipeline_options;
    pipeline_options.commit_every_lines = options.commit_every_lines;
    pipeline_options.commit_interval = std::chrono::hours(24);  // a batch job commits by size only
    return Pipeline(std::move(staging), lexicon, dead_letters, disk_reserve(options))
        .run(source, pipeline_options, options.on_progress);
}

void publish(const FeedOptions& options, const analyzers::Generation& generation) {
    const IndexLock generations = IndexLock::for_generations(options.index_dir);
    publish_and_clean_up(options.index_dir, generation);
}

FeedReport build_unchecked(const FeedOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    if (options.shard_count == 0) throw std::runtime_error("shard count must be at least 1");
    std::filesystem::create_directories(options.index_dir);
    const IndexLock build_lock = IndexLock::for_job(options.index_dir, "build", "build");

    if (options.no_termlists) {
        notify(options.on_notice, "building a frozen generation (no termlists): listings the feed names again, and "
                                  "later the follower's, go to a delta beside each shard");
    }
    FeedReport report;
    report.generation = start_generation(options);
    report.dead_letter_path = dead_letter_path(options);
    PipelineTotals totals;
    try {
        FeedSource source(options.feed, feed_limits.max_line_bytes, options.on_notice);
        DeadLetterFile dead_letters(report.dead_letter_path);
        totals = index_feed(options, report.generation, source, dead_letters);
        // Compaction writes every shard again: about as much as the parts take.
        disk_reserve(options).check(bytes_under(analyzers::generation_path(options.index_dir, report.generation.number)));
        merge_shards(options, report.generation, totals, source.identity());
        report.generation.frozen = options.no_termlists;
        report.late_segments = source.late_segments();
        publish(options, report.generation);
    } catch (...) {
        discard_unpublished(options.index_dir, report.generation, options.on_notice);
        throw;
    }
    fill_report(report, totals, options.index_dir);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace

FeedReport build_generation(const FeedOptions& options) {
    try {
        return build_unchecked(options);
    } catch (const Xapian::Error& error) {
        // Xapian's errors are not std::exceptions: translate at our boundary.
        throw std::runtime_error("index write failed: " + error.get_description());
    }
}

std::string describe(const FeedReport& report) {
    const double rate = report.seconds > 0 ? static_cast<double>(report.lines) / report.seconds : 0;
    std::string text = fmt::format(
        "generation {} ({} shards): {} listings served; {} lines read in {:.1f} s ({:.0f} lines/s)\n"
        "  upserts {}, deletes {}, marked sold {}, rejected {}, already indexed {}",
        report.generation.number, report.generation.shard_count, report.documents, report.lines, report.seconds,
        rate, report.upserts, report.deletes, report.sold, report.rejected, report.skipped);
    if (report.rejected > 0) text += fmt::format(" (see {})", report.dead_letter_path.string());
    if (report.failed_writes > 0) text += fmt::format(", failed writes {} (retried)", report.failed_writes);
    if (report.late_segments > 0) {
        text += fmt::format("\n  NOT READ: {} segments that appeared below the segment being read",
                            report.late_segments);
    }
    return text;
}

}  // namespace indexer
