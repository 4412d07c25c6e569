#include <doctest/doctest.h>

#include <thread>

#include <xapian.h>

#include "index_identity.h"
#include "test_support.h"

using namespace query;

namespace {

void commit_one(Xapian::WritableDatabase& shard, const std::string& term) {
    Xapian::Document document;
    document.add_term(term);
    shard.add_document(document);
    shard.commit();
}

void wait_until_settled() { std::this_thread::sleep_for(ShardCommitWatch::settle_time + std::chrono::milliseconds(20)); }

}  // namespace

TEST_CASE("a shard's commits show in its commit watch, however close together they come") {
    test_support::TempDir dir;
    Xapian::WritableDatabase shard((dir / "shard").string(), Xapian::DB_CREATE);
    commit_one(shard, "a");
    ShardCommitWatch watch({dir / "shard"});

    // Just committed: the version file's change time could be shared with
    // the next commits', so its stamp is not trusted yet.
    watch.before_reopen();
    CHECK(watch.may_have_changed());

    wait_until_settled();
    watch.before_reopen();
    CHECK_FALSE(watch.may_have_changed());
    CHECK_FALSE(watch.may_have_changed());

    // Three commits within a clock tick or two: glass reuses the version
    // file's inode every other commit, and the change time still tells.
    commit_one(shard, "b");
    commit_one(shard, "c");
    commit_one(shard, "d");
    CHECK(watch.may_have_changed());

    // Taken right after those commits, the stamps are not trusted until
    // the files have settled.
    watch.before_reopen();
    CHECK(watch.may_have_changed());
    wait_until_settled();
    watch.before_reopen();
    CHECK_FALSE(watch.may_have_changed());
}

TEST_CASE("a shard with no glass version file is always reopened") {
    test_support::TempDir dir;
    ShardCommitWatch watch({dir / "missing"});
    watch.before_reopen();
    CHECK(watch.may_have_changed());
    CHECK(ShardCommitWatch().may_have_changed());
}
