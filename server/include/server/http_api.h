// The HTTP JSON API the app calls, on cpp-httplib.
//
//   GET  /v1/search?q=nike+air+max&limit=20&offset=0  ranked listings
//   POST /v1/search {"q": "nike", "brand": ["Nike"]}  the same, as JSON
//   POST /v1/admin/reload-ranking                     rereads the ranking config (token)
//   POST /v1/admin/reindex, GET /v1/admin/reindex     runs the configured reindex job / its status (token)
//   POST /indexes/listings/search, /multi-search, /indexes/listings/facet-search
//                                                     a Meilisearch-compatible subset
//   GET  /                                            the buyers' search page
//   GET  /healthz                                     readiness: every shard opens and reads (503 naming one that does not)
//   GET  /livez                                       liveness: the process answers
//   GET  /metrics                                     Prometheus metrics
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "query/search_service.h"

namespace server {

struct HttpOptions {
    std::string host = "127.0.0.1";  // loopback unless told otherwise
    int port = 8080;                 // 0 picks a free port
    // Workers answering requests. Connections are read by one epoll thread,
    // so open, idle or slow ones hold no worker. search-server sets twice
    // the processors (searches are CPU work once the index is cached).
    int threads = 4;
    // Bearer token for /v1/admin/*; empty turns the admin endpoints off.
    std::string admin_token;
    // Meilisearch's search key: with it, searches and reads of the
    // Meilisearch API from any host (the search page gets it); without it,
    // only clients on this host may search there.
    std::string search_key;
    // What POST /v1/admin/reindex runs (program and arguments, no shell);
    // empty: no reindex trigger.
    std::string reindex_command;
    // When the server stops, a running reindex command gets SIGTERM, and
    // SIGKILL this long after.
    std::chrono::milliseconds reindex_stop_grace{10'000};
    // The buyers' search page (web/dist), served at / and /assets/. Its
    // files are read once at start: no request reaches the filesystem.
    std::string web_dir;
    // Where writes through the Meilisearch documents API go, as feed
    // segments for `listing-indexer follow --feed DIR`; empty: no writes.
    // Writes (and tasks) need the admin token as the bearer key.
    std::string feed_dir;
    // The follower's dead-letter file: a write whose lines it refused is
    // failed with its reason (`follow`'s default: <index>/dead-letter.jsonl).
    std::string dead_letter_path;
    // Brand aliases (data/): documents are checked as the indexer will.
    std::string data_dir;
};

// bind() and serve() from one thread; stop() from any thread (a signal
// handler's, say). One thread reads every connection (http_front.h); whole
// requests are answered on a pool of --threads workers.
class HttpApi {
public:
    explicit HttpApi(query::SearchService& service);
    ~HttpApi();

    // Binds the socket and returns the port (useful with port 0). Throws
    // std::runtime_error if the address is taken (by another server, say:
    // the port is never shared).
    int bind(const HttpOptions& options);
    // Serves until stop() is called, then stops a running reindex command.
    void serve();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
