#include "e2e_support.h"

#include <doctest/doctest.h>

#include <httplib.h>

namespace e2e {
namespace {

Response response_of(const httplib::Result& result, const std::string& what) {
    REQUIRE_MESSAGE(result, "no HTTP response for " << what);
    return {result->status, result->body};
}

}  // namespace

Response get(int port, const std::string& path) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    return response_of(client.Get(path.c_str()), path);
}

Response get_with_token(int port, const std::string& path, const std::string& token) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    return response_of(client.Get(path.c_str(), {{"Authorization", "Bearer " + token}}), path);
}

Response post(int port, const std::string& path, const std::string& body, const std::string& token) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return response_of(client.Post(path.c_str(), headers, body, "application/json"), "POST " + path);
}

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& body) {
    simdjson::dom::element root;
    REQUIRE_MESSAGE(!parser.parse(body).get(root), "not JSON: " << body);
    return root;
}

std::string first_hit_id(int port, const std::string& query) {
    const Response response = get(port, std::string("/v1/search?q=").append(query));
    REQUIRE(response.status == 200);
    simdjson::dom::parser parser;
    auto hits = parse_json(parser, response.body)["hits"].get_array();
    REQUIRE_FALSE(hits.error());
    if (hits.value().size() == 0) return "";
    return std::string(std::string_view(hits.value().at(0)["listing"]["id"]));
}

void index_feed(const std::filesystem::path& feed, const std::filesystem::path& index_dir, int shards, bool frozen) {
    std::vector<std::string> command{test_support::binary("INDEXER_BIN").string(), "build", "--feed", feed.string(),
                                     "--index", index_dir.string(), "--shards", std::to_string(shards), "--data-dir",
                                     test_support::project_data_dir().string()};
    if (frozen) command.push_back("--no-termlists");
    const auto result = test_support::run_command(command);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
}

test_support::ServerProcess start_server(const std::filesystem::path& index_dir) {
    return test_support::ServerProcess(
        {"--index", index_dir.string(), "--data-dir", test_support::project_data_dir().string()});
}

const std::filesystem::path& sample_index() {
    static const test_support::TempDir dir;
    static const std::filesystem::path index = [] {
        index_feed(test_support::project_data_dir() / "sample_listings.jsonl", dir / "index");
        return dir / "index";
    }();
    return index;
}

test_support::ServerProcess serve_sample() { return start_server(sample_index()); }

}  // namespace e2e
