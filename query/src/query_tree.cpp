#include "query_tree.h"

#include <algorithm>
#include <stdexcept>

namespace query {
namespace {

Xapian::Query::op xapian_op(QueryTree::Op op) {
    switch (op) {
        case QueryTree::Op::all_of: return Xapian::Query::OP_AND;
        case QueryTree::Op::any_of: return Xapian::Query::OP_OR;
        case QueryTree::Op::and_maybe: return Xapian::Query::OP_AND_MAYBE;
        case QueryTree::Op::filter: return Xapian::Query::OP_FILTER;
        case QueryTree::Op::and_not: return Xapian::Query::OP_AND_NOT;
        default: break;
    }
    throw std::logic_error("not a combining operator");
}

}  // namespace

QueryTree QueryTree::term(std::string term) {
    QueryTree tree(Op::term);
    tree.term_ = std::move(term);
    return tree;
}

QueryTree QueryTree::leaf(std::shared_ptr<const WeightedLeaf> leaf) {
    QueryTree tree(Op::leaf);
    tree.leaf_ = std::move(leaf);
    return tree;
}

QueryTree QueryTree::scaled(QueryTree child, double factor) {
    QueryTree tree(Op::scale);
    tree.factor_ = factor;
    tree.children_ = std::make_shared<const std::vector<QueryTree>>(1, std::move(child));
    return tree;
}

QueryTree QueryTree::combine(Op op, std::vector<QueryTree> children) {
    xapian_op(op);  // throws for a leaf's op
    if (children.size() == 1 && (op == Op::all_of || op == Op::any_of)) {
        return std::move(children.front());
    }
    QueryTree tree(op);
    tree.children_ = std::make_shared<const std::vector<QueryTree>>(std::move(children));
    return tree;
}

QueryTree QueryTree::summed(Op op, std::vector<QueryTree> children) {
    if (op != Op::all_of && op != Op::any_of) throw std::invalid_argument("only all_of and any_of sum their children");
    std::vector<QueryTree> distinct;
    std::vector<std::size_t> times;
    for (QueryTree& child : children) {
        const auto alike = std::find_if(distinct.begin(), distinct.end(),
                                        [&](const QueryTree& kept) { return kept.same_as(child); });
        if (alike != distinct.end()) {
            ++times[static_cast<std::size_t>(alike - distinct.begin())];
            continue;
        }
        distinct.push_back(std::move(child));
        times.push_back(1);
    }
    for (std::size_t n = 0; n < distinct.size(); ++n) {
        if (times[n] > 1) distinct[n] = scaled(std::move(distinct[n]), static_cast<double>(times[n]));
    }
    return combine(op, std::move(distinct));
}

bool QueryTree::same_as(const QueryTree& other) const {
    const auto& children = this->children();
    const auto& other_children = other.children();
    if (op_ != other.op_ || term_ != other.term_ || factor_ != other.factor_ ||
        children.size() != other_children.size()) {
        return false;
    }
    if (leaf_ != other.leaf_ && (!leaf_ || !other.leaf_ || !leaf_->same_as(*other.leaf_))) return false;
    if (children_ == other.children_) return true;
    for (std::size_t n = 0; n < children.size(); ++n) {
        if (!children[n].same_as(other_children[n])) return false;
    }
    return true;
}

const std::vector<QueryTree>& QueryTree::no_children() {
    static const std::vector<QueryTree> none;
    return none;
}

Xapian::Query QueryTree::to_xapian() const {
    switch (op_) {
        case Op::term: return Xapian::Query(term_);
        case Op::leaf: return leaf_->to_xapian();
        case Op::match_all: return Xapian::Query::MatchAll;
        case Op::scale: return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, children().front().to_xapian(), factor_);
        default: break;
    }
    std::vector<Xapian::Query> children;
    children.reserve(this->children().size());
    for (const QueryTree& child : this->children()) children.push_back(child.to_xapian());
    return Xapian::Query(xapian_op(op_), children.begin(), children.end());
}

}  // namespace query
