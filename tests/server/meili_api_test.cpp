#include <doctest/doctest.h>

#include <simdjson.h>

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

    Fixture() {
        query_test::build_index(dir, catalog);
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
