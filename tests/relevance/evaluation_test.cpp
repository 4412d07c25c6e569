#include <doctest/doctest.h>

#include <cmath>

#include "relevance/evaluation.h"
#include "test_support.h"

using namespace relevance;

namespace {

const GradeScale scale{.min_grade = 1, .relevant_grade = 2.5, .recall_depth = 3};

}  // namespace

TEST_CASE("nDCG@10 is 1 for the ideal order and discounts relevant listings ranked lower") {
    const std::map<std::string, double> judged{{"a", 3}, {"b", 2}, {"c", 1}};
    CHECK(score_query("q", {"a", "b", "c"}, judged, scale).ndcg10 == doctest::Approx(1.0));
    // Ideal DCG = 2/log2(2) + 1/log2(3); this order: 1/log2(2) + 2/log2(3).
    const double ideal = 2 + 1 / std::log2(3.0), swapped = 1 + 2 / std::log2(3.0);
    CHECK(score_query("q", {"b", "a", "c"}, judged, scale).ndcg10 == doctest::Approx(swapped / ideal));
}

TEST_CASE("unjudged listings gain nothing, and the judged-only variant drops them") {
    const std::map<std::string, double> judged{{"a", 3}};
    const auto scores = score_query("q", {"x", "a"}, judged, scale);
    CHECK(scores.ndcg10 == doctest::Approx(1 / std::log2(3.0)));
    CHECK(scores.ndcg10_judged == doctest::Approx(1.0));
}

TEST_CASE("MRR takes the first relevant listing; recall counts relevant ones within the depth") {
    const std::map<std::string, double> judged{{"a", 1}, {"b", 3}, {"c", 2.67}, {"d", 3}};
    const auto scores = score_query("q", {"a", "x", "b", "c", "d"}, judged, scale);
    CHECK(scores.reciprocal_rank == doctest::Approx(1.0 / 3));
    CHECK(scores.recall == doctest::Approx(1.0 / 3));  // b in the top 3; c and d below it
    CHECK(scores.has_relevant);
}

TEST_CASE("means skip queries where a metric is undefined") {
    const std::map<std::string, double> only_irrelevant{{"a", 1}};
    const std::map<std::string, double> perfect{{"a", 3}};
    const auto mean = mean_of({score_query("q1", {"a"}, only_irrelevant, scale), score_query("q2", {"a"}, perfect, scale)});
    CHECK(mean.queries == 2);
    CHECK(mean.ndcg10 == doctest::Approx(1.0));
    CHECK(mean.mrr == doctest::Approx(1.0));
}

TEST_CASE("judgments load from CSV with quotes, or TSV, by header names") {
    test_support::TempDir dir;
    test_support::write_file(dir / "j.csv", "id,product_uid,search_term,relevance\n"
                                            "1,100,\"angle, bracket\",3\n"
                                            "2,101,\"say \"\"hi\"\"\",2.33\n");
    const auto judgments = load_judgments(dir / "j.csv", {"search_term", "product_uid", "relevance"});
    REQUIRE(judgments.size() == 2);
    CHECK(judgments[0].query == "angle, bracket");
    CHECK(judgments[0].listing_id == "100");
    CHECK(judgments[0].grade == 3);
    CHECK(judgments[1].query == "say \"hi\"");
    test_support::write_file(dir / "j.tsv", "query\tlisting_id\tgrade\nnike\tL1\t2\n");
    CHECK(load_judgments(dir / "j.tsv").at(0).listing_id == "L1");
}

TEST_CASE("a bad judgments file is refused with the file, line and what was wrong") {
    test_support::TempDir dir;
    test_support::write_file(dir / "j.csv", "query,listing_id,grade\nnike,L1,good\n");
    CHECK_THROWS_WITH(load_judgments(dir / "j.csv"), doctest::Contains("j.csv:2: grade \"good\" is not a number"));
    test_support::write_file(dir / "k.csv", "query,id,grade\n");
    CHECK_THROWS_WITH(load_judgments(dir / "k.csv"),
                      doctest::Contains("k.csv: no column 'listing_id' in the header (query, id, grade)"));
    test_support::write_file(dir / "l.csv", "query,listing_id,grade\nnike,L1\n");
    CHECK_THROWS_WITH(load_judgments(dir / "l.csv"), doctest::Contains("l.csv:2: 2 fields, the header has 3"));
}

TEST_CASE("judgments group by query in file order") {
    const auto grouped = group_by_query({{"b", "1", 3}, {"a", "2", 1}, {"b", "3", 2}});
    REQUIRE(grouped.size() == 2);
    CHECK(grouped[0].query == "b");
    CHECK(grouped[0].grades == std::map<std::string, double>{{"1", 3}, {"3", 2}});
    CHECK(grouped[1].query == "a");
}

TEST_CASE("a ranking difference lists what entered and left the top and counts what moved") {
    const auto diff = difference({"a", "b", "c"}, {"b", "a", "d"});
    CHECK(diff.entered == std::vector<std::string>{"d"});
    CHECK(diff.left == std::vector<std::string>{"c"});
    CHECK(diff.moved == 2);
    CHECK(difference({"a"}, {"a"}).moved == 0);
}

TEST_CASE("halves split queries by their text, the same way every time") {
    std::size_t in_first = 0;
    for (int n = 0; n < 1000; ++n) in_first += half_of("query " + std::to_string(n)) == 0;
    CHECK(in_first > 400);
    CHECK(in_first < 600);
    CHECK(half_of("door knob") == half_of("door knob"));
}

TEST_CASE("a bootstrap interval holds the mean gain, and excludes zero only for a clear gain") {
    std::vector<QueryScores> a, clear, noisy;
    for (int n = 0; n < 200; ++n) {
        const std::string query = "q" + std::to_string(n);
        a.push_back({.query = query, .ndcg10 = 0.5, .has_gain = true});
        clear.push_back({.query = query, .ndcg10 = 0.6, .has_gain = true});
        noisy.push_back({.query = query, .ndcg10 = n % 2 == 0 ? 0.9 : 0.1, .has_gain = true});
    }
    const Gain sure = bootstrap_gain(a, clear);
    CHECK(sure.mean == doctest::Approx(0.1));
    CHECK(sure.low == doctest::Approx(0.1));
    CHECK(sure.queries == 200);
    const Gain unsure = bootstrap_gain(a, noisy);
    CHECK(unsure.mean == doctest::Approx(0.0));
    CHECK(unsure.low < 0);
    CHECK(unsure.high > 0);
    CHECK(unsure.low < unsure.mean);
    CHECK(unsure.mean < unsure.high);
}
