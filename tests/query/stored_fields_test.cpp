#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "analyzers/document_layout.h"
#include "shard_snapshot.h"
#include "stored_fields.h"
#include "test_support.h"

using namespace query;

namespace {

analyzers::Listing listing_numbered(int n) {
    const std::string number = std::to_string(n);
    analyzers::Listing listing;
    listing.id = "S" + number;
    listing.title = "Vintage denim jacket " + number;
    listing.description = "Worn twice, smoke free home";
    listing.brand = n % 2 == 0 ? "Levi's" : "LEVI'S";  // one brand key, two spellings
    listing.category = "Women/Coats & Jackets/Jean Jacket";
    listing.price = 10.5 + n;
    listing.condition = 1 + n % 5;
    listing.shipping = n % 2 == 0 ? analyzers::Shipping::seller : analyzers::Shipping::buyer;
    listing.created_at = 1767225600 + n;
    listing.seller_id = "u" + number;
    listing.image_url = "https://img.example/" + number + ".jpg";
    return listing;
}

// Listings with every field the slots may leave out or the snapshot may
// clamp, one sold since, and one indexed before issue 18 (the whole JSON
// object in slot 7).
std::vector<Xapian::Document> unusual_listings(analyzers::DocumentBuilder& builder) {
    std::vector<analyzers::Listing> listings;
    for (int n = 0; n < 12; ++n) listings.push_back(listing_numbered(n));
    listings[1].condition = 0;
    listings[2].shipping = analyzers::Shipping::unknown;
    listings[3].brand = listings[3].category = "";
    listings[4].status = analyzers::ListingStatus::sold;
    listings[5].created_at = 0;
    listings[6].created_at = -86400;         // before 1970: the column holds 0
    listings[7].created_at = 5'000'000'000;  // past 2106: the column is clamped
    listings[8].price = 0.01;
    listings[9].image_url = "";
    std::vector<Xapian::Document> documents;
    for (const auto& listing : listings) documents.push_back(builder.build(listing));
    analyzers::DocumentBuilder::mark_sold(documents[10]);
    documents[11].add_value(analyzers::slot::stored_fields, analyzers::stored_fields_json(listings[11]));
    return documents;
}

// A shard of three listings and its snapshot, for a test to change the
// shard after the snapshot.
struct ThreeListings {
    test_support::TempDir dir;
    analyzers::Lexicon lexicon = analyzers::load_lexicon(test_support::project_data_dir());
    analyzers::DocumentBuilder builder{lexicon};
    Xapian::WritableDatabase writer{(dir / "shard").string(), Xapian::DB_CREATE};
    Xapian::Database shard = [this] {
        for (int n = 0; n < 3; ++n) writer.add_document(builder.build(listing_numbered(n)));
        writer.commit();
        return Xapian::Database((dir / "shard").string());
    }();
    std::shared_ptr<const ShardSnapshot> snapshot = ShardSnapshot::build(shard);
};

}  // namespace

TEST_CASE("a current snapshot gives a listing's stored fields exactly as its eight slots do") {
    test_support::TempDir dir;
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(test_support::project_data_dir());
    analyzers::DocumentBuilder builder(lexicon);
    {
        Xapian::WritableDatabase writer((dir / "shard").string(), Xapian::DB_CREATE);
        for (const auto& document : unusual_listings(builder)) writer.add_document(document);
        writer.commit();
    }
    const Xapian::Database shard((dir / "shard").string());
    const auto snapshot = ShardSnapshot::build(shard);
    for (Xapian::docid docid = 1; docid <= shard.get_lastdocid(); ++docid) {
        CAPTURE(docid);
        CHECK(snapshot->holds_as_in(shard, docid));
        const std::string expected = analyzers::stored_fields_of(shard.get_document(docid), shard);
        CHECK(snapshot->kept_stored_text(docid) == nullptr);
        CHECK(stored_fields_of(shard, *snapshot, docid) == expected);
        // Read again from the text the snapshot kept.
        const auto kept = snapshot->kept_stored_text(docid);
        REQUIRE(kept != nullptr);
        CHECK(kept->value == shard.get_document(docid).get_value(analyzers::slot::stored_fields));
        CHECK(stored_fields_of(shard, *snapshot, docid) == expected);
        CHECK(analyzers::stored_fields_json(stored_text_fields(shard, *snapshot, docid)) ==
              analyzers::stored_fields_json(analyzers::stored_text_of(kept->value, shard)));
    }
    CHECK(analyzers::listing_from_stored_json(stored_fields_of(shard, *snapshot, 5)).status ==
          analyzers::ListingStatus::sold);
    CHECK_FALSE(snapshot->holds_as_in(shard, shard.get_lastdocid() + 1));
}

TEST_CASE("a snapshot behind its shard is not read for stored fields") {
    ThreeListings three;
    auto& [dir, lexicon, builder, writer, shard, snapshot] = three;
    // Read while the snapshot was current: its stored text is kept.
    CHECK(analyzers::listing_from_stored_json(stored_fields_of(shard, *snapshot, 1)).title == "Vintage denim jacket 0");
    CHECK(snapshot->kept_stored_text(1) != nullptr);

    // Since the snapshot: the first listing's title and price changed, the
    // second deleted, a fourth added.
    analyzers::Listing changed = listing_numbered(0);
    changed.title = "Vintage denim vest";
    changed.price = 999;
    writer.replace_document(1, builder.build(changed));
    writer.delete_document(2);
    writer.add_document(builder.build(listing_numbered(3)));
    writer.commit();
    shard.reopen();

    CHECK_FALSE(snapshot->holds_as_in(shard, 1));
    const auto now = analyzers::listing_from_stored_json(stored_fields_of(shard, *snapshot, 1));
    CHECK(now.price == 999);
    CHECK(now.title == "Vintage denim vest");  // not the text kept before the change
    CHECK(stored_text_fields(shard, *snapshot, 1).title == "Vintage denim vest");
    CHECK_THROWS_AS(stored_fields_of(shard, *snapshot, 2), Xapian::DocNotFoundError);
    CHECK_THROWS_AS(stored_text_fields(shard, *snapshot, 2), Xapian::DocNotFoundError);
    CHECK(stored_fields_of(shard, *snapshot, 4) == analyzers::stored_fields_of(shard.get_document(4), shard));
}

TEST_CASE("a snapshot keeps a held listing's title terms as its termlist has them, and reads a changed one afresh") {
    ThreeListings three;
    auto& [dir, lexicon, builder, writer, shard, snapshot] = three;
    // The "T" terms of the termlist, unprefixed: the same as the title's
    // analysis, and nothing of the description or the brand.
    const auto title_terms_read = [&](Xapian::docid docid) {
        std::vector<std::string> terms;
        for (auto term = shard.termlist_begin(docid); term != shard.termlist_end(docid); ++term) {
            if ((*term).starts_with("T")) terms.push_back((*term).substr(1));
        }
        return terms;
    };
    const auto first = snapshot->title_terms(1, shard);
    CHECK(first->terms == title_terms_read(1));
    CHECK(std::find(first->terms.begin(), first->terms.end(), "denim") != first->terms.end());
    CHECK(std::find(first->terms.begin(), first->terms.end(), "smoke") == first->terms.end());
    CHECK(snapshot->title_terms(1, shard) == first);  // kept: the same object

    analyzers::Listing changed = listing_numbered(0);
    changed.title = "Corduroy vest";
    writer.replace_document(1, builder.build(changed));
    writer.commit();
    shard.reopen();
    const auto now = snapshot->title_terms(1, shard);
    CHECK(now->terms == title_terms_read(1));
    CHECK(std::find(now->terms.begin(), now->terms.end(), "corduroy") != now->terms.end());
    CHECK(std::find(now->terms.begin(), now->terms.end(), "denim") == now->terms.end());
}
