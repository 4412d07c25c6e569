// Feed in, shards out: reads feed lines, parses them, routes each record to
// the shard its id hashes to, and commits all shards together with the feed
// position at regular points. Shared by the batch build and the follower.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "analyzers/listing.h"
#include "analyzers/synonyms.h"
#include "dead_letter.h"
#include "feed_source.h"
#include "indexer/indexer.h"
#include "shard_writer.h"

namespace indexer {

// What each shard has already committed from this feed.
struct ResumePlan {
    FeedPosition start;                             // where reading begins
    FeedPosition latest;                            // the latest position a shard has: which file it is in
    std::vector<std::optional<FeedPosition>> done;  // per shard: lines up to here are in
    std::optional<FeedPosition> all_done;           // a shard committed past these: their bad lines were reported
};

struct PipelineOptions {
    bool follow = false;  // keep waiting for new lines instead of stopping at the end
    // A commit happens after this many lines or this long after the oldest
    // uncommitted line, whichever comes first, and whenever the feed runs dry.
    std::size_t commit_every_lines = 100'000;
    std::chrono::milliseconds commit_interval{250};
    std::chrono::milliseconds idle_poll{50};
    std::function<bool()> should_stop;  // asked after each commit and while idle
    // Asked before each commit and while idle: true when the shards being
    // written no longer serve (a reindex published another generation).
    // Then what was read since the last commit is dropped, not committed,
    // and the run ends: those lines belong in the new generation.
    std::function<bool()> superseded;
    // Called once, when every shard has completed a commit in this run.
    std::function<void()> on_committed;
    // Where to start when the shards hold no position from this feed.
    std::optional<FeedPosition> fallback_start;
};

struct PipelineTotals {
    std::uint64_t lines = 0;
    std::uint64_t rejected = 0;
    std::uint64_t skipped = 0;  // already committed by an earlier run
    std::optional<FeedPosition> last_committed;
    ShardCounts counts;
};

class Pipeline {
public:
    // `group_commit_window`: see ShardWriter (zero: every commit point commits).
    Pipeline(std::vector<std::unique_ptr<ShardStore>> stores, const analyzers::Lexicon& lexicon,
             DeadLetterFile& dead_letters, const DiskReserve& reserve,
             std::chrono::milliseconds group_commit_window = std::chrono::milliseconds(0));

    // Runs until the feed ends (or, when following, until should_stop or
    // superseded). Throws WriteFailure, as soon as it is noticed (after a
    // commit, or while idle), when a write failed for a reason that may pass.
    // Everything read is committed before it returns.
    PipelineTotals run(FeedSource& source, const PipelineOptions& options, const ProgressCallback& on_progress);

private:
    analyzers::FeedLineResult parse(const FeedLine& line);
    void take_line(const FeedLine& line, PipelineTotals& totals);
    void commit_all(const FeedPosition& position, const std::string& feed_identity);
    void check_writers(const PipelineOptions& options);
    void route(analyzers::FeedRecord record, std::size_t shard);
    void send_pending();

    // Checks each listing's filter keys on the reader thread, where a refused
    // line can still go to the dead-letter file with its line number.
    analyzers::DocumentBuilder key_checker_;
    analyzers::FeedLineParser parser_{feed_limits};
    ResumePlan plan_;
    bool committed_ = false;  // every shard has completed a commit in this run
    std::vector<std::unique_ptr<ShardWriter>> shards_;
    std::vector<std::vector<analyzers::FeedRecord>> pending_;  // per shard, not yet handed over
    DeadLetterFile& dead_letters_;
};

}  // namespace indexer
