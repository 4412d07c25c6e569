// The indexer: turns the listing feed into sharded Xapian indexes.
//
// Two jobs share one pipeline (feed -> parse -> shard by id -> commit with
// the feed position):
//   build_generation    a batch reindex: a new generation of all shards from a
//                       full feed or dump, compacted, then swapped in atomically;
//   follow_feed         streaming ingest into the serving generation, resuming
//                       exactly where the last commit left off after a crash.
// A third keeps a followed index small:
//   compact_generation  the serving generation copied compacted into a new
//                       one, swapped in the same way.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "analyzers/index_layout.h"

namespace indexer {

struct Progress {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t total_bytes = 0;  // 0 when unknown (stdin)
    double seconds = 0;
    std::uint64_t failed_writes = 0;  // follow: commits or dead-letter writes that failed (a full disk), retried
};

using ProgressCallback = std::function<void(const Progress&)>;
// What an operator must hear about while the indexer carries on: a rotated
// or truncated feed, an ignored file, a failed commit. One line of text.
using NoticeCallback = std::function<void(const std::string&)>;

struct FeedOptions {
    std::filesystem::path feed;              // a JSONL file, a directory of segment files, or "-" for stdin
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;          // synonyms.txt, brand_aliases.txt
    std::size_t shard_count = 2;             // for a new generation
    std::filesystem::path dead_letter_path;  // rejected lines; empty: <index_dir>/dead-letter.jsonl
    std::size_t commit_every_lines = 8000;
    // A build fills small part databases of this many listings per shard and
    // merges them at the end: cheaper commits than one growing database.
    std::size_t listings_per_part = 100'000;
    // Build a frozen generation: shards without Xapian's termlists (a third
    // smaller, a quarter less CPU to build) that never change, each with a
    // delta for what changes (analyzers/frozen_generation.h).
    bool no_termlists = false;
    // Commits stop (a follower retries them) while less than this is free
    // on the index's filesystem: Xapian 1.4 can abort the process when a
    // commit runs out of space part-way.
    std::uint64_t reserved_disk_bytes = 64 << 20;
    ProgressCallback on_progress;
    NoticeCallback on_notice;  // unset: printed to stderr
};

struct FeedReport {
    std::uint64_t lines = 0;     // non-empty lines read
    std::uint64_t upserts = 0;
    std::uint64_t deletes = 0;
    std::uint64_t sold = 0;      // "sold" records applied to an indexed listing
    std::uint64_t rejected = 0;  // written to the dead-letter file
    std::uint64_t skipped = 0;   // already committed by an earlier run
    std::uint64_t late_segments = 0;  // appeared below the segment being read: not read (each reported)
    std::uint64_t failed_writes = 0;  // follow: failed commits or dead-letter writes, each reported and retried
    std::uint64_t documents = 0; // listings in the serving generation afterwards
    analyzers::Generation generation;
    std::filesystem::path dead_letter_path;
    double seconds = 0;
};

// Builds a new generation of all shards from the whole feed (one writer
// thread per shard), compacts each shard, points CURRENT at it, and removes
// generations older than the one it replaced. Queries keep being answered
// from the old generation until the switch. Throws std::runtime_error when
// the index cannot be written.
FeedReport build_generation(const FeedOptions& options);

struct FollowOptions {
    FeedOptions feed;
    // Near-real-time: a line is committed at most this long after it is read.
    std::chrono::milliseconds commit_interval{250};
    // While lines keep coming, commits are grouped: at most about one per
    // this long, each holding more lines (the fixed cost of a commit is
    // shared). When the feed runs dry the next commit happens at once.
    std::chrono::milliseconds group_commit_window{1000};
    std::chrono::milliseconds idle_poll{50};
    bool follow = true;  // false: stop at the end of the feed
    // Set from a signal handler to stop cleanly after the next commit.
    const std::atomic<bool>* stop_requested = nullptr;
};

// Applies the feed to the serving generation (creating an empty generation
// of feed.shard_count shards if there is none), resuming after the last
// committed line. When another generation is published meanwhile, it
// switches to it and resumes from that generation's position. A write
// that fails (a full disk) is reported through on_notice at once; then it
// waits (1 s, doubling up to 30 s) and resumes from the last commit, until
// writes succeed again or a stop is requested (which then throws). With
// follow = false it throws at the first failed write instead.
FeedReport follow_feed(const FollowOptions& options);

struct CompactOptions {
    std::filesystem::path index_dir;
    std::uint64_t reserved_disk_bytes = 64 << 20;  // as FeedOptions::reserved_disk_bytes
    // Compact only a generation at least this many times its size when it
    // was published (0: always). One published before sizes were recorded
    // is compacted.
    double if_grown = 0;
    NoticeCallback on_notice;                       // unset: printed to stderr
};

struct CompactReport {
    analyzers::Generation compacted;  // the generation that was serving
    analyzers::Generation generation;  // the one serving now
    bool skipped = false;              // not grown enough (CompactOptions::if_grown): left as it was
    std::uint64_t bytes_before = 0;
    std::uint64_t bytes_after = 0;
    std::optional<std::uint64_t> bytes_published;  // the serving generation's size when published
    std::uint64_t documents = 0;
    double seconds = 0;
};

// Copies the serving generation into a new one, compacted (glass leaves
// half full every B-tree block an update touches: a followed index grows to
// twice its built size), points CURRENT at it, and removes the old one.
// The same shards and listings, the feed positions included: a running
// follower switches to it and applies again the lines it committed since
// the shards were read. Much faster than a build, which reads the whole
// feed. A frozen generation is refused: only a build leaves its replaced
// listings out. Throws std::runtime_error when it cannot be done.
CompactReport compact_generation(const CompactOptions& options);

// A short human-readable summary, for the command line.
std::string describe(const FeedReport& report);
std::string describe(const CompactReport& report);

}  // namespace indexer
