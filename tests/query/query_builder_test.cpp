#include <doctest/doctest.h>

#include <map>
#include <set>

#include "analyzers/document_layout.h"
#include "query/request_checks.h"
#include "query_builder.h"
#include "test_support.h"

using namespace analyzers;
using namespace query;

namespace {

// A real on-disk Xapian index of a handful of listings, searched through
// the same query builder the server uses.
class SmallIndex {
public:
    explicit SmallIndex(std::string_view synonyms = "", std::string_view aliases = "") {
        TextAnalyzer analyzer;
        lexicon_ = parse_lexicon(synonyms, aliases, analyzer);
        database_ = Xapian::WritableDatabase((dir_ / "db").string(), Xapian::DB_CREATE);
    }

    void add(const std::string& id, const std::string& title, const std::string& brand = "",
             const std::string& category = "", const std::string& description = "") {
        Listing listing;
        listing.id = id;
        listing.title = title;
        listing.brand = brand;
        listing.category = category;
        listing.description = description;
        listing.price = 1;
        DocumentBuilder builder(lexicon_);
        database_.replace_document(id_term(id), builder.build(listing));
        database_.commit();
    }

    // Ids of the listings matching all words of `text`, best first.
    std::vector<std::string> search(const std::string& text) {
        QueryBuilder builder(lexicon_);
        const FieldVocabulary vocabulary = FieldVocabulary::from_database(database_, builder.analyzer());
        Xapian::Enquire enquire(database_);
        enquire.set_query(builder.build(text, {}, &vocabulary).all_words().to_xapian());
        std::vector<std::string> ids;
        for (const auto& match : enquire.get_mset(0, 100)) {
            ids.push_back(stored_listing_of(database_.get_document(match), database_).id);
        }
        return ids;
    }

    std::set<std::string> search_set(const std::string& text) {
        auto ids = search(text);
        return {ids.begin(), ids.end()};
    }

    // Each matching listing's weight under `query`, by id.
    using Weights = std::map<std::string, double>;
    Weights weights(const Xapian::Query& query) {
        Xapian::Enquire enquire(database_);
        enquire.set_query(query);
        Weights found;
        for (auto match = enquire.get_mset(0, 100).begin(); match != Xapian::MSetIterator(); ++match) {
            found[stored_listing_of(match.get_document(), database_).id] = match.get_weight();
        }
        return found;
    }

    const Xapian::Database& database() const { return database_; }

private:
    test_support::TempDir dir_;
    Lexicon lexicon_;
    Xapian::WritableDatabase database_;
};

}  // namespace

TEST_CASE("every typed word must match") {
    SmallIndex index;
    index.add("a", "Nike Air Max 90");
    index.add("b", "Nike Air Force 1");
    CHECK(index.search_set("nike air max") == std::set<std::string>{"a"});
    CHECK(index.search_set("nike air") == std::set<std::string>{"a", "b"});
}

TEST_CASE("t-shirt, tshirt and t shirt find each other") {
    SmallIndex index;
    index.add("hyphen", "Graphic T-Shirt");
    index.add("joined", "Graphic Tshirt");
    index.add("spaced", "Graphic T Shirt");
    CHECK(index.search_set("t-shirt") == std::set<std::string>{"hyphen", "joined", "spaced"});
    CHECK(index.search_set("tshirt") == std::set<std::string>{"hyphen", "joined"});
}

TEST_CASE("128gb and 128 gb find each other") {
    SmallIndex index;
    index.add("joined", "iPhone 12 Pro Max 128GB");
    index.add("spaced", "iPhone 12 Pro Max 128 GB");
    CHECK(index.search_set("iphone 128gb") == std::set<std::string>{"joined", "spaced"});
    CHECK(index.search_set("iphone 128 gb") == std::set<std::string>{"joined", "spaced"});
}

TEST_CASE("sizes written together find sizes written apart, a repeated number too") {
    SmallIndex index;
    index.add("post", "4 in. x 4 in. x 8 ft. Cedar Post");
    index.add("stud", "2 in. x 4 in. x 8 ft. Pressure-Treated Lumber");
    index.add("joined", "Cedar Post 4x4");
    // A compound's parts are looked for in titles, brands and categories,
    // not scattered through a description.
    index.add("scattered", "Cedar Post", "", "", "Measures 12 x 8 x 4 inches");
    // "4x4" is 4, x, 4: the second 4 once made an empty clause that matched nothing.
    CHECK(index.search_set("4x4 post") == std::set<std::string>{"post", "joined"});
    CHECK(index.search_set("2x4x8 lumber") == std::set<std::string>{"stud"});
}

TEST_CASE("a unit's letter against a number finds the unit written out, and inches both ways") {
    SmallIndex index;
    index.add("bulb", "EcoSmart 60-Watt A19 LED Light Bulb");
    index.add("duct", "Thermaflex 6 in. x 25 ft. HVAC Ducting");
    index.add("drill", "Ridgid 12-Volt Drill");
    index.add("pan", "60 Inch Shower Pan");
    index.add("neck", "Vintage V Neck Tee");
    CHECK(index.search_set("60w bulb") == std::set<std::string>{"bulb"});
    CHECK(index.search_set("6inch ducting") == std::set<std::string>{"duct"});
    CHECK(index.search_set("12v drill") == std::set<std::string>{"drill"});
    CHECK(index.search_set("60in shower pan") == std::set<std::string>{"pan"});
    // Alone, a letter is only a letter: "v neck" is no volt.
    CHECK(index.search_set("volt neck").empty());
}

TEST_CASE("full-width and accented text matches plain queries") {
    SmallIndex index;
    index.add("ja", "ナイキのスニーカー２７ｃｍ中古品");
    index.add("poke", "Pokémon Cards Lot");
    CHECK(index.search_set("ナイキ スニーカー 27cm") == std::set<std::string>{"ja"});
    CHECK(index.search_set("pokemon cards") == std::set<std::string>{"poke"});
}

TEST_CASE("a mixed Latin and Japanese query works") {
    // Guards the reason we build queries ourselves: Xapian 1.4.22's
    // QueryParser with FLAG_CJK_NGRAM throws on this query.
    SmallIndex index;
    index.add("mixed", "iPhone 12 Pro 中古");
    CHECK(index.search_set("iphone 中古 pro") == std::set<std::string>{"mixed"});
}

TEST_CASE("synonyms find listings that use the other phrase") {
    SmallIndex index("airpods, air pods\nps4, playstation 4\n", "lulu => lululemon\n");
    index.add("joined", "Apple AirPods Pro");
    index.add("spaced", "Apple Air Pods 2nd gen");
    index.add("console", "Sony PlayStation 4 Slim 500GB");
    index.add("leggings", "Align Leggings", "Lululemon");
    CHECK(index.search_set("airpods") == std::set<std::string>{"joined", "spaced"});
    CHECK(index.search_set("air pods") == std::set<std::string>{"joined", "spaced"});
    CHECK(index.search_set("ps4 slim") == std::set<std::string>{"console"});
    CHECK(index.search_set("lulu leggings") == std::set<std::string>{"leggings"});
}

TEST_CASE("synonyms match titles, brands and categories, not descriptions") {
    // Words scattered through a long description are a loose match for a
    // phrase, and searching descriptions for every synonym of a common
    // word ("nwt" -> "new with tags") tripled its query time.
    SmallIndex index("nwt, new with tags\n");
    index.add("in_title", "Jacket new with tags");
    index.add("typed", "Jacket", "", "", "nwt, never worn");
    index.add("in_description", "Jacket", "", "", "brand new with tags");
    CHECK(index.search_set("nwt jacket") == std::set<std::string>{"in_title", "typed"});
}

TEST_CASE("a title match outranks a brand-only match") {
    SmallIndex index;
    index.add("brand_only", "Running Jacket", "Razer");
    index.add("in_title", "Razer Keyboard", "");
    CHECK(index.search("razer").front() == "in_title");
}

TEST_CASE("words find listings through their brand and category names") {
    SmallIndex index;
    index.add("jacket", "Nuptse 700 puffer", "The North Face", "Men/Coats & Jackets/Puffer");
    index.add("blouse", "Silk top", "", "Women/Tops & Blouses/Blouse");
    CHECK(index.search_set("north face puffer") == std::set<std::string>{"jacket"});
    CHECK(index.search_set("jackets") == std::set<std::string>{"jacket"});
    CHECK(index.search_set("women blouses") == std::set<std::string>{"blouse"});
    CHECK(index.search_set("men blouse").empty());
}

TEST_CASE("an empty query matches everything") {
    SmallIndex index;
    index.add("a", "one");
    index.add("b", "two");
    CHECK(index.search_set("  ").size() == 2);
}

TEST_CASE("a word typed twice weighs twice and is searched once") {
    SmallIndex index;
    index.add("1", "black hoodie black zip");
    index.add("2", "black hoodie");
    index.add("3", "grey hoodie with black print");
    TextAnalyzer analyzer;
    const Lexicon lexicon = parse_lexicon("", "", analyzer);
    QueryBuilder builder(lexicon);
    const TextQuery text = builder.build("black hoodie black ", {});
    REQUIRE(text.clauses.size() == 3);
    // The clauses as typed, and summed: "black" once, scaled by 2.
    const QueryTree as_typed = QueryTree::combine(QueryTree::Op::all_of, text.clauses);
    const QueryTree summed = text.all_words();
    REQUIRE(summed.children().size() == 2);
    CHECK(summed.children().front().op() == QueryTree::Op::scale);
    CHECK(summed.children().front().factor() == 2);
    CHECK(summed.children().front().children().front().same_as(text.clauses.front()));
    CHECK_FALSE(text.clauses.front().same_as(text.clauses[1]));
    // Both match and weigh every listing alike.
    const auto typed_weights = index.weights(as_typed.to_xapian());
    const auto summed_weights = index.weights(summed.to_xapian());
    REQUIRE(typed_weights.size() == 3);
    REQUIRE(summed_weights.size() == typed_weights.size());
    for (const auto& [id, weight] : typed_weights) {
        CAPTURE(id);
        REQUIRE(summed_weights.count(id) == 1);
        CHECK(summed_weights.at(id) == doctest::Approx(weight).epsilon(1e-12));
    }
    // Relaxed the same way: any word, each word's bonus summed.
    CHECK(text.any_word().children().size() == 2);
}

TEST_CASE("words past the 32nd of a query are not searched, and none of them is being typed") {
    SmallIndex index;
    index.add("1", "hoodie");
    std::string text;
    for (std::size_t n = 1; n < max_query_words; ++n) text.append("w").append(std::to_string(n)).append(" ");
    text += "hoo w33 w34 w35";  // "hoo", the 32nd, would be completed if it were typed last
    TextAnalyzer analyzer;
    const Lexicon lexicon = parse_lexicon("", "", analyzer);
    QueryBuilder builder(lexicon);
    const FieldVocabulary vocabulary = FieldVocabulary::from_database(index.database(), builder.analyzer());
    const TextQuery query = builder.build(text, {}, &vocabulary);
    CHECK(query.words.size() == max_query_words);
    CHECK(query.words_left_out == 3);
    CHECK(query.words.back().surface == "hoo");
    for (const Expansion& expansion : query.expansions) CHECK(expansion.kind != Expansion::Kind::completion);
}
