#include <doctest/doctest.h>

#include <xapian.h>

#include "analyzers/index_layout.h"
#include "test_support.h"

using namespace analyzers;

namespace {

void create_shards(const std::filesystem::path& index_dir, const Generation& generation) {
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        const auto path = shard_path(index_dir, generation.number, shard);
        std::filesystem::create_directories(path.parent_path());
        Xapian::WritableDatabase(path.string(), Xapian::DB_CREATE_OR_OPEN).commit();
    }
}

bool is_lowercase_hex(const std::string& text) {
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

// Issue 14, finding 7: generation numbers restart at 1 when an index
// directory is rebuilt from scratch, so readers need a name that cannot repeat.
TEST_CASE("generation identifiers are 128 random bits in hex") {
    const std::string first = new_generation_id(), second = new_generation_id();
    CHECK(first.size() == 32);
    CHECK(is_lowercase_hex(first));
    CHECK(first != second);
}

TEST_CASE("a published generation's identifier is read back, and CURRENT stays a stub Xapian opens") {
    test_support::TempDir dir;
    const Generation generation{.number = 3, .shard_count = 2, .id = new_generation_id()};
    create_shards(dir.path(), generation);
    publish_generation(dir.path(), generation);
    const auto serving = serving_generation(dir.path());
    REQUIRE(serving);
    CHECK(serving->number == 3);
    CHECK(serving->shard_count == 2);
    CHECK(serving->id == generation.id);
    CHECK_NOTHROW(Xapian::Database(serving_stub_path(dir.path()).string()));
    // Replicas learn it from the serving pointer database.
    CHECK(Xapian::Database((dir.path() / serving_pointer_name).string()).get_metadata("id") == generation.id);
}

TEST_CASE("a generation published without an identifier gets a fresh one") {
    test_support::TempDir dir;
    const Generation generation{.number = 1, .shard_count = 1};
    create_shards(dir.path(), generation);
    publish_generation(dir.path(), generation);
    const std::string first = serving_generation(dir.path())->id;
    CHECK(first.size() == 32);
    publish_generation(dir.path(), generation);  // the same number again, as after a rebuild from scratch
    CHECK(serving_generation(dir.path())->id != first);
}

TEST_CASE("a stub written before identifiers existed reads with an empty identifier") {
    test_support::TempDir dir;
    create_shards(dir.path(), {.number = 1, .shard_count = 1});
    test_support::write_file(serving_stub_path(dir.path()),
                             "# generation 1 of 1 shards, written by the indexer\nauto gen-000001/shard-00\n");
    const auto serving = serving_generation(dir.path());
    REQUIRE(serving);
    CHECK(serving->number == 1);
    CHECK(serving->id.empty());
}

TEST_CASE("a frozen generation's CURRENT lists its bases, then their deltas, and says it is frozen") {
    test_support::TempDir dir;
    const Generation generation{.number = 2, .shard_count = 2, .id = new_generation_id(), .frozen = true};
    create_shards(dir.path(), generation);
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        Xapian::WritableDatabase(delta_path(dir.path(), generation.number, shard).string(), Xapian::DB_CREATE).commit();
    }
    publish_generation(dir.path(), generation);
    const auto serving = serving_generation(dir.path());
    REQUIRE(serving);
    CHECK(serving->frozen);
    CHECK(serving->id == generation.id);
    const std::string stub = test_support::read_file(serving_stub_path(dir.path()));
    CHECK(stub.find("auto gen-000002/shard-00\nauto gen-000002/shard-01\nauto gen-000002/delta-00\n"
                    "auto gen-000002/delta-01\n") != std::string::npos);
    CHECK(Xapian::Database(serving_stub_path(dir.path()).string()).get_doccount() == 0);  // all four open
    const auto databases = serving_databases(dir.path(), *serving);
    REQUIRE(databases.size() == 4);
    CHECK(databases[3] == delta_path(dir.path(), 2, 1));
    CHECK(Xapian::Database((dir.path() / serving_pointer_name).string()).get_metadata("frozen") == "1");

    const Generation usual{.number = 3, .shard_count = 2, .id = new_generation_id()};
    create_shards(dir.path(), usual);
    publish_generation(dir.path(), usual);
    CHECK_FALSE(serving_generation(dir.path())->frozen);
    CHECK(serving_databases(dir.path(), usual).size() == 2);
    CHECK(Xapian::Database((dir.path() / serving_pointer_name).string()).get_metadata("frozen").empty());
}
