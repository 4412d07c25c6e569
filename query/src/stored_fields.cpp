#include "stored_fields.h"

#include <charconv>
#include <cstdint>

#include "analyzers/document_layout.h"

namespace query {
namespace {

namespace slot = analyzers::slot;

// The column's date where it is the slot's number as stored_listing_of
// truncates it; otherwise the slot's.
std::int64_t created_at_of(const Xapian::Database& shard, const ShardSnapshot& snapshot, Xapian::docid docid) {
    if (snapshot.created_at_exact(docid)) return snapshot.created_at(docid);
    const Xapian::Document document = shard.get_document(docid, Xapian::DOC_ASSUME_VALID);
    return static_cast<std::int64_t>(analyzers::number_in_slot(document.get_value(slot::created_at)));
}

// The stored text slot of a listing `snapshot` holds as `shard` has it:
// kept by the snapshot, or read and kept.
std::string held_stored_text(const Xapian::Database& shard, const ShardSnapshot& snapshot, Xapian::docid docid) {
    if (const auto kept = snapshot.kept_stored_text(docid)) return kept->value;
    std::string value = shard.get_document(docid, Xapian::DOC_ASSUME_VALID).get_value(slot::stored_fields);
    snapshot.keep_stored_text(docid, value);
    return value;
}

// A condition's facet name is the slot's number as a whole number ("3").
int condition_of(const ShardSnapshot& snapshot, Xapian::docid docid) {
    const std::uint32_t id = snapshot.facet_id(FacetDimension::condition, docid);
    if (id == 0) return 0;
    const std::string& name = snapshot.facet_name(FacetDimension::condition, id);
    int condition = 0;
    std::from_chars(name.data(), name.data() + name.size(), condition);
    return condition;
}

// A shipping's facet name is the slot's value.
analyzers::Shipping shipping_of(const ShardSnapshot& snapshot, Xapian::docid docid) {
    const std::uint32_t id = snapshot.facet_id(FacetDimension::shipping, docid);
    return id == 0 ? analyzers::Shipping::unknown
                   : analyzers::shipping_in_slot(snapshot.facet_name(FacetDimension::shipping, id));
}

}  // namespace

analyzers::Listing stored_text_fields(const Xapian::Database& shard, const ShardSnapshot& snapshot,
                                      Xapian::docid docid) {
    if (!snapshot.holds_as_in(shard, docid)) {
        return analyzers::stored_text_of(shard.get_document(docid).get_value(slot::stored_fields), shard);
    }
    return analyzers::stored_text_of(held_stored_text(shard, snapshot, docid), shard);
}

std::string stored_fields_of(const Xapian::Database& shard, const ShardSnapshot& snapshot, Xapian::docid docid) {
    if (!snapshot.holds_as_in(shard, docid)) return analyzers::stored_fields_of(shard.get_document(docid), shard);
    const std::string text = held_stored_text(shard, snapshot, docid);
    analyzers::Listing listing = analyzers::stored_text_of(text, shard);
    if (!analyzers::holds_whole_listing(text)) {
        listing.brand = snapshot.brand_as_written(docid);
        listing.category = snapshot.category_as_written(docid);
        listing.price = snapshot.price(docid);
        listing.condition = condition_of(snapshot, docid);
        listing.shipping = shipping_of(snapshot, docid);
        // The indexer gives a listing the sold term exactly when its status slot says sold.
        listing.status = snapshot.sold(docid) ? analyzers::ListingStatus::sold : analyzers::ListingStatus::on_sale;
        listing.created_at = created_at_of(shard, snapshot, docid);
    }
    return analyzers::stored_fields_json(listing);
}

}  // namespace query
