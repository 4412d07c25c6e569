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
#include "write_failure.h"
#include "write_retry.h"

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

// Opening a shard for writing writes too (a lock file, a new revision): on
// a full disk it fails like any write, and is retried like one.
// A frozen generation's shards are written through their deltas.
std::vector<std::unique_ptr<ShardStore>> open_shards(const std::filesystem::path& index_dir,
                                                     const analyzers::Generation& generation,
                                                     const analyzers::Lexicon& lexicon) {
    std::vector<std::unique_ptr<ShardStore>> stores;
    try {
        for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
            const auto path = analyzers::shard_path(index_dir, generation.number, shard);
            if (generation.frozen) {
                stores.push_back(std::make_unique<FrozenShardStore>(
                    path, analyzers::delta_path(index_dir, generation.number, shard), lexicon));
            } else {
                stores.push_back(std::make_unique<CheckpointedStore>(path));
            }
        }
    } catch (const Xapian::Error& error) {
        if (may_pass(error)) throw WriteFailure("cannot open a shard for writing: " + error.get_description());
        throw;
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

// The pipeline's options for one run over `generation`, which ends when the
// feed does (--once), a stop is requested, or another generation is
// published (then `generation_changed` is set).
PipelineOptions run_options(const FollowOptions& options, const analyzers::Generation& generation,
                            const std::optional<FeedPosition>& last_committed, bool& generation_changed,
                            WriteRetry& retry) {
    PipelineOptions run;
    run.follow = options.follow;
    run.commit_every_lines = options.feed.commit_every_lines;
    run.commit_interval = options.commit_interval;
    run.idle_poll = options.idle_poll;
    // A generation built from another feed holds no position for this
    // one: carry on from where this follower was.
    run.fallback_start = last_committed;
    run.should_stop = [&options] { return options.stop_requested && options.stop_requested->load(); };
    // Checked before every commit (reading CURRENT takes microseconds), so
    // that no line read after a reindex published is committed to the
    // generation it replaced, where the new one would never see it.
    run.superseded = [&options, &generation, &generation_changed] {
        const auto serving = analyzers::serving_generation(options.feed.index_dir);
        generation_changed = serving && (serving->number != generation.number || serving->id != generation.id);
        return generation_changed;
    };
    run.on_committed = [&retry] { retry.succeeded(); };
    return run;
}

// Progress with the count of failed writes, so that a follower that cannot
// write does not look like one that is working.
ProgressCallback counting_failures(const ProgressCallback& on_progress, const WriteRetry& retry) {
    if (!on_progress) return {};
    return [&on_progress, &retry](Progress progress) {
        progress.failed_writes = retry.failures();
        on_progress(progress);
    };
}

FeedReport follow_unchecked(const FollowOptions& options) {
    const auto started = Clock::now();
    const FeedOptions& feed = options.feed;
    std::filesystem::create_directories(feed.index_dir);
    const IndexLock follow_lock = IndexLock::for_job(feed.index_dir, "follow", "follow");
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(feed.data_dir);
    FeedSource source(feed.feed, feed_limits.max_line_bytes, feed.on_notice);

    FeedReport report;
    report.dead_letter_path = dead_letter_path(feed);
    DeadLetterFile dead_letters(report.dead_letter_path);
    PipelineTotals totals;
    WriteRetry retry(feed.on_notice, options.stop_requested);
    const ProgressCallback on_progress = counting_failures(feed.on_progress, retry);

    while (true) {
        const analyzers::Generation generation = ensure_serving_generation(feed);
        report.generation = generation;
        bool generation_changed = false;
        const PipelineOptions run = run_options(options, generation, totals.last_committed, generation_changed, retry);
        try {
            Pipeline pipeline(open_shards(feed.index_dir, generation, lexicon), lexicon, dead_letters, disk_reserve(feed),
                              options.group_commit_window);
            add_totals(totals, pipeline.run(source, run, on_progress));
        } catch (const WriteFailure& failure) {
            // A one-off run (--once, e.g. from cron) reports and stops; a
            // follower waits it out.
            if (!options.follow) {
                throw std::runtime_error(std::string(failure.what()) +
                                         "; nothing is lost: the next run resumes after the last commit");
            }
            retry.wait_after(failure);
            continue;
        }
        if (!generation_changed) break;
    }
    fill_report(report, totals, feed.index_dir);
    report.late_segments = source.late_segments();
    report.failed_writes = retry.failures();
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
