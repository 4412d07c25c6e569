// The head noun: in product search the word naming what the thing is
// decides relevance. In "fiberglass door with mail slot" a door is wanted,
// not a mail slot; in "iphone 11 case" a case, not a phone. English puts it
// last in the words before "with", "for", "in"...: the title of a listing
// of that kind has it. Like proximity, the bonus is computed from the
// titles of the best-ranked listings, which are then ranked again.
#pragma once

#include <string>
#include <vector>

#include "analyzers/text_analyzer.h"
#include "query_builder.h"

namespace query {

class HeadNoun {
public:
    explicit HeadNoun(const TextQuery& text);

    // None for a query of one word (every listing it finds has it) or of
    // numbers, sizes and connecting words only.
    bool empty() const { return term_.empty(); }
    const std::string& term() const { return term_; }
    // `weight` if the title (analysed as listings are) has the head noun,
    // a compound's part included ("door" in "screen-door"), else 0.
    double bonus(const std::vector<analyzers::Word>& title, double weight) const;

private:
    std::string term_;
};


}  // namespace query
