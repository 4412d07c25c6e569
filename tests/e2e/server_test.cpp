// End to end: the real listing-indexer binary builds an index on disk, the
// real search-server binary serves it on a loopback port, and we talk HTTP.
#include <doctest/doctest.h>

#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <xapian.h>

#include "analyzers/index_layout.h"
#include "e2e_support.h"
#include "test_support.h"

using namespace e2e;
using test_support::binary;
using test_support::run_command;

namespace {

// True while the follower has not yet published its first generation.
// The follower has not yet committed its first listing. (Waiting for the
// stub file alone raced with that first commit on a busy machine.)
bool nothing_committed_yet(const test_support::TempDir& dir) {
    const auto stub = analyzers::serving_stub_path(dir / "index");
    if (!std::filesystem::exists(stub)) return true;
    try {
        return Xapian::Database(stub.string()).get_doccount() == 0;
    } catch (const Xapian::Error&) {
        return true;  // caught between the stub and its shards
    }
}

// Searches `query` until its first hit is `id` (for at most 3 s); how long
// that took, in seconds.
double seconds_until_first_hit(int port, const std::string& query, const std::string& id) {
    const auto started = std::chrono::steady_clock::now();
    while (first_hit_id(port, query) != id && std::chrono::steady_clock::now() - started < std::chrono::seconds(3)) {
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// The value of a metric line of /metrics (`series` as written, labels
// included), or -1 when the line is missing.
long metric_value(const std::string& metrics, const std::string& series) {
    const std::string line_start = "\n" + series + " ";
    const auto found = metrics.find(line_start);
    if (found == std::string::npos) return -1;
    return std::stol(metrics.substr(found + line_start.size()));
}

// A client searching `path` over and over on its own thread until stopped,
// counting the answers with hits and the rest.
class QueryLoad {
public:
    QueryLoad(int port, std::string path) : thread_([this, port, path = std::move(path)] {
        httplib::Client client("127.0.0.1", port);
        while (!done_) {
            auto result = client.Get(path.c_str());
            if (result && result->status == 200 && result->body.find("\"hits\":[{") != std::string::npos) ++ok_;
            else ++failed_;
        }
    }) {}
    ~QueryLoad() { stop(); }
    void stop() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
    }
    int ok() const { return ok_; }
    int failed() const { return failed_; }

private:
    std::atomic<bool> done_{false};
    std::atomic<int> ok_{0}, failed_{0};
    std::thread thread_;
};

}  // namespace

TEST_CASE("the bundled sample is indexed and searched over HTTP") {
    auto server = serve_sample();
    simdjson::dom::parser parser;

    SUBCASE("health reports the listings") {
        const Response health = get(server.port(), "/healthz");
        CHECK(health.status == 200);
        CHECK(int64_t(parse_json(parser, health.body)["documents"]) == 3000);
    }
    SUBCASE("a brand query returns ranked hits that mention the brand") {
        const Response response = get(server.port(), "/v1/search?q=nike&limit=10");
        REQUIRE(response.status == 200);
        auto root = parse_json(parser, response.body);
        CHECK(int64_t(root["total"]) > 10);
        auto hits = root["hits"].get_array().value();
        CHECK(hits.size() == 10);
        double previous = 1e300;
        for (auto hit : hits) {
            const double score = double(hit["score"]);
            CHECK(score <= previous);
            previous = score;
            std::string text = std::string(std::string_view(hit["listing"]["title"]));
            std::string_view brand;
            if (!hit["listing"]["brand"].get(brand)) text.append(" ").append(brand);
            std::transform(text.begin(), text.end(), text.begin(), ::tolower);
            CHECK_MESSAGE(text.find("nike") != std::string::npos, text);
            CHECK(std::string_view(hit["listing"]["status"]) == "on_sale");
        }
    }
    SUBCASE("filters and sort apply over HTTP") {
        const Response response =
            get(server.port(), "/v1/search?q=sneakers&brand=Nike&price_max=100&condition=1,2&sort=price_desc&limit=50");
        REQUIRE(response.status == 200);
        auto hits = parse_json(parser, response.body)["hits"].get_array().value();
        CHECK(hits.size() > 0);
        double previous_price = 1e300;
        for (auto hit : hits) {
            auto listing = hit["listing"];
            CHECK(std::string_view(listing["brand"]) == "Nike");
            const double price = double(listing["price"]);
            CHECK(price <= 100);
            CHECK(price <= previous_price);
            previous_price = price;
            const int64_t condition = int64_t(listing["condition"]);
            CHECK((condition == 1 || condition == 2));
        }
    }
    SUBCASE("facets come with the hits, disjunctive and exact") {
        const Response response = get(server.port(), "/v1/search?brand=Nike&facets=all&limit=1");
        REQUIRE(response.status == 200);
        simdjson::dom::element root = parse_json(parser, response.body);
        CHECK(bool(root["total_exact"]));
        const int64_t total = int64_t(root["total"]);
        simdjson::dom::object facets;
        REQUIRE_FALSE(root["facets"].get(facets));
        simdjson::dom::array brands, shipping;
        REQUIRE_FALSE(facets["brand"].get(brands));
        REQUIRE_FALSE(facets["shipping"].get(shipping));
        // The brand facet ignores the brand filter: other brands show up.
        CHECK(brands.size() > 1);
        int64_t by_shipping = 0;
        for (simdjson::dom::element value : shipping) by_shipping += int64_t(value["count"]);
        CHECK(by_shipping == total);  // every Nike listing ships one way or the other
        CHECK(int64_t(facets["price"]["count"]) == total);
    }
    SUBCASE("metrics count requests and report the index") {
        get(server.port(), "/v1/search?q=nike");
        get(server.port(), "/v1/search?q=nike");  // the same again: from the result cache
        get(server.port(), "/v1/search?limit=0");
        const Response metrics = get(server.port(), "/metrics");
        CHECK(metrics.status == 200);
        CHECK(metrics.body.find("listing_http_requests_total{route=\"search\",status=\"2xx\"} 2") != std::string::npos);
        CHECK(metrics.body.find("listing_http_requests_total{route=\"search\",status=\"4xx\"} 1") != std::string::npos);
        CHECK(metrics.body.find("listing_search_duration_seconds_count 2") != std::string::npos);
        CHECK(metrics.body.find("listing_search_cache_hits_total 1") != std::string::npos);
        // The one search ranked afresh was a text query: ranked over the
        // snapshots' candidates, by their scores or (scores tied on the
        // page) by Xapian's final pass over them.
        CHECK(metric_value(metrics.body, "listing_search_ranked_total{by=\"snapshot_candidates\"}") +
                  metric_value(metrics.body, "listing_search_ranked_total{by=\"final_pass\"}") ==
              1);
        CHECK(metric_value(metrics.body, "listing_search_ranked_total{by=\"matcher\"}") == 0);
        CHECK(metric_value(metrics.body, "listing_search_ranked_total{by=\"columns\"}") == 0);
        CHECK(metrics.body.find("listing_index_generation 1") != std::string::npos);
        CHECK(metrics.body.find("listing_index_documents 3000") != std::string::npos);
        CHECK(metrics.body.find("listing_index_delta_listings 0") != std::string::npos);  // not a frozen generation
    }
    SUBCASE("a Japanese query finds Japanese listings") {
        CHECK_FALSE(first_hit_id(server.port(), "%E3%82%B9%E3%83%8B%E3%83%BC%E3%82%AB%E3%83%BC").empty());  // スニーカー
    }
    SUBCASE("a bad parameter gets a 400 with a JSON error naming it") {
        const Response response = get(server.port(), "/v1/search?q=nike&limit=lots");
        CHECK(response.status == 400);
        CHECK(std::string_view(parse_json(parser, response.body)["error"]["parameter"]) == "limit");
    }
    SUBCASE("an unknown path gets a 404 JSON error") {
        const Response response = get(server.port(), "/v2/nothing");
        CHECK(response.status == 404);
        CHECK(std::string_view(parse_json(parser, response.body)["error"]["code"]) == "not_found");
    }
    SUBCASE("the server survives hostile input") {
        get(server.port(), "/v1/search?q=" + std::string(5000, '%') );
        get(server.port(), "/v1/search?q=%FF%FE%00");
        get(server.port(), "/v1/search?q=((((((");
        CHECK(server.running());
        CHECK(get(server.port(), "/healthz").status == 200);
    }
}

TEST_CASE("a feed with bad lines is indexed and the bad lines reported") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", "{\"id\":\"a\",\"title\":\"Lego Star Wars\",\"price\":30}\n"
                                                 "{oops\n"
                                                 "{\"id\":\"b\",\"title\":\"Lego City\"}\n");
    const auto result = run_command({binary("INDEXER_BIN").string(), "build", "--feed", (dir / "feed.jsonl").string(),
                                     "--index", (dir / "index").string(), "--data-dir",
                                     test_support::project_data_dir().string()});
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("1 listings served; 3 lines read") != std::string::npos);
    const std::string dead = test_support::read_file(dir / "index" / "dead-letter.jsonl");
    CHECK(dead.find("\"line\":2") != std::string::npos);
    CHECK(dead.find("\"line\":3,\"error\":\"missing required field 'price'\"") != std::string::npos);
}

TEST_CASE("the indexer explains a bad command line") {
    const auto no_index = run_command({binary("INDEXER_BIN").string(), "build", "--feed", "x.jsonl"});
    CHECK(no_index.exit_code == 2);
    CHECK(no_index.output.find("--index is required") != std::string::npos);
    const auto help = run_command({binary("INDEXER_BIN").string(), "build", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--shards") != std::string::npos);
    const auto server_help = run_command({binary("SERVER_BIN").string(), "--help"});
    CHECK(server_help.exit_code == 0);
    CHECK(server_help.output.find("--port") != std::string::npos);
}

TEST_CASE("real Mercari listings: razer keyboard finds the Razer keyboard first") {
    const auto tsv = test_support::shared_data_file("mercari/mercari_train_5k.tsv");
    if (!tsv) {
        MESSAGE("skipped: ../shared/data/mercari is not present");
        return;
    }
    test_support::TempDir dir;
    const auto feed = test_support::mercari_feed(*tsv, dir.path());
    index_feed(feed, dir / "index", 2);
    auto server = start_server(dir / "index");
    simdjson::dom::parser parser;
    CHECK(int64_t(parse_json(parser, get(server.port(), "/healthz").body)["documents"]) == 5001);
    CHECK(first_hit_id(server.port(), "razer+keyboard") == "m1");  // "Razer BlackWidow Chroma Keyboard"
}

TEST_CASE("a followed listing is searchable over HTTP within a second") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", "{\"id\":\"a\",\"title\":\"Vintage Polaroid camera\",\"price\":60}\n");
    test_support::ChildProcess follower({binary("INDEXER_BIN").string(), "follow", "--quiet", "--feed",
                                         (dir / "feed.jsonl").string(), "--index", (dir / "index").string(),
                                         "--data-dir", test_support::project_data_dir().string()});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (nothing_committed_yet(dir) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    auto server = start_server(dir / "index");
    REQUIRE(first_hit_id(server.port(), "polaroid") == "a");

    {
        std::ofstream feed(dir / "feed.jsonl", std::ios::app);
        feed << "{\"id\":\"b\",\"title\":\"Fujifilm Instax mini camera\",\"price\":45}\n";
    }
    const double seconds = seconds_until_first_hit(server.port(), "instax", "b");
    MESSAGE("searchable after " << seconds * 1000 << " ms");
    CHECK(first_hit_id(server.port(), "instax") == "b");
    CHECK(seconds < 1.0);
}

TEST_CASE("queries keep succeeding while new generations are swapped in") {
    test_support::TempDir dir;
    const auto sample = test_support::project_data_dir() / "sample_listings.jsonl";
    index_feed(sample, dir / "index");
    auto server = start_server(dir / "index");
    QueryLoad load(server.port(), "/v1/search?q=nike&limit=5");
    for (int swap = 0; swap < 3; ++swap) index_feed(sample, dir / "index", 2 + swap);
    load.stop();
    MESSAGE(load.ok() << " queries answered during 3 swaps");
    CHECK(load.ok() > 50);
    CHECK(load.failed() == 0);
    CHECK(analyzers::serving_generation(dir / "index")->number == 4);
}

// A frozen generation (build --no-termlists) through the real binaries: the
// follower's new version of a base listing replaces it within a second, and
// swaps between frozen and usual generations keep every query answered.
TEST_CASE("a frozen generation over HTTP: a followed update replaces its base listing, and swaps keep queries going") {
    test_support::TempDir dir;
    const auto feed = dir / "feed.jsonl";
    test_support::write_file(feed, "{\"id\":\"a\",\"title\":\"Vintage Polaroid camera\",\"price\":60}\n"
                                   "{\"id\":\"b\",\"title\":\"Fujifilm Instax mini camera\",\"price\":45}\n");
    index_feed(feed, dir / "index", 2, /*frozen=*/true);
    REQUIRE(analyzers::serving_generation(dir / "index")->frozen);
    auto server = start_server(dir / "index");
    REQUIRE(first_hit_id(server.port(), "polaroid") == "a");

    test_support::ChildProcess follower({binary("INDEXER_BIN").string(), "follow", "--quiet", "--feed", feed.string(),
                                         "--index", (dir / "index").string(), "--data-dir",
                                         test_support::project_data_dir().string()});
    // The follower has started and caught up once a new listing shows (the
    // time a process takes to start is not what is measured: on a loaded CI
    // machine it once took the update past two seconds).
    {
        std::ofstream out(feed, std::ios::app);
        out << "{\"id\":\"c\",\"title\":\"Leica rangefinder\",\"price\":900}\n";
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (first_hit_id(server.port(), "leica") != "c" && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(first_hit_id(server.port(), "leica") == "c");
    {
        std::ofstream out(feed, std::ios::app);
        out << "{\"id\":\"a\",\"title\":\"Vintage Kodak camera\",\"price\":65}\n";
    }
    const double seconds = seconds_until_first_hit(server.port(), "kodak", "a");
    MESSAGE("the new version was searchable after " << seconds * 1000 << " ms");
    CHECK(first_hit_id(server.port(), "kodak") == "a");
    CHECK(seconds < 1.0);
    CHECK(first_hit_id(server.port(), "polaroid").empty());  // the base's old version matches no more
    CHECK(get(server.port(), "/v1/search?q=camera").body.find("\"total\":2,") != std::string::npos);

    QueryLoad load(server.port(), "/v1/search?q=camera&limit=5");
    for (const bool frozen : {false, true, false}) index_feed(feed, dir / "index", 2, frozen);
    load.stop();
    MESSAGE(load.ok() << " queries answered during 3 swaps between frozen and usual generations");
    CHECK(load.ok() > 20);
    CHECK(load.failed() == 0);
}

TEST_CASE("the indexer follows a feed on stdin") {
    test_support::TempDir dir;
    const std::string command =
        "printf '%s\\n' '{\"id\":\"s1\",\"title\":\"Canon EOS camera\",\"price\":300}' 'not json' "
        "'{\"op\":\"delete\",\"id\":\"nobody\"}' | '" + binary("INDEXER_BIN").string() +
        "' follow --once --quiet --feed - --index '" + (dir / "index").string() + "' --data-dir '" +
        test_support::project_data_dir().string() + "'";
    const auto result = run_command({"bash", "-c", command});
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("1 listings served; 3 lines read") != std::string::npos);
    CHECK(result.output.find("rejected 1") != std::string::npos);
}

namespace {

const char* lego_feed =
    R"({"id":"in-title","title":"Lego castle","price":30,"created_at":1700000000})" "\n"
    R"({"id":"in-description","title":"Toy castle","description":"a lego castle","price":30,"created_at":1700000000})" "\n";

}  // namespace

TEST_CASE("POST /v1/search takes the same parameters as JSON, with highlights, relaxation and suggestions") {
    auto server = serve_sample();
    simdjson::dom::parser parser;

    const Response posted = post(server.port(), "/v1/search",
                                 R"({"q": "nike", "brand": ["Nike", "Adidas"], "limit": 5, "facets": ["brand"]})");
    REQUIRE(posted.status == 200);
    auto body = parse_json(parser, posted.body);
    CHECK(body["hits"].get_array().value().size() == 5);
    CHECK(std::string_view(body["hits"].at(0)["highlighted_title"]).find("<em>") != std::string_view::npos);
    CHECK(body["facets"]["brand"].get_array().value().size() >= 1);

    const Response bad = post(server.port(), "/v1/search", R"({"q": "nike", "limit": true})");
    CHECK(bad.status == 400);
    CHECK(std::string_view(parse_json(parser, bad.body)["error"]["parameter"]) == "limit");
    CHECK(post(server.port(), "/v1/search", "{not json").status == 400);
    CHECK(post(server.port(), "/v1/search", std::string(100'000, ' ')).status == 413);

    // Five words nothing matches all of: relaxed, and still answered.
    const Response relaxed = get(server.port(), "/v1/search?q=nike%20lego%20pokemon%20iphone%20barbie");
    REQUIRE(relaxed.status == 200);
    INFO(relaxed.body.substr(0, 300));
    auto relaxed_body = parse_json(parser, relaxed.body);
    CHECK(bool(relaxed_body["relaxed"]));
    CHECK(relaxed_body["hits"].get_array().value().size() > 0);

    const Response misspelled = get(server.port(), "/v1/search?q=nikke");
    CHECK(std::string_view(parse_json(parser, misspelled.body)["suggestion"]) == "nike");
}

TEST_CASE("the ranking config reloads without a restart, by admin request or SIGHUP") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", lego_feed);
    index_feed(dir / "feed.jsonl", dir / "index");
    test_support::write_file(dir / "ranking.conf", "freshness.weight = 0\n");
    test_support::ServerProcess server({"--index", (dir / "index").string(), "--data-dir",
                                        test_support::project_data_dir().string(), "--ranking",
                                        (dir / "ranking.conf").string(), "--admin-token", "s3cret"});
    CHECK(first_hit_id(server.port(), "lego") == "in-title");

    test_support::write_file(dir / "ranking.conf", "freshness.weight = 0\nfield.title = 0.1\nfield.description = 10\n");
    CHECK(post(server.port(), "/v1/admin/reload-ranking", "").status == 401);
    CHECK(post(server.port(), "/v1/admin/reload-ranking", "", "wrong").status == 401);
    CHECK(first_hit_id(server.port(), "lego") == "in-title");  // not reloaded yet
    const Response reloaded = post(server.port(), "/v1/admin/reload-ranking", "", "s3cret");
    CHECK(reloaded.status == 200);
    CHECK(first_hit_id(server.port(), "lego") == "in-description");

    test_support::write_file(dir / "ranking.conf", "field.title = many\n");
    const Response refused = post(server.port(), "/v1/admin/reload-ranking", "", "s3cret");
    CHECK(refused.status == 400);
    CHECK(refused.body.find("ranking.conf:1") != std::string::npos);
    CHECK(first_hit_id(server.port(), "lego") == "in-description");  // old config kept

    test_support::write_file(dir / "ranking.conf", "freshness.weight = 0\n");
    server.send_signal(SIGHUP);
    bool reloaded_by_signal = false;
    for (int attempt = 0; attempt < 50 && !reloaded_by_signal; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        reloaded_by_signal = first_hit_id(server.port(), "lego") == "in-title";
    }
    CHECK(reloaded_by_signal);
}

TEST_CASE("admin endpoints are off without a token") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", lego_feed);
    index_feed(dir / "feed.jsonl", dir / "index");
    auto server = start_server(dir / "index");
    const Response response = post(server.port(), "/v1/admin/reload-ranking", "", "anything");
    CHECK(response.status == 403);
    CHECK(response.body.find("admin_disabled") != std::string::npos);
}

TEST_CASE("an admin with the token triggers a reindex, which swaps in a new generation under queries") {
    test_support::TempDir dir;
    const std::string index = (dir / "index").string();
    const std::string feed = (test_support::project_data_dir() / "sample_listings.jsonl").string();
    index_feed(feed, dir / "index");
    const std::string command = binary("INDEXER_BIN").string() + " build --quiet --feed " + feed + " --index " + index +
                                " --data-dir " + test_support::project_data_dir().string();
    test_support::ServerProcess server({"--index", index, "--data-dir", test_support::project_data_dir().string(),
                                        "--admin-token", "s3cret", "--reindex-command", command});
    CHECK(post(server.port(), "/v1/admin/reindex", "").status == 401);
    CHECK(get_with_token(server.port(), "/v1/admin/reindex", "s3cret").body.find("\"idle\"") != std::string::npos);
    const Response started = post(server.port(), "/v1/admin/reindex", "", "s3cret");
    CHECK(started.status == 202);
    CHECK(started.body.find("\"running\"") != std::string::npos);

    bool succeeded = false;
    for (int attempt = 0; attempt < 300 && !succeeded; ++attempt) {
        CHECK(get(server.port(), "/v1/search?q=nike").status == 200);  // queries go on meanwhile
        succeeded = get_with_token(server.port(), "/v1/admin/reindex", "s3cret").body.find("\"succeeded\"") != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(succeeded);
    bool swapped = false;
    for (int attempt = 0; attempt < 50 && !swapped; ++attempt) {
        swapped = get(server.port(), "/metrics").body.find("listing_index_generation 2") != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(swapped);
    CHECK_FALSE(first_hit_id(server.port(), "nike").empty());
}

TEST_CASE("without a reindex command the trigger says so") {
    test_support::TempDir dir;
    index_feed(test_support::project_data_dir() / "sample_listings.jsonl", dir / "index");
    test_support::ServerProcess server({"--index", (dir / "index").string(), "--data-dir",
                                        test_support::project_data_dir().string(), "--admin-token", "s3cret"});
    const Response response = post(server.port(), "/v1/admin/reindex", "", "s3cret");
    CHECK(response.status == 404);
    CHECK(response.body.find("reindex_not_configured") != std::string::npos);
}

TEST_CASE("an index that cannot be read is a 503 in each API's error shape, and the server stays up") {
    test_support::TempDir dir;
    test_support::write_file(dir / "feed.jsonl", "{\"id\":\"a\",\"title\":\"Vintage Polaroid camera\",\"price\":60}\n");
    index_feed(dir / "feed.jsonl", dir / "index");
    auto server = start_server(dir / "index");
    REQUIRE(first_hit_id(server.port(), "polaroid") == "a");
    // CURRENT names a generation whose shards are not there.
    analyzers::publish_generation(dir / "index", {.number = 99, .shard_count = 2});
    simdjson::dom::parser parser;
    const Response v1 = get(server.port(), "/v1/search?q=camera");
    CHECK(v1.status == 503);
    CHECK(std::string_view(parse_json(parser, v1.body)["error"]["code"]) == "index_unavailable");
    const Response meili = post(server.port(), "/indexes/listings/search", R"({"q": "camera"})");
    CHECK(meili.status == 503);
    auto meili_error = parse_json(parser, meili.body);
    CHECK(std::string_view(meili_error["code"]) == "index_unavailable");
    CHECK(std::string_view(meili_error["type"]) == "system");
    CHECK(server.running());
    // Back to the real generation: answered again.
    analyzers::publish_generation(dir / "index", {.number = 1, .shard_count = 2});
    CHECK(first_hit_id(server.port(), "polaroid") == "a");
}

namespace {

// Overwrites a file in place (same inode, as a failing disk would leave
// it), so that open handles read the damage too.
void damage(const std::filesystem::path& file) {
    const auto size = std::filesystem::file_size(file);
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    out << std::string(size, '\xA5');
}

}  // namespace

TEST_CASE("readiness reads every shard and names one that fails; liveness stays trivial; every 5xx is logged") {
    test_support::TempDir dir;
    index_feed(test_support::project_data_dir() / "sample_listings.jsonl", dir / "index");
    const auto log = dir / "server.log";
    test_support::ServerProcess server(
        {"--index", (dir / "index").string(), "--data-dir", test_support::project_data_dir().string()}, log);
    simdjson::dom::parser parser;
    Response health = get(server.port(), "/healthz");
    REQUIRE(health.status == 200);
    auto ready = parse_json(parser, health.body);
    CHECK(int64_t(ready["documents"]) == 3000);
    CHECK(ready["shards"].get_array().value().size() == 2);
    CHECK(get(server.port(), "/livez").status == 200);

    // A shard directory gone: /healthz said ok while searchers kept reading
    // the files they had open.
    const auto shard_00 = dir / "index" / "gen-000001" / "shard-00";
    std::filesystem::rename(shard_00, dir / "moved-away");
    health = get(server.port(), "/healthz");
    CHECK(health.status == 503);
    CHECK(health.body.find("shard gen-000001/shard-00: DatabaseNotFoundError") != std::string::npos);
    CHECK(get(server.port(), "/livez").status == 200);
    std::filesystem::rename(dir / "moved-away", shard_00);
    CHECK(get(server.port(), "/healthz").status == 200);

    // A damaged shard: /healthz said ok while searches failed.
    damage(dir / "index" / "gen-000001" / "shard-01" / "postlist.glass");
    health = get(server.port(), "/healthz");
    CHECK(health.status == 503);
    CHECK(health.body.find("shard gen-000001/shard-01: DatabaseCorruptError") != std::string::npos);
    CHECK(get(server.port(), "/v1/search?q=nike").status == 500);
    CHECK(post(server.port(), "/indexes/listings/search", R"({"q": "nike"})").status == 500);
    // The front's own 5xx: a transfer coding it does not read.
    test_support::RawConnection gzipped(server.port());
    gzipped.send("POST /v1/search HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
    CHECK(gzipped.read_response(std::chrono::seconds(3)).status == 501);
    CHECK(server.running());

    const std::string logged = test_support::read_file(log);
    INFO(logged);
    CHECK(logged.find("GET /healthz -> 503 index_unavailable: not ready: shard gen-000001/shard-00: "
                      "DatabaseNotFoundError") != std::string::npos);
    CHECK(logged.find("GET /healthz -> 503 index_unavailable: not ready: shard gen-000001/shard-01: "
                      "DatabaseCorruptError") != std::string::npos);
    CHECK(logged.find("GET /v1/search -> 500 index_corrupt: index read failed: DatabaseCorruptError") != std::string::npos);
    CHECK(logged.find("POST /indexes/listings/search -> 500 index_corrupt") != std::string::npos);
    CHECK(logged.find("/v1/search -> 501 unsupported_transfer_encoding: Transfer-Encoding 'gzip' is not supported") !=
          std::string::npos);
}

namespace {

// The /proc/PID/stat fields after the command name: state, then ppid.
std::optional<std::pair<char, int>> state_and_parent(int pid) {
    const std::string stat = test_support::read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto name_end = stat.rfind(") ");
    if (name_end == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(name_end + 2));
    char state = '?';
    int parent = 0;
    fields >> state >> parent;
    return std::make_pair(state, parent);
}

// A zombie has ended: it only waits for a parent to reap it.
bool process_alive(int pid) {
    const auto found = state_and_parent(pid);
    return found && found->first != 'Z' && found->first != 'X';
}

bool ends_within(int pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_alive(pid) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !process_alive(pid);
}

// The server's child process (the reindex command), found through /proc.
int child_of(int parent) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto found = state_and_parent(std::stoi(name));
        if (found && found->second == parent) return std::stoi(name);
    }
    return 0;
}

// Starts the server's reindex command by admin request; its pid.
int start_reindex(const test_support::ServerProcess& server) {
    REQUIRE(post(server.port(), "/v1/admin/reindex", "", "s3cret").status == 202);
    const int pid = child_of(server.pid());
    REQUIRE(pid > 0);
    REQUIRE(process_alive(pid));
    return pid;
}

}  // namespace

TEST_CASE("the reindex command stops with the server: SIGTERM when it stops, and when it is killed too") {
    test_support::TempDir dir;
    const auto sample = test_support::project_data_dir() / "sample_listings.jsonl";
    index_feed(sample, dir / "index");
    // The real indexer takes seconds over the sample forty times over.
    std::string feed;
    for (int copy = 0; copy < 40; ++copy) feed += test_support::read_file(sample);
    test_support::write_file(dir / "big.jsonl", feed);
    const std::string command = binary("INDEXER_BIN").string() + " build --quiet --feed " + (dir / "big.jsonl").string() +
                                " --index " + (dir / "index").string() + " --data-dir " +
                                test_support::project_data_dir().string();
    const auto log = dir / "server.log";
    test_support::ServerProcess server({"--index", (dir / "index").string(), "--data-dir",
                                        test_support::project_data_dir().string(), "--admin-token", "s3cret",
                                        "--reindex-command", command, "--reindex-grace-seconds", "20"},
                                       log);
    const int build = start_reindex(server);
    CHECK(get_with_token(server.port(), "/v1/admin/reindex", "s3cret").body.find("\"pid\":" + std::to_string(build)) !=
          std::string::npos);

    SUBCASE("the server stops") {
        const auto start = std::chrono::steady_clock::now();
        CHECK(server.stop() == 0);
        CHECK_FALSE(process_alive(build));
        // SIGTERM ended it, not SIGKILL after the grace period.
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
        CHECK(test_support::read_file(log).find("stopping the reindex command (pid " + std::to_string(build) +
                                                "): SIGTERM") != std::string::npos);
    }
    SUBCASE("the server is killed") {
        server.send_signal(SIGKILL);
        CHECK(ends_within(build, std::chrono::seconds(10)));
    }
}

TEST_CASE("a reindex command that ignores SIGTERM is killed once the grace period is over") {
    test_support::TempDir dir;
    index_feed(test_support::project_data_dir() / "sample_listings.jsonl", dir / "index");
    test_support::write_file(dir / "stubborn.sh", "#!/bin/sh\ntrap '' TERM\nexec sleep 60\n");
    std::filesystem::permissions(dir / "stubborn.sh", std::filesystem::perms::owner_all);
    const auto log = dir / "server.log";
    test_support::ServerProcess server({"--index", (dir / "index").string(), "--data-dir",
                                        test_support::project_data_dir().string(), "--admin-token", "s3cret",
                                        "--reindex-command", (dir / "stubborn.sh").string(), "--reindex-grace-seconds",
                                        "1"},
                                       log);
    const int stubborn = start_reindex(server);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past the shell's trap
    const auto start = std::chrono::steady_clock::now();
    server.stop();
    CHECK_FALSE(process_alive(stubborn));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(1));
    CHECK(test_support::read_file(log).find("is still running after 1000 ms: SIGKILL") != std::string::npos);
}

namespace {

// Lines [first, first + count) of the bundled sample, as a feed file.
std::filesystem::path sample_slice(const std::filesystem::path& out, std::size_t first, std::size_t count) {
    std::istringstream sample(test_support::read_file(test_support::project_data_dir() / "sample_listings.jsonl"));
    std::string line, slice;
    for (std::size_t number = 0; std::getline(sample, line) && number < first + count; ++number) {
        if (number >= first) slice += line + "\n";
    }
    test_support::write_file(out, slice);
    return out;
}

// Every listing, sold or not, counted exactly (facets make totals exact).
int64_t listings_served(int port) {
    const Response response = get(port, "/v1/search?status=any&facets=shipping&limit=1");
    REQUIRE(response.status == 200);
    simdjson::dom::parser parser;
    return int64_t(parse_json(parser, response.body)["total"]);
}

}  // namespace

TEST_CASE("an index directory built again from scratch under a running server is served, not the old one") {
    test_support::TempDir dir;
    index_feed(sample_slice(dir / "first.jsonl", 0, 800), dir / "index");
    auto cached = start_server(dir / "index");
    test_support::ServerProcess uncached({"--index", (dir / "index").string(), "--data-dir",
                                          test_support::project_data_dir().string(), "--cache-entries", "0"});
    for (const int port : {cached.port(), uncached.port()}) {
        REQUIRE(listings_served(port) == 800);
        REQUIRE_FALSE(first_hit_id(port, "").empty());
    }

    // Generation numbers start again at 1: the server kept the old index's
    // cached answers, searchers and snapshots (the empty query found 0).
    std::filesystem::remove_all(dir / "index");
    index_feed(sample_slice(dir / "second.jsonl", 1000, 1300), dir / "index");
    REQUIRE(analyzers::serving_generation(dir / "index")->number == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the cache's stale allowance
    for (const int port : {cached.port(), uncached.port()}) {
        CHECK(listings_served(port) == 1300);
        simdjson::dom::parser parser;
        CHECK(int64_t(parse_json(parser, get(port, "/healthz").body)["documents"]) == 1300);
        const std::string newest = first_hit_id(port, "");
        CHECK_FALSE(newest.empty());
        CHECK(newest >= "L0001001");  // sample ids are L0000001...; the second index holds lines 1001-2300
    }
}
