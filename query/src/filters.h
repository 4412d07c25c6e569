// Buyers' filters as Xapian queries over the document layout.
#pragma once

#include <xapian.h>

#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"
#include "query/search_request.h"

namespace query {

// `matches` restricted by every filter in `filters`. Filters never change
// the ranking: they are boolean (OP_FILTER, OP_AND_NOT, value ranges).
Xapian::Query apply_filters(const Xapian::Query& matches, const Filters& filters, analyzers::TextAnalyzer& analyzer,
                            const analyzers::Lexicon& lexicon);

// Only the filters that are terms (brand, category, status): what a shard
// snapshot evaluates on bitmaps, checking the value filters on its columns.
Xapian::Query apply_term_filters(const Xapian::Query& matches, const Filters& filters,
                                 analyzers::TextAnalyzer& analyzer, const analyzers::Lexicon& lexicon);

}  // namespace query
