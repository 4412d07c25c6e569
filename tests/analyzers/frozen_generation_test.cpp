#include <doctest/doctest.h>

#include <xapian.h>

#include "analyzers/frozen_generation.h"
#include "test_support.h"

using analyzers::ReplacedListings;

TEST_CASE("replaced base listings round-trip through a delta's metadata, a chunk of 65,536 docids at a time") {
    test_support::TempDir dir;
    Xapian::WritableDatabase delta((dir / "delta").string(), Xapian::DB_CREATE);
    ReplacedListings replaced;
    for (const Xapian::docid docid : {1u, 64u, 65'535u, 65'536u, 500'000u}) replaced.add(docid);
    replaced.add(64);  // twice: once
    CHECK(replaced.count() == 5);
    replaced.write_changes(delta);
    delta.commit();

    std::size_t chunks = 0;
    for (auto key = delta.metadata_keys_begin("frozen.replaced."); key != delta.metadata_keys_end("frozen.replaced.");
         ++key) {
        ++chunks;
    }
    CHECK(chunks == 3);  // docids 1..65,535, 65,536..131,071 and the chunk of 500,000

    ReplacedListings read = ReplacedListings::of(delta);
    CHECK(read.count() == 5);
    for (const Xapian::docid docid : {1u, 64u, 65'535u, 65'536u, 500'000u}) CHECK(read.contains(docid));
    CHECK_FALSE(read.contains(2));
    CHECK_FALSE(read.contains(4'000'000'000u));

    // Only the chunk a later change touches is written again.
    read.add(3);
    delta.set_metadata("frozen.replaced.00000001", "left alone");
    read.write_changes(delta);
    delta.commit();
    CHECK(delta.get_metadata("frozen.replaced.00000001") == "left alone");
    CHECK_THROWS_WITH_AS(ReplacedListings::of(delta), doctest::Contains("chunk 1 holds 10 bytes"), std::runtime_error);
    delta.set_metadata("frozen.replaced.00000001", "");  // removed
    delta.set_metadata("frozen.replaced.zz", std::string(8192, '\0'));
    delta.commit();
    CHECK_THROWS_WITH_AS(ReplacedListings::of(delta), doctest::Contains("'frozen.replaced.zz' names no chunk"),
                         std::runtime_error);
}

TEST_CASE("a database says whether it has termlists") {
    test_support::TempDir dir;
    Xapian::WritableDatabase usual((dir / "usual").string(), Xapian::DB_CREATE);
    usual.commit();
    CHECK(analyzers::has_termlists(usual));
    Xapian::WritableDatabase frozen((dir / "frozen").string(), Xapian::DB_CREATE | Xapian::DB_NO_TERMLIST);
    frozen.set_metadata(analyzers::termlists_key, analyzers::no_termlists);
    frozen.commit();
    CHECK_FALSE(analyzers::has_termlists(frozen));
}
