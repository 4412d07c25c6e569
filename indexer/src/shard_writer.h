// One shard's writer: its own thread applying feed records to its own
// ShardStore, so shards are written in parallel.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "analyzers/document_layout.h"
#include "analyzers/listing.h"
#include "disk_reserve.h"
#include "feed_source.h"
#include "shard_store.h"
#include "work_queue.h"

namespace indexer {

struct ShardCounts {
    std::uint64_t upserts = 0;
    std::uint64_t deletes = 0;
    std::uint64_t sold = 0;
};

class ShardWriter {
public:
    static constexpr std::chrono::milliseconds max_idle_commit_spacing{250};

    // Each commit first checks `reserve` (see disk_reserve.h).
    //
    // Group commit: with a `group_window` above zero, a commit point that has
    // another one queued behind it is passed over while the last commit is
    // younger than the window; the later point then commits both. A busy
    // follower so commits about once per window instead of once per commit
    // point, each commit's fixed cost (B-tree updates of every term touched,
    // fsync) shared by more lines; an idle one still commits at once,
    // nothing being queued behind, once its last commit is
    // max_idle_commit_spacing old (or the window, if shorter): a search
    // then has at least twice that before commits overtake what it reads.
    // Every commit still writes the position of exactly what it holds.
    ShardWriter(std::unique_ptr<ShardStore> store, const analyzers::Lexicon& lexicon, DiskReserve reserve,
                std::chrono::milliseconds group_window = std::chrono::milliseconds(0));
    ~ShardWriter();

    const ShardCheckpoint& checkpoint() const { return store_->checkpoint(); }

    // Records travel in batches: one queue hand-off (and thread wake-up) per
    // batch instead of per listing.
    void submit(std::vector<analyzers::FeedRecord> records) { queue_.push(std::move(records)); }
    // Commits everything submitted so far together with `position`, or
    // leaves that to a later commit point queued behind it (group commit).
    void commit_at(const FeedPosition& position, const std::string& feed_identity) {
        ++commit_points_queued_;
        queue_.push(CommitMarker{position, feed_identity});
    }
    // Blocks until everything submitted before this call is committed.
    // Rethrows an error the writer thread hit.
    void wait_committed();
    // Stops the thread (after draining), closes the store and returns what
    // was applied. Rethrows an error the writer thread hit.
    ShardCounts finish();
    // Whether a write failed; the reader asks after each commit and while
    // idle, so that a failure (a full disk) is noticed at once.
    bool failed() const { return failed_; }
    // Rethrows an error the writer thread hit: WriteFailure for one that
    // may pass.
    void throw_if_failed();
    // Commits completed so far.
    std::uint64_t commits() const { return commits_; }

private:
    struct CommitMarker {
        FeedPosition position;
        std::string feed_identity;
    };
    struct Flush {};  // wakes wait_committed()
    using Task = std::variant<std::vector<analyzers::FeedRecord>, CommitMarker, Flush>;

    void run();
    void handle(Task& task);
    void apply(const analyzers::FeedRecord& record);
    void mark_sold(const std::string& listing_id);
    void record_failure(std::exception_ptr error);

    std::unique_ptr<ShardStore> store_;
    DiskReserve reserve_;
    std::chrono::milliseconds group_window_;
    std::chrono::steady_clock::time_point last_commit_;
    std::atomic<std::size_t> commit_points_queued_{0};
    analyzers::DocumentBuilder builder_;
    WorkQueue<Task> queue_;
    ShardCounts counts_;

    std::mutex mutex_;
    std::condition_variable flushed_;
    std::uint64_t flushes_requested_ = 0, flushes_done_ = 0;
    std::exception_ptr error_;
    std::atomic<bool> failed_{false};
    std::atomic<std::uint64_t> commits_{0};
    bool closed_ = false;

    std::thread thread_;
};

}  // namespace indexer
