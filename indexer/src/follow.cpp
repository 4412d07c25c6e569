#include <chrono>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/index_layout.h"
#include "analyzers/synonyms.h"
#include "dead_letter.h"
#include "feed_source.h"
#include "generations.h"
#include "index_lock.h"
#include "indexer/indexer.h"
#include "pipeline.h"

namespace indexer {
namespace {

using Clock = std::chrono::steady_clock;

// The first run on an empty index directory starts from empty shards.
analyzers::Generation ensure_serving_generation(const FeedOptions& options) {
    if (auto serving = analyzers::serving_generation(options.index_dir)) return *serving;
    if (options.shard_count == 0) throw std::runtime_error("shard count must be at least 1");
    const IndexLock generations = IndexLock::for_generations(options.index_dir);
    if (auto serving = analyzers::serving_generation(options.index_dir)) return *serving;  // a build was quicker
    const analyzers::Generation generation = allocate_generation(options.index_dir, options.shard_count);
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        Xapian::WritableDatabase(analyzers::shard_path(options.index_dir, generation.number, shard).string(),
                                 Xapian::DB_CREATE_OR_OPEN)
            .commit();
    }
    publish_and_clean_up(options.index_dir, generation);
    return generation;
}

std::vector<std::unique_ptr<ShardStore>> open_shards(const std::filesystem::path& index_dir,
                                                     const analyzers::Generation& generation) {
    std::vector<std::unique_ptr<ShardStore>> stores;
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        stores.push_back(
            std::make_unique<CheckpointedStore>(analyzers::shard_path(index_dir, generation.number, shard)));
    }
    return stores;
}

void add_totals(PipelineTotals& sum, const PipelineTotals& part) {
    sum.lines += part.lines;
    sum.rejected += part.rejected;
    sum.skipped += part.skipped;
    sum.counts.upserts += part.counts.upserts;
    sum.counts.deletes += part.counts.deletes;
    sum.counts.sold += part.counts.sold;
    if (part.last_committed) sum.last_committed = part.last_committed;
}

FeedReport follow_unchecked(const FollowOptions& options) {
    const auto started = Clock::now();
    const FeedOptions& feed = options.feed;
    std::filesystem::create_directories(feed.index_dir);
    const IndexLock follow_lock = IndexLock::for_job(feed.index_dir, "follow");
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(feed.data_dir);
    FeedSource source(feed.feed, feed_limits.max_line_bytes, feed.on_notice);

    FeedReport report;
    report.dead_letter_path = dead_letter_path(feed);
    DeadLetterFile dead_letters(report.dead_letter_path);
    PipelineTotals totals;

    while (true) {
        const analyzers::Generation generation = ensure_serving_generation(feed);
        report.generation = generation;
        bool generation_changed = false;
        PipelineOptions pipeline_options;
        pipeline_options.follow = options.follow;
        pipeline_options.commit_every_lines = feed.commit_every_lines;
        pipeline_options.commit_interval = options.commit_interval;
        pipeline_options.idle_poll = options.idle_poll;
        // A generation built from another feed holds no position for this
        // one: carry on from where this follower was.
        pipeline_options.fallback_start = totals.last_committed;
        pipeline_options.should_stop = [&] { return options.stop_requested && options.stop_requested->load(); };
        // Checked before every commit (reading CURRENT takes microseconds),
        // so that no line read after a reindex published is committed to
        // the generation it replaced, where the new one would never see it.
        pipeline_options.superseded = [&] {
            const auto serving = analyzers::serving_generation(feed.index_dir);
            generation_changed = serving && (serving->number != generation.number || serving->id != generation.id);
            return generation_changed;
        };
        Pipeline pipeline(open_shards(feed.index_dir, generation), lexicon, dead_letters);
        add_totals(totals, pipeline.run(source, pipeline_options, feed.on_progress));
        if (!generation_changed) break;
    }
    fill_report(report, totals, feed.index_dir);
    report.late_segments = source.late_segments();
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace

FeedReport follow_feed(const FollowOptions& options) {
    try {
        return follow_unchecked(options);
    } catch (const Xapian::DatabaseLockError& error) {
        throw std::runtime_error("another indexer is writing this index (" + error.get_description() + ")");
    } catch (const Xapian::Error& error) {
        throw std::runtime_error("index write failed: " + error.get_description());
    }
}

}  // namespace indexer
