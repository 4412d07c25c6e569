#include "shard_snapshot.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "analyzers/document_layout.h"

namespace query {
namespace {

std::size_t index_of(FacetDimension dimension) { return static_cast<std::size_t>(dimension); }

// Terms with fewer postings are read afresh each time (~20 ns a posting);
// more frequent ones are worth a cached bitmap.
constexpr Xapian::doccount min_cached_postings = 2000;
// Memory for cached bitmaps, per shard: ~1,000 bitmaps at 500k listings.
constexpr std::size_t docs_cache_budget_bytes = 64 << 20;
// Memory for cached postings, per shard: "nike" takes 0.7 MB at 500k listings.
constexpr std::size_t postings_cache_budget_bytes = 96 << 20;
// Terms read into a rebuilt snapshot's caches, of each kind, most recently
// used first: at most ~90 ms more of a background rebuild at 1M listings
// (measured with the 200 most frequent title words).
constexpr std::size_t warmed_terms = 200;
// A union of this many terms or more is cached as one set, whatever its
// size: reading a few hundred short posting lists costs ~1 ms a shard.
constexpr std::size_t min_cached_union_terms = 8;
// Memory for the postings of such groups of terms, per shard.
constexpr std::size_t group_postings_cache_budget_bytes = 32 << 20;

// Memory for the postings of terms too rare for the caches above, and of
// terms no listing has, per shard: a word's completions, typo alternatives
// and fields come back in later queries, and each read costs a B-tree
// descent through Xapian (a few 8 KB blocks copied) besides the postings.
constexpr std::size_t rare_postings_cache_budget_bytes = 16 << 20;
// Listings read for pages: their stored text. Reading one through Xapian
// (a B-tree descent, each block copied out of the page cache) was 7% of
// the server's time under load on the long-tail log, where popular
// queries show the same listings again and again. About 40,000 listings.
constexpr std::size_t stored_text_cache_budget_bytes = 8 << 20;
// Listings whose titles completions in context read (a hundred per request
// typing after other words): about 10,000 titles of 7 words.
constexpr std::size_t title_terms_cache_budget_bytes = 4 << 20;

// The key a group of terms is cached under: no term starts with a NUL byte.
std::string group_key(const std::vector<std::string>& terms) {
    std::string key(1, '\0');
    for (const auto& term : terms) key.append(term).push_back('\0');
    return key;
}

TermPostings postings_below(const Xapian::Database& database, const std::string& term, std::size_t size) {
    TermPostings postings;
    for (auto posting = database.postlist_begin(term); posting != database.postlist_end(term); ++posting) {
        if (*posting >= size) break;  // posting lists are in docid order
        postings.docids.push_back(*posting);
        postings.wdfs.push_back(posting.get_wdf());
        postings.max_wdf = std::max(postings.max_wdf, postings.wdfs.back());
    }
    return postings;
}

std::uint32_t seconds_of(const std::string& serialised) {
    const double seconds = Xapian::sortable_unserialise(serialised);
    return static_cast<std::uint32_t>(std::clamp(seconds, 0.0, double(std::numeric_limits<std::uint32_t>::max())));
}

// Listings from docid `from` on: those newer than a shard's snapshot. Every
// listing has a price, so the price value stream lists them all.
class DocidsFromSource : public Xapian::ValuePostingSource {
public:
    explicit DocidsFromSource(Xapian::docid from) : Xapian::ValuePostingSource(analyzers::slot::price), from_(from) {}

    void next(double min_weight) override {
        if (!get_started()) return Xapian::ValuePostingSource::skip_to(from_, min_weight);
        Xapian::ValuePostingSource::next(min_weight);
    }
    void skip_to(Xapian::docid docid, double min_weight) override {
        Xapian::ValuePostingSource::skip_to(std::max(docid, from_), min_weight);
    }
    bool check(Xapian::docid docid, double min_weight) override {
        skip_to(docid, min_weight);
        return true;
    }
    DocidsFromSource* clone() const override { return new DocidsFromSource(from_); }
    std::string name() const override { return "listing.DocidsFrom"; }

private:
    Xapian::docid from_;
};

// A writer committing while a snapshot is read (the follower commits every
// 250 ms; a build reads for ~450 ms at 1M listings) makes glass discard the
// revision being read: DatabaseModifiedError, or "EOF reading block" when a
// stale block pointer is followed. Then the database is reopened and `read`
// called again, to resume from the docid or term it got to. The snapshot mixes a
// few revisions, as a later one would anyway: Xapian's final pass and the
// next rebuild set right what changed meanwhile.
// An attempt can lose its revision before it reads anything (a busy
// machine, a writer committing without pause): reopening goes on until this
// deadline rather than for a count of attempts.
constexpr auto reopen_for_at_most = std::chrono::seconds(30);

template <typename Read>
void read_while_written(Xapian::Database& database, Read read) {
    const auto deadline = std::chrono::steady_clock::now() + reopen_for_at_most;
    for (;;) {
        try {
            return read();
        } catch (const Xapian::DatabaseError&) {
            if (std::chrono::steady_clock::now() > deadline) throw;
        }
        try {
            database.reopen();
        } catch (const Xapian::DatabaseError&) {
            // Overtaken while reopening: the next attempt finds out.
        }
    }
}

}  // namespace

std::string condition_name(const std::string& serialised) {
    return std::to_string(static_cast<int>(Xapian::sortable_unserialise(serialised)));
}

Xapian::Query listings_from(Xapian::docid from) { return Xapian::Query((new DocidsFromSource(from))->release()); }

std::uint32_t ShardSnapshot::intern(FacetDimension dimension, const std::string& name) {
    auto& ids = id_of_name_[index_of(dimension)];
    auto [found, added] = ids.try_emplace(name, static_cast<std::uint32_t>(ids.size() + 1));
    if (added) {
        names_[index_of(dimension)].push_back(name);
        shared_ids_[index_of(dimension)].push_back(facet_names_->id_of(dimension, name));
    }
    return found->second;
}

// A listing's brand or category as written: from the snapshot's columns,
// or from its document when it came after them (a commit during the build).
std::string ShardSnapshot::written_at(Xapian::docid docid, bool category, Xapian::Database& shard,
                                      Xapian::valueno slot) const {
    if (docid >= size()) return shard.get_document(docid).get_value(slot);
    return category ? category_as_written(docid) : brand_as_written(docid);
}

// Brands and categories by canonical key, so "Nike" and "NIKE" are one
// brand; each key is shown as its first listing wrote it.
void ShardSnapshot::fill_key_column(Xapian::Database& shard, FacetDimension first_level, const std::string& prefix) {
    const bool category = first_level == FacetDimension::category_1;
    const Xapian::valueno display_slot = category ? analyzers::slot::category : analyzers::slot::brand;
    std::string resume_at = prefix;  // the term being read (read again in full after a reopen)
    read_while_written(shard, [&] {
        auto term = shard.allterms_begin(prefix);
        term.skip_to(resume_at);
        for (; term != shard.allterms_end(prefix); ++term) {
            resume_at = *term;
            auto posting = shard.postlist_begin(*term);
            if (posting == shard.postlist_end(*term)) continue;
            const std::string key = (*term).substr(prefix.size());
            const std::size_t level =
                category ? static_cast<std::size_t>(std::count(key.begin(), key.end(), '/')) + 1 : 1;
            if (level > 3) continue;
            const auto dimension = static_cast<FacetDimension>(index_of(first_level) + level - 1);
            const std::string display = written_at(*posting, category, shard, display_slot);
            const std::string name =
                display.empty() ? key : category ? analyzers::category_prefix(display, level) : display;
            const std::uint32_t id = intern(dimension, name);
            auto& column = ids_[index_of(dimension)].building();
            for (; posting != shard.postlist_end(*term) && *posting < column.size(); ++posting) column[*posting] = id;
        }
    });
}

void ShardSnapshot::fill_category_paths() {
    const Column& level_1 = ids_[index_of(FacetDimension::category_1)].building();
    const Column& level_2 = ids_[index_of(FacetDimension::category_2)].building();
    const Column& level_3 = ids_[index_of(FacetDimension::category_3)].building();
    // The three ids packed in one key; a shard with more names at a level
    // than that (the category tree has ~1,300 in all) counts level by level.
    constexpr std::uint32_t bits_per_level = 21;
    for (auto level : {FacetDimension::category_1, FacetDimension::category_2, FacetDimension::category_3}) {
        if (facet_value_count(level) >= (std::size_t{1} << bits_per_level)) return;
    }
    std::unordered_map<std::uint64_t, std::uint32_t> path_id_of;
    Column& category_path = category_path_.building();
    category_path.assign(level_1.size(), 0);
    for (std::size_t docid = 0; docid < level_1.size(); ++docid) {
        if (level_1[docid] == 0 && level_2[docid] == 0 && level_3[docid] == 0) continue;
        const std::uint64_t key = (std::uint64_t{level_1[docid]} << (2 * bits_per_level)) |
                                  (std::uint64_t{level_2[docid]} << bits_per_level) | level_3[docid];
        auto [found, added] = path_id_of.try_emplace(key, static_cast<std::uint32_t>(category_paths_.size() + 1));
        if (added) category_paths_.push_back({{level_1[docid], level_2[docid], level_3[docid]}});
        category_path[docid] = found->second;
    }
}

ShardSnapshot::ShardSnapshot()
    : term_docs_cache_(docs_cache_budget_bytes), term_postings_cache_(postings_cache_budget_bytes),
      group_postings_cache_(group_postings_cache_budget_bytes),
      rare_postings_cache_(rare_postings_cache_budget_bytes),
      stored_text_cache_(stored_text_cache_budget_bytes),
      title_terms_cache_(title_terms_cache_budget_bytes) {
    for (Column& ids : shared_ids_) ids.assign(1, 0);  // ids count from 1
}

std::shared_ptr<const ShardSnapshot> ShardSnapshot::build(Xapian::Database shard, const ShardSnapshot* previous,
                                                          std::shared_ptr<FacetNames> names) {
    auto snapshot = std::make_shared<ShardSnapshot>();
    if (names) snapshot->facet_names_ = std::move(names);
    const std::size_t size = static_cast<std::size_t>(shard.get_lastdocid()) + 1;
    snapshot->uuid_ = shard.get_uuid();
    snapshot->revision_ = shard.get_revision();
    snapshot->present_ = std::make_shared<DocidSet>(size);
    for (auto& column : snapshot->ids_) column.building().assign(size, 0);
    snapshot->price_.assign(size, std::numeric_limits<double>::quiet_NaN());
    snapshot->created_at_.assign(size, 0);

    // Visits the values in `slot` of the docids below `size`, in docid order.
    const auto for_each_value = [&](Xapian::valueno slot, auto visit) {
        Xapian::docid next = 1;
        read_while_written(shard, [&] {
            auto value = shard.valuestream_begin(slot);
            if (value != shard.valuestream_end(slot)) value.skip_to(next);
            for (; value != shard.valuestream_end(slot) && value.get_docid() < size; ++value) {
                visit(value.get_docid(), *value);
                next = value.get_docid() + 1;
            }
        });
    };
    // Every listing has a price: it marks which docids are listings.
    for_each_value(analyzers::slot::price, [&](Xapian::docid docid, const std::string& value) {
        snapshot->present_->add(docid);
        snapshot->price_[docid] = Xapian::sortable_unserialise(value);
    });
    for_each_value(analyzers::slot::created_at, [&](Xapian::docid docid, const std::string& value) {
        snapshot->created_at_[docid] = seconds_of(value);
    });
    for_each_value(analyzers::slot::condition, [&](Xapian::docid docid, const std::string& value) {
        snapshot->ids_[index_of(FacetDimension::condition)].building()[docid] =
            snapshot->intern(FacetDimension::condition, condition_name(value));
    });
    for_each_value(analyzers::slot::shipping, [&](Xapian::docid docid, const std::string& value) {
        snapshot->ids_[index_of(FacetDimension::shipping)].building()[docid] =
            snapshot->intern(FacetDimension::shipping, value);
    });
    std::unordered_map<std::string, std::uint32_t> written_ids;
    const auto written_id = [&](const std::string& value) {
        auto [found, added] = written_ids.try_emplace(value, static_cast<std::uint32_t>(snapshot->written_.size()));
        if (added) snapshot->written_.push_back(value);
        return found->second;
    };
    snapshot->brand_written_.assign(size, 0);
    for_each_value(analyzers::slot::brand, [&](Xapian::docid docid, const std::string& value) {
        snapshot->brand_written_[docid] = written_id(value);
    });
    snapshot->category_written_.assign(size, 0);
    for_each_value(analyzers::slot::category, [&](Xapian::docid docid, const std::string& value) {
        snapshot->category_written_[docid] = written_id(value);
    });
    snapshot->present_->for_each([&](Xapian::docid docid) { snapshot->newest_first_.push_back(docid); });
    std::stable_sort(snapshot->newest_first_.begin(), snapshot->newest_first_.end(),
                     [&](Xapian::docid a, Xapian::docid b) { return snapshot->created_at_[a] > snapshot->created_at_[b]; });
    snapshot->doc_length_.assign(size, 0);
    Xapian::docid next = 1;
    read_while_written(shard, [&] {
        auto listing = shard.postlist_begin("");
        for (listing.skip_to(next); listing != shard.postlist_end("") && *listing < size; ++listing) {
            snapshot->doc_length_[*listing] = listing.get_doclength();
            next = *listing + 1;
        }
    });
    snapshot->fill_key_column(shard, FacetDimension::brand, std::string(analyzers::prefix::brand));
    snapshot->fill_key_column(shard, FacetDimension::category_1, std::string(analyzers::prefix::category));
    snapshot->fill_category_paths();
    for (auto& column : snapshot->ids_) column.narrow_if_small();
    snapshot->category_path_.narrow_if_small();
    read_while_written(shard, [&] {
        snapshot->sold_ = DocidSet::of_term(shard, std::string(analyzers::sold_term), size);
    });
    // A reopen in read_while_written moved the handle (shared with the
    // caller's) past the revision the build began at.
    snapshot->one_revision_ = shard.get_revision() == snapshot->revision_;
    if (previous != nullptr) snapshot->warm_caches(*previous, shard);
    return snapshot;
}

void ShardSnapshot::warm_caches(const ShardSnapshot& previous, Xapian::Database& shard) const {
    for (const auto& term : previous.term_docs_cache_.recent_terms(warmed_terms)) {
        if (term.empty() || term.front() != '\0') {
            read_while_written(shard, [&] { term_docs(term, shard); });
            continue;
        }
        std::vector<std::string> terms;  // a union's key: NUL, then each term followed by a NUL
        for (std::size_t start = 1; start < term.size();) {
            const std::size_t end = term.find('\0', start);
            terms.push_back(term.substr(start, end - start));
            start = end + 1;
        }
        read_while_written(shard, [&] { union_docs(terms, shard); });
    }
    for (const auto& term : previous.term_postings_cache_.recent_terms(warmed_terms)) {
        read_while_written(shard, [&] { term_postings(term, shard); });
    }
}

ShardSnapshot::ValueFilter ShardSnapshot::value_filter(const std::optional<double>& price_min,
                                                       const std::optional<double>& price_max,
                                                       const std::vector<int>& conditions,
                                                       const std::string& shipping) const {
    ValueFilter filter;
    if (price_min || price_max) {
        filter.price_limited = true;
        filter.price_min = price_min.value_or(-INFINITY);
        filter.price_max = price_max.value_or(INFINITY);
    }
    const auto allowed_ids = [&](FacetDimension dimension, const std::vector<std::string>& names) {
        std::vector<bool> allowed(facet_value_count(dimension) + 1, false);
        for (const auto& name : names) {
            const auto& ids = id_of_name_[index_of(dimension)];
            if (auto found = ids.find(name); found != ids.end()) allowed[found->second] = true;
        }
        return allowed;
    };
    if (!conditions.empty()) {
        std::vector<std::string> names;
        for (int condition : conditions) names.push_back(std::to_string(condition));
        filter.condition_allowed = allowed_ids(FacetDimension::condition, names);
    }
    if (!shipping.empty()) filter.shipping_allowed = allowed_ids(FacetDimension::shipping, {shipping});
    return filter;
}

std::shared_ptr<const DocidSet> ShardSnapshot::term_docs(const std::string& term, const Xapian::Database& live) const {
    if (auto cached = term_docs_cache_.find(term)) return cached;
    const auto postings = term_postings(term, live);
    auto docs = std::make_shared<DocidSet>(size());
    for (Xapian::docid docid : postings->docids) docs->add(docid);
    if (postings->docids.size() < min_cached_postings) return docs;
    return term_docs_cache_.insert(term, std::move(docs));
}

std::shared_ptr<const TermPostings> ShardSnapshot::term_postings(const std::string& term,
                                                                 const Xapian::Database& live) const {
    // An empty shard (a frozen generation's delta before the follower
    // writes to it) has no postings: no cache lookup, no Xapian read.
    static const auto no_postings = std::make_shared<const TermPostings>();
    if (size() <= 1) return no_postings;
    if (auto cached = term_postings_cache_.find(term)) return cached;
    if (auto rare = rare_postings_cache_.find(term)) return rare;
    auto postings = std::make_shared<const TermPostings>(postings_below(live, term, size()));
    auto& cache = postings->docids.size() >= min_cached_postings ? term_postings_cache_ : rare_postings_cache_;
    return cache.insert(term, std::move(postings));
}

std::shared_ptr<const DocidSet> ShardSnapshot::union_docs(const std::vector<std::string>& terms,
                                                          const Xapian::Database& live) const {
    if (terms.size() == 1) return term_docs(terms.front(), live);
    const std::string key = group_key(terms);
    const bool kept = kept_as_group(terms);
    if (kept) {
        if (auto cached = term_docs_cache_.find(key)) return cached;
    }
    auto docs = std::make_shared<DocidSet>(size());
    // Whether the union has min_cached_postings listings or more, told
    // without counting its bits where the terms' postings already say.
    bool frequent = false;
    std::size_t postings_read = 0;
    for (const auto& term : terms) {
        if (auto cached = term_docs_cache_.find(term)) {
            *docs |= *cached;
            frequent = true;  // only sets of frequent terms are cached
            continue;
        }
        const auto postings = term_postings(term, live);
        if (postings->docids.size() >= min_cached_postings) {
            // A frequent term's set is kept on its own too: the same word
            // comes in other unions (other fields, completions, typos).
            *docs |= *term_docs(term, live);
            frequent = true;
            continue;
        }
        for (Xapian::docid docid : postings->docids) docs->add(docid);
        postings_read += postings->docids.size();
    }
    if (!frequent && !kept && (postings_read < min_cached_postings || docs->count() < min_cached_postings)) return docs;
    return term_docs_cache_.insert(key, std::move(docs));
}

namespace {

std::string docid_key(Xapian::docid docid) {
    return std::string(reinterpret_cast<const char*>(&docid), sizeof docid);
}

}  // namespace

std::shared_ptr<const StoredText> ShardSnapshot::kept_stored_text(Xapian::docid docid) const {
    return stored_text_cache_.find(docid_key(docid));
}

void ShardSnapshot::keep_stored_text(Xapian::docid docid, std::string value) const {
    stored_text_cache_.insert(docid_key(docid), std::make_shared<const StoredText>(StoredText{std::move(value)}));
}

std::shared_ptr<const TitleTerms> ShardSnapshot::title_terms(Xapian::docid docid, const Xapian::Database& live) const {
    const bool kept = holds_as_in(live, docid);
    if (kept) {
        if (auto cached = title_terms_cache_.find(docid_key(docid))) return cached;
    }
    const std::string prefix(analyzers::word_fields[0].prefix);
    auto title = std::make_shared<TitleTerms>();
    auto term = live.termlist_begin(docid);
    for (term.skip_to(prefix); term != live.termlist_end(docid) && (*term).starts_with(prefix); ++term) {
        title->terms.push_back((*term).substr(prefix.size()));
    }
    if (!kept) return title;
    return title_terms_cache_.insert(docid_key(docid), std::move(title));
}

bool ShardSnapshot::kept_as_group(const std::vector<std::string>& terms) {
    return terms.size() >= min_cached_union_terms;
}

std::shared_ptr<const PostingsGroup> ShardSnapshot::group_postings(const std::vector<std::string>& terms,
                                                                   const Xapian::Database& live) const {
    const std::string key = group_key(terms);
    if (auto cached = group_postings_cache_.find(key)) return cached;
    auto group = std::make_shared<PostingsGroup>();
    for (const auto& term : terms) group->of_terms.push_back(*term_postings(term, live));
    if (!kept_as_group(terms)) return group;
    return group_postings_cache_.insert(key, std::move(group));
}

namespace {

bool is_any_of(const Xapian::Query& query) {
    const auto type = query.get_type();
    return type == Xapian::Query::OP_OR || type == Xapian::Query::OP_MAX || type == Xapian::Query::OP_SYNONYM;
}

// Splits the subqueries of an OR into terms (through scaling and nested ORs:
// a word's fields, its completions and typo alternatives, read as one
// union) and the rest.
void split_any_of(const Xapian::Query& query, MatchExpression& expression) {
    for (std::size_t n = 0; n < query.get_num_subqueries(); ++n) {
        Xapian::Query subquery = query.get_subquery(n);
        while (subquery.get_type() == Xapian::Query::OP_SCALE_WEIGHT) subquery = subquery.get_subquery(0);
        if (subquery.get_type() == Xapian::Query::LEAF_TERM) {
            expression.terms.push_back(*subquery.get_terms_begin());
        } else if (is_any_of(subquery)) {
            split_any_of(subquery, expression);
        } else {
            expression.children.push_back(MatchExpression::of(subquery));
        }
    }
}

MatchExpression with_children(MatchExpression::Op op, const Xapian::Query& query) {
    MatchExpression expression{.op = op};
    for (std::size_t n = 0; n < query.get_num_subqueries(); ++n) {
        expression.children.push_back(MatchExpression::of(query.get_subquery(n)));
    }
    return expression;
}

}  // namespace

MatchExpression MatchExpression::of(const Xapian::Query& query) {
    using Op = MatchExpression::Op;
    switch (query.get_type()) {
        case Xapian::Query::LEAF_TERM: return {.op = Op::term, .term = *query.get_terms_begin()};
        case Xapian::Query::LEAF_MATCH_ALL: return {.op = Op::match_all};
        case Xapian::Query::LEAF_MATCH_NOTHING: return {.op = Op::match_nothing};
        case Xapian::Query::OP_SCALE_WEIGHT:
        case Xapian::Query::OP_AND_MAYBE: return of(query.get_subquery(0));  // the rest only adds weight
        case Xapian::Query::OP_AND:
        case Xapian::Query::OP_FILTER: return with_children(Op::all_of, query);
        case Xapian::Query::OP_OR:
        case Xapian::Query::OP_MAX:
        case Xapian::Query::OP_SYNONYM: {
            MatchExpression expression{.op = Op::any_of};
            split_any_of(query, expression);
            return expression;
        }
        case Xapian::Query::OP_AND_NOT: return with_children(Op::and_not, query);
        default: return {};
    }
}

std::size_t MatchExpression::term_count() const {
    std::size_t count = terms.size() + (op == Op::term ? 1 : 0);
    for (const MatchExpression& child : children) count += child.term_count();
    return count;
}

namespace {

// A set to change: one just built for this request is taken as it is (no
// cache holds it: the last owner is the caller), a cached one copied. The
// copy of a shard's bitmap (62 KB at 500,000 listings) for each word of a
// query was 1.5% of the server's time under load.
DocidSet owned_or_copied(std::shared_ptr<const DocidSet> set) {
    if (set.use_count() == 1) return std::move(const_cast<DocidSet&>(*set));  // made non-const by make_shared
    return *set;
}

}  // namespace

std::optional<DocidSet> ShardSnapshot::any_of(const MatchExpression& expression, const Xapian::Database& live) const {
    std::optional<DocidSet> result = expression.terms.empty() ? DocidSet(size())
                                                              : owned_or_copied(union_docs(expression.terms, live));
    for (const MatchExpression& other : expression.children) {
        const auto next = evaluate(other, live);
        if (!next) return std::nullopt;
        *result |= *next;
    }
    return result;
}

// The set of a term, or of a word's terms (their union), as cached: read
// as it is, not copied. Null for any other part.
std::shared_ptr<const DocidSet> ShardSnapshot::shared_set(const MatchExpression& part,
                                                          const Xapian::Database& live) const {
    using Op = MatchExpression::Op;
    if (part.op == Op::term) return term_docs(part.term, live);
    if (part.op == Op::any_of && part.children.empty() && !part.terms.empty()) return union_docs(part.terms, live);
    return nullptr;
}

// The first part's set folded with each following one's by `fold`. When
// the first two are cached sets (two words; a word less the sold listings),
// `both` writes their combination in one pass, where copying the first to
// fold the second into it read and wrote a shard's bitmap once more (0.9%
// of a loaded server's time).
template <typename Fold, typename Both>
std::optional<DocidSet> ShardSnapshot::combine(const MatchExpression& expression, const Xapian::Database& live,
                                               Fold fold, Both both) const {
    const auto& children = expression.children;
    std::optional<DocidSet> result;
    std::size_t next = 1;
    const auto first = shared_set(children.front(), live);
    const auto second = first && children.size() > 1 ? shared_set(children[1], live) : nullptr;
    if (second) {
        result = both(*first, *second);
        next = 2;
    } else {
        result = first ? owned_or_copied(first) : evaluate(children.front(), live);
    }
    for (std::size_t n = next; n < children.size() && result; ++n) {
        if (const auto cached = shared_set(children[n], live)) {
            fold(*result, *cached);
            continue;
        }
        auto part = evaluate(children[n], live);
        if (!part) return std::nullopt;
        fold(*result, *part);
    }
    return result;
}

std::optional<DocidSet> ShardSnapshot::evaluate(const Xapian::Query& query, const Xapian::Database& live) const {
    return evaluate(MatchExpression::of(query), live);
}

std::optional<DocidSet> ShardSnapshot::evaluate(const MatchExpression& expression,
                                                const Xapian::Database& live) const {
    using Op = MatchExpression::Op;
    switch (expression.op) {
        case Op::term: return owned_or_copied(term_docs(expression.term, live));
        case Op::match_all: return *present_;
        case Op::match_nothing: return DocidSet(size());
        case Op::all_of:
            if (expression.children.empty()) return std::nullopt;
            return combine(expression, live, [](DocidSet& set, const DocidSet& next) { set &= next; },
                           DocidSet::intersection);
        case Op::any_of: return any_of(expression, live);
        case Op::and_not:
            if (expression.children.empty()) return std::nullopt;
            return combine(expression, live, [](DocidSet& set, const DocidSet& next) { set.subtract(next); },
                           DocidSet::difference);
        case Op::unsupported: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace query
