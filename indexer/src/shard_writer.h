// One shard's writer: its own thread, its own Xapian database.
#pragma once

#include <atomic>
#include <exception>
#include <filesystem>
#include <thread>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/listing.h"
#include "work_queue.h"

namespace indexer {

struct ShardCounts {
    std::uint64_t upserts = 0;
    std::uint64_t deletes = 0;
    std::uint64_t sold = 0;
};

class ShardWriter {
public:
    ShardWriter(const std::filesystem::path& path, const analyzers::Lexicon& lexicon);
    ~ShardWriter();

    void submit(analyzers::FeedRecord record) { queue_.push(std::move(record)); }
    // Waits for the queue to drain, commits and returns what was applied.
    // Rethrows an error the writer thread hit.
    ShardCounts finish();

private:
    void run();
    void apply(const analyzers::FeedRecord& record);
    void mark_sold(const std::string& listing_id);

    Xapian::WritableDatabase database_;
    analyzers::DocumentBuilder builder_;
    WorkQueue<analyzers::FeedRecord> queue_;
    ShardCounts counts_;
    std::exception_ptr error_;
    std::thread thread_;
};

}  // namespace indexer
