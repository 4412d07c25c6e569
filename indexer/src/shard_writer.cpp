#include "shard_writer.h"

namespace indexer {
namespace {

// Records waiting per shard: enough to keep a writer busy while the reader
// parses, small enough to bound memory.
constexpr std::size_t queue_capacity = 8192;

}  // namespace

ShardWriter::ShardWriter(const std::filesystem::path& path, const analyzers::Lexicon& lexicon)
    : database_(path.string(), Xapian::DB_CREATE_OR_OPEN),
      builder_(lexicon),
      queue_(queue_capacity),
      thread_([this] { run(); }) {}

ShardWriter::~ShardWriter() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
}

void ShardWriter::run() {
    while (auto record = queue_.pop()) {
        if (error_) continue;  // drain so the reader never blocks forever
        try {
            apply(*record);
        } catch (...) {
            error_ = std::current_exception();
        }
    }
}

void ShardWriter::apply(const analyzers::FeedRecord& record) {
    const std::string id_term = analyzers::id_term(record.listing.id);
    switch (record.op) {
        case analyzers::FeedOp::upsert:
            database_.replace_document(id_term, builder_.build(record.listing));
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

void ShardWriter::mark_sold(const std::string& id_term) {
    auto posting = database_.postlist_begin(id_term);
    if (posting == database_.postlist_end(id_term)) return;  // never indexed or deleted: nothing to mark
    const Xapian::docid docid = *posting;
    Xapian::Document document = database_.get_document(docid);
    analyzers::DocumentBuilder::mark_sold(document);
    database_.replace_document(docid, document);
    ++counts_.sold;
}

ShardCounts ShardWriter::finish() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
    database_.commit();
    return counts_;
}

}  // namespace indexer
