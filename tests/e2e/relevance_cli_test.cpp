// End to end: the real listing-relevance binary on a real index.
#include <doctest/doctest.h>

#include <simdjson.h>

#include "test_support.h"

using test_support::binary;
using test_support::run_command;

namespace {

test_support::CommandResult relevance(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), binary("RELEVANCE_BIN").string());
    return run_command(arguments);
}

const char* catalog =
    R"({"id":"shoe","title":"Nike Air Max 90 sneakers","brand":"Nike","price":80,"created_at":1700000000})" "\n"
    R"({"id":"blazer","title":"Nike Blazer","brand":"Nike","price":40,"created_at":1700000000})" "\n"
    R"({"id":"boots","title":"Leather boots","description":"like nike but sturdier","price":120,"created_at":1700000000})" "\n";

// The catalog indexed by the real indexer, with two ranking configs.
struct Workspace {
    test_support::TempDir dir;
    std::string index = (dir / "index").string();
    std::string titles_first = (dir / "titles.conf").string();
    std::string descriptions_first = (dir / "descriptions.conf").string();

    Workspace() {
        test_support::write_file(dir / "feed.jsonl", catalog);
        test_support::write_file(titles_first, "freshness.weight = 0\n");
        test_support::write_file(descriptions_first, "freshness.weight = 0\nfield.title = 0.1\nfield.brand = 0\nfield.description = 50\n");
        const auto built = run_command({binary("INDEXER_BIN").string(), "build", "--quiet", "--feed",
                                        (dir / "feed.jsonl").string(), "--index", index, "--data-dir",
                                        test_support::project_data_dir().string()});
        REQUIRE_MESSAGE(built.exit_code == 0, built.output);
    }

    std::vector<std::string> with_index(std::vector<std::string> arguments) const {
        arguments.insert(arguments.begin() + 1, {"--index", index, "--data-dir", test_support::project_data_dir().string()});
        return arguments;
    }
};

}  // namespace

TEST_CASE("listing-relevance explains its commands and refuses unknown ones") {
    const auto help = relevance({"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("eval") != std::string::npos);
    CHECK(relevance({"rank"}).exit_code == 2);
    const auto missing = relevance({"search", "nike"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.output.find("--index is required") != std::string::npos);
}

TEST_CASE("numbers on the command line are checked with a message that names the option") {
    // Regression: "--min-grade x" used to end in "error: stod".
    const auto bad_grade = relevance({"eval", "--index", "unused", "--judgments", "unused.csv", "--min-grade", "x"});
    CHECK(bad_grade.exit_code == 2);
    CHECK(bad_grade.output.find("--min-grade must be a number") != std::string::npos);
    const auto bad_depth = relevance({"eval", "--index", "unused", "--judgments", "unused.csv", "--recall-depth", "0"});
    CHECK(bad_depth.exit_code == 2);
    CHECK(bad_depth.output.find("--recall-depth must be a whole number from 1 to 1000") != std::string::npos);
}

TEST_CASE("search, explain and why-not on a real index") {
    Workspace workspace;
    const auto searched = relevance(workspace.with_index({"search", "--ranking", workspace.titles_first, "nike"}));
    INFO(searched.output);
    REQUIRE(searched.exit_code == 0);
    CHECK(searched.output.find("  1 ") != std::string::npos);
    CHECK(searched.output.find("boots") != std::string::npos);  // "nike" in its description

    const auto explained = relevance(workspace.with_index({"explain", "--ranking", workspace.titles_first, "nike", "--limit", "1"}));
    INFO(explained.output);
    CHECK(explained.exit_code == 0);
    CHECK(explained.output.find("title:nike (BM25") != std::string::npos);

    const auto why_not = relevance(workspace.with_index({"explain", "nike", "--params", "price_max=50", "--id", "shoe"}));
    INFO(why_not.output);
    CHECK(why_not.exit_code == 1);
    CHECK(why_not.output.find("the filter price_max=50 excludes it") != std::string::npos);

    const auto bad_params = relevance(workspace.with_index({"search", "nike", "--params", "price_max=cheap"}));
    CHECK(bad_params.exit_code == 2);
    CHECK(bad_params.output.find("'price_max' must be a price") != std::string::npos);
}

TEST_CASE("compare shows what a second ranking config changes") {
    Workspace workspace;
    const auto compared = relevance(workspace.with_index(
        {"compare", "--ranking", workspace.titles_first, "--against", workspace.descriptions_first, "nike", "--json"}));
    INFO(compared.output);
    REQUIRE(compared.exit_code == 0);
    simdjson::dom::parser parser;
    auto result = parser.parse(compared.output).at(0);
    CHECK(std::string_view(result["a"].at(0)) != "boots");
    CHECK(std::string_view(result["b"].at(0)) == "boots");
    CHECK(int64_t(result["moved"]) > 0);
}

TEST_CASE("eval scores a config on judgments, and a better config scores higher") {
    Workspace workspace;
    test_support::write_file(workspace.dir / "judgments.csv",
                             "query,listing_id,grade\nnike,boots,3\nnike,shoe,1\nnike,blazer,1\n");
    const auto evaluated = relevance(workspace.with_index(
        {"eval", "--judgments", (workspace.dir / "judgments.csv").string(), "--ranking", workspace.titles_first,
         "--against", workspace.descriptions_first, "--json"}));
    INFO(evaluated.output);
    REQUIRE(evaluated.exit_code == 0);
    simdjson::dom::parser parser;
    auto scores = parser.parse(evaluated.output);
    CHECK(double(scores["b"]["ndcg@10"]) == doctest::Approx(1.0));
    CHECK(double(scores["a"]["ndcg@10"]) < 1.0);
    CHECK(double(scores["queries"].at(0)["delta"]) > 0);
}

TEST_CASE("real judgments: the default ranking beats plain BM25 on the Home Depot set") {
    const auto products = test_support::shared_data_file("relevance-dev/homedepot_products.csv");
    const auto judgments = test_support::shared_data_file("relevance-dev/homedepot_dev.csv");
    if (!products || !judgments) {
        MESSAGE("skipped: ../shared/data/relevance-dev is not here");
        return;
    }
    test_support::TempDir dir;
    const auto script = test_support::project_data_dir().parent_path() / "scripts" / "homedepot_to_jsonl.py";
    const auto listings = dir / "products.jsonl";
    REQUIRE(run_command({"python3", script.string(), products->string(), "--output", listings.string()}).exit_code == 0);
    test_support::write_file(dir / "bm25.conf",
                             "freshness.weight = 0\nbrand_match.weight = 0\ncategory_match.weight = 0\non_sale.weight = 0\n"
                             "bm25.b = 0.75\nrelax.min_matches = 10000\nrelax.word_bonus = 0\nspelling.auto_correct = 0\n"
                             "prefix.enabled = off\ntypo.enabled = off\nsplit_join.enabled = off\n"
                             "field.title = 1\nfield.description = 1\nfield.brand = 1\nfield.category = 1\nsynonym.weight = 1\n");
    const auto evaluated = relevance({"eval", "--listings", listings.string(), "--judgments", judgments->string(),
                                      "--columns", "search_term,product_uid,relevance", "--data-dir",
                                      test_support::project_data_dir().string(), "--ranking", (dir / "bm25.conf").string(),
                                      "--against", (test_support::project_data_dir() / "ranking.conf").string(), "--json"});
    REQUIRE_MESSAGE(evaluated.exit_code == 0, evaluated.output.substr(0, 500));
    simdjson::dom::parser parser;
    const std::string json = evaluated.output.substr(evaluated.output.find('{'));
    auto scores = parser.parse(json);
    const double bm25 = double(scores["a"]["ndcg@10"]), tuned = double(scores["b"]["ndcg@10"]);
    MESSAGE("Home Depot nDCG@10: plain BM25 " << bm25 << ", default ranking " << tuned);
    CHECK(int64_t(scores["a"]["queries"]) == 3537);
    // The issue asked for 1.15 times plain BM25; the default reaches 1.1509
    // (0.4447 against 0.3864: README, "Tuning the default ranking"). The
    // evaluation is deterministic, so this guards the goal itself.
    CHECK(tuned >= 1.15 * bm25);
    const auto compared = scores["configs"].at(0);
    CHECK(double(compared["gain"]["mean"]) > 0.057);
    CHECK(double(compared["gain_half_0"]["mean"]) > 0.055);  // on each half of the queries
    CHECK(double(compared["gain_half_1"]["mean"]) > 0.059);
    CHECK(double(compared["gain"]["low"]) > 0.051);  // the 95% interval's lower end
    CHECK(double(scores["b"]["recall"]) >= double(scores["a"]["recall"]));
}
