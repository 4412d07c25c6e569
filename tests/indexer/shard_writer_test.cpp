#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <vector>

#include "analyzers/synonyms.h"
#include "shard_writer.h"  // private to the indexer; tested directly
#include "test_support.h"

namespace {

// A store that records its commits; its first upsert waits until released,
// so that commit points pile up in the writer's queue behind it.
class RecordingStore final : public indexer::ShardStore {
public:
    explicit RecordingStore(std::shared_future<void> release) : release_(std::move(release)) {}
    const indexer::ShardCheckpoint& checkpoint() const override { return checkpoint_; }
    std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const override { return nullptr; }
    void upsert(const std::string&, const Xapian::Document&) override {
        release_.wait();
        ++uncommitted_;
    }
    void remove(const std::string&) override {}
    std::optional<Xapian::Document> find(const std::string&) override { return std::nullopt; }
    void replace(const std::string&, const Xapian::Document&) override {}
    void commit(const indexer::FeedPosition& position, const std::string&) override {
        commits->push_back({position, uncommitted_, std::chrono::steady_clock::now()});
    }
    void close() override {}

    struct Commit {
        indexer::FeedPosition position;
        int listings;  // applied before this commit, since the store opened
        std::chrono::steady_clock::time_point at;
    };
    std::shared_ptr<std::vector<Commit>> commits = std::make_shared<std::vector<Commit>>();

private:
    std::shared_future<void> release_;
    indexer::ShardCheckpoint checkpoint_;
    int uncommitted_ = 0;
};

std::vector<analyzers::FeedRecord> one_listing(const std::string& id) {
    analyzers::FeedRecord record;
    record.listing.id = id;
    record.listing.title = "Nike shoes";
    return {record};
}

indexer::FeedPosition at_line(std::uint64_t line) { return {.offset = line * 100, .line = line}; }

// Three commit points queued while the writer is busy; what gets committed.
std::vector<RecordingStore::Commit> commits_of_a_busy_writer(std::chrono::milliseconds group_window) {
    std::promise<void> release;
    auto store = std::make_unique<RecordingStore>(release.get_future().share());
    const auto commits = store->commits;
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(test_support::project_data_dir());
    indexer::ShardWriter writer(std::move(store), lexicon, indexer::DiskReserve{}, group_window);
    for (std::uint64_t line = 1; line <= 3; ++line) {
        writer.submit(one_listing("id" + std::to_string(line)));
        writer.commit_at(at_line(line), "feed");
    }
    release.set_value();
    writer.wait_committed();
    writer.finish();
    return *commits;
}

}  // namespace

TEST_CASE("a busy writer groups the commit points queued within the window into one commit, at the last position") {
    const auto commits = commits_of_a_busy_writer(std::chrono::hours(1));
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].position == at_line(3));
    CHECK(commits[0].listings == 3);
}

TEST_CASE("without a group window every commit point commits what was submitted before it") {
    const auto commits = commits_of_a_busy_writer(std::chrono::milliseconds(0));
    REQUIRE(commits.size() == 3);
    for (std::uint64_t line = 1; line <= 3; ++line) {
        CHECK(commits[line - 1].position == at_line(line));
        CHECK(commits[line - 1].listings == static_cast<int>(line));
    }
}

TEST_CASE("an idle writer with a group window spaces its commits, so searches are not overtaken") {
    std::promise<void> release;
    release.set_value();
    auto store = std::make_unique<RecordingStore>(release.get_future().share());
    const auto commits = store->commits;
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(test_support::project_data_dir());
    indexer::ShardWriter writer(std::move(store), lexicon, indexer::DiskReserve{}, std::chrono::seconds(1));
    // A trickle: one listing and its commit point at a time, nothing queued behind.
    for (std::uint64_t line = 1; line <= 3; ++line) {
        writer.submit(one_listing("id" + std::to_string(line)));
        writer.commit_at(at_line(line), "feed");
        writer.wait_committed();
    }
    writer.finish();
    REQUIRE(commits->size() == 3);  // each committed, none passed over
    for (std::size_t n = 1; n < commits->size(); ++n) {
        CHECK((*commits)[n].at - (*commits)[n - 1].at >= indexer::ShardWriter::max_idle_commit_spacing);
        CHECK((*commits)[n].position == at_line(n + 1));
    }
}
