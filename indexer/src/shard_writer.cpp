#include "shard_writer.h"

namespace indexer {
namespace {

// Records waiting per shard: enough to keep a writer busy while the reader
// parses, small enough to bound memory.
constexpr std::size_t queue_capacity = 64;  // batches

constexpr const char* position_key = "feed.position";
constexpr const char* feed_key = "feed.identity";

ShardCheckpoint read_checkpoint(const Xapian::Database& database) {
    ShardCheckpoint checkpoint;
    const std::string position = database.get_metadata(position_key);
    if (!position.empty()) checkpoint.position = FeedPosition::decode(position);
    checkpoint.feed_identity = database.get_metadata(feed_key);
    return checkpoint;
}

}  // namespace

ShardWriter::ShardWriter(const std::filesystem::path& path, const analyzers::Lexicon& lexicon)
    : database_(path.string(), Xapian::DB_CREATE_OR_OPEN),
      builder_(lexicon),
      checkpoint_(read_checkpoint(database_)),
      queue_(queue_capacity) {
    building_from_empty_ = database_.get_doccount() == 0 && database_.get_lastdocid() == 0;
    database_.begin_transaction();
    thread_ = std::thread([this] { run(); });
}

ShardWriter::~ShardWriter() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
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
            std::lock_guard lock(mutex_);
            error_ = std::make_exception_ptr(std::runtime_error("shard write failed: " + error.get_description()));
        } catch (...) {
            std::lock_guard lock(mutex_);
            error_ = std::current_exception();
        }
    }
}

void ShardWriter::handle(Task& task) {
    if (auto* records = std::get_if<std::vector<analyzers::FeedRecord>>(&task)) {
        for (const auto& record : *records) apply(record);
    } else if (auto* marker = std::get_if<CommitMarker>(&task)) {
        commit(*marker);
    } else {
        std::lock_guard lock(mutex_);
        ++flushes_done_;
        flushed_.notify_all();
    }
}

void ShardWriter::apply(const analyzers::FeedRecord& record) {
    const std::string id_term = analyzers::id_term(record.listing.id);
    switch (record.op) {
        case analyzers::FeedOp::upsert:
            if (building_from_empty_ && ids_added_.insert(record.listing.id).second) {
                database_.add_document(builder_.build(record.listing));
            } else {
                database_.replace_document(id_term, builder_.build(record.listing));
            }
            ++counts_.upserts;
            break;
        case analyzers::FeedOp::remove:
            database_.delete_document(id_term);
            ++counts_.deletes;
            break;
        case analyzers::FeedOp::sold:
            mark_sold(id_term);
            break;
    }
}

void ShardWriter::commit(const CommitMarker& marker) {
    database_.set_metadata(position_key, marker.position.encode());
    database_.set_metadata(feed_key, marker.feed_identity);
    database_.commit_transaction();
    database_.begin_transaction();
}

void ShardWriter::mark_sold(const std::string& id_term) {
    auto posting = database_.postlist_begin(id_term);
    if (posting == database_.postlist_end(id_term)) return;  // never indexed or deleted: nothing to mark
    const Xapian::docid docid = *posting;
    Xapian::Document document = database_.get_document(docid);
    analyzers::DocumentBuilder::mark_sold(document);
    database_.replace_document(docid, document);
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
    database_.cancel_transaction();  // anything after the last marker has no position: replayed next time
    database_.close();
    return counts_;
}

}  // namespace indexer
