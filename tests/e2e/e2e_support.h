// What the end-to-end suites share: HTTP requests to the real server, the
// real indexer building an index, and the bundled sample served.
#pragma once

#include <simdjson.h>

#include <filesystem>
#include <string>

#include "test_support.h"

namespace e2e {

struct Response {
    int status = 0;
    std::string body;
};

// Each REQUIREs that an answer arrives (within 10 s).
Response get(int port, const std::string& path);
Response get_with_token(int port, const std::string& path, const std::string& token);
Response post(int port, const std::string& path, const std::string& body, const std::string& token = "");

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& body);
// The id of the first hit of /v1/search?q=query, or empty.
std::string first_hit_id(int port, const std::string& query);

// listing-indexer build of `feed` into `index_dir`; REQUIREs success.
// `frozen`: build --no-termlists.
void index_feed(const std::filesystem::path& feed, const std::filesystem::path& index_dir, int shards = 2,
                bool frozen = false);

test_support::ServerProcess start_server(const std::filesystem::path& index_dir);
// The bundled 3,000-listing sample, indexed once for the whole run (doctest
// runs a TEST_CASE again for each SUBCASE: indexing it each time cost ~10 s)
// and only read by the tests that serve it.
const std::filesystem::path& sample_index();
// A fresh server over the sample index (fresh metrics and result cache).
test_support::ServerProcess serve_sample();

}  // namespace e2e
