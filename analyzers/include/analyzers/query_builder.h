// Turns what a buyer typed into a query over the document layout.
//
// Built by hand from analysed words rather than with Xapian's QueryParser:
// the words must be exactly the indexer's (ICU breaking, compounds, stems),
// and QueryParser's FLAG_CJK_NGRAM throws on mixed queries such as
// "iphone 中古 pro" in Xapian 1.4.22 (fixed upstream only in 1.4.25).
#pragma once

#include <string_view>
#include <vector>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/field_vocabulary.h"
#include "analyzers/query_tree.h"
#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"

namespace analyzers {

// Multipliers on each field's BM25 score.
struct FieldWeights {
    double title = 3.0;
    double brand = 2.0;
    double category = 1.0;
    double description = 0.5;

    double of(TextField field) const;
};

struct QueryOptions {
    FieldWeights weights;
    double synonym_weight = 0.8;  // a synonym's match counts a little less than the words typed
};

// A query as a list of clauses, one per word (or per synonym-matched phrase),
// so the caller can require all of them or relax to some.
struct TextQuery {
    std::vector<Word> words;             // the analysed words, for highlighting
    std::vector<QueryTree> clauses;  // one per word or phrase
    // Key terms of the brands and categories the words name ("nike" ->
    // "XBnike"), for the ranking's brand and category match signals.
    std::vector<std::string> named_brands, named_categories;
    // Every term a listing's text can match on (words, parts of compounds,
    // synonyms), for highlighting.
    std::vector<std::string> match_terms;

    bool empty() const { return clauses.empty(); }
    QueryTree all_words() const;  // every clause must match
    QueryTree any_word() const;   // more matching clauses rank higher
};

// Not thread-safe (owns a TextAnalyzer): one per thread.
class QueryBuilder {
public:
    explicit QueryBuilder(const Lexicon& lexicon) : lexicon_(lexicon) {}

    // `vocabulary` lets words match brands and categories; without it only
    // titles and descriptions are searched.
    TextQuery build(std::string_view text, const QueryOptions& options = {},
                    const FieldVocabulary* vocabulary = nullptr);

    TextAnalyzer& analyzer() { return analyzer_; }

private:
    const Lexicon& lexicon_;
    TextAnalyzer analyzer_;
};

}  // namespace analyzers
