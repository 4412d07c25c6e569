// Search as buyers type: the word being typed, typos, run-together and split
// words, synonyms before spelling, excluded words, matching strategies, and
// what the buyer is told was understood. On a real index of a few dozen
// listings, through the search service.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "index_fixture.h"
#include "query/inspector.h"

using namespace query;
using query_test::build_index;
using query_test::ids_of;

namespace {

// `copies` listings with this title (ids prefix-1, prefix-2, ...).
std::string listings(const std::string& prefix, const std::string& title, int copies, const std::string& brand = "") {
    std::ostringstream feed;
    for (int n = 1; n <= copies; ++n) {
        feed << R"({"id":")" << prefix << "-" << n << R"(","title":")" << title << R"(","price":)" << 10 + n
             << (brand.empty() ? "" : R"(,"brand":")" + brand + "\"") << R"(,"created_at":1700000000})" << "\n";
    }
    return feed.str();
}

std::string catalog() {
    return listings("iphone11", "Apple iPhone 11 64GB", 3, "Apple") +
           listings("iphone12", "Apple iPhone 12 Pro 128GB", 3, "Apple") +
           listings("case", "Phone case for iPhone", 2) +
           listings("sneakers", "White sneakers", 4) +
           listings("sneekers", "Red sneekers", 1) +
           listings("candle", "Scented candle", 3) +
           listings("handle", "Door handle", 3) +
           listings("tnf", "Jester backpack", 3, "The North Face") +
           listings("north", "North star poster", 3) +
           listings("face", "Face mask set", 3) +
           listings("macbook", "MacBook Pro 13 laptop", 3, "Apple") +
           listings("airpods", "AirPods Pro earbuds", 3, "Apple") +
           listings("pop", "Funko Pop figure", 5, "Funko") +
           listings("hoodie", "Nike hoodie black", 3, "Nike") +
           listings("tee", "Nike tee white", 3, "Nike") +
           listings("lulu", "Align leggings", 3, "Lululemon") +
           listings("luly", "Luly ribbon", 3) +
           listings("japanese", "ナイキのスニーカー 27cm", 2, "Nike") +
           listings("playstation", "PlayStation 5 console", 3, "Sony") +
           listings("pokemon", "Pokemon cards lot", 3, "Pokemon") +
           listings("keychain", "Anime keychain", 4) +
           listings("razer", "Razer keyboard", 1, "Razer") +
           listings("mouse", "Razer mouse", 2, "Razer") +
           listings("teeth", "Teeth whitening kit", 2);
}

struct Fixture {
    test_support::TempDir dir;
    std::unique_ptr<SearchService> service;

    explicit Fixture(const std::string& config = "relax.min_matches = 0\nfreshness.weight = 0\n",
                     bool frozen = false, bool snapshot_scoring = true, const std::string& more_listings = "") {
        build_index(dir, catalog() + more_listings, frozen);
        service = std::make_unique<SearchService>(
            ServiceOptions{.index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
                           .ranking_config = query_test::ranking_file(dir, config),
                           .result_cache_entries = 0, .snapshot_scoring = snapshot_scoring});
    }

    SearchResult search(const std::string& text, std::size_t limit = 50) {
        return service->search({.text = text, .limit = limit});
    }

    // The listing ids found, without their copy number, in rank order, each once.
    std::vector<std::string> groups(const std::string& text) {
        std::vector<std::string> found;
        for (const auto& id : ids_of(search(text))) {
            const std::string group = id.substr(0, id.find('-'));
            if (std::find(found.begin(), found.end(), group) == found.end()) found.push_back(group);
        }
        return found;
    }
};

bool contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("the word being typed matches the words it starts, below a word typed in full") {
    Fixture f;
    const auto iph = f.search("iph");
    CHECK(ids_of(iph).size() == 8);  // every iPhone and the cases
    CHECK(iph.interpreted == "iphone");
    REQUIRE(iph.readings.size() == 1);
    CHECK(iph.readings[0].how == "completed");
    CHECK(iph.hits[0].highlighted_title.find("<em>iPh</em>one") != std::string::npos);
    CHECK(f.groups("pokem") == std::vector<std::string>{"pokemon"});
    CHECK(f.groups("lulule") == std::vector<std::string>{"lulu"});  // the brand, by its name
    CHECK(contains(f.groups("sneak"), "sneakers"));
    // A space after the word: it is complete, and nothing is called "iph".
    CHECK(f.search("iph ").hits.empty());
    // "pro" in full outranks "pro" as the start of "protector"... and of nothing
    // else here: the MacBook and iPhone Pro rank by their full word.
    CHECK(f.groups("macbook pro").front() == "macbook");
}

TEST_CASE("the word being typed completes in titles, brands and categories, not in descriptions") {
    // "backpack" is in the wallet's description only: the word typed in
    // full finds it there, the word being typed does not.
    const std::string wallet =
        R"({"id":"wallet-1","title":"Leather wallet","description":"fits any backpack pocket","price":12,)"
        R"("created_at":1700000000})" "\n";
    const std::string config = "relax.min_matches = 0\nfreshness.weight = 0\n";
    Fixture f(config, false, true, wallet);
    CHECK(f.groups("backp") == std::vector<std::string>{"tnf"});
    CHECK(contains(f.groups("backpack "), "wallet"));
    Fixture everywhere(config + "prefix.descriptions = on\n", false, true, wallet);
    CHECK(contains(everywhere.groups("backp"), "wallet"));
}

TEST_CASE("the word being typed also completes to the words the listings with the other words use") {
    // One completion per prefix: "ke" alone completes to keychain, the
    // most frequent, as a two-letter prefix in a large index misses most
    // of the words it starts.
    Fixture f("relax.min_matches = 0\nfreshness.weight = 0\nprefix.max_completions = 1\n");
    CHECK(f.groups("ke") == std::vector<std::string>{"keychain"});
    // After "razer", the Razer listings' titles say "ke" is keyboard.
    const auto razer = f.search("razer ke");
    CHECK(f.groups("razer ke") == std::vector<std::string>{"razer"});
    REQUIRE_FALSE(razer.hits.empty());
    CHECK(razer.hits[0].highlighted_title == "<em>Razer</em> <em>ke</em>yboard");
    CHECK(razer.interpreted == "razer keyboard");
    CHECK(f.search("ke").interpreted == "keychain");
    // Switched off, "ke" after "razer" is what it is alone.
    Fixture off("relax.min_matches = 0\nfreshness.weight = 0\nprefix.max_completions = 1\n"
                "prefix.context_listings = 0\n");
    CHECK(off.search("razer ke").hits.empty());
}

TEST_CASE("the completions the other words suggest follow the index: kept per context until a commit") {
    Fixture f("relax.min_matches = 0\nfreshness.weight = 0\nprefix.max_completions = 1\n");
    // Asked twice: the second answer comes from the context's kept titles.
    for (int asked = 0; asked < 2; ++asked) CHECK(f.groups("razer ke") == std::vector<std::string>{"razer"});
    // Three Razer kettles arrive: the Razer titles now say "ke" is kettle
    // first; titles kept from before the commit would not know the word.
    query_test::follow_once(f.dir, listings("kettle", "Razer kettle", 3, "Razer"));
    // Once the snapshots hold the commit, the context is ranked on them again.
    for (int attempt = 0; attempt < 50; ++attempt) {
        const IndexProgress progress = f.service->progress();
        if (progress.snapshot_commits >= progress.commits) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const IndexProgress progress = f.service->progress();
    REQUIRE(progress.snapshot_commits >= progress.commits);
    const auto groups = f.groups("razer ke");
    CHECK(contains(groups, "kettle"));
    CHECK(contains(groups, "razer"));  // the keyboard too
    CHECK(f.search("razer ke").interpreted.starts_with("razer kettl"));
}

TEST_CASE("a word a synonym covers is still completed while it is being typed") {
    Fixture f;
    // "tee" is a synonym of t-shirt, and the start of "teeth".
    const auto tee = f.groups("tee");
    CHECK(tee.front() == "tee");  // the word in full first
    CHECK(contains(tee, "teeth"));
    CHECK_FALSE(contains(f.groups("tee "), "teeth"));  // complete: never "teeth"
}

TEST_CASE("a partial Japanese word matches the words it starts") {
    Fixture f;
    const auto result = f.search("スニー");
    CHECK(f.groups("スニー") == std::vector<std::string>{"japanese"});
    CHECK(result.hits[0].highlighted_title.find("<em>スニー</em>カー") != std::string::npos);
}

TEST_CASE("a word with a typo matches the words one edit away, the word as typed first") {
    Fixture f;
    // One seller wrote "sneekers": a buyer typing it sees every sneaker,
    // that listing first.
    const auto groups = f.groups("sneekers ");
    REQUIRE(groups.size() == 2);
    CHECK(groups[0] == "sneekers");
    CHECK(groups[1] == "sneakers");
    // A transposition is one edit.
    CHECK(f.groups("playstaiton ") == std::vector<std::string>{"playstation"});
    // Exact above one typo, both ways round.
    CHECK(f.groups("candle ") == std::vector<std::string>{"candle", "handle"});
    CHECK(f.groups("handle ") == std::vector<std::string>{"handle", "candle"});
}

TEST_CASE("a word the listings have matches its typo alternatives in titles and brands, not categories") {
    // "handle" is a word of the catalogue, "candle" one edit from it; the
    // knob is filed under candles without saying so in its title.
    const std::string knob =
        R"({"id":"knob-1","title":"Brass knob","category":"Home/Candles","price":9,"created_at":1700000000})" "\n";
    const std::string config = "relax.min_matches = 0\nfreshness.weight = 0\n";
    Fixture f(config, false, true, knob);
    CHECK(f.groups("handle ") == std::vector<std::string>{"handle", "candle"});
    CHECK(contains(f.groups("candle "), "knob"));  // the word typed is searched in every field
    Fixture everywhere(config + "typo.known_all_fields = on\n", false, true, knob);
    CHECK(contains(everywhere.groups("handle "), "knob"));
    // A word no listing has still matches its alternatives everywhere.
    CHECK(contains(f.groups("cansle "), "knob"));
}

TEST_CASE("numbers, sizes and model codes are never fuzzed, nor brand aliases") {
    Fixture f;
    const auto eleven = f.groups("iphone 11 ");
    CHECK(eleven == std::vector<std::string>{"iphone11"});
    CHECK_FALSE(contains(f.groups("iphone 12 "), "iphone11"));
    // "lulu" is Lululemon's alias: it is not also "luly".
    CHECK(f.groups("lulu ") == std::vector<std::string>{"lulu"});
}

TEST_CASE("a typo inside a brand name still finds the brand") {
    Fixture f;
    const auto result = f.search("lululemn ");
    CHECK(f.groups("lululemn ") == std::vector<std::string>{"lulu"});
    CHECK(result.interpreted == "lululemon");
}

TEST_CASE("a run-together word matches its two words, and two words their joined form") {
    Fixture f;
    const auto northface = f.search("northface ");
    CHECK(f.groups("northface ").front() == "tnf");  // the brand The North Face
    CHECK(northface.interpreted == "north face");
    CHECK(northface.readings.at(0).how == "split");
    CHECK(f.groups("macbookpro ").front() == "macbook");
    CHECK(f.groups("play station ").front() == "playstation");  // joined
    // Compounds with digits were already whole or parts.
    CHECK(f.groups("iphone12pro ").front() == "iphone12");
    CHECK(f.groups("iphone 12pro ").front() == "iphone12");
}

TEST_CASE("synonyms apply before spelling: a word a synonym covers is never corrected") {
    Fixture f;
    const auto result = f.search("air pods ");
    CHECK(result.suggestion.empty());
    CHECK_FALSE(result.corrected);
    CHECK(f.groups("air pods ") == std::vector<std::string>{"airpods"});  // not Funko Pop
}

TEST_CASE("a word with a minus leaves listings with that word out") {
    Fixture f;
    const auto nike = f.groups("nike ");
    CHECK(contains(nike, "hoodie"));
    CHECK(contains(nike, "tee"));
    const auto without = f.groups("nike -hoodie");
    CHECK_FALSE(contains(without, "hoodie"));
    CHECK(contains(without, "tee"));
    CHECK(f.search("nike -hoodie").interpreted.empty());  // every word read as typed
    // Sizes and ranges are not exclusions.
    CHECK(f.groups("iphone -11").empty() == false);
}

TEST_CASE("the matching strategy decides whether and how a query is relaxed") {
    Fixture f("relax.min_matches = 20\nfreshness.weight = 0\n");
    // No listing has both words: relaxed under frequency and last, not under all.
    SearchRequest request{.text = "funko sneakers ", .limit = 50};
    request.matching = MatchingStrategy::all;
    const auto all = f.service->search(request);
    CHECK(all.hits.empty());
    CHECK_FALSE(all.relaxed);
    request.matching = MatchingStrategy::last;
    const auto last = f.service->search(request);
    CHECK(last.relaxed);
    // Dropping words from the end: the first word is kept.
    for (const auto& id : ids_of(last)) CHECK(id.rfind("pop-", 0) == 0);
    request.matching = MatchingStrategy::frequency;
    const auto frequency = f.service->search(request);
    CHECK(frequency.relaxed);
    CHECK(ids_of(frequency).size() > ids_of(last).size());  // either word
}

TEST_CASE("explain names the typos and completions in a score") {
    Fixture f;
    Inspector inspector({.index_dir = f.dir / "index", .data_dir = test_support::project_data_dir(),
                         .ranking_config = f.dir / "ranking.conf"});
    const Explanation typo = inspector.explain({.text = "sneekers "}, "sneakers-1");
    const bool names_typo = std::any_of(typo.parts.begin(), typo.parts.end(), [](const ScorePart& part) {
        return part.name.find("1 typo for 'sneekers'") != std::string::npos;
    });
    CHECK(names_typo);
    const Explanation completion = inspector.explain({.text = "pokem"}, "pokemon-1");
    const bool names_completion = std::any_of(completion.parts.begin(), completion.parts.end(), [](const ScorePart& part) {
        return part.name.find("completes 'pokem'") != std::string::npos;
    });
    CHECK(names_completion);
}

TEST_CASE("each behaviour can be switched off in the ranking config") {
    Fixture f("relax.min_matches = 0\nprefix.enabled = off\ntypo.enabled = off\nsplit_join.enabled = off\n"
              "spelling.auto_correct = 0\n");
    CHECK(f.search("iph").hits.empty());
    CHECK(f.groups("sneekers ") == std::vector<std::string>{"sneekers"});
    CHECK(f.search("northface ").hits.empty());
}

// A frozen generation (listing-indexer build --no-termlists) has no
// termlists: completions in context analyse the stored titles instead, and
// explain and the health check read postings. It must answer as the usual
// generation does, whether the snapshots or Xapian's matcher rank.
TEST_CASE("a frozen generation answers as the usual one: completions in context, explain and health included") {
    const std::string config = "relax.min_matches = 0\nfreshness.weight = 0\nprefix.max_completions = 1\n"
                               "brand_match.weight = 5\n";
    const std::vector<std::string> queries = {"razer ke", "razer", "ke",        "iph",        "apple ip",
                                              "nike ho",  "nike",  "north fa",  "sneekers ",  "pokem",
                                              "anime k",  "ナイキ", "the north", "white sne", "funko p"};
    for (const bool snapshot_scoring : {true, false}) {
        CAPTURE(snapshot_scoring);
        Fixture usual(config, false, snapshot_scoring);
        Fixture frozen(config, true, snapshot_scoring);
        for (const auto& text : queries) {
            CAPTURE(text);
            const auto expected = usual.search(text);
            const auto found = frozen.search(text);
            CHECK(ids_of(found) == ids_of(expected));
            CHECK(found.interpreted == expected.interpreted);
        }
        CHECK(frozen.search("razer ke").interpreted == "razer keyboard");  // the context's completion
        CHECK(frozen.service->check_health().ready());
    }
    Fixture usual(config), frozen(config, true);
    const auto inspector_of = [](Fixture& f) {
        return std::make_unique<Inspector>(ServiceOptions{.index_dir = f.dir / "index",
                                                          .data_dir = test_support::project_data_dir(),
                                                          .ranking_config = f.dir / "ranking.conf"});
    };
    auto usual_inspector = inspector_of(usual), frozen_inspector = inspector_of(frozen);
    for (const auto& [text, id] : std::vector<std::pair<std::string, std::string>>{
             {"razer keyboard", "razer-1"}, {"apple ip", "iphone11-1"}, {"nike ho", "hoodie-2"}}) {
        CAPTURE(text);
        const Explanation expected = usual_inspector->explain({.text = text}, id);
        const Explanation found = frozen_inspector->explain({.text = text}, id);
        REQUIRE(found.parts.size() == expected.parts.size());
        for (std::size_t n = 0; n < found.parts.size(); ++n) {
            CHECK(found.parts[n].name == expected.parts[n].name);
            CHECK(found.parts[n].score == doctest::Approx(expected.parts[n].score));
        }
        const bool names_brand = std::any_of(found.parts.begin(), found.parts.end(),
                                             [](const ScorePart& part) { return part.name == "brand named in the query"; });
        if (text == "apple ip") CHECK(names_brand);  // found through the brand key's postings
    }
}
