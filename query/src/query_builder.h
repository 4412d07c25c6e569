// Turns what a buyer typed into a query over the document layout.
//
// Built by hand from analysed words rather than with Xapian's QueryParser:
// the words must be exactly the indexer's (ICU breaking, compounds, stems),
// and QueryParser's FLAG_CJK_NGRAM throws on mixed queries such as
// "iphone 中古 pro" in Xapian 1.4.22 (fixed upstream only in 1.4.25).
//
// Each typed word becomes a clause: the word in every field, its compound
// parts, and, with a WordDictionary, what a buyer typing on a phone may
// mean by it (a completion of the last word, known words a typo away, the
// two words it runs together); synonyms and brand aliases come first and
// the words they cover are taken as typed (only completed, when being
// typed). "-word" leaves listings out.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"
#include "field_vocabulary.h"
#include "query/ranking.h"
#include "query_tree.h"
#include "word_dictionary.h"

namespace query {

// A way a typed word was searched besides itself.
struct Expansion {
    enum class Kind { completion, typo, split, join };
    Kind kind = Kind::completion;
    std::string typed;               // the word (or, joined, the words) as typed, normalised
    std::vector<std::string> terms;  // what was searched: one term, or two for a split
    std::size_t typos = 0;           // edits from the typed word (typo)
};

const char* to_string(Expansion::Kind kind);

// Terms a listing's text can match on, for highlighting: the term and how
// many leading characters of the word to mark (0: the whole word; a
// completion marks what was typed of it). The same type as HighlightTerms.
using MatchedTerms = std::unordered_map<std::string, std::size_t>;

// A query as a list of clauses, one per word (or per synonym-matched phrase,
// or per two words that may be one), so the caller can require all of them
// or relax to some.
struct TextQuery {
    std::vector<analyzers::Word> words;  // the analysed words typed (not the excluded ones)
    std::vector<QueryTree> clauses;      // one per word or phrase, or two words that may be one

    // The typed words one by one (a synonym's phrase as one), for relaxing
    // to listings with some of them: the ways the word matches, how much of
    // the coordination bonus each way earns (the word as typed all of it,
    // a typo or completion its kind's share), and how informative the word
    // is (its IDF: "with" and "1" tell little, "dewalt" much).
    struct Unit {
        struct Alternative {
            QueryTree tree;
            double bonus_share = 1;
            // A typo of a word some title has as typed: more often another
            // word ("planes" -> planet) than what was meant. (Completions
            // are what was meant as often as not: the word is being typed.)
            bool other_word = false;
        };
        std::vector<Alternative> alternatives;
        double informativeness = 1;
        bool number = false;  // a bare number ("1", "50")
        bool function_word = false;  // names no thing ("with", "for", "and")

        QueryTree matching() const;  // the best way the word matches
    };
    std::vector<Unit> units;
    // Key terms of the brands and categories the words name ("nike" ->
    // "XBnike"), for the ranking's brand and category match signals.
    std::vector<std::string> named_brands, named_categories;
    MatchedTerms match_terms;
    std::optional<QueryTree> excluded;  // "-hoodie": listings matching any of these are left out
    std::vector<std::string> excluded_words;  // as typed, normalised
    std::size_t words_left_out = 0;  // past max_query_words, not searched
    std::vector<Expansion> expansions;  // every completion, typo, split and join searched
    // Per word: it matches as typed, or through a synonym, a completion, a
    // split or a join (else spelling correction may help).
    std::vector<bool> understood;
    // Words read as something else than typed, because as typed they are in
    // no title ("northface" -> "north face", "iph" -> "iphone").
    struct Reading {
        std::size_t first_word = 0, word_count = 1;  // into `words`
        std::string as;                              // as words, the way sellers write them
        Expansion::Kind how = Expansion::Kind::completion;
    };
    std::vector<Reading> readings;

    bool empty() const { return clauses.empty(); }
    QueryTree all_words() const;  // every clause must match
    QueryTree any_word() const;   // more matching clauses rank higher
    // `matching` without the excluded listings.
    QueryTree without_excluded(QueryTree matching) const;
};

// A word's ways of matching with their shares, grouped by share, the best
// share first, each group matching only where no better one does
// (AND_NOT), so that a listing counts the best way it matches the word.
// Not OP_MAX: see TextQuery::Unit::matching.
struct WaysOfShare {
    double share = 1;
    QueryTree matching;
};
std::vector<WaysOfShare> best_way_first(const std::vector<std::pair<double, QueryTree>>& ways);

// What a buyer typed, read as a search box reads it: "-word" leaves
// listings with the word out (a word of letters only: "58 -62" and "ft.
// -lbs." are how sellers write sizes), and the last word is still being
// typed unless a space follows it.
struct TypedQuery {
    std::string searched;
    std::string excluded;
    bool last_word_complete = true;
};
TypedQuery read_typed(std::string_view text);

// Corrections of unknown words to search at full weight among their typo
// alternatives: typed term -> the correction's term ("blvck" -> black).
using PreferredCorrections = std::unordered_map<std::string, std::string>;

// What a first reading of a query tells the next one.
struct ReadingHints {
    PreferredCorrections corrections;
    // Terms the word being typed completes to in the listings with the
    // other words, the most used first: searched besides its most frequent
    // completions, and the first is how the word is read.
    std::vector<std::string> completions;
};

// Not thread-safe (owns a TextAnalyzer): one per thread.
class QueryBuilder {
public:
    explicit QueryBuilder(const analyzers::Lexicon& lexicon)
        : lexicon_(lexicon), analyzer_(analyzers::AnalyzerOptions{.keep_surface = true}) {}

    // `vocabulary` lets words match brands and categories; without it only
    // titles and descriptions are searched. `words` turns on the typing
    // expansions of options.typing.
    TextQuery build(const TypedQuery& typed, const QueryOptions& options = {},
                    const FieldVocabulary* vocabulary = nullptr, const WordDictionary* words = nullptr,
                    const ReadingHints* hints = nullptr);
    // Every word of `text` searched, the last one taken as complete.
    TextQuery build(std::string_view text, const QueryOptions& options = {},
                    const FieldVocabulary* vocabulary = nullptr, const WordDictionary* words = nullptr) {
        return build(TypedQuery{.searched = std::string(text)}, options, vocabulary, words);
    }

    analyzers::TextAnalyzer& analyzer() { return analyzer_; }

private:
    const analyzers::Lexicon& lexicon_;
    analyzers::TextAnalyzer analyzer_;
};

}  // namespace query
