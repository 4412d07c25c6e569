// Completions of the word being typed chosen by the other words typed.
//
// A word being typed matches its most frequent completions in the whole
// index (WordDictionary::completions, at most prefix.max_completions). Two
// letters start thousands of words in a large index, so "razer ke" rarely
// completes to keyboard: fifty other words starting with "ke" are more
// common. The listings that have the other words know better: the
// completions their titles use are what the buyer is most likely typing.
#pragma once

#include <string>
#include <vector>

#include <xapian.h>

#include "query/ranking.h"
#include "query_builder.h"
#include "query_plan.h"
#include "shard_view.h"

namespace query {


// Title terms that start with the word being typed (the last of `text`,
// whose completions are searched) and are in the titles of the best
// prefix.context_listings listings (by `ranking`'s BM25) matching every
// other clause of `text`, the most often seen first, up to ten that `text`
// does not already search for the word. Empty when the word has no
// completions or nothing else was typed.
//
// The best listings are ranked on `shards`' snapshots when every one is
// current and no score at the border of those read nearly ties (the same
// listings as Xapian's matcher finds: "short br" took 29 ms there, weighing
// each of the 40,000 listings with "short"); otherwise by Xapian's matcher
// over `database`, the shards combined (`sources` has both). The titles'
// terms are read from their termlists, or, in a frozen generation, whose
// bases have none, by analysing the stored titles with `analyzer`. What
// the snapshots' best listings' titles hold is kept for the next request
// with the same other words (the next key the buyer types), until a
// commit reaches a snapshot.
std::vector<std::string> completions_in_context(const TextQuery& text, const PlanSources& sources,
                                                const RankingConfig& ranking, analyzers::TextAnalyzer& analyzer);

}  // namespace query
