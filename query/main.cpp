// search-server: the HTTP query server the app calls.
#include <csignal>
#include <iostream>

#include "cli/options.h"
#include "query/http_api.h"
#include "query/search_service.h"

namespace {

query::HttpApi* running_api = nullptr;

void stop_on_signal(int) {
    if (running_api != nullptr) running_api->stop();
}

cli::Parser options() {
    return cli::Parser(
        "search-server --index DIR [options]",
        "Serves listing search over HTTP (GET /v1/search?q=...), from the index that\n"
        "listing-indexer builds. Listens on loopback unless told otherwise.",
        {
            {"index", "LISTING_INDEX", "", "index directory written by listing-indexer"},
            {"data-dir", "LISTING_DATA_DIR", DEFAULT_DATA_DIR, "directory with synonyms.txt and brand_aliases.txt"},
            {"host", "LISTING_HOST", "127.0.0.1", "address to listen on"},
            {"port", "LISTING_PORT", "8080", "port to listen on; 0 picks a free one"},
            {"threads", "LISTING_THREADS", "8", "request threads"},
        });
}

}  // namespace

int main(int argc, char** argv) {
    const cli::Values values = options().parse(argc, argv);
    if (values.get("index").empty()) cli::Values::fail("--index is required");
    query::HttpOptions http;
    http.host = values.get("host");
    http.port = static_cast<int>(values.get_integer("port", 0, 65535));
    http.threads = static_cast<int>(values.get_integer("threads", 1, 256));
    try {
        query::SearchService service({.index_dir = values.get("index"), .data_dir = values.get("data-dir")});
        query::HttpApi api(service);
        const int port = api.bind(http);
        running_api = &api;
        std::signal(SIGINT, stop_on_signal);
        std::signal(SIGTERM, stop_on_signal);
        // Tests and scripts wait for this line to know the port.
        std::cout << "listening on http://" << http.host << ":" << port << std::endl;
        api.serve();
        running_api = nullptr;
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << std::endl;
        return 1;
    }
    return 0;
}
