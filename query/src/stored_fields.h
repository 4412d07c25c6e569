// The stored fields of the listings a page shows, read with the help of
// their shard's snapshot.
//
// analyzers::stored_fields_of reads eight value slots through Xapian, each
// a B-tree lookup in a block of its own (the kernel copying those blocks
// was ~12% of an uncached search's time on the long-tail log, most of it
// for the twenty shown listings). A snapshot as current as its shard holds
// price, date, condition, shipping and status in its columns exactly as the
// slots do, and brand and category as each listing wrote them, so only the
// display text's slot is read, and the document is not first looked up to
// check that it exists. The snapshot keeps that slot of the listings read
// (popular queries show the same listings again), so a listing shown
// before is not read through Xapian at all.
#pragma once

#include <string>

#include <xapian.h>

#include "analyzers/listing.h"
#include "shard_snapshot.h"

namespace query {

// The listing's text fields as analyzers::stored_text_of reads its stored
// text slot (the other fields too when the slot holds the whole listing).
// Throws Xapian::DocNotFoundError if the listing is gone.
analyzers::Listing stored_text_fields(const Xapian::Database& shard, const ShardSnapshot& snapshot,
                                      Xapian::docid docid);

// The listing's stored fields, byte for byte what
// analyzers::stored_fields_of(shard.get_document(docid)) gives; through
// that when the snapshot does not hold the listing as the shard has it
// (behind the shard, or a listing newer than it). Throws
// Xapian::DocNotFoundError if the listing is gone.
std::string stored_fields_of(const Xapian::Database& shard, const ShardSnapshot& snapshot, Xapian::docid docid);

}  // namespace query
