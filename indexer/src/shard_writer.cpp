#include "shard_writer.h"

#include <algorithm>
#include <thread>

#include "write_failure.h"

namespace indexer {
namespace {

// Batches waiting per shard: enough to keep a writer busy while the reader
// parses, small enough to bound memory.
constexpr std::size_t queue_capacity = 64;

}  // namespace

ShardWriter::ShardWriter(std::unique_ptr<ShardStore> store, const analyzers::Lexicon& lexicon, DiskReserve reserve,
                         std::chrono::milliseconds group_window)
    : store_(std::move(store)),
      reserve_(std::move(reserve)),
      group_window_(group_window),
      last_commit_(std::chrono::steady_clock::now()),
      builder_(lexicon, store_->stored_text_dictionary()),
      queue_(queue_capacity),
      thread_([this] { run(); }) {}

ShardWriter::~ShardWriter() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
    if (closed_) return;
    // Left early (a failed write elsewhere): drop what was not committed.
    try {
        store_->close();
    } catch (...) {
        // A store that failed may not close cleanly; its last commit stands.
    }
}

void ShardWriter::run() {
    while (auto task = queue_.pop()) {
        bool failed;
        {
            std::lock_guard lock(mutex_);
            failed = error_ != nullptr;
        }
        try {
            if (!failed || std::holds_alternative<Flush>(*task)) handle(*task);
        } catch (const Xapian::Error& error) {
            const std::string message = "shard write failed: " + error.get_description();
            record_failure(may_pass(error) ? std::make_exception_ptr(WriteFailure(message))
                                           : std::make_exception_ptr(std::runtime_error(message)));
        } catch (...) {
            record_failure(std::current_exception());
        }
    }
}

void ShardWriter::record_failure(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    error_ = std::move(error);
    failed_ = true;
}

void ShardWriter::handle(Task& task) {
    if (auto* records = std::get_if<std::vector<analyzers::FeedRecord>>(&task)) {
        for (const auto& record : *records) apply(record);
    } else if (auto* marker = std::get_if<CommitMarker>(&task)) {
        const bool another_queued = --commit_points_queued_ > 0;
        const auto now = std::chrono::steady_clock::now();
        if (another_queued && now - last_commit_ < group_window_) return;
        // Even idle, commits are spaced: a search fails (after its retries)
        // once two commits overtake the revision it reads, and a feed
        // trickling in at 50 listings/s made a commit point every 50 ms poll.
        const auto spacing = std::min<std::chrono::steady_clock::duration>(group_window_, max_idle_commit_spacing);
        if (now - last_commit_ < spacing) std::this_thread::sleep_for(spacing - (now - last_commit_));
        reserve_.check();
        store_->commit(marker->position, marker->feed_identity);
        last_commit_ = std::chrono::steady_clock::now();
        ++commits_;
    } else {
        std::lock_guard lock(mutex_);
        ++flushes_done_;
        flushed_.notify_all();
    }
}

void ShardWriter::apply(const analyzers::FeedRecord& record) {
    const std::string& id = record.listing.id;
    switch (record.op) {
        case analyzers::FeedOp::upsert:
            store_->upsert(id, builder_.build(record.listing));
            ++counts_.upserts;
            break;
        case analyzers::FeedOp::remove:
            store_->remove(id);
            ++counts_.deletes;
            break;
        case analyzers::FeedOp::sold:
            mark_sold(id);
            break;
    }
}

void ShardWriter::mark_sold(const std::string& listing_id) {
    std::optional<Xapian::Document> document = store_->find(listing_id);
    if (!document) return;  // never indexed or deleted: nothing to mark
    analyzers::DocumentBuilder::mark_sold(*document);
    store_->replace(listing_id, *document);
    ++counts_.sold;
}

void ShardWriter::throw_if_failed() {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
}

void ShardWriter::wait_committed() {
    std::uint64_t ticket;
    {
        std::lock_guard lock(mutex_);
        ticket = ++flushes_requested_;
    }
    queue_.push(Flush{});
    std::unique_lock lock(mutex_);
    flushed_.wait(lock, [&] { return flushes_done_ >= ticket; });
    if (error_) std::rethrow_exception(error_);
}

ShardCounts ShardWriter::finish() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
    throw_if_failed();
    closed_ = true;
    store_->close();
    return counts_;
}

}  // namespace indexer
