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
#include "field_vocabulary.h"
#include "query/ranking.h"
#include "query_tree.h"
#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"

namespace query {

// A query as a list of clauses, one per word (or per synonym-matched phrase),
// so the caller can require all of them or relax to some.
struct TextQuery {
    std::vector<analyzers::Word> words;             // the analysed words, for highlighting
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
    explicit QueryBuilder(const analyzers::Lexicon& lexicon) : lexicon_(lexicon) {}

    // `vocabulary` lets words match brands and categories; without it only
    // titles and descriptions are searched.
    TextQuery build(std::string_view text, const QueryOptions& options = {},
                    const FieldVocabulary* vocabulary = nullptr);

    analyzers::TextAnalyzer& analyzer() { return analyzer_; }

private:
    const analyzers::Lexicon& lexicon_;
    analyzers::TextAnalyzer analyzer_;
};

}  // namespace query
