#include <doctest/doctest.h>

#include <xapian.h>

#include "generations.h"  // private to the indexer; tested directly
#include "test_support.h"

namespace {

// A published generation of one empty shard.
analyzers::Generation publish_empty(const std::filesystem::path& index_dir) {
    const analyzers::Generation generation = indexer::allocate_generation(index_dir, 1);
    Xapian::WritableDatabase(analyzers::shard_path(index_dir, generation.number, 0).string(),
                             Xapian::DB_CREATE_OR_OPEN)
        .commit();
    indexer::publish_and_clean_up(index_dir, generation);
    return generation;
}

}  // namespace

TEST_CASE("a generation number is never one whose directory exists") {
    test_support::TempDir dir;
    const auto first = indexer::allocate_generation(dir.path(), 2);
    const auto second = indexer::allocate_generation(dir.path(), 2);  // the first is not published yet
    CHECK(first.number == 1);
    CHECK(second.number == 2);
    CHECK(first.id != second.id);
    CHECK(std::filesystem::is_directory(analyzers::generation_path(dir.path(), 2)));
}

// Regression test for issue 14, finding 3: a build that published after a
// newer one deleted every generation older than the one it replaced, its
// own included, and CURRENT named a deleted directory.
TEST_CASE("publishing never deletes the generation it publishes, whatever serves before") {
    test_support::TempDir dir;
    for (int n = 0; n < 4; ++n) publish_empty(dir.path());  // generations 1 to 4; 3 and 4 are left
    const analyzers::Generation older{.number = 2, .shard_count = 1, .id = analyzers::new_generation_id()};
    std::filesystem::create_directories(analyzers::shard_path(dir.path(), 2, 0).parent_path());
    Xapian::WritableDatabase(analyzers::shard_path(dir.path(), 2, 0).string(), Xapian::DB_CREATE_OR_OPEN).commit();
    indexer::publish_and_clean_up(dir.path(), older);
    CHECK(std::filesystem::exists(analyzers::generation_path(dir.path(), 2)));
    CHECK(analyzers::serving_generation(dir.path())->id == older.id);
}

TEST_CASE("generations above the serving one are orphans of dead builds; the ones below are not") {
    test_support::TempDir dir;
    publish_empty(dir.path());
    publish_empty(dir.path());
    indexer::allocate_generation(dir.path(), 1);  // a build that died: gen-000003
    std::vector<std::string> notices;
    indexer::remove_orphaned_generations(dir.path(), [&](const std::string& text) { notices.push_back(text); });
    CHECK(std::filesystem::exists(analyzers::generation_path(dir.path(), 1)));  // searchers may still read it
    CHECK(std::filesystem::exists(analyzers::generation_path(dir.path(), 2)));
    CHECK_FALSE(std::filesystem::exists(analyzers::generation_path(dir.path(), 3)));
    REQUIRE(notices.size() == 1);
    CHECK(notices[0] == "removed " + analyzers::generation_path(dir.path(), 3).string() +
                            " (0.0 MB), left by a build that did not finish");
}
