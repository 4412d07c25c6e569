#include "query/inspector.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "analyzers/synonyms.h"
#include "derived_data.h"
#include "field_vocabulary.h"
#include "function_words.h"
#include "head_noun.h"
#include "index_view.h"
#include "query/errors.h"
#include "query_builder.h"
#include "proximity.h"
#include "query_plan.h"

namespace query {
namespace {

// "T" -> "title", ...: how a term's prefix reads in an explanation.
std::pair<std::string, std::string> field_and_word(const std::string& term) {
    const std::string brand(analyzers::prefix::brand), category(analyzers::prefix::category);
    if (term.rfind(brand, 0) == 0) return {"brand", term.substr(brand.size())};
    if (term.rfind(category, 0) == 0) return {"category", term.substr(category.size())};
    for (const auto& field : analyzers::word_fields) {
        if (term.rfind(field.prefix, 0) == 0) return {std::string(field.name), term.substr(field.prefix.size())};
    }
    return {"?", term};
}

bool is_single_term(const Xapian::Query& query) {
    if (query.get_type() == Xapian::Query::LEAF_TERM) return true;
    return query.get_type() == Xapian::Query::OP_SCALE_WEIGHT &&
           query.get_subquery(0).get_type() == Xapian::Query::LEAF_TERM;
}

std::string first_term(const Xapian::Query& query) {
    const auto term = query.get_terms_begin();
    return term == query.get_terms_end() ? "" : *term;
}

std::string describe_filters(const Filters& filters) {
    std::vector<std::string> parts;
    if (!filters.brands.empty()) parts.push_back(fmt::format("brand={}", fmt::join(filters.brands, "|")));
    if (!filters.category.empty()) parts.push_back("category=" + filters.category);
    if (filters.price_min) parts.push_back(fmt::format("price_min={}", *filters.price_min));
    if (filters.price_max) parts.push_back(fmt::format("price_max={}", *filters.price_max));
    if (!filters.conditions.empty()) parts.push_back(fmt::format("condition={}", fmt::join(filters.conditions, ",")));
    if (!filters.shipping.empty()) parts.push_back("shipping=" + filters.shipping);
    return fmt::format("{}", fmt::join(parts, " "));
}

// Each filter of `filters` on its own, with how to name it.
std::vector<std::pair<std::string, Filters>> single_filters(const Filters& filters) {
    std::vector<std::pair<std::string, Filters>> singles;
    const auto add = [&](bool used, auto set_only) {
        if (!used) return;
        Filters only;
        only.status = StatusFilter::any;
        set_only(only);
        singles.emplace_back(describe_filters(only), only);
    };
    add(!filters.brands.empty(), [&](Filters& f) { f.brands = filters.brands; });
    add(!filters.category.empty(), [&](Filters& f) { f.category = filters.category; });
    add(filters.price_min || filters.price_max, [&](Filters& f) { f.price_min = filters.price_min, f.price_max = filters.price_max; });
    add(!filters.conditions.empty(), [&](Filters& f) { f.conditions = filters.conditions; });
    add(!filters.shipping.empty(), [&](Filters& f) { f.shipping = filters.shipping; });
    return singles;
}

}  // namespace

struct Inspector::Impl {
    // The planner refers to the lexicon: declared first, destroyed last.
    const analyzers::Lexicon lexicon;
    Planner planner{lexicon};
    std::shared_ptr<const RankingConfig> ranking;
    Xapian::Database database;
    FieldVocabulary vocabulary;
    std::shared_ptr<const WordDictionary> words;
    std::shared_ptr<const TitleCooccurrence> cooccurrence;
    // A frozen generation's replaced base listings: explained as the search
    // sees them, that is never.
    std::shared_ptr<const ReplacedListings> replaced;
    double now = now_seconds();

    explicit Impl(const ServiceOptions& options)
        : lexicon(analyzers::load_lexicon(options.data_dir)),
          ranking(std::make_shared<const RankingConfig>(
              options.ranking_config.empty() ? RankingConfig{} : RankingConfig::load(options.ranking_config))) {
        if (!analyzers::serving_generation(options.index_dir)) {
            throw IndexError(IndexError::Kind::unavailable, fmt::format("no index in {}", options.index_dir.string()));
        }
        database = Xapian::Database(analyzers::serving_stub_path(options.index_dir).string());
        vocabulary = FieldVocabulary::from_database(database, planner.analyzer());
        words = WordDictionary::build(database);
        cooccurrence = TitleCooccurrence::build(database);
        const auto generation = analyzers::serving_generation(options.index_dir);
        if (generation && generation->frozen) {
            replaced = ReplacedListings::read(open_local_shards(options.index_dir, *generation), generation->shard_count);
        }
    }

    Xapian::Query live(const Xapian::Query& query) const { return replaced ? replaced->left_out_of(query) : query; }

    // The request planned as the service plans it: all words, or any of
    // them once all together match too few.
    Plan plan_of(const SearchRequest& request) {
        Plan plan = planner.plan(request, ranking, {vocabulary, *words, database, {}, replaced});
        if (planner.should_relax(plan, count(planner.filtered(plan)))) planner.relax(plan);
        return plan;
    }

    Xapian::Query ranked(const Plan& plan) {
        const RankingContext context{.sold_shown = plan.request.filters.status != StatusFilter::on_sale,
                                     .now_seconds = now,
                                     .replaced = replaced};
        return planner.ranked(plan, context);
    }

    Xapian::Enquire enquire(const Xapian::Query& query) { return enquire_for(database, query, *ranking); }

    std::uint64_t count(const Xapian::Query& query) {
        return enquire(live(query)).get_mset(0, 0, database.get_doccount()).get_matches_estimated();
    }

    // The weight `query` gives the listing, or -1 if it does not match.
    double weight_of(const Xapian::Query& query, const std::string& id_term) {
        const auto matches =
            enquire(Xapian::Query(Xapian::Query::OP_FILTER, live(query), Xapian::Query(id_term))).get_mset(0, 1);
        return matches.empty() ? -1 : matches.begin().get_weight();
    }

    // Why a word was searched besides those typed ("1 typo for 'shirt'"),
    // by word; set for the plan being explained.
    std::unordered_map<std::string, std::string> expansion_of;

    void note_expansions(const TextQuery& text) {
        expansion_of.clear();
        for (const Expansion& expansion : text.expansions) {
            std::string why;
            switch (expansion.kind) {
                case Expansion::Kind::completion: why = fmt::format("completes '{}'", expansion.typed); break;
                case Expansion::Kind::typo:
                    why = fmt::format("{} typo{} for '{}'", expansion.typos, expansion.typos == 1 ? "" : "s",
                                      expansion.typed);
                    break;
                case Expansion::Kind::split: why = fmt::format("'{}' split", expansion.typed); break;
                case Expansion::Kind::join: why = fmt::format("'{}' joined", expansion.typed); break;
            }
            for (const auto& term : expansion.terms) expansion_of.emplace(term, why);
        }
    }

    std::string expansion_note(const std::string& word) const {
        const auto found = expansion_of.find(word);
        return found == expansion_of.end() ? "" : ", " + found->second;
    }

    // Splits `node`'s weight for the listing into one part per term.
    void explain_node(const Xapian::Query& node, double multiplier, const std::string& id_term,
                      std::vector<ScorePart>& parts) {
        const double weight = weight_of(node, id_term);
        if (weight <= 0) return;
        if (is_single_term(node)) {
            const std::string term = first_term(node);
            const double plain = weight_of(Xapian::Query(term), id_term);
            const auto [field, word] = field_and_word(term);
            const double factor = plain > 0 ? multiplier * weight / plain : multiplier;
            parts.push_back({fmt::format("{}:{} (BM25 {:.3f} x {:.2f}{})", field, word, plain, factor,
                                         expansion_note(word)),
                             multiplier * weight});
            return;
        }
        if (node.get_type() == Xapian::Query::LEAF_POSTING_SOURCE) {  // relax.word_bonus
            parts.push_back({"a typed word matched (relaxed query)", multiplier * weight});
            return;
        }
        if (node.get_type() == Xapian::Query::OP_MAX) {  // only the best matching alternative counts
            std::size_t best = 0;
            double best_weight = -1;
            for (std::size_t n = 0; n < node.get_num_subqueries(); ++n) {
                const double child = weight_of(node.get_subquery(n), id_term);
                if (child > best_weight) best = n, best_weight = child;
            }
            explain_node(node.get_subquery(best), multiplier, id_term, parts);
            return;
        }
        if (node.get_type() == Xapian::Query::OP_FILTER || node.get_type() == Xapian::Query::OP_AND_NOT) {
            explain_node(node.get_subquery(0), multiplier, id_term, parts);  // the rest only filters
            return;
        }
        if (node.get_type() == Xapian::Query::OP_SCALE_WEIGHT) {
            const double inner = weight_of(node.get_subquery(0), id_term);
            explain_node(node.get_subquery(0), inner > 0 ? multiplier * weight / inner : multiplier, id_term, parts);
            return;
        }
        for (std::size_t n = 0; n < node.get_num_subqueries(); ++n) {
            explain_node(node.get_subquery(n), multiplier, id_term, parts);
        }
    }

    // `docid`: the listing's in the combined database (its Document knows
    // only its docid within its shard).
    void add_signal_parts(const Plan& plan, Xapian::docid docid, const Xapian::Document& document,
                          std::vector<ScorePart>& parts) {
        const RankingConfig& config = *ranking;
        if (config.freshness_weight > 0) {
            const double created_at = Xapian::sortable_unserialise(document.get_value(analyzers::slot::created_at));
            parts.push_back({fmt::format("freshness (listed {:.1f} days ago)", (now - created_at) / 86400),
                             config.freshness_at(now).bonus(created_at)});
        }
        // Through the terms' postings, not the document's termlist, which a
        // frozen generation does not have.
        const auto has_any = [&](const std::vector<std::string>& terms) {
            for (const auto& term : terms) {
                auto posting = database.postlist_begin(term);
                posting.skip_to(docid);
                if (posting != database.postlist_end(term) && *posting == docid) return true;
            }
            return false;
        };
        if (config.brand_match_weight > 0 && has_any(plan.text.named_brands)) {
            parts.push_back({"brand named in the query", config.brand_match_weight});
        }
        if (config.category_match_weight > 0 && has_any(plan.text.named_categories)) {
            parts.push_back({"category named in the query", config.category_match_weight});
        }
        const bool sold = document.get_value(analyzers::slot::status) == "sold";
        if (config.on_sale_weight > 0 && plan.request.filters.status != StatusFilter::on_sale && !sold) {
            parts.push_back({"still for sale", config.on_sale_weight});
        }
    }

    // Typed words that name no thing ("with", "for"), which earn only
    // relax.function_word_share of a word's bonus once relaxed: named, so
    // that the count of word bonuses reads right.
    void add_function_word_parts(const Plan& plan, std::vector<ScorePart>& parts) const {
        const double share = ranking->relax_function_word_share;
        if (!plan.relaxed || share >= 1) return;
        for (const auto& word : plan.text.words) {
            if (!is_function_word(word.surface)) continue;
            parts.push_back(
                {fmt::format("'{}' names no thing: {} of a word's bonus (relaxed query)", word.surface, share), 0});
        }
    }

    // The title bonuses the service adds when it ranks the best listings
    // again, if this one (`docid` in the combined database) is among them
    // and the request's page starts within them (as in Searcher::run):
    // proximity, head noun, the typed words and pairs as typed, related words.
    void add_title_parts(const Plan& plan, Xapian::docid docid, Explanation& explanation) {
        if (proximity_window(plan.request, plan.text, *ranking) <= plan.request.offset) return;
        const Window window = best_titles(plan);
        const auto found = std::find(window.docids.begin(), window.docids.end(), docid);
        if (found == window.docids.end()) return;
        const auto place = static_cast<std::size_t>(found - window.docids.begin());
        const TitleBonus bonus(plan.text, *ranking, cooccurrence.get(), window.titles);
        const auto& title = window.titles[place];
        const auto add = [&](std::string name, double bonus) {
            if (bonus <= 0) return;
            explanation.parts.push_back({std::move(name), bonus});
            explanation.score += bonus;
        };
        add("typed words next to each other in the title (proximity)",
            ProximityPairs(plan.text).bonus(title, ranking->proximity_weight));
        const HeadNoun head(plan.text);
        add("the query's head noun '" + head.term() + "' in the title", head.bonus(title, ranking->head_noun_weight));
        // Factors on the score so far: each shown as what it adds.
        const auto factors = bonus.factors(place);
        const auto multiply = [&](double factor, const std::string& why) {
            add(fmt::format("{} (score x {:.3g})", why, factor), explanation.score * (factor - 1));
        };
        multiply(factors.typed, fmt::format("{:.0f}% of the typed words in the title as typed",
                                            TypedWords(plan.text).share_in(title) * 100));
        multiply(factors.typed_pairs, fmt::format("{:.0f}% of the typed pairs next to each other in the title as typed",
                                                  TypedPairs(plan.text).share_in(title) * 100));
        multiply(factors.related, "typed words the title lacks, partly there in words that go with them");
    }

    // The titles of the best proximity_window listings and the bonus they
    // are re-ranked with, as the searcher computes it (a typed word's
    // related words are counted over those titles).
    struct Window {
        std::vector<Xapian::docid> docids;
        std::vector<std::vector<analyzers::Word>> titles;
    };
    Window best_titles(const Plan& plan) {
        Window window;
        const std::size_t size = proximity_window(plan.request, plan.text, *ranking);
        if (size == 0) return window;
        auto best = enquire(ranked(plan));
        set_order(best, plan.request.sort, plan.text.empty());
        const auto matches = best.get_mset(0, static_cast<Xapian::doccount>(size));
        for (auto match = matches.begin(); match != matches.end(); ++match) {
            window.docids.push_back(*match);
            window.titles.push_back(analysed_title(*match));
        }
        return window;
    }

    // A listing's title (`docid` in the combined database) analysed as the searcher does.
    std::vector<analyzers::Word> analysed_title(Xapian::docid docid) {
        const std::string stored = database.get_document(docid).get_value(analyzers::slot::stored_fields);
        return planner.analyzer().analyze(analyzers::stored_title(stored));
    }

    // The rank (from 1) and score of `docid` among Xapian's `ranked`
    // matches as the search shows them: the best proximity_window of them
    // re-ranked by their titles' bonuses, as the searcher does.
    std::pair<std::size_t, double> rank_shown(const Plan& plan, const Xapian::MSet& ranked, Xapian::docid docid) {
        struct Ranked {
            Xapian::docid docid;
            double score;
        };
        std::vector<Ranked> order;
        for (auto match = ranked.begin(); match != ranked.end(); ++match) order.push_back({*match, match.get_weight()});
        const std::size_t window = proximity_window(plan.request, plan.text, *ranking);
        if (window > plan.request.offset) {
            const auto reranked = order.begin() + static_cast<std::ptrdiff_t>(std::min(window, order.size()));
            std::vector<std::vector<analyzers::Word>> titles;
            for (auto listing = order.begin(); listing != reranked; ++listing) titles.push_back(analysed_title(listing->docid));
            const TitleBonus bonus(plan.text, *ranking, cooccurrence.get(), titles);
            if (!bonus.empty()) {
                for (std::size_t n = 0; n < titles.size(); ++n) {
                    order[n].score = bonus.rescored(order[n].score, n);
                }
                std::stable_sort(order.begin(), reranked, [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
            }
        }
        for (std::size_t n = 0; n < order.size(); ++n) {
            if (order[n].docid == docid) return {n + 1, order[n].score};
        }
        return {0, 0};
    }

    // The listing's docid in the combined database (a Document read through
    // it knows only its docid within its shard), past a replaced base copy.
    std::optional<Xapian::docid> docid_of(const std::string& id_term) {
        for (auto posting = database.postlist_begin(id_term); posting != database.postlist_end(id_term); ++posting) {
            if (!replaced || !replaced->contains_combined(*posting)) return *posting;
        }
        return std::nullopt;
    }

    std::optional<Xapian::Document> document_of(const std::string& id_term) {
        const auto docid = docid_of(id_term);
        if (!docid) return std::nullopt;
        return database.get_document(*docid);
    }
};

Inspector::Inspector(const ServiceOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Inspector::~Inspector() = default;

Explanation Inspector::explain(const SearchRequest& request, const std::string& listing_id) {
    Impl& impl = *impl_;
    const std::string id_term = analyzers::id_term(listing_id);
    Explanation explanation{.listing_id = listing_id};
    const auto docid = impl.docid_of(id_term);
    if (!docid) throw RequestError(fmt::format("no listing '{}' in the index", listing_id));
    const Xapian::Document document = impl.database.get_document(*docid);
    const Plan plan = impl.plan_of(request);
    explanation.score = std::max(0.0, impl.weight_of(impl.ranked(plan), id_term));
    impl.note_expansions(plan.text);
    impl.explain_node(plan.matches, 1.0, id_term, explanation.parts);
    impl.add_signal_parts(plan, *docid, document, explanation.parts);
    impl.add_function_word_parts(plan, explanation.parts);
    if (explanation.score > 0) impl.add_title_parts(plan, *docid, explanation);
    double explained = 0;
    for (const auto& part : explanation.parts) explained += part.score;
    explanation.unexplained = explanation.score - explained;
    return explanation;
}

Diagnosis Inspector::diagnose(const SearchRequest& request, const std::string& listing_id) {
    Impl& impl = *impl_;
    const std::string id_term = analyzers::id_term(listing_id);
    Diagnosis diagnosis;
    const auto document = impl.document_of(id_term);
    if (!document) {
        diagnosis.reasons.push_back(fmt::format("no listing '{}' in the index", listing_id));
        return diagnosis;
    }
    diagnosis.found = true;
    const analyzers::Listing listing = analyzers::stored_listing_of(*document, impl.database);
    const Plan plan = impl.plan_of(request);
    if (plan.relaxed) diagnosis.reasons.push_back("all the words together match too few listings: relaxed to any of them");

    const auto matches = [&](const Xapian::Query& query) { return impl.weight_of(query, id_term) >= 0; };
    if (!matches(plan.matches)) {
        const auto& clauses = plan.text.clauses;
        for (std::size_t n = 0; n < clauses.size(); ++n) {
            if (matches(clauses[n].to_xapian())) continue;
            diagnosis.reasons.push_back(fmt::format("word {} of the query (indexed as '{}') is in none of its fields "
                                                    "(title \"{}\")", n + 1,
                                                    field_and_word(first_term(clauses[n].to_xapian())).second, listing.title));
        }
    }
    for (const auto& [name, only] : single_filters(request.filters)) {
        if (matches(impl.planner.listings_passing(only))) continue;
        diagnosis.reasons.push_back(fmt::format("the filter {} excludes it (brand \"{}\", category \"{}\", price {}, "
                                                "condition {}, shipping {})", name, listing.brand, listing.category,
                                                listing.price, listing.condition, analyzers::to_string(listing.shipping)));
    }
    Filters status_only;
    status_only.status = request.filters.status;
    if (!matches(impl.planner.listings_passing(status_only))) {
        diagnosis.reasons.push_back(fmt::format("it is {} and the status filter asks for {}",
                                                analyzers::to_string(listing.status),
                                                request.filters.status == StatusFilter::sold ? "sold" : "on_sale"));
    }
    diagnosis.matches = matches(impl.ranked(plan));
    if (!diagnosis.matches) return diagnosis;

    // Where it ranks, in the request's own order.
    auto enquire = impl.enquire(impl.ranked(plan));
    set_order(enquire, request.sort, plan.text.empty());
    const auto ranked = enquire.get_mset(0, impl.database.get_doccount());
    const auto [rank, score] = impl.rank_shown(plan, ranked, *impl.docid_of(id_term));
    diagnosis.rank = rank;
    diagnosis.score = score;
    const std::size_t first = request.offset + 1, last = request.offset + request.limit;
    diagnosis.reasons.push_back(fmt::format("it matches: rank {} of {} with score {:.3f}; the requested page shows ranks {}-{}",
                                            diagnosis.rank, ranked.size(), diagnosis.score, first, last));
    return diagnosis;
}

}  // namespace query
