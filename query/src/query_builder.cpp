#include "query_builder.h"

#include "function_words.h"
#include "query/request_checks.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <unordered_set>

namespace query {
namespace {

using analyzers::Phrase;
using analyzers::SynonymTable;
using analyzers::TextField;
using analyzers::Word;
using analyzers::word_fields;
using Op = QueryTree::Op;

// Two words read as one, or one as two, only when the other reading is in
// at least this many titles (or names).
constexpr Xapian::doccount min_split_join_frequency = 1;
// A run-together word is split only when its parts are this much more
// common than it: "backpack" stays one word, "northface" becomes two.
constexpr double split_advantage = 10;
constexpr std::size_t min_split_part_bytes = 2;

// Terms already searched for one word: its alternatives leave them out, so
// no term appears twice in a word's clause (Xapian would weigh it by its
// count in the query, and "shirt" and its typo "tshirt" name one category).
using SearchedTerms = std::unordered_set<std::string>;

void add_weighted(std::vector<QueryTree>& queries, const std::string& term, double weight, SearchedTerms* searched) {
    if (weight <= 0) return;
    if (searched != nullptr && !searched->insert(term).second) return;
    queries.push_back(QueryTree::scaled(QueryTree::term(term), weight));
}

bool all_digits(std::string_view word) {
    return std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_digit(std::string_view word) {
    return std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One analysed term searched in every field, each with its weight.
class FieldExpander {
public:
    // `part_synonyms`, if given, are searched for the parts of a compound
    // word ("5-gallon" finds "5 gal."), each weighing `synonym_weight`.
    FieldExpander(const FieldWeights& weights, const FieldVocabulary* vocabulary,
                  const analyzers::SynonymTable* part_synonyms = nullptr, double synonym_weight = 1)
        : weights_(weights), vocabulary_(vocabulary), part_synonyms_(part_synonyms), synonym_weight_(synonym_weight) {}

    enum class Fields { all, all_but_description, titles_and_brands };

    QueryTree term(const std::string& term, Fields fields = Fields::all, SearchedTerms* searched = nullptr) const {
        std::vector<QueryTree> queries;
        for (const auto& spec : word_fields) {
            if (spec.field == TextField::description && fields != Fields::all) continue;
            add_weighted(queries, std::string(spec.prefix) + term, weights_.of(spec.field), searched);
        }
        if (vocabulary_ != nullptr) {
            for (const auto& key : vocabulary_->brand_terms(term)) add_weighted(queries, key, weights_.brand, searched);
            if (fields != Fields::titles_and_brands) {
                for (const auto& key : vocabulary_->category_terms(term)) {
                    add_weighted(queries, key, weights_.category, searched);
                }
            }
        }
        return QueryTree::combine(Op::any_of, std::move(queries));
    }

    // The term's fields not yet searched for the word; nullopt if none is left.
    std::optional<QueryTree> alternative(const std::string& term, SearchedTerms& searched,
                                         Fields fields = Fields::all) const {
        QueryTree tree = this->term(term, fields, &searched);
        if (tree.op() == Op::any_of && tree.children().empty()) return std::nullopt;
        return tree;
    }

    // "t-shirt" finds "tshirt", "t-shirt" and "t shirt"; "4x4" finds "4 in.
    // x 4 in.": a part repeated is searched once (twice, it would be an
    // empty clause, since a word's terms are searched once, and match
    // nothing).
    QueryTree word(const Word& word, SearchedTerms* searched = nullptr) const {
        QueryTree whole = term(word.term, Fields::all, searched);
        if (word.parts.empty()) return whole;
        const bool with_number = std::any_of(word.parts.begin(), word.parts.end(),
                                             [](const std::string& part) { return !part.empty() && all_digits(part); });
        std::vector<QueryTree> parts;
        std::unordered_set<std::string> seen_parts;
        for (const auto& part : word.parts) {
            if (seen_parts.insert(part).second) parts.push_back(part_of_compound(part, with_number, searched));
        }
        return QueryTree::combine(Op::any_of, {std::move(whole), QueryTree::combine(Op::all_of, std::move(parts))});
    }

    // A synonym's words, in titles, brands and categories only: words
    // scattered through a long description are a loose match for a phrase,
    // and searching descriptions for every synonym of a common word ("nwt"
    // -> "new with tags") tripled its query time.
    QueryTree phrase(const Phrase& phrase) const {
        std::vector<QueryTree> terms;
        for (const auto& each : phrase) terms.push_back(term(each, Fields::all_but_description));
        return QueryTree::combine(Op::all_of, std::move(terms));
    }

private:
    // A part of a compound word, or a one-word synonym of it, in titles,
    // brands and categories: parts scattered through a description are a
    // loose match, as a phrase's words are ("4x4" found "Measures 12 x 8 x
    // 4 inches" in a description).
    // Beside a number (`with_number`), a unit's letter also finds the unit
    // written out and the reverse ("6inch" finds "6 in.", "60w" finds
    // "60-Watt"): see unit_written_otherwise.
    QueryTree part_of_compound(const std::string& part, bool with_number, SearchedTerms* searched) const {
        QueryTree as_typed = term(part, Fields::all_but_description, searched);
        std::vector<QueryTree> ways{std::move(as_typed)};
        const auto add_synonym = [&](const std::string& synonym) {
            ways.push_back(QueryTree::scaled(term(synonym, Fields::all_but_description), synonym_weight_));
        };
        if (part_synonyms_ != nullptr) {
            for (const auto& phrase : part_synonyms_->longest_match({Word{.term = part}}, 0).alternatives) {
                if (phrase.size() == 1) add_synonym(phrase.front());
            }
        }
        if (with_number) {
            if (const auto unit = unit_written_otherwise(part)) add_synonym(*unit);
        }
        return QueryTree::combine(Op::any_of, std::move(ways));
    }

    // Units the synonyms table leaves out because their short form is a
    // word or a letter elsewhere ("in", "v neck"); written against a number
    // they can only be the unit. Terms are stems ("inches" is "inch").
    static std::optional<std::string> unit_written_otherwise(const std::string& part) {
        static const std::unordered_map<std::string, std::string> other_form{
            {"in", "inch"}, {"inch", "in"}, {"w", "watt"}, {"v", "volt"}};
        const auto found = other_form.find(part);
        if (found == other_form.end()) return std::nullopt;
        return found->second;
    }

    const FieldWeights& weights_;
    const FieldVocabulary* vocabulary_;
    const analyzers::SynonymTable* part_synonyms_;
    double synonym_weight_;
};

// The inverse document frequency Xapian's BM25Weight gives a term in this
// many of `listings` (BM25Weight::init).
double bm25_idf(Xapian::doccount frequency, Xapian::doccount listings) {
    double tw = (double(listings) - frequency + 0.5) / (frequency + 0.5);
    if (tw < 2) tw = tw * 0.5 + 1;
    return std::log(tw);
}

// Characters (not bytes) of a UTF-8 word: how much of a completed word to mark.
std::size_t characters_in(std::string_view word) {
    return static_cast<std::size_t>(
        std::count_if(word.begin(), word.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The clauses of one query, with the typing expansions when a dictionary
// is given.
class ClauseBuilder {
public:
    ClauseBuilder(const QueryOptions& options, const FieldExpander& expand, const WordDictionary* dictionary,
                  const FieldVocabulary* vocabulary, const analyzers::Lexicon& lexicon,
                  analyzers::TextAnalyzer& analyzer, const ReadingHints* hints, TextQuery& query)
        : typing_(options.typing), expand_(expand), dictionary_(dictionary), vocabulary_(vocabulary),
          lexicon_(lexicon), analyzer_(analyzer), hints_(hints), query_(query) {}

    // A word on its own, with its completions (the word being typed), typo
    // alternatives and split.
    TextQuery::Unit word(std::size_t index, bool being_typed) {
        const Word& word = query_.words[index];
        SearchedTerms searched;
        TextQuery::Unit unit{.alternatives = {{.tree = expand_.word(word, &searched)}},
                             .number = !word.surface.empty() && all_digits(word.surface),
                             .function_word = is_function_word(word.surface)};
        if (dictionary_ != nullptr) {
            const bool known = known_as_typed(word);
            if (being_typed && typing_.prefix) add_completions(index, known, searched, unit);
            if (typing_.typos && may_have_typos(word)) add_typos(index, known, searched, unit);
            if (typing_.split_join) add_split(index, known, unit);
            unit.informativeness = informativeness(word);
        }
        return unit;
    }

    // A word a synonym covers: as typed, and completed when being typed
    // ("tee" may be the start of teeth); never fuzzed or split, the
    // synonym says what it means.
    QueryTree covered_word(std::size_t index, bool being_typed) {
        const Word& word = query_.words[index];
        SearchedTerms searched;
        TextQuery::Unit unit{.alternatives = {{.tree = expand_.word(word, &searched)}}};
        if (dictionary_ != nullptr && being_typed && typing_.prefix) {
            add_completions(index, known_as_typed(word), searched, unit);
        }
        return unit.matching();
    }

    // The term two adjacent words make when written as one ("air pods" ->
    // airpod), when some titles have it.
    std::optional<std::string> joined_term(std::size_t first) {
        if (dictionary_ == nullptr || !typing_.split_join) return std::nullopt;
        const Word& a = query_.words[first];
        const Word& b = query_.words[first + 1];
        if (!a.parts.empty() || !b.parts.empty() || has_digit(a.surface) || has_digit(b.surface)) return std::nullopt;
        std::string term = analyzer_.stem(a.surface + b.surface);
        if (dictionary_->frequency(term) < min_split_join_frequency) return std::nullopt;
        return term;
    }

    // The two words' clauses, or their joined form; the joined form is also
    // a way each of the two units matches, for relaxation.
    QueryTree joined(std::size_t first, const std::string& term, TextQuery::Unit& first_unit,
                     TextQuery::Unit& second_unit) {
        const Word& a = query_.words[first];
        const Word& b = query_.words[first + 1];
        query_.expansions.push_back(
            {.kind = Expansion::Kind::join, .typed = a.surface + " " + b.surface, .terms = {term}});
        query_.match_terms.emplace(term, 0);
        query_.understood[first] = query_.understood[first + 1] = true;
        if (!known_as_typed(a) || !known_as_typed(b)) {
            query_.readings.push_back({.first_word = first, .word_count = 2, .as = dictionary_->display(term),
                                       .how = Expansion::Kind::join});
        }
        QueryTree as_one = QueryTree::scaled(expand_.term(term), typing_.split_join_weight);
        // A title with both words weighs them, not the joined form too.
        QueryTree both = QueryTree::combine(Op::all_of, {first_unit.matching(), second_unit.matching()});
        QueryTree clause = QueryTree::combine(
            Op::any_of, {both, QueryTree::combine(Op::and_not, {as_one, both})});
        for (TextQuery::Unit* unit : {&first_unit, &second_unit}) {
            unit->alternatives.push_back({.tree = as_one, .bonus_share = typing_.split_join_weight});
        }
        return clause;
    }

    // How informative a term is: its IDF over titles (Xapian's BM25
    // formula), 1 without a dictionary to count titles in.
    double idf(const std::string& term) const {
        if (dictionary_ == nullptr) return 1;
        return idf_of_frequency(dictionary_->frequency(term));
    }

private:
    double idf_of_frequency(Xapian::doccount frequency) const {
        return std::max(0.0, bm25_idf(std::max<Xapian::doccount>(frequency, 1), dictionary_->listing_count()));
    }

    // The word's IDF as typed when some title has it, else that of its
    // most common alternative (a typo is as informative as its fix).
    double informativeness(const Word& word) const {
        Xapian::doccount frequency = dictionary_->frequency(word.term);
        if (frequency == 0) {
            for (const Expansion& expansion : query_.expansions) {
                if (expansion.typed != word.surface) continue;
                for (const auto& term : expansion.terms) {
                    frequency = std::max(frequency, dictionary_->frequency(term));
                }
            }
        }
        return idf_of_frequency(frequency);
    }

    const std::string* preferred_correction(const std::string& term) const {
        if (hints_ == nullptr) return nullptr;
        const auto found = hints_->corrections.find(term);
        return found == hints_->corrections.end() ? nullptr : &found->second;
    }

    // In some title, or the name of a brand or category.
    bool known_as_typed(const Word& word) const {
        if (dictionary_->frequency(word.term) > 0) return true;
        return vocabulary_ != nullptr &&
               (!vocabulary_->brand_terms(word.term).empty() || !vocabulary_->category_terms(word.term).empty());
    }

    // Never numbers, sizes and model codes ("iphone 11" is not "iphone 12"),
    // nor brand aliases (a short alias one letter off another word is
    // still the brand).
    bool may_have_typos(const Word& word) const {
        if (!word.parts.empty() || has_digit(word.surface)) return false;
        if (word.surface.size() < typing_.typo_one_min_length) return false;
        return lexicon_.brands.canonical(word.surface) == word.surface;
    }

    // The alternative weighs no more than `weight` times the word it stands
    // for would: a rarer alternative (a higher IDF) is scaled down to the
    // reference's IDF, so a typo never outranks the word typed for being rare.
    double scale(double weight, Xapian::doccount reference, Xapian::doccount alternative) const {
        const Xapian::doccount listings = dictionary_->listing_count();
        const double alternative_idf = bm25_idf(alternative, listings);
        if (reference == 0 || alternative_idf <= 0) return weight;
        return weight * std::min(1.0, bm25_idf(reference, listings) / alternative_idf);
    }

    // The word's most frequent completions, then those the hints name.
    std::vector<WordDictionary::Completion> completions_of(const Word& word) const {
        auto completions = dictionary_->completions(word.surface, typing_.max_completions);
        if (hints_ == nullptr || completions.empty()) return completions;
        for (const auto& term : hints_->completions) {
            const bool listed = std::any_of(completions.begin(), completions.end(),
                                            [&](const auto& completion) { return completion.term == term; });
            if (!listed) completions.push_back({.term = term, .frequency = dictionary_->frequency(term)});
        }
        return completions;
    }

    void add_completions(std::size_t index, bool known, SearchedTerms& searched, TextQuery::Unit& unit) {
        const Word& word = query_.words[index];
        const auto completions = completions_of(word);
        if (completions.empty()) return;
        // Completions weigh as the word typed would, or as the most common
        // of them: the completions of "iph" rank by how well they match,
        // not by how rare they are.
        const Xapian::doccount reference = known ? dictionary_->frequency(word.term) : completions.front().frequency;
        const auto completion_fields = typing_.completions_in_descriptions ? FieldExpander::Fields::all
                                                                           : FieldExpander::Fields::all_but_description;
        for (const auto& completion : completions) {
            auto tree = expand_.alternative(completion.term, searched, completion_fields);
            if (!tree) continue;
            unit.alternatives.push_back(
                {.tree = QueryTree::scaled(std::move(*tree),
                                           scale(typing_.completion_weight, reference, completion.frequency)),
                 .bonus_share = typing_.completion_weight});
            query_.expansions.push_back(
                {.kind = Expansion::Kind::completion, .typed = word.surface, .terms = {completion.term}});
            query_.match_terms.emplace(completion.term, characters_in(word.surface));
        }
        query_.understood[index] = true;
        if (!known) {
            // Read as the completion the other words' listings use most, if
            // known, else as the most frequent.
            const bool in_context = hints_ != nullptr && !hints_->completions.empty();
            const std::string& best = in_context ? hints_->completions.front() : completions.front().term;
            query_.readings.push_back(
                {.first_word = index, .as = dictionary_->display(best), .how = Expansion::Kind::completion});
        }
    }

    void add_typos(std::size_t index, bool known, SearchedTerms& searched, TextQuery::Unit& unit) {
        const Word& word = query_.words[index];
        const std::size_t max_distance = word.surface.size() >= typing_.typo_two_min_length ? 2 : 1;
        const auto typos =
            dictionary_->typo_alternatives(word.surface, word.term, max_distance, typing_.max_typo_alternatives);
        if (typos.empty()) return;
        const Xapian::doccount reference = known ? dictionary_->frequency(word.term) : typos.front().frequency;
        const std::string* preferred = preferred_correction(word.term);
        // A word the listings have was most likely typed as meant: its typo
        // alternatives are a guess, searched where a misspelt word would
        // be meant (titles, brand names), not in descriptions or category
        // names. "shirt" matched every category naming skirts or shorts.
        const auto fields = known && !typing_.known_word_typos_in_all_fields ? FieldExpander::Fields::titles_and_brands
                                                                            : FieldExpander::Fields::all;
        for (const auto& typo : typos) {
            auto tree = expand_.alternative(typo.term, searched, fields);
            if (!tree) continue;
            // The correction of a word no listing has weighs as the word would.
            const double weight = preferred != nullptr && *preferred == typo.term ? 1.0
                                  : typo.distance == 1                          ? typing_.typo_one_weight
                                                                                : typing_.typo_two_weight;
            unit.alternatives.push_back(
                {.tree = QueryTree::scaled(std::move(*tree), scale(weight, reference, typo.frequency)),
                 .bonus_share = weight,
                 .other_word = known});
            query_.expansions.push_back({.kind = Expansion::Kind::typo, .typed = word.surface, .terms = {typo.term},
                                         .typos = typo.distance});
            query_.match_terms.emplace(typo.term, 0);
        }
        if (!known && !query_.understood[index]) {
            const std::string& best = preferred != nullptr ? *preferred : typos.front().term;
            query_.readings.push_back(
                {.first_word = index, .as = dictionary_->display(best), .how = Expansion::Kind::typo});
        }
    }

    // "northface" -> north + face: the split whose rarer part is most common.
    void add_split(std::size_t index, bool known, TextQuery::Unit& unit) {
        const Word& word = query_.words[index];
        if (!word.parts.empty() || has_digit(word.surface)) return;
        std::string best_left, best_right;
        Xapian::doccount best = 0;
        for (std::size_t at = min_split_part_bytes; at + min_split_part_bytes <= word.surface.size(); ++at) {
            const std::string left = analyzer_.stem(word.surface.substr(0, at));
            const std::string right = analyzer_.stem(word.surface.substr(at));
            const Xapian::doccount rarer = std::min(dictionary_->frequency(left), dictionary_->frequency(right));
            if (rarer > best) best = rarer, best_left = left, best_right = right;
        }
        if (best < min_split_join_frequency ||
            double(dictionary_->frequency(word.term)) * split_advantage >= double(best)) {
            return;
        }
        unit.alternatives.push_back(
            {.tree = QueryTree::scaled(
                 QueryTree::combine(Op::all_of, {expand_.term(best_left), expand_.term(best_right)}),
                 typing_.split_join_weight),
             .bonus_share = typing_.split_join_weight});
        query_.expansions.push_back(
            {.kind = Expansion::Kind::split, .typed = word.surface, .terms = {best_left, best_right}});
        query_.match_terms.emplace(best_left, 0);
        query_.match_terms.emplace(best_right, 0);
        if (!known && !query_.understood[index]) {
            query_.readings.push_back(
                {.first_word = index,
                 .as = dictionary_->display(best_left) + " " + dictionary_->display(best_right),
                 .how = Expansion::Kind::split});
        }
        query_.understood[index] = true;
    }

    const TypingOptions& typing_;
    const FieldExpander& expand_;
    const WordDictionary* dictionary_;
    const FieldVocabulary* vocabulary_;
    const analyzers::Lexicon& lexicon_;
    analyzers::TextAnalyzer& analyzer_;
    const ReadingHints* hints_;
    TextQuery& query_;
};

}  // namespace

namespace {

// "-hoodie" leaves hoodies out, but "58 -62", "-583" and "ft. -lbs." are
// what sellers write in titles: only a word of letters is excluded.
bool letters_only(std::string_view word) {
    return std::all_of(word.begin(), word.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x80 || std::isalpha(byte) != 0 || c == '\'';
    });
}

}  // namespace

TypedQuery read_typed(std::string_view text) {
    TypedQuery typed;
    std::size_t start = 0;
    bool last_searched = false;
    while (start < text.size()) {
        const std::size_t space = std::min(text.find_first_of(" \t\n", start), text.size());
        const std::string_view token = text.substr(start, space - start);
        start = space + 1;
        if (token.empty()) continue;
        const bool excluded = token.size() > 1 && token.front() == '-' && letters_only(token.substr(1));
        std::string& into = excluded ? typed.excluded : typed.searched;
        if (!into.empty()) into.push_back(' ');
        into.append(excluded ? token.substr(1) : token);
        last_searched = !excluded;
    }
    const bool ends_with_space = !text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n');
    typed.last_word_complete = !last_searched || ends_with_space;
    return typed;
}

const char* to_string(Expansion::Kind kind) {
    switch (kind) {
        case Expansion::Kind::completion: return "completed";
        case Expansion::Kind::typo: return "corrected";
        case Expansion::Kind::split: return "split";
        case Expansion::Kind::join: return "joined";
    }
    return "";
}

QueryTree TextQuery::Unit::matching() const {
    // A listing weighs the best way it matches the word: "pro" and its
    // completion "protector", or "faucet" and its typo "faucets", in one
    // title count once, not twice, so that the ways one word matches never
    // outweigh two different words. The ways are taken from the best share
    // down, each where none better matches (AND_NOT). Not OP_MAX: Xapian
    // 1.4.22's OP_MAX crashed the server (SIGSEGV in get_mset) on queries
    // with several alternatives, e.g. "running tryhex size" on the 1M
    // calibrated index, whenever Xapian's matcher weighed them.
    std::vector<std::pair<double, QueryTree>> ways;
    for (const Alternative& alternative : alternatives) ways.emplace_back(alternative.bonus_share, alternative.tree);
    std::vector<QueryTree> groups;
    for (auto& group : best_way_first(ways)) groups.push_back(std::move(group.matching));
    return QueryTree::combine(Op::any_of, std::move(groups));
}

std::vector<WaysOfShare> best_way_first(const std::vector<std::pair<double, QueryTree>>& ways) {
    std::map<double, std::vector<QueryTree>, std::greater<>> ways_by_share;
    for (const auto& [share, tree] : ways) ways_by_share[share].push_back(tree);
    std::vector<WaysOfShare> groups;
    std::vector<QueryTree> better_ways;
    for (auto& [share, trees] : ways_by_share) {
        QueryTree matching = QueryTree::combine(Op::any_of, trees);
        if (!better_ways.empty()) {
            matching = QueryTree::combine(Op::and_not, {std::move(matching), QueryTree::combine(Op::any_of, better_ways)});
        }
        groups.push_back({share, std::move(matching)});
        better_ways.insert(better_ways.end(), trees.begin(), trees.end());
    }
    return groups;
}

// A word typed twice weighs twice, as one clause scaled by 2: weighed once
// ("a a a a" weighed every "a" over the 200,000 listings that have one
// again, and 300 of them took 740 ms).
QueryTree TextQuery::all_words() const {
    if (clauses.empty()) return without_excluded(QueryTree::match_all());
    return without_excluded(QueryTree::summed(Op::all_of, clauses));
}

QueryTree TextQuery::any_word() const {
    if (clauses.empty()) return without_excluded(QueryTree::match_all());
    return without_excluded(QueryTree::summed(Op::any_of, clauses));
}

QueryTree TextQuery::without_excluded(QueryTree matching) const {
    if (!excluded) return matching;
    return QueryTree::combine(Op::and_not, {std::move(matching), *excluded});
}

TextQuery QueryBuilder::build(const TypedQuery& typed, const QueryOptions& options,
                              const FieldVocabulary* vocabulary, const WordDictionary* words,
                              const ReadingHints* hints) {
    const FieldExpander expand(options.weights, vocabulary, &lexicon_.synonyms, options.synonym_weight);
    TextQuery query;
    query.words = analyzer_.analyze(typed.searched);
    if (query.words.size() > max_query_words) {
        query.words_left_out = query.words.size() - max_query_words;
        query.words.resize(max_query_words);
    }
    const bool last_being_typed = !typed.last_word_complete && query.words_left_out == 0;
    query.understood.assign(query.words.size(), false);
    for (const Word& word : query.words) {
        query.match_terms.emplace(word.term, 0);
        for (const auto& part : word.parts) query.match_terms.emplace(part, 0);
        if (vocabulary == nullptr) continue;
        for (const auto& key : vocabulary->brand_terms(word.term)) query.named_brands.push_back(key);
        for (const auto& key : vocabulary->category_terms(word.term)) query.named_categories.push_back(key);
    }
    ClauseBuilder clauses(options, expand, words, vocabulary, lexicon_, analyzer_, hints, query);
    const auto& analysed = query.words;
    const auto being_typed = [&](std::size_t word) { return word + 1 == analysed.size() && last_being_typed; };
    for (std::size_t i = 0; i < analysed.size();) {
        const SynonymTable::Match match = lexicon_.synonyms.longest_match(analysed, i);
        if (match.length > 0) {
            // Synonyms and brand aliases come first: the words they cover
            // are taken as typed, never corrected, split or joined (the
            // word being typed is still completed).
            std::vector<QueryTree> typed_words;
            double informativeness = 0;
            for (std::size_t j = i; j < i + match.length; ++j) {
                typed_words.push_back(clauses.covered_word(j, being_typed(j)));
                query.understood[j] = true;
                informativeness = std::max(informativeness, clauses.idf(analysed[j].term));
            }
            std::vector<QueryTree> alternatives{QueryTree::combine(Op::all_of, std::move(typed_words))};
            for (const auto& phrase : match.alternatives) {
                for (const auto& term : phrase) query.match_terms.emplace(term, 0);
                alternatives.push_back(QueryTree::scaled(expand.phrase(phrase), options.synonym_weight));
            }
            query.clauses.push_back(QueryTree::combine(Op::any_of, std::move(alternatives)));
            query.units.push_back({.alternatives = {{.tree = query.clauses.back()}},
                                   .informativeness = informativeness});
            i += match.length;
            continue;
        }
        TextQuery::Unit unit = clauses.word(i, being_typed(i));
        const bool next_is_plain =
            i + 1 < analysed.size() && lexicon_.synonyms.longest_match(analysed, i + 1).length == 0;
        if (const auto term = next_is_plain ? clauses.joined_term(i) : std::nullopt) {
            TextQuery::Unit next = clauses.word(i + 1, being_typed(i + 1));
            query.clauses.push_back(clauses.joined(i, *term, unit, next));
            query.units.push_back(std::move(unit));
            query.units.push_back(std::move(next));
            i += 2;
            continue;
        }
        query.clauses.push_back(unit.matching());
        query.units.push_back(std::move(unit));
        ++i;
    }
    if (!typed.excluded.empty()) {
        std::vector<QueryTree> excluded;
        for (const Word& word : analyzer_.analyze(typed.excluded)) {
            excluded.push_back(expand.word(word));
            query.excluded_words.push_back(word.surface);
        }
        if (!excluded.empty()) query.excluded = QueryTree::combine(Op::any_of, std::move(excluded));
    }
    return query;
}

}  // namespace query
