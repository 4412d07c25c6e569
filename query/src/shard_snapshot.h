// What the query server keeps in memory about one shard, rebuilt when the
// shard has changed (at most every couple of seconds): per-listing columns
// for facets, filters and sorting, and a cache of frequent terms' docid sets.
//
// Reading values from each matching document (Xapian's ValueCountMatchSpy,
// or a MatchSpy at all, which builds a Document per match) costs ~138 ms
// p99 at 1M listings. Here the boolean side of a query is evaluated on
// bitmaps (frequent terms cached) and facets are counted by array lookups.
//
// Listings added after the snapshot (docids from size() on) are not in it;
// callers count those through Xapian. Changes to listings already in it
// show in the columns when the snapshot is rebuilt.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "docid_set.h"
#include "facet_names.h"
#include "id_column.h"
#include "term_cache.h"

namespace query {

// A term's postings below a snapshot's size with their wdf, for scoring.
struct TermPostings {
    std::vector<Xapian::docid> docids;  // ascending
    std::vector<Xapian::termcount> wdfs;
    Xapian::termcount max_wdf = 0;  // the highest of wdfs (0 when none)

    std::size_t memory_bytes() const {
        // The vectors' contents, and a cache entry's own cost (key, node,
        // pointers), so that terms with no postings count too.
        constexpr std::size_t entry_bytes = 128;
        return entry_bytes + docids.size() * sizeof(Xapian::docid) + wdfs.size() * sizeof(Xapian::termcount);
    }
};

// The postings of several terms, in the order asked for.
struct PostingsGroup {
    std::vector<TermPostings> of_terms;

    std::size_t memory_bytes() const {
        std::size_t bytes = 0;
        for (const auto& postings : of_terms) bytes += postings.memory_bytes();
        return bytes;
    }
};

// A listing's stored text slot as read through Xapian, kept by the
// snapshot (see ShardSnapshot::kept_stored_text).
struct StoredText {
    std::string value;

    std::size_t memory_bytes() const {
        constexpr std::size_t entry_bytes = 128;  // key, node, pointers
        return entry_bytes + value.capacity();
    }
};

// A listing's title terms (without the field's prefix), in term order, as
// its termlist has them: kept by the snapshot (see ShardSnapshot::title_terms).
struct TitleTerms {
    std::vector<std::string> terms;

    std::size_t memory_bytes() const {
        constexpr std::size_t entry_bytes = 128;  // key, node, pointers
        std::size_t bytes = entry_bytes + terms.capacity() * sizeof(std::string);
        for (const std::string& term : terms) bytes += term.capacity() + 1;
        return bytes;
    }
};

// The boolean side of a query (which listings match it), read out of a
// Xapian::Query once. Xapian's query objects count their references
// without locks, so shards evaluated side by side on two threads must not
// walk one; this copy holds only what matching needs (weights, scale
// factors and AND_MAYBE's optional part do not change which listings match).
struct MatchExpression {
    enum class Op { term, match_all, match_nothing, all_of, any_of, and_not, unsupported };
    Op op = Op::unsupported;
    std::string term;                       // Op::term
    std::vector<std::string> terms;         // Op::any_of: its terms (through scaling and nested ORs), as one union
    std::vector<MatchExpression> children;  // all_of, and_not (the first less the others), any_of's other parts

    static MatchExpression of(const Xapian::Query& query);
    // How many terms it reads.
    std::size_t term_count() const;
};

// Thread-safe: immutable once built and shared by every searcher; its term
// caches lock themselves.
class ShardSnapshot {
public:
    // Reads `shard` while a writer may be committing to it (reopening the
    // handle, and so the caller's copies of it, when a revision goes away).
    // With `previous` (the shard's snapshot this one replaces), its most
    // recently used terms are read into the new caches too, so that requests
    // after a rebuild do not all start cold.
    // `names`: the numbering the snapshot's facet values are counted in,
    // shared by every snapshot a request counts over (default: the
    // process-wide one).
    static std::shared_ptr<const ShardSnapshot> build(Xapian::Database shard,
                                                      const ShardSnapshot* previous = nullptr,
                                                      std::shared_ptr<FacetNames> names = nullptr);
    ShardSnapshot();

    // Docids below this are in the snapshot.
    std::size_t size() const { return present_->size(); }
    // The shard's database UUID, to recognise it inside a combined search.
    const std::string& uuid() const { return uuid_; }
    // The shard's revision when the build began: every commit up to it is
    // in the snapshot (later ones only in the live database).
    Xapian::rev revision() const { return revision_; }
    // Whether the listing at `docid` is in the snapshot exactly as `live`
    // (the same shard) has it: the snapshot was read from live's revision
    // alone (no commit came in during the build) and holds the listing.
    // Its columns then tell the listing's values without reading them.
    bool holds_as_in(const Xapian::Database& live, Xapian::docid docid) const {
        return is_current_for(live) && present_->contains(docid);
    }
    // Whether the snapshot holds `live` (the same shard) exactly: read from
    // live's revision alone. A term's postings read through it are then the
    // term's whole posting list in the shard.
    bool is_current_for(const Xapian::Database& live) const {
        return one_revision_ && live.get_revision() == revision_;
    }

    // The docids below size() matching `query`, with `live` (the same shard,
    // as new or newer than the snapshot) for posting lists. Handles the
    // boolean operators and terms that text queries and term filters use;
    // nullopt for anything else (value ranges are checked on the columns).
    std::optional<DocidSet> evaluate(const Xapian::Query& query, const Xapian::Database& live) const;
    // The same for a query already read (safe while other threads evaluate copies of it).
    std::optional<DocidSet> evaluate(const MatchExpression& expression, const Xapian::Database& live) const;
    // The listings in the snapshot, shared (what a match-all node matches).
    std::shared_ptr<const DocidSet> present() const { return present_; }

    // A filter on the value columns: price range, conditions, shipping.
    struct ValueFilter {
        double price_min = 0, price_max = 0;
        bool price_limited = false;
        std::vector<bool> condition_allowed;  // by condition facet id; empty: any
        std::vector<bool> shipping_allowed;   // by shipping facet id; empty: any

        bool none() const { return !price_limited && condition_allowed.empty() && shipping_allowed.empty(); }
    };
    ValueFilter value_filter(const std::optional<double>& price_min, const std::optional<double>& price_max,
                             const std::vector<int>& conditions, const std::string& shipping) const;
    bool passes(const ValueFilter& filter, Xapian::docid docid) const {
        if (filter.price_limited && !(price_[docid] >= filter.price_min && price_[docid] <= filter.price_max)) {
            return false;
        }
        const auto allowed = [&](const std::vector<bool>& ids, FacetDimension dimension) {
            return ids.empty() || ids[facet_id(dimension, docid)];
        };
        return allowed(filter.condition_allowed, FacetDimension::condition) &&
               allowed(filter.shipping_allowed, FacetDimension::shipping);
    }

    // Column values at a docid below size().
    std::uint32_t facet_id(FacetDimension dimension, Xapian::docid docid) const {
        return ids_[static_cast<std::size_t>(dimension)][docid];
    }
    const IdColumn& facet_column(FacetDimension dimension) const {
        return ids_[static_cast<std::size_t>(dimension)];
    }
    // 0 means no value; ids count from 1.
    const std::string& facet_name(FacetDimension dimension, std::uint32_t id) const {
        return names_[static_cast<std::size_t>(dimension)][id - 1];
    }
    std::size_t facet_value_count(FacetDimension dimension) const {
        return names_[static_cast<std::size_t>(dimension)].size();
    }
    // Each value's id in facet_names(), by the snapshot's id (index 0, no value, unused).
    const std::vector<std::uint32_t>& shared_facet_ids(FacetDimension dimension) const {
        return shared_ids_[static_cast<std::size_t>(dimension)];
    }
    // The numbering of shared_facet_ids.
    const std::shared_ptr<FacetNames>& facet_names() const { return facet_names_; }
    // A listing's category at all three levels as one id (0: none at any
    // level), so that counting the three levels reads one column per match.
    struct CategoryPath {
        std::array<std::uint32_t, 3> level_ids;  // category_1, _2, _3 facet ids, 0 for none
    };
    const IdColumn& category_path_column() const { return category_path_; }
    // Indexed by path id - 1.
    const std::vector<CategoryPath>& category_paths() const { return category_paths_; }
    double price(Xapian::docid docid) const { return price_[docid]; }
    const std::vector<double>& prices() const { return price_; }
    std::uint32_t created_at(Xapian::docid docid) const { return created_at_[docid]; }
    // Whether created_at() is the listing's date as its slot holds it: the
    // column keeps whole seconds, 0 for no date, and clamps dates outside
    // 32 bits (the slot is to be read for those).
    bool created_at_exact(Xapian::docid docid) const {
        const std::uint32_t seconds = created_at_[docid];
        return seconds > 0 && seconds < std::numeric_limits<std::uint32_t>::max();
    }
    void prefetch_created_at(Xapian::docid docid) const { __builtin_prefetch(created_at_.data() + docid); }
    // Whether the listing is sold (it has the sold term).
    bool sold(Xapian::docid docid) const { return sold_.contains(docid); }
    // The snapshot's listings, newest first (equal dates by docid).
    const std::vector<Xapian::docid>& newest_first() const { return newest_first_; }
    // The listing's length in terms, as BM25 sees it.
    Xapian::termcount doc_length(Xapian::docid docid) const { return doc_length_[docid]; }
    // The listing's brand and category as it wrote them (their value slots;
    // empty for none): a shown listing's fields need not read those slots,
    // each a B-tree lookup through Xapian.
    const std::string& brand_as_written(Xapian::docid docid) const { return written_[brand_written_[docid]]; }
    const std::string& category_as_written(Xapian::docid docid) const { return written_[category_written_[docid]]; }

    // The docids below size() in `term`'s posting list, read from `live`
    // (frequent terms' sets are cached).
    std::shared_ptr<const DocidSet> term_docs(const std::string& term, const Xapian::Database& live) const;
    // The same with each posting's wdf; every term's are cached, rare ones
    // (and terms no listing has) in a cache of their own.
    std::shared_ptr<const TermPostings> term_postings(const std::string& term, const Xapian::Database& live) const;
    // The docids below size() in any of `terms`' posting lists. A query
    // word found in hundreds of brand or category names ("co": every
    // "... & Co.") reads them all once per snapshot: the union is cached
    // as one set, under the list of terms.
    std::shared_ptr<const DocidSet> union_docs(const std::vector<std::string>& terms,
                                               const Xapian::Database& live) const;
    // The postings of each of `terms`, cached together as the union is
    // (only the terms' own postings when they are few: see union_docs).
    std::shared_ptr<const PostingsGroup> group_postings(const std::vector<std::string>& terms,
                                                        const Xapian::Database& live) const;
    // Whether group_postings keeps `terms` as one.
    static bool kept_as_group(const std::vector<std::string>& terms);

    // The stored text slot of a listing the snapshot holds as its shard has
    // it (holds_as_in), when a request has read it before (nullptr if not
    // kept), and keeping it. A listing the snapshot holds cannot change
    // while the snapshot serves it, so what was read stays right.
    std::shared_ptr<const StoredText> kept_stored_text(Xapian::docid docid) const;
    void keep_stored_text(Xapian::docid docid, std::string value) const;
    // The title terms of a listing the snapshot holds as `live` (its shard,
    // with termlists) has it, read from its termlist once and kept: the
    // completions in context read the titles of the same hundred listings
    // for every request typing after the same words ("lot 2", "bundle si").
    std::shared_ptr<const TitleTerms> title_terms(Xapian::docid docid, const Xapian::Database& live) const;

private:
    using Column = std::vector<std::uint32_t>;

    std::shared_ptr<const DocidSet> shared_set(const MatchExpression& part, const Xapian::Database& live) const;
    template <typename Fold, typename Both>
    std::optional<DocidSet> combine(const MatchExpression& expression, const Xapian::Database& live, Fold fold,
                                    Both both) const;
    std::optional<DocidSet> any_of(const MatchExpression& expression, const Xapian::Database& live) const;
    std::uint32_t intern(FacetDimension dimension, const std::string& name);
    void fill_key_column(Xapian::Database& shard, FacetDimension first_level, const std::string& prefix);
    std::string written_at(Xapian::docid docid, bool category, Xapian::Database& shard, Xapian::valueno slot) const;
    void warm_caches(const ShardSnapshot& previous, Xapian::Database& shard) const;
    void fill_category_paths();

    std::string uuid_;
    Xapian::rev revision_ = 0;
    bool one_revision_ = false;  // no commit came in while the build read the shard
    std::shared_ptr<DocidSet> present_ = std::make_shared<DocidSet>();
    DocidSet sold_;
    std::array<IdColumn, facet_dimension_count> ids_;
    std::array<std::vector<std::string>, facet_dimension_count> names_;
    std::array<std::unordered_map<std::string, std::uint32_t>, facet_dimension_count> id_of_name_;
    std::array<Column, facet_dimension_count> shared_ids_;  // index 0 (no value) unused
    std::shared_ptr<FacetNames> facet_names_ = FacetNames::shared();
    IdColumn category_path_;
    std::vector<CategoryPath> category_paths_;
    std::vector<double> price_;
    std::vector<std::uint32_t> created_at_;

    std::vector<Xapian::termcount> doc_length_;
    // Brands and categories as written, by id into written_ (0: none).
    Column brand_written_;
    Column category_written_;
    std::vector<std::string> written_{std::string()};
    std::vector<Xapian::docid> newest_first_;

    // Frequent terms' docid sets and postings.
    mutable TermCache<DocidSet> term_docs_cache_;
    mutable TermCache<TermPostings> term_postings_cache_;
    mutable TermCache<PostingsGroup> group_postings_cache_;
    // Rare terms' postings (fewer than the caches above keep).
    mutable TermCache<TermPostings> rare_postings_cache_;
    // The stored text of listings pages showed, by docid (4 bytes).
    mutable TermCache<StoredText> stored_text_cache_;
    // The title terms of listings the completions in context read, by docid.
    mutable TermCache<TitleTerms> title_terms_cache_;
};

// The snapshots of a generation's shards, in shard order.
using ShardSnapshots = std::vector<std::shared_ptr<const ShardSnapshot>>;

// A condition value slot's contents as its facet name: "1" .. "5".
std::string condition_name(const std::string& serialised);

// Matches the listings of a shard from docid `from` on (those newer than
// its snapshot, with from = size()), to be combined with OP_FILTER.
Xapian::Query listings_from(Xapian::docid from);

}  // namespace query
