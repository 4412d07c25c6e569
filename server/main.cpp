// search-server: the HTTP query server the app calls.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/options.h"
#include "server/http_api.h"
#include "query/search_service.h"

// jemalloc's settings for the server, read when it starts (the
// MALLOC_CONF environment variable still adds to them; ignored when the
// server is built without jemalloc). A search allocates arrays as large as
// its matches (megabytes for a relaxed query) and frees them; jemalloc
// gave such pages back to the kernel on the request threads, and the next
// request faulted them in again. A background thread now does the giving
// back, and only of pages unused for 30 s (10 s by default): over the
// long-tail log, up to 4% less server time a request and 2% more requests
// a second under wrk, for ~20 MB more resident memory under load
// (docs/performance-passes.md, "Twentieth pass").
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:30000";
}

namespace {

server::HttpApi* running_api = nullptr;
volatile std::sig_atomic_t reload_requested = 0;

void stop_on_signal(int) {
    if (running_api != nullptr) running_api->stop();
}

void reload_on_signal(int) { reload_requested = 1; }

// SIGHUP rereads the ranking config; the handler only sets a flag, and this
// thread does the reload outside signal context.
void watch_for_reloads(query::SearchService& service, const std::atomic<bool>& stopping) {
    while (!stopping) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (reload_requested == 0) continue;
        reload_requested = 0;
        try {
            service.reload_ranking();
            std::cerr << "ranking config reloaded" << std::endl;
        } catch (const std::exception& error) {
            std::cerr << "ranking config not reloaded, keeping the old one: " << error.what() << std::endl;
        }
    }
}

// Searches are CPU work once the index is in the page cache: twice the
// processors keeps every core busy without a crowd of threads taking turns.
// wrk, 16 connections on 2 cores, long-tail log, no result cache: 4 threads
// answered 537-544 requests/s with p99 52-54 ms, 32 threads 477 with p99
// 125 ms. An index larger than memory waits on the disk: raise --threads.
unsigned default_worker_threads() { return std::max(2u, 2 * std::thread::hardware_concurrency()); }

cli::Parser options() {
    return cli::Parser(
        "search-server --index DIR [options]",
        "Serves listing search over HTTP (GET /v1/search?q=...), from the index that\n"
        "listing-indexer builds. Listens on loopback unless told otherwise.",
        {
            {.name = "index", .env = "LISTING_INDEX", .help = "index directory written by listing-indexer"},
            {.name = "remote-stub", .env = "LISTING_REMOTE_STUB",
             .help = "instead of --index: a Xapian stub of 'remote HOST:PORT' lines, one per shard served by "
                     "xapian-tcpsrv"},
            {.name = "data-dir", .env = "LISTING_DATA_DIR", .default_value = DEFAULT_DATA_DIR,
             .help = "directory with synonyms.txt and brand_aliases.txt"},
            {.name = "host", .env = "LISTING_HOST", .default_value = "127.0.0.1", .help = "address to listen on"},
            {.name = "port", .env = "LISTING_PORT", .default_value = "8080",
             .help = "port to listen on; 0 picks a free one"},
            {.name = "threads", .env = "LISTING_THREADS", .default_value = std::to_string(default_worker_threads()),
             .help = "worker threads answering requests, twice the processors by default (one more thread reads "
                     "every connection, so idle or slow clients hold none; an index larger than memory waits on "
                     "the disk: give more)"},
            {.name = "ranking", .env = "LISTING_RANKING",
             .help = "ranking config file, reloaded on SIGHUP or POST /v1/admin/reload-ranking (default: "
                     "ranking.conf in the data directory)"},
            {.name = "cache-entries", .env = "LISTING_CACHE_ENTRIES", .default_value = "4096",
             .help = "recent results kept for repeated queries; 0 turns it off"},
            {.name = "cache-stale-ms", .env = "LISTING_CACHE_STALE_MS", .default_value = "250",
             .help = "how long a cached result may be served after the index changed"},
            {.name = "snapshot-scoring", .env = "LISTING_SNAPSHOT_SCORING", .default_value = "on",
             .help = "on: text queries' candidates are ranked on the in-memory snapshots before Xapian weighs them; "
                     "off: Xapian's matcher weighs every match (slower, same results)"},
            {.name = "top-k-bound", .env = "LISTING_TOP_K_BOUND", .default_value = "on",
             .help = "on: the snapshots weigh only the matches whose score bound may reach the page (MaxScore); "
                     "off: they weigh every match (slower, same results)"},
            {.name = "parallel-shards", .env = "LISTING_PARALLEL_SHARDS", .default_value = "on",
             .help = "on: a request's shards are matched, weighed and counted on two threads when a core is idle "
                     "(lower latency on a quiet server); off: one after another (the same results)"},
            {.name = "web-dir", .env = "LISTING_WEB_DIR", .default_value = DEFAULT_WEB_DIR,
             .help = "the built search page (web/dist), served at /"},
            {.name = "reindex-command", .env = "LISTING_REINDEX_COMMAND",
             .help = "what POST /v1/admin/reindex runs, e.g. 'listing-indexer build --feed dump.jsonl --index DIR' "
                     "(no shell)"},
            {.name = "reindex-grace-seconds", .env = "LISTING_REINDEX_GRACE_SECONDS", .default_value = "10",
             .help = "when the server stops, a running reindex command gets SIGTERM, and SIGKILL this long after"},
            {.name = "admin-token", .env = "LISTING_ADMIN_TOKEN",
             .help = "bearer token for /v1/admin/* and the Meilisearch API's writes and tasks; empty turns them off"},
            {.name = "search-key", .env = "LISTING_SEARCH_KEY",
             .help = "the Meilisearch API's search key; without it only clients on this host may search there"},
            {.name = "feed-dir", .env = "LISTING_WRITE_FEED_DIR",
             .help = "where documents written through the Meilisearch API go, as feed segments for "
                     "'listing-indexer follow --feed DIR'; empty: no writes"},
            {.name = "dead-letter", .env = "LISTING_DEAD_LETTER",
             .help = "the follower's dead-letter file (its --dead-letter): a write whose lines it refused is failed "
                     "with the reason; default <index>/dead-letter.jsonl"},
        });
}

std::filesystem::path ranking_config_path(const cli::Values& values) {
    if (!values.get("ranking").empty()) return values.get("ranking");
    return std::filesystem::path(values.get("data-dir")) / "ranking.conf";
}

}  // namespace

int main(int argc, char** argv) {
    const cli::Values values = options().parse(argc, argv);
    if (values.get("index").empty() && values.get("remote-stub").empty()) {
        cli::Values::fail("--index (or --remote-stub) is required");
    }
    server::HttpOptions http;
    http.host = values.get("host");
    http.port = static_cast<int>(values.get_integer("port", 0, 65535));
    http.threads = static_cast<int>(values.get_integer("threads", 1, 256));
    http.admin_token = values.get("admin-token");
    http.web_dir = values.get("web-dir");
    http.feed_dir = values.get("feed-dir");
    http.data_dir = values.get("data-dir");
    http.dead_letter_path = values.get("dead-letter");
    if (http.dead_letter_path.empty()) {
        http.dead_letter_path = (std::filesystem::path(values.get("index")) / "dead-letter.jsonl").string();
    }
    http.search_key = values.get("search-key");
    http.reindex_command = values.get("reindex-command");
    http.reindex_stop_grace = std::chrono::seconds(values.get_integer("reindex-grace-seconds", 0, 3600));
    const bool snapshot_scoring = values.get_on_off("snapshot-scoring");
    const bool top_k_bound = values.get_on_off("top-k-bound");
    const bool parallel_shards = values.get_on_off("parallel-shards");
    try {
        query::SearchService service(
            {.index_dir = values.get("index"),
             .data_dir = values.get("data-dir"),
             .ranking_config = ranking_config_path(values),
             .remote_stub = values.get("remote-stub"),
             .result_cache_entries = static_cast<std::size_t>(values.get_integer("cache-entries", 0, 1'000'000)),
             .result_cache_max_stale = std::chrono::milliseconds(values.get_integer("cache-stale-ms", 0, 60'000)),
             .snapshot_scoring = snapshot_scoring,
             .top_k_bound = top_k_bound ? query::ServiceOptions::TopKBound::many_matches
                                        : query::ServiceOptions::TopKBound::off,
             .parallel_shards = parallel_shards});
        for (const auto& shard : service.check_health().shards) {
            if (!shard.warning.empty()) std::cerr << "warning: " << shard.warning << std::endl;
        }
        server::HttpApi api(service);
        const int port = api.bind(http);
        running_api = &api;
        std::signal(SIGINT, stop_on_signal);
        std::signal(SIGTERM, stop_on_signal);
        // Tests and scripts wait for this line to know the port.
        std::signal(SIGHUP, reload_on_signal);
        std::atomic<bool> stopping{false};
        std::thread reloader(watch_for_reloads, std::ref(service), std::cref(stopping));
        std::cout << "listening on http://" << http.host << ":" << port << std::endl;
        api.serve();
        running_api = nullptr;
        stopping = true;
        reloader.join();
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << std::endl;
        return 1;
    }
    return 0;
}
