#include "query_plan.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "analyzers/document_layout.h"
#include "context_completions.h"
#include "filters.h"

namespace query {
namespace {

// A word is known if some listing has it in a text field, or it names a
// brand or category.
bool known(const std::string& term, const FieldVocabulary& vocabulary, const Xapian::Database& database) {
    for (const auto& field : analyzers::word_fields) {
        if (database.get_termfreq(std::string(field.prefix) + term) > 0) return true;
    }
    return !vocabulary.brand_terms(term).empty() || !vocabulary.category_terms(term).empty();
}

// The listings with `term` in a text field.
Xapian::Query in_any_field(const std::string& term) {
    std::vector<Xapian::Query> fields;
    for (const auto& field : analyzers::word_fields) fields.emplace_back(std::string(field.prefix) + term);
    return Xapian::Query(Xapian::Query::OP_OR, fields.begin(), fields.end());
}

// Whether some listing matches `query`: the match stops at the first.
bool some_listing_matches(Xapian::Enquire& enquire, const Xapian::Query& query) {
    enquire.set_query(query);
    return !enquire.get_mset(0, 1).empty();
}

// At most this many corrections are tried with every other typed word:
// each try is a match that stops at its first listing, but one that finds
// none reads the correction's postings through.
constexpr std::size_t max_tried_with_every_word = 8;

// Of an unknown word's corrections (closest, then most common, first), the
// first of the first few that some listing has together with every other
// typed word ("gas pire column": fire, in "gas fire pit column", before
// air, which listings have with gas or with column but not both); else the
// first found with any of them ("contorl valve": control, found with
// valve, before contort); else the first. Counting the most words found
// together (Xapian's CoordWeight) read every listing of a common
// correction: "air force 1" went from 13 to 37 ms on a million listings.
const WordDictionary::Correction& correction_in_context(const std::vector<WordDictionary::Correction>& corrections,
                                                        const TextQuery& text, std::size_t word,
                                                        const Xapian::Database& database) {
    std::vector<Xapian::Query> others;
    for (std::size_t n = 0; n < text.words.size(); ++n) {
        if (n != word && !text.words[n].term.empty()) others.push_back(in_any_field(text.words[n].term));
    }
    if (others.empty() || corrections.size() == 1) return corrections.front();
    const Xapian::Query every_other(Xapian::Query::OP_AND, others.begin(), others.end());
    const Xapian::Query any_other(Xapian::Query::OP_OR, others.begin(), others.end());
    Xapian::Enquire enquire(database);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    const auto found_with = [&](const WordDictionary::Correction& correction, const Xapian::Query& words) {
        return some_listing_matches(enquire, Xapian::Query(Xapian::Query::OP_AND, in_any_field(correction.term), words));
    };
    const WordDictionary::Correction* found_with_one = nullptr;
    for (std::size_t n = 0; n < corrections.size(); ++n) {
        const bool try_every_word = others.size() > 1 && n < max_tried_with_every_word;
        if (found_with_one != nullptr && !try_every_word) break;
        if (found_with_one == nullptr && !found_with(corrections[n], any_other)) continue;
        if (!try_every_word || found_with(corrections[n], every_other)) return corrections[n];
        if (found_with_one == nullptr) found_with_one = &corrections[n];
    }
    return found_with_one != nullptr ? *found_with_one : corrections.front();
}

// The plan matching all its words.
Plan with_matching(Plan plan) {
    plan.matching = plan.text.all_words();
    plan.matches = plan.matching.to_xapian();
    return plan;
}

bool has_typo_alternatives(const TextQuery& text, const std::string& surface) {
    return std::any_of(text.expansions.begin(), text.expansions.end(), [&](const Expansion& expansion) {
        return expansion.kind == Expansion::Kind::typo && expansion.typed == surface;
    });
}

// `typed` with whitespace-separated tokens replaced by their corrections.
std::string with_corrections(const std::string& typed, const std::unordered_map<std::string, std::string>& corrections,
                             analyzers::TextAnalyzer& analyzer) {
    std::string corrected;
    for (std::size_t start = 0; start < typed.size();) {
        const std::size_t space = std::min(typed.find(' ', start), typed.size());
        std::string token = typed.substr(start, space - start);
        const auto words = analyzer.analyze(token);
        if (words.size() == 1) {
            if (auto found = corrections.find(words[0].term); found != corrections.end()) token = found->second;
        }
        if (!token.empty()) corrected += (corrected.empty() ? "" : " ") + token;
        start = space + 1;
    }
    return corrected;
}

// The word being typed starts more words than its completions searched,
// so the other words may tell which (context_completions.h).
bool completions_capped(const TextQuery& text, const TypedQuery& typed, const WordDictionary& words,
                        const TypingOptions& typing) {
    if (!typing.prefix || typed.last_word_complete || text.words.empty()) return false;
    return words.has_more_completions(text.words.back().surface, typing.max_completions);
}

}  // namespace

Plan Planner::plan(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking,
                   const PlanSources& sources) {
    Plan plan{.request = request, .ranking = std::move(ranking), .first_rank = request.offset, .rank_count = request.limit};
    const RankingConfig& config = *plan.ranking;
    plan.strategy = request.matching.value_or(config.matching);
    TypedQuery typed = read_typed(request.text);
    plan.text = builder_.build(typed, config.text, &sources.vocabulary, &sources.words);
    // Words a synonym, completion, split or join already explains are never
    // corrected ("air pods" is airpods, not "air pop").
    std::unordered_map<std::string, std::string> shown;  // term -> correction as written, for "did you mean"
    std::unordered_map<std::string, std::string> replaced;  // the same, for words without typo alternatives
    ReadingHints hints;  // corrections' terms, for words with typo alternatives
    for (std::size_t n = 0; n < plan.text.words.size(); ++n) {
        const auto& word = plan.text.words[n];
        if (plan.text.understood[n] || known(word.term, sources.vocabulary, sources.database)) continue;
        const auto corrections = sources.words.corrections(word.surface, word.term);
        if (corrections.empty()) continue;
        const auto& correction = correction_in_context(corrections, plan.text, n, sources.database);
        shown.emplace(word.term, correction.display);
        if (has_typo_alternatives(plan.text, word.surface)) hints.corrections.emplace(word.term, correction.term);
        else replaced.emplace(word.term, correction.display);
    }
    if (!shown.empty()) plan.suggestion = with_corrections(request.text, shown, builder_.analyzer());
    if (!shown.empty() && config.spelling_auto_correct > 0) {
        // The typed words match nothing: searching them as typed would only
        // lose. A word with typo alternatives keeps them all, its correction
        // weighing as the word would ("blvck": black first, block too);
        // others are replaced by their correction.
        const bool last_word_complete = typed.last_word_complete;
        typed = read_typed(with_corrections(request.text, replaced, builder_.analyzer()));
        typed.last_word_complete = last_word_complete;
        plan.text = builder_.build(typed, config.text, &sources.vocabulary, &sources.words, &hints);
        plan.corrected = true;
    }
    if (completions_capped(plan.text, typed, sources.words, config.text.typing)) {
        hints.completions = completions_in_context(plan.text, sources, config, builder_.analyzer());
        if (!hints.completions.empty()) {
            plan.text = builder_.build(typed, config.text, &sources.vocabulary, &sources.words, &hints);
        }
    }
    return with_matching(std::move(plan));
}

std::uint64_t Planner::relaxed_below(const Plan& plan) const {
    if (plan.relaxed || plan.strategy == MatchingStrategy::all) return 0;
    return relaxed_below_matches(plan.text, *plan.ranking);
}

void Planner::relax(Plan& plan) const {
    plan.matching = relaxed_query(plan.text, *plan.ranking, plan.strategy);
    plan.matches = plan.matching.to_xapian();
    plan.relaxed = true;
}

Xapian::Query Planner::filtered(const Plan& plan, const Filters& filters) {
    return apply_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
}

Xapian::Query Planner::listings_passing(const Filters& filters) {
    return apply_filters(Xapian::Query::MatchAll, filters, builder_.analyzer(), lexicon_);
}

FilteredQueries Planner::filtered_queries(const Plan& plan) {
    return {.with_term_filters =
                [this, &plan](const Filters& filters) {
                    return apply_term_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
                },
            .with_all_filters = [this, &plan](const Filters& filters) { return filtered(plan, filters); }};
}

Xapian::Query Planner::ranked(const Plan& plan, const RankingContext& context) {
    const Xapian::Query ranked = with_business_signals(filtered(plan), plan.text, *plan.ranking, context);
    return context.replaced ? context.replaced->left_out_of(ranked) : ranked;
}

QueryTree Planner::scored(const Plan& plan, const RankingContext& context) const {
    return with_business_signals(plan.matching, plan.text, *plan.ranking, context);
}

namespace {

using Op = QueryTree::Op;

QueryTree bonus_for(double bonus, const QueryTree& clause) {
    return QueryTree::combine(Op::filter, {constant_weight(bonus), clause});
}

// Meilisearch's "last": the first word is required; each further word adds
// a bonus larger than all the words after it together, so listings with the
// first k words come before those with only the first k - 1.
QueryTree dropping_from_the_end(const TextQuery& text, const RankingConfig& ranking) {
    const auto& clauses = text.clauses;
    std::vector<QueryTree> children{clauses.front()};
    double bonus = ranking.relax_word_bonus;
    std::vector<QueryTree> bonuses;
    for (std::size_t n = clauses.size() - 1; n >= 1; --n) {
        children.push_back(clauses[n]);
        if (bonus > 0) bonuses.push_back(bonus_for(bonus, clauses[n]));
        bonus *= 2;
    }
    if (!bonuses.empty()) children.push_back(QueryTree::combine(Op::any_of, std::move(bonuses)));
    return text.without_excluded(QueryTree::combine(Op::and_maybe, std::move(children)));
}

// The coordination bonus of one typed word: flat, plus its IDF's share,
// less for a bare number; each way the word matches earns its share of it
// (a typo less than the word as typed) and a listing counts its best way.
QueryTree word_bonus(const TextQuery::Unit& unit, const RankingConfig& ranking) {
    double bonus = ranking.relax_word_bonus + ranking.relax_idf_bonus * unit.informativeness;
    if (unit.number) bonus *= ranking.relax_number_share;
    if (unit.function_word) bonus *= ranking.relax_function_word_share;
    std::vector<std::pair<double, QueryTree>> ways;
    for (const auto& alternative : unit.alternatives) {
        const double share = alternative.bonus_share * (alternative.other_word ? ranking.relax_other_word_share : 1);
        ways.emplace_back(share, alternative.tree);
    }
    std::vector<QueryTree> bonuses;
    for (auto& group : best_way_first(ways)) {
        if (group.share > 0) bonuses.push_back(bonus_for(bonus * group.share, std::move(group.matching)));
    }
    return QueryTree::combine(Op::any_of, std::move(bonuses));
}

}  // namespace

QueryTree relaxed_query(const TextQuery& text, const RankingConfig& ranking, MatchingStrategy strategy) {
    if (text.clauses.empty()) return text.any_word();
    if (strategy == MatchingStrategy::last) return dropping_from_the_end(text, ranking);
    QueryTree any = text.any_word();
    if (ranking.relax_word_bonus <= 0 && ranking.relax_idf_bonus <= 0) return any;
    std::vector<QueryTree> bonuses;
    for (const auto& unit : text.units) bonuses.push_back(word_bonus(unit, ranking));
    return QueryTree::combine(Op::and_maybe, {std::move(any), QueryTree::summed(Op::any_of, std::move(bonuses))});
}

std::string Plan::interpreted() const {
    if (text.readings.empty() && !corrected && text.words_left_out == 0) return "";
    std::vector<std::string> shown;
    const auto& words = text.words;
    for (std::size_t n = 0; n < words.size();) {
        const auto reading = std::find_if(text.readings.begin(), text.readings.end(),
                                          [n](const TextQuery::Reading& r) { return r.first_word == n; });
        if (reading == text.readings.end()) {
            shown.push_back(words[n].surface);
            ++n;
            continue;
        }
        shown.push_back(reading->as);
        n += reading->word_count;
    }
    for (const auto& word : text.excluded_words) shown.push_back("-" + word);
    return fmt::format("{}", fmt::join(shown, " "));
}

std::vector<WordReading> Plan::readings() const {
    std::vector<WordReading> readings;
    for (const auto& reading : text.readings) {
        std::vector<std::string> typed;
        for (std::size_t n = reading.first_word; n < reading.first_word + reading.word_count; ++n) {
            typed.push_back(text.words[n].surface);
        }
        readings.push_back(
            {.typed = fmt::format("{}", fmt::join(typed, " ")), .as = reading.as, .how = to_string(reading.how)});
    }
    return readings;
}

Xapian::Enquire enquire_for(const Xapian::Database& database, const Xapian::Query& query,
                            const RankingConfig& ranking) {
    Xapian::Enquire enquire(database);
    enquire.set_weighting_scheme(bm25_of(ranking));
    enquire.set_query(query);
    return enquire;
}

}  // namespace query
