// From what a buyer typed to the text side of the query, the same way for
// the search service and the relevance tools: spelling correction of words
// no listing contains, then all words, relaxed to any word (with a bonus
// per word matched) when all of them together find too little.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <xapian.h>

#include "field_vocabulary.h"
#include "query_builder.h"
#include "query/ranking.h"
#include "spelling.h"

namespace query {

struct TextPlan {
    TextQuery text;
    // The typed query with unknown words corrected ("nikke hoodie" ->
    // "nike hoodie"); empty when every word is known or none is correctable.
    std::string suggestion;
    bool corrected = false;  // the suggestion was searched instead of the typed words
};

// Builds the text query for `typed`, searching the suggestion instead when
// the ranking config says to auto-correct.
TextPlan plan_text(const std::string& typed, QueryBuilder& builder, const RankingConfig& ranking,
                   const FieldVocabulary& vocabulary, const SpellingDictionary& spelling,
                   const Xapian::Database& database);

// The relaxed form of `text`: listings matching any word, plus
// ranking.relax_word_bonus for each word they match.
QueryTree relaxed_query(const TextQuery& text, const RankingConfig& ranking);

}  // namespace query
