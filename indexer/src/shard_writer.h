// One shard's writer: its own thread and its own Xapian database.
//
// Exactly-once: records are applied inside a Xapian transaction, and the
// feed position they came from is written with set_metadata in the same
// commit. A crash loses only the uncommitted transaction, and the position
// says where to replay from. (Transactions also stop Xapian's automatic
// flush every XAPIAN_FLUSH_THRESHOLD changes from committing documents
// without their position.)
#pragma once

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>
#include <variant>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/listing.h"
#include "feed_source.h"
#include "work_queue.h"

namespace indexer {

struct ShardCounts {
    std::uint64_t upserts = 0;
    std::uint64_t deletes = 0;
    std::uint64_t sold = 0;
};

// What a shard had committed when it was opened.
struct ShardCheckpoint {
    std::optional<FeedPosition> position;  // nothing: never written from a feed
    std::string feed_identity;
};

class ShardWriter {
public:
    ShardWriter(const std::filesystem::path& path, const analyzers::Lexicon& lexicon);
    ~ShardWriter();

    const ShardCheckpoint& checkpoint() const { return checkpoint_; }

    // Records travel in batches: one queue hand-off (and thread wake-up) per
    // batch instead of per listing.
    void submit(std::vector<analyzers::FeedRecord> records) { queue_.push(std::move(records)); }
    // Commits everything submitted so far together with `position`.
    void commit_at(const FeedPosition& position, const std::string& feed_identity) {
        queue_.push(CommitMarker{position, feed_identity});
    }
    // Blocks until everything submitted before this call is committed.
    // Rethrows an error the writer thread hit.
    void wait_committed();
    // Stops the thread (after draining), abandons anything uncommitted and
    // returns what was applied. Rethrows an error the writer thread hit.
    ShardCounts finish();

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
    void commit(const CommitMarker& marker);
    void mark_sold(const std::string& id_term);
    void throw_if_failed();

    Xapian::WritableDatabase database_;
    analyzers::DocumentBuilder builder_;
    ShardCheckpoint checkpoint_;
    // While a shard is being built from empty, ids not seen yet cannot be in
    // it: add_document skips replace_document's lookup of the id term.
    bool building_from_empty_ = false;
    std::unordered_set<std::string> ids_added_;
    WorkQueue<Task> queue_;
    ShardCounts counts_;

    std::mutex mutex_;
    std::condition_variable flushed_;
    std::uint64_t flushes_requested_ = 0, flushes_done_ = 0;
    std::exception_ptr error_;

    std::thread thread_;
};

}  // namespace indexer
