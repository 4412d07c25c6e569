#include <doctest/doctest.h>

#include <simdjson.h>

#include <set>

#include "index_fixture.h"
#include "meili_api.h"

using namespace server;
using namespace query;

namespace {

const char* catalog =
    R"({"id":"shoe1","title":"Nike Air Max 90","price":80,"brand":"Nike","category":"Men/Shoes/Athletic","condition":2,"shipping":"seller","created_at":300})" "\n"
    R"({"id":"shoe2","title":"Adidas Ultraboost","price":60,"brand":"Adidas","category":"Men/Shoes/Athletic","condition":1,"shipping":"buyer","created_at":100})" "\n"
    R"({"id":"shoe3","title":"Nike Blazer","price":40,"brand":"Nike","category":"Women/Shoes/Athletic","condition":3,"shipping":"buyer","created_at":200})" "\n"
    R"({"id":"tee","title":"Nike T-Shirt","price":15,"brand":"Nike","category":"Men/Tops/T-shirts","condition":1,"shipping":"seller","created_at":400})" "\n"
    R"({"id":"old","title":"Nike Cortez","price":30,"brand":"Nike","category":"Men/Shoes/Athletic","status":"sold","created_at":50})" "\n";

struct Fixture {
    test_support::TempDir dir;
    std::unique_ptr<SearchService> service;
    simdjson::dom::parser parser;

    explicit Fixture(const std::string& listings = catalog) {
        query_test::build_index(dir, listings);
        service = std::make_unique<SearchService>(ServiceOptions{
            .index_dir = dir / "index", .data_dir = test_support::project_data_dir(),
            .ranking_config = query_test::ranking_file(dir, "relax.min_matches = 0\n")});
    }

    simdjson::dom::element search(std::string_view body) {
        json = meili_search(*service, "listings", body);
        return parser.parse(json);
    }

    std::vector<std::string> ids(std::string_view body) {
        std::vector<std::string> ids;
        for (auto hit : search(body)["hits"].get_array()) ids.emplace_back(std::string_view(hit["id"]));
        return ids;
    }

    std::string json;
};

ApiError refusal(const std::function<void()>& call) {
    try {
        call();
    } catch (const ApiErrorException& refused) {
        return refused.error();
    }
    FAIL("no error");
    return {};
}

}  // namespace

TEST_CASE("a Meilisearch search: filters in both forms, sort, facet distribution and stats") {
    Fixture f;
    using Ids = std::vector<std::string>;
    CHECK(f.ids(R"({"q": "nike", "sort": ["price:asc"]})") == Ids{"tee", "shoe3", "shoe1"});
    CHECK(f.ids(R"({"q": "", "filter": "brand = Nike AND price >= 20", "sort": ["price:desc"]})") == Ids{"shoe1", "shoe3"});
    CHECK(f.ids(R"({"q": "", "filter": [["brand = Adidas", "shipping = seller"], "price < 70"], "sort": ["price:asc"]})") ==
          Ids{"tee", "shoe2"});
    CHECK(f.ids(R"({"filter": "NOT brand = Nike"})") == Ids{"shoe2"});
    CHECK(f.ids(R"({"filter": "status = sold"})") == Ids{"old"});
    CHECK(f.ids(R"({"filter": "category.lvl0 = Women"})") == Ids{"shoe3"});
    CHECK(f.ids(R"({"filter": "condition IN [2, 3]", "sort": ["created_at:desc"]})") == Ids{"shoe1", "shoe3"});

    auto result = f.search(R"({"q": "", "facets": ["brand", "category.lvl1", "price"], "limit": 1})");
    CHECK(int64_t(result["facetDistribution"]["brand"]["Nike"]) == 3);
    CHECK(int64_t(result["facetDistribution"]["category.lvl1"]["Men/Shoes"]) == 2);
    CHECK(double(result["facetStats"]["price"]["min"]) == 15);
    CHECK(double(result["facetStats"]["price"]["max"]) == 80);
    CHECK(int64_t(result["estimatedTotalHits"]) == 4);
    CHECK(int64_t(result["limit"]) == 1);
}

TEST_CASE("pages, highlights with the client's tags, and facet search") {
    Fixture f;
    auto paged = f.search(R"({"q": "nike", "hitsPerPage": 2, "page": 2,
                             "attributesToHighlight": ["*"], "highlightPreTag": "<b>", "highlightPostTag": "</b>"})");
    CHECK(int64_t(paged["totalHits"]) == 3);
    CHECK(int64_t(paged["totalPages"]) == 2);
    CHECK(int64_t(paged["page"]) == 2);
    REQUIRE(paged["hits"].get_array().size() == 1);
    CHECK(std::string_view(paged["hits"].at(0)["_formatted"]["brand"]) == "<b>Nike</b>");

    simdjson::dom::parser parser;
    auto facets = parser.parse(meili_facet_search(*f.service, "listings", R"({"facetName": "brand", "facetQuery": "adi"})"));
    REQUIRE(facets["facetHits"].get_array().size() == 1);
    CHECK(std::string_view(facets["facetHits"].at(0)["value"]) == "Adidas");

    auto multi = parser.parse(meili_multi_search(*f.service, R"({"queries": [{"indexUid": "listings", "q": "adidas"},
                                                                            {"indexUid": "listings", "q": "blazer"}]})"));
    CHECK(std::string_view(multi["results"].at(1)["hits"].at(0)["id"]) == "shoe3");
    CHECK(std::string_view(multi["results"].at(0)["indexUid"]) == "listings");
}

TEST_CASE("requests Meilisearch would refuse get its error codes") {
    Fixture f;
    CHECK(refusal([&] { f.search(R"({"filter": "colour = red"})"); }).name() == "invalid_search_filter");
    CHECK(refusal([&] { f.search(R"({"sort": ["title:asc"]})"); }).name() == "invalid_search_sort");
    CHECK(refusal([&] { f.search(R"({"limit": -1})"); }).name() == "invalid_search_limit");
    CHECK(refusal([&] { f.search(R"({"q": 3})"); }).name() == "invalid_search_q");
    CHECK(refusal([&] { f.search(R"({"colour": "red"})"); }).name() == "bad_request");
    CHECK(refusal([&] { f.search("{"); }).name() == "bad_request");
    CHECK(refusal([&] { f.search(R"({"filter": "category.lvl0 = \"Men//Shoes\""})"); }).name() == "invalid_search_filter");
    const ApiError missing = refusal([&] { meili_search(*f.service, "products", "{}"); });
    CHECK(missing.status() == 404);
    CHECK(missing.name() == "index_not_found");
    CHECK(meili_error_json(missing) ==
          R"({"message":"Index `products` not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"})");
}

TEST_CASE("bounds on the Meilisearch route: highlight tags, filter size, queries per multi-search, query length") {
    Fixture f;
    const std::string long_tag(129, 'x');
    const ApiError tag = refusal([&] { f.search(R"({"q": "nike", "highlightPreTag": ")" + long_tag + R"("})"); });
    CHECK(tag.name() == "invalid_search_highlight_pre_tag");
    CHECK(tag.message == "Invalid value at `.highlightPreTag`: 129 bytes; the limit is 128.");
    CHECK(refusal([&] { f.search(R"({"highlightPostTag": ")" + long_tag + R"("})"); }).name() ==
          "invalid_search_highlight_post_tag");
    CHECK(refusal([&] { f.search(R"({"q": ")" + std::string(1025, 'a') + R"("})"); }).name() == "invalid_search_q");

    std::string brands = R"({"filter": "brand IN [)";
    for (int i = 0; i < 5000; ++i) brands += (i ? ", b" : "b") + std::to_string(i);
    const ApiError many_values = refusal([&] { f.search(brands + R"(]"})"); });
    CHECK(many_values.name() == "invalid_search_filter");
    CHECK(many_values.message == "`brand` IN [...] lists 5000 values; the limit is 50.");
    // The array form is bounded as a whole, not only each string in it.
    std::string conditions = R"({"filter": [)";
    for (int i = 0; i < 101; ++i) conditions += std::string(i ? ", " : "") + R"("price > 1")";
    CHECK(refusal([&] { f.search(conditions + "]}"); }).message == "The filter has 101 conditions; the limit is 100.");

    std::string queries = R"({"queries": [)";
    for (int i = 0; i < 21; ++i) queries += std::string(i ? ", " : "") + R"({"indexUid": "listings"})";
    const ApiError too_many = refusal([&] { meili_multi_search(*f.service, queries + "]}"); });
    CHECK(too_many.name() == "invalid_multi_search_queries");
    CHECK(too_many.message == "`queries` holds 21 searches; the limit is 20.");
}

TEST_CASE("matchingStrategy is honoured, and a word with a minus leaves listings out") {
    Fixture f;
    using Ids = std::vector<std::string>;
    // No listing has both words (the engine's own tests cover how each
    // strategy relaxes; this fixture never relaxes).
    CHECK(f.ids(R"({"q": "adidas cortez ", "matchingStrategy": "all"})").empty());
    CHECK(f.ids(R"({"q": "nike -blazer", "sort": ["price:asc"]})") == Ids{"tee", "shoe1"});
    CHECK(refusal([&] { f.search(R"({"q": "nike", "matchingStrategy": "some"})"); }).name() ==
          "invalid_search_matching_strategy");
}

// A listing without brand, condition, shipping or description, and a long
// description to crop.
const std::string catalog_with_gaps = std::string(catalog) +
    R"({"id":"chair","title":"Wooden chair","price":25,"category":"Home/Furniture","created_at":500})" "\n"
    R"({"id":"lamp","title":"Desk lamp","price":25,"brand":"Ikea","category":"Home/Lighting","condition":1,"created_at":600,)"
    R"("image_url":"https://img.example/lamp.jpg",)"
    R"("description":"one two three four five six seven eight nine ten eleven twelve brass lamp thirteen fourteen fifteen sixteen seventeen"})" "\n";

TEST_CASE("attributesToRetrieve, attributesToHighlight and attributesToCrop shape each hit exactly") {
    Fixture f(catalog_with_gaps);
    auto result = f.search(R"({"q": "nike blazer", "attributesToRetrieve": ["id", "title", "brand"],
                              "attributesToHighlight": ["title"], "limit": 1})");
    auto hit = result["hits"].at(0);
    CHECK(std::string_view(hit["id"]) == "shoe3");
    CHECK(hit["seller_id"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(hit["price"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(std::string_view(hit["_formatted"]["title"]) == "<em>Nike</em> <em>Blazer</em>");
    CHECK(std::string_view(hit["_formatted"]["brand"]) == "Nike");  // not asked to highlight
    CHECK(hit["_formatted"]["category"].error() == simdjson::NO_SUCH_FIELD);
    // Each level of a category path is marked on its own.
    auto levels = f.search(R"({"q": "shoes", "attributesToHighlight": ["category"], "filter": "id = shoe3"})");
    CHECK(std::string_view(levels["hits"].at(0)["_formatted"]["category"]) == "Women/<em>Shoes</em>/Athletic");

    // A listing without a brand has no brand field, and can be found by that.
    auto chair = f.search(R"({"filter": "brand NOT EXISTS"})")["hits"];
    REQUIRE(chair.get_array().size() == 1);
    CHECK(std::string_view(chair.at(0)["id"]) == "chair");
    CHECK(chair.at(0)["brand"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(chair.at(0)["condition"].error() == simdjson::NO_SUCH_FIELD);

    auto cropped = f.search(R"({"q": "brass", "attributesToCrop": ["description:4"], "cropMarker": "~",
                               "attributesToHighlight": ["description"], "showMatchesPosition": true})")["hits"].at(0);
    CHECK(std::string_view(cropped["_formatted"]["description"]) == "~twelve <em>brass</em> lamp thirteen~");
    CHECK(int64_t(cropped["_matchesPosition"]["description"].at(0)["start"]) == 63);
    CHECK(int64_t(cropped["_matchesPosition"]["description"].at(0)["length"]) == 5);
    auto whole = f.search(R"({"q": "brass", "attributesToCrop": ["description"], "cropLength": 30})")["hits"].at(0);
    CHECK(std::string_view(whole["_formatted"]["description"]) == std::string_view(whole["description"]));
}

TEST_CASE("filters EXISTS, IS NULL, IS EMPTY, STARTS WITH, and CONTAINS answered as Meilisearch does") {
    Fixture f(catalog_with_gaps);
    using Ids = std::vector<std::string>;
    CHECK(f.ids(R"({"filter": "condition NOT EXISTS AND status = on_sale"})") == Ids{"chair"});
    CHECK(f.ids(R"({"filter": "brand IS NULL"})").empty());
    CHECK(f.ids(R"({"filter": "brand IS EMPTY"})").empty());
    CHECK(f.ids(R"({"filter": "brand IS NOT EMPTY", "sort": ["price:asc"]})").size() == 6);  // absent is not empty
    CHECK(f.ids(R"({"filter": "brand STARTS WITH adi"})") == Ids{"shoe2"});
    CHECK(f.ids(R"({"filter": "category STARTS WITH \"home/light\""})") == Ids{"lamp"});
    CHECK(f.ids(R"({"filter": "id = lamp"})") == Ids{"lamp"});
    CHECK(f.ids(R"({"filter": "shipping STARTS WITH sel", "sort": ["price:asc"]})") == Ids{"tee", "shoe1"});
    const ApiError contains = refusal([&] { f.search(R"({"filter": "brand CONTAINS ik"})"); });
    CHECK(contains.name() == "invalid_search_filter");
    CHECK(contains.message.rfind("Using `CONTAINS` in a filter requires enabling the `contains filter` experimental", 0) == 0);
}

TEST_CASE("sorting by created_at either way, price then created_at, and sort rules that cannot be honoured") {
    Fixture f(catalog_with_gaps);
    using Ids = std::vector<std::string>;
    CHECK(f.ids(R"({"sort": ["created_at:asc"], "limit": 3})") == Ids{"shoe2", "shoe3", "shoe1"});
    CHECK(f.ids(R"({"sort": ["price:asc", "created_at:desc"], "limit": 3})") == Ids{"tee", "lamp", "chair"});
    CHECK(refusal([&] { f.search(R"({"sort": ["price:asc", "created_at:asc"]})"); }).name() == "invalid_search_sort");
    CHECK(refusal([&] { f.search(R"({"sort": ["price"]})"); }).name() == "invalid_search_sort");
}

TEST_CASE("facets: price values in the distribution, status, everything with *, and hitsPerPage 0") {
    Fixture f(catalog_with_gaps);
    auto result = f.search(R"({"facets": ["*"], "hitsPerPage": 0, "filter": "price < 50 OR status = sold"})");
    CHECK(result["hits"].get_array().size() == 0);
    CHECK(int64_t(result["totalHits"]) == 5);
    CHECK(int64_t(result["totalPages"]) == 0);
    CHECK(int64_t(result["facetDistribution"]["price"]["25"]) == 2);
    CHECK(int64_t(result["facetDistribution"]["price"]["15"]) == 1);
    CHECK(int64_t(result["facetDistribution"]["status"]["sold"]) == 1);
    CHECK(int64_t(result["facetDistribution"]["status"]["on_sale"]) == 4);
    CHECK(double(result["facetStats"]["price"]["min"]) == 15);
    CHECK(int64_t(result["facetDistribution"]["created_at"]["200"]) == 1);
    CHECK(double(result["facetStats"]["created_at"]["min"]) == 50);
    CHECK(double(result["facetStats"]["created_at"]["max"]) == 600);
    CHECK(refusal([&] { f.search(R"({"facets": ["seller_id"]})"); }).name() == "invalid_search_facets");
}

TEST_CASE("facet search takes the search's parameters, searches every value and forgives typos") {
    Fixture f(catalog_with_gaps);
    simdjson::dom::parser parser;
    const auto values = [&](std::string_view body) {
        std::vector<std::string> found;
        auto json = meili_facet_search(*f.service, "listings", body);
        for (auto hit : parser.parse(json)["facetHits"].get_array()) found.emplace_back(std::string_view(hit["value"]));
        return found;
    };
    using Values = std::vector<std::string>;
    CHECK(values(R"({"facetName": "brand", "facetQuery": "adidsa"})") == Values{"Adidas"});  // one typo in six letters
    CHECK(values(R"({"facetName": "brand", "facetQuery": "", "q": "lamp", "facets": ["brand"],
                    "attributesToHighlight": ["*"], "hitsPerPage": 20, "page": 1})") == Values{"Ikea"});
    CHECK(values(R"({"facetName": "category.lvl1", "facetQuery": "shoes"})") == Values{"Men/Shoes", "Women/Shoes"});
    CHECK(refusal([&] { meili_facet_search(*f.service, "listings", R"({"facetName": "price"})"); }).name() ==
          "invalid_facet_search_facet_name");
}

TEST_CASE("federated multi-search merges the queries' hits into one list") {
    Fixture f(catalog_with_gaps);
    simdjson::dom::parser parser;
    auto merged = parser.parse(meili_multi_search(*f.service, R"({"federation": {"limit": 10},
        "queries": [{"indexUid": "listings", "q": "adidas"}, {"indexUid": "listings", "q": "lamp"},
                    {"indexUid": "listings", "q": "adidas ultraboost"}]})"));
    CHECK(merged["results"].error() == simdjson::NO_SUCH_FIELD);
    auto hits = merged["hits"].get_array();
    REQUIRE(hits.size() == 2);  // shoe2 found twice is shown once
    CHECK(int64_t(merged["limit"]) == 10);
    std::set<std::string> ids;
    for (auto hit : hits) {
        ids.insert(std::string(std::string_view(hit["id"])));
        CHECK(std::string_view(hit["_federation"]["indexUid"]) == "listings");
    }
    CHECK(ids == std::set<std::string>{"shoe2", "lamp"});
    CHECK(refusal([&] {
              meili_multi_search(*f.service, R"({"federation": {}, "queries": [{"indexUid": "listings", "limit": 2}]})");
          }).name() == "invalid_multi_search_query_pagination");
}

TEST_CASE("parameters this server cannot honour are refused with Meilisearch's codes, never ignored") {
    Fixture f;
    CHECK(refusal([&] { f.search(R"({"distinct": "brand"})"); }).name() == "invalid_search_distinct");
    CHECK(refusal([&] { f.search(R"({"attributesToSearchOn": ["title"]})"); }).name() ==
          "invalid_search_attributes_to_search_on");
    CHECK(refusal([&] { f.search(R"({"rankingScoreThreshold": 0.5})"); }).name() == "invalid_search_ranking_score_threshold");
    CHECK(refusal([&] { f.search(R"({"rankingScoreThreshold": 2})"); }).name() == "invalid_search_ranking_score_threshold");
    CHECK(refusal([&] { f.search(R"({"retrieveVectors": true})"); }).name() == "feature_not_enabled");
    CHECK(f.search(R"({"attributesToSearchOn": ["*"], "rankingScoreThreshold": 0, "locales": ["jpn"]})")["hits"].get_array().size() == 4);
    auto scored = f.search(R"({"q": "nike blazer", "showRankingScore": true, "showRankingScoreDetails": true,
                              "limit": 1})")["hits"].at(0);
    CHECK(double(scored["_rankingScore"]) == 1.0);
    CHECK(int64_t(scored["_rankingScoreDetails"]["words"]["maxMatchingWords"]) == 2);
}

TEST_CASE("documents by id and by list, index stats and settings") {
    Fixture f(catalog_with_gaps);
    simdjson::dom::parser parser;
    auto lamp = parser.parse(meili_document_json(*f.service, "listings", "lamp", "id,price"));
    CHECK(std::string_view(lamp["id"]) == "lamp");
    CHECK(lamp["title"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(refusal([&] { meili_document_json(*f.service, "listings", "nope", ""); }).name() == "document_not_found");
    CHECK(std::string_view(parser.parse(meili_document_json(*f.service, "listings", "lamp", ""))["image_url"]) ==
          "https://img.example/lamp.jpg");
    auto sold = parser.parse(meili_document_json(*f.service, "listings", "old", ""));
    CHECK(std::string_view(sold["status"]) == "sold");

    auto list = parser.parse(meili_documents_json(*f.service, "listings", documents_query_of_params({{"limit", "2"}, {"filter", "brand = Nike"}})));
    CHECK(int64_t(list["total"]) == 4);  // the sold one too
    CHECK(list["results"].get_array().size() == 2);

    auto stats = parser.parse(meili_index_stats_json(*f.service, "listings"));
    CHECK(int64_t(stats["numberOfDocuments"]) == 7);
    CHECK(int64_t(stats["fieldDistribution"]["brand"]) == 6);
    CHECK(int64_t(stats["fieldDistribution"]["condition"]) == 5);
    auto settings = parser.parse(meili_settings_json("listings", ""));
    CHECK(std::string_view(settings["sortableAttributes"].at(0)) == "created_at");
    CHECK(std::string_view(parser.parse(meili_settings_json("listings", "filterable-attributes")).at(0)) == "id");
    CHECK(refusal([&] { meili_settings_json("products", ""); }).name() == "index_not_found");
}
