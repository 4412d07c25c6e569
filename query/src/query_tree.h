// A query as a small tree of our own, turned into a Xapian::Query for the
// matcher.
//
// Xapian 1.4's Query does not show its scale factors or posting sources to
// the code holding it, and the query server ranks the common queries on
// its in-memory shard snapshots as well as through Xapian's matcher (see
// query/src/snapshot_scoring.h). Both read the same tree, so the two can
// never weigh a listing differently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <xapian.h>

namespace query {

// A leaf weighted by something other than the text (a ranking signal such
// as freshness): its Xapian form. What it means is its creator's business.
class WeightedLeaf {
public:
    virtual ~WeightedLeaf() = default;
    virtual Xapian::Query to_xapian() const = 0;
    // Whether `other` weighs every listing as this one does.
    virtual bool same_as(const WeightedLeaf& other) const { return this == &other; }
};

class QueryTree {
public:
    // The Xapian operators these nodes become, with their weighting: a node
    // weighs what its weighted children weigh, summed; all_of, filter and
    // and_not need every child to match, any_of one, and_maybe the first.
    // (No OP_MAX: Xapian 1.4.22's matcher crashed on queries with it; a
    // word's best way of matching is built from and_not instead.)
    enum class Op {
        term,       // BM25 of one term
        leaf,       // a WeightedLeaf
        match_all,  // every listing, no weight of its own
        scale,      // the only child's weight times factor()
        all_of,     // OP_AND
        any_of,     // OP_OR
        and_maybe,  // OP_AND_MAYBE: the first child, the others add weight when they match
        filter,     // OP_FILTER: the first child, where the others match; they add no weight
        and_not,    // OP_AND_NOT: the first child, where none of the others match
    };

    QueryTree() : QueryTree(Op::match_all) {}
    static QueryTree term(std::string term);
    static QueryTree leaf(std::shared_ptr<const WeightedLeaf> leaf);
    static QueryTree match_all() { return QueryTree(Op::match_all); }
    static QueryTree scaled(QueryTree child, double factor);
    // A node of `op` over `children`; one child of all_of or any_of is
    // returned as it is.
    static QueryTree combine(Op op, std::vector<QueryTree> children);
    // The same, all_of or any_of, with children alike taken once and
    // scaled by their number: it matches and weighs as the children summed,
    // and is weighed once.
    static QueryTree summed(Op op, std::vector<QueryTree> children);

    // Whether `other` matches and weighs every listing as this tree does,
    // node for node.
    bool same_as(const QueryTree& other) const;

    Op op() const { return op_; }
    const std::string& term_name() const { return term_; }
    double factor() const { return factor_; }
    const WeightedLeaf* weighted_leaf() const { return leaf_.get(); }
    const std::vector<QueryTree>& children() const { return children_ ? *children_ : no_children(); }

    Xapian::Query to_xapian() const;

private:
    explicit QueryTree(Op op) : op_(op) {}

    Op op_;
    std::string term_;
    double factor_ = 1.0;
    std::shared_ptr<const WeightedLeaf> leaf_;
    // Shared, never changed once built: copying a tree (a plan keeps its
    // clauses, the relaxed query and the signals wrap them again) copies
    // no node. Deep copies of words' trees of hundreds of terms were ~3% of
    // a search's time.
    std::shared_ptr<const std::vector<QueryTree>> children_;

    static const std::vector<QueryTree>& no_children();
};

}  // namespace query
