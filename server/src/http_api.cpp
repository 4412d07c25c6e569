#include "server/http_api.h"

#include <httplib.h>
#include <simdjson.h>

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "analyzers/json_writer.h"
#include "http_front.h"
#include "meili_api.h"
#include "meili_writes.h"
#include "metrics.h"
#include "reindex_job.h"
#include "same_token.h"
#include "query/errors.h"
#include "server/v1_api.h"

namespace server {
namespace {

using query::SearchRequest;
using query::SearchResult;
using query::SearchService;

constexpr const char* json_type = "application/json";

void send_error(httplib::Response& response, const ApiError& error) {
    response.status = error.status();
    response.set_content(v1_error_json(error), json_type);
}

// Request bodies are small JSON objects; anything bigger is refused unread.
constexpr std::size_t max_body_bytes = 64 * 1024;
// Keep-alive connections cost the front a socket and a buffer, not a
// thread: one may stay idle between requests this long, and serve any
// number of them (the Keep-Alive header's "max" is only advice to clients).
constexpr int idle_timeout_seconds = 5;
// The front closes an idle connection only this long after its last
// answer, well past what the Keep-Alive header tells clients: a client's
// pool (Node's undici keeps a socket 1 s less than the header says) whose
// timer fires late on a loaded machine reuses the socket as the server
// closes it, and its request fails unread (the likely cause of one of the
// official Meilisearch client's batched writes failing in a CI run).
constexpr int idle_close_seconds = 2 * idle_timeout_seconds;
constexpr std::size_t keep_alive_max_count = 1000;

struct StaticFile {
    std::string content;
    std::string type;
};

std::string content_type_of(const std::filesystem::path& path) {
    const auto extension = path.extension().string();
    if (extension == ".html") return "text/html; charset=utf-8";
    if (extension == ".js") return "text/javascript; charset=utf-8";
    if (extension == ".css") return "text/css; charset=utf-8";
    if (extension == ".png") return "image/png";
    if (extension == ".svg") return "image/svg+xml";
    return "application/octet-stream";
}

// The files directly in `directory`, by name.
std::map<std::string, StaticFile> read_static_files(const std::filesystem::path& directory) {
    std::map<std::string, StaticFile> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        files[entry.path().filename().string()] = {content.str(), content_type_of(entry.path())};
    }
    return files;
}

// What request.remote_addr says for a client on this host.
constexpr const char* loopback_peer = "127.0.0.1";

// A request the front has read whole, as the stream cpp-httplib's router
// reads it from; what the router writes goes into `output`.
class RequestBuffer : public httplib::Stream {
public:
    RequestBuffer(std::string_view input, std::string& output, bool loopback)
        : input_(input), output_(output), loopback_(loopback) {}

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
        const std::size_t n = std::min(size, input_.size());
        std::memcpy(ptr, input_.data(), n);
        input_.remove_prefix(n);
        return static_cast<ssize_t>(n);
    }
    using httplib::Stream::write;
    ssize_t write(const char* ptr, size_t size) override {
        output_.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    // The front knows the peer; the routes only need to know whether it is
    // on this host (httplib's request.remote_addr).
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = loopback_ ? loopback_peer : "";
        port = 0;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip.clear();
        port = 0;
    }
    // No socket: httplib answers 500 to a socket numbered past select()'s
    // FD_SETSIZE, which the front's connections may well be.
    socket_t socket() const override { return INVALID_SOCKET; }

private:
    std::string_view input_;
    std::string& output_;
    bool loopback_;
};

// cpp-httplib's Server, used only as a router: it parses a request the
// front has read whole, runs our routes and handlers, and writes the
// response into a buffer. The front owns the sockets.
class Router : public httplib::Server {
public:
    Reply answer(const FramedRequest& request) {
        Reply reply;
        RequestBuffer stream(request.bytes, reply.bytes, request.loopback);
        bool closing = request.close;
        const bool answered = process_request(stream, request.close, closing, nullptr);
        reply.close = closing || !answered;
        return reply;
    }
};

std::string_view reason_phrase(int status) {
    switch (status) {
        case 400: return "Bad Request";
        case 408: return "Request Timeout";
        case 413: return "Payload Too Large";
        case 414: return "URI Too Long";
        case 431: return "Request Header Fields Too Large";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

std::string html_attribute(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"') out += "&quot;";
        else if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else out.push_back(c);
    }
    return out;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

}  // namespace

// What went wrong, as an API error: the engine's two kinds (the caller's
// mistake, the index unavailable or corrupt), a handler's refusal, or a bug.
ApiError error_of(std::exception_ptr thrown) {
    try {
        std::rethrow_exception(thrown);
    } catch (const ApiErrorException& refused) {
        return refused.error();
    } catch (const query::RequestError& error) {
        return {.code = ErrorCode::invalid_request, .message = error.what()};
    } catch (const query::IndexError& error) {
        const bool corrupt = error.kind() == query::IndexError::Kind::corrupt;
        return {.code = corrupt ? ErrorCode::index_corrupt : ErrorCode::index_unavailable, .message = error.what()};
    } catch (const std::exception& error) {
        return {.code = ErrorCode::internal_error, .message = error.what()};
    } catch (...) {
        return {.code = ErrorCode::internal_error, .message = "internal error"};
    }
}

void log_server_error(std::string_view method, std::string_view path, const ApiError& error) {
    std::cerr << fmt::format("{} {} -> {} {}: {}\n", method, path, error.status(), error.name(), error.message);
}

bool is_meili_route(const std::string& path) {
    for (std::string_view route : {"/multi-search", "/health", "/version", "/stats", "/keys", "/tasks", "/batches",
                                   "/swap-indexes", "/dumps", "/snapshots"}) {
        if (path == route || path.rfind(std::string(route) + "/", 0) == 0) return true;
    }
    return path.rfind("/indexes", 0) == 0;
}

// In the error shape of the API the request was made to.
std::string route_error_json(const std::string& path, const ApiError& error) {
    return is_meili_route(path) ? meili_error_json(error) : v1_error_json(error);
}

void send_route_error(const httplib::Request& request, httplib::Response& response, const ApiError& error) {
    response.status = error.status();
    response.set_content(route_error_json(request.path, error), json_type);
}

// Each shard that failed, by name, with why.
std::string problems_of(const query::IndexHealth& health) {
    if (!health.problem.empty()) return health.problem;
    if (health.shards.empty()) return "the index has no shards";
    std::string problems;
    for (const auto& shard : health.shards) {
        if (shard.problem.empty()) continue;
        problems += fmt::format("{}shard {}: {}", problems.empty() ? "" : "; ", shard.name, shard.problem);
    }
    return problems;
}

Metrics::Route route_of(const std::string& path) {
    if (path == "/v1/search") return Metrics::Route::search;
    if (is_meili_route(path)) return Metrics::Route::meili;
    if (path == "/" || path.rfind("/assets/", 0) == 0 || path == "/favicon.ico") return Metrics::Route::page;
    if (path == "/healthz" || path == "/livez") return Metrics::Route::healthz;
    if (path == "/metrics") return Metrics::Route::metrics;
    return Metrics::Route::other;
}

struct HttpApi::Impl : RequestHandler {
    SearchService& service;
    Router router;
    std::unique_ptr<HttpFront> front;
    Metrics metrics;
    std::string admin_token;
    std::string search_key;
    std::unique_ptr<ReindexJob> reindex;
    MeiliWrites writes{service};
    std::map<std::string, StaticFile> web_files;
    // The front's thread only.
    std::uint64_t refusals_unlogged = 0;
    std::chrono::steady_clock::time_point last_refusal_logged{};

    explicit Impl(SearchService& search_service) : service(search_service) {
        // The front reads requests (and enforces the body limit for every
        // transfer encoding); these only shape the Keep-Alive header.
        router.set_payload_max_length(RequestLimits{}.max_documents_body);
        router.set_keep_alive_timeout(idle_timeout_seconds);
        router.set_keep_alive_max_count(keep_alive_max_count);
        add_meilisearch_routes();
        add_reindex_routes();
        add_page_routes();
        router.Get("/v1/search", [this](const httplib::Request& request, httplib::Response& response) {
            answer_search(parse_search_parameters(request.params), response);
        });
        router.Post("/v1/search", [this](const httplib::Request& request, httplib::Response& response) {
            answer_search(parse_search_body(request.body), response);
        });
        router.Post("/v1/admin/reload-ranking", [this](const httplib::Request& request, httplib::Response& response) {
            if (!admin_allowed(request, response)) return;
            try {
                service.reload_ranking();
            } catch (const std::exception& error) {
                send_error(response, {.code = ErrorCode::invalid_ranking_config, .message = error.what()});
                return;
            }
            analyzers::JsonWriter json;
            json.begin_object().field("status", "reloaded").field("ranking", service.ranking()->to_text()).end_object();
            response.set_content(json.take(), json_type);
        });
        // Readiness: every shard opens and reads (503 naming the one that
        // does not); liveness: the process answers, nothing more.
        router.Get("/healthz", [this](const httplib::Request& request, httplib::Response& response) {
            send_readiness(request, response);
        });
        router.Get("/livez", [](const httplib::Request&, httplib::Response& response) {
            response.set_content(R"({"status":"alive"})", json_type);
        });
        router.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
            response.set_content(metrics.render(service.serving_generation(), service.document_count(), service.delta_counts()),
                                 "text/plain; version=0.0.4");
        });
        // Called for every request, whatever its outcome, once the response
        // is final but before it is sent: a client that reads /metrics right
        // after a response sees that response counted (the logger runs only
        // after sending, which raced with the next request).
        router.set_post_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
            metrics.count_request(route_of(request.path), response.status);
        });
        // The one place where an exception becomes a response, in the
        // error shape of the route's API: a failed request must never take
        // the server down.
        router.set_exception_handler(
            [](const httplib::Request& request, httplib::Response& response, std::exception_ptr thrown) {
                const ApiError error = error_of(thrown);
                if (error.status() >= 500) log_server_error(request.method, request.path, error);
                send_route_error(request, response, error);
            });
        // Errors httplib answers itself (no route, body too big, bad request
        // line) get the same JSON shape as ours.
        router.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
            if (!response.body.empty()) return;
            if (response.status == 404) {
                send_route_error(request, response, {.code = ErrorCode::not_found, .message = "no such endpoint: " + request.path});
            } else if (response.status == 413) {
                send_route_error(request, response,
                                 {.code = ErrorCode::payload_too_large, .message = "the request body is too large"});
            } else if (response.status >= 400) {
                // httplib chose the status (400, 416, ...): keep it.
                const int status = response.status;
                const ApiError error{.code = ErrorCode::bad_http_request, .message = "the request could not be read as HTTP"};
                if (status >= 500) log_server_error(request.method, request.path, error);
                send_route_error(request, response, error);
                response.status = status;
            }
        });
    }

    // The Meilisearch-compatible subset (meili_api.h), open to browsers on
    // other origins (CORS), as Meilisearch is.
    void add_meilisearch_routes() {
        // Responses differ by Accept-Encoding (compressed or not): caches
        // in between must keep them apart.
        router.set_default_headers({{"Access-Control-Allow-Origin", "*"}, {"Vary", "Accept-Encoding"}});
        router.Options(R"(/.*)", [](const httplib::Request& request, httplib::Response& response) {
            response.status = 204;
            response.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
            // Any header the browser asks for, as Meilisearch allows (a
            // wildcard would not cover Authorization).
            const std::string asked = request.get_header_value("Access-Control-Request-Headers");
            response.set_header("Access-Control-Allow-Headers", asked.empty() ? "*" : asked);
            response.set_header("Access-Control-Max-Age", "86400");
        });
        const auto observe = [this](const SearchResult& result) {
            metrics.observe_search_latency(result.took_ms);
            metrics.count_search(result);
        };
        router.Post(R"(/indexes/([^/]+)/search)", [this, observe](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_search(service, request.matches[1].str(), request.body, observe); });
        });
        router.Post(R"(/indexes/([^/]+)/facet-search)", [this, observe](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_facet_search(service, request.matches[1].str(), request.body, observe); });
        });
        router.Post("/multi-search", [this, observe](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_multi_search(service, request.body, observe); });
        });
        add_meilisearch_read_routes();
        writes.add_routes(router);
    }

    // Meilisearch's keys: the search key (--search-key) for searches and
    // reads, the admin token for those too and for settings, writes and
    // tasks. Without a key for a route, only clients on this host may use it
    // (and none may write).
    enum class Access { search, settings };

    void check_meili_reader(const httplib::Request& request, Access access) const {
        const std::string given = request.get_header_value("Authorization");
        const std::string bearer = "Bearer ";
        const std::string_view key = given.rfind(bearer, 0) == 0 ? std::string_view(given).substr(bearer.size()) : "";
        if (!admin_token.empty() && same_token(key, admin_token)) return;
        const bool search_key_opens = access == Access::search && !search_key.empty();
        if (search_key_opens && same_token(key, search_key)) return;
        if (!search_key_opens && (access == Access::search || admin_token.empty())) {
            if (request.remote_addr == loopback_peer) return;
            throw ApiErrorException({.code = ErrorCode::invalid_api_key,
                                     .message = "This server has no key for this route: only clients on its own host may "
                                                "use it (start it with --search-key, or send the admin key)."});
        }
        if (given.empty()) {
            throw ApiErrorException({.code = ErrorCode::missing_authorization_header,
                                     .message = "The Authorization header is missing. It must use the bearer "
                                                "authorization method."});
        }
        throw ApiErrorException({.code = ErrorCode::invalid_api_key, .message = "The provided API key is invalid."});
    }

    // Health, version, stats, the index, its settings and its documents.
    void add_meilisearch_read_routes() {
        router.Get("/health", [this](const httplib::Request&, httplib::Response& response) {
            if (!service.check_health().ready()) {
                throw ApiErrorException({.code = ErrorCode::index_unavailable, .message = "The index cannot be read."});
            }
            response.set_content(R"({"status":"available"})", json_type);
        });
        router.Get("/version", [](const httplib::Request&, httplib::Response& response) {
            analyzers::JsonWriter json;
            json.begin_object().field("commitSha", "unknown").field("commitDate", "unknown");
            json.field("pkgVersion", SERVER_VERSION).end_object();
            response.set_content(json.take(), json_type);
        });
        router.Get("/stats", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_stats_json(service); });
        });
        router.Get("/indexes", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_indexes_json(); });
        });
        router.Get(R"(/indexes/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_index_json(request.matches[1].str()); });
        });
        router.Get(R"(/indexes/([^/]+)/stats)", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] { return meili_index_stats_json(service, request.matches[1].str()); });
        });
        router.Get(R"(/indexes/([^/]+)/settings(?:/([a-z-]+))?)", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::settings);
            answer_meili(response, [&] { return meili_settings_json(request.matches[1].str(), request.matches[2].str()); });
        });
        router.Get(R"(/indexes/([^/]+)/documents)", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] {
                return meili_documents_json(service, request.matches[1].str(), documents_query_of_params(request.params));
            });
        });
        router.Post(R"(/indexes/([^/]+)/documents/fetch)", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] {
                return meili_documents_json(service, request.matches[1].str(), documents_query_of_body(request.body));
            });
        });
        router.Get(R"(/indexes/([^/]+)/documents/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
            check_meili_reader(request, Access::search);
            answer_meili(response, [&] {
                return meili_document_json(service, request.matches[1].str(), request.matches[2].str(),
                                           request.get_param_value("fields"));
            });
        });
    }

    void add_reindex_routes() {
        router.Post("/v1/admin/reindex", [this](const httplib::Request& request, httplib::Response& response) {
            if (!admin_allowed(request, response) || !reindex_configured(response)) return;
            if (!reindex->start()) {
                send_error(response, {.code = ErrorCode::reindex_running, .message = "a reindex is already running"});
                return;
            }
            response.status = 202;
            send_reindex_status(response);
        });
        router.Get("/v1/admin/reindex", [this](const httplib::Request& request, httplib::Response& response) {
            if (admin_allowed(request, response) && reindex_configured(response)) send_reindex_status(response);
        });
    }

    bool reindex_configured(httplib::Response& response) const {
        if (reindex && reindex->configured()) return true;
        send_error(response, {.code = ErrorCode::reindex_not_configured,
                              .message = "no reindex command: start the server with --reindex-command"});
        return false;
    }

    void send_readiness(const httplib::Request& request, httplib::Response& response) {
        const query::IndexHealth health = service.check_health();
        if (!health.ready()) {
            const ApiError error{.code = ErrorCode::index_unavailable, .message = "not ready: " + problems_of(health)};
            log_server_error(request.method, request.path, error);
            send_route_error(request, response, error);
            return;
        }
        analyzers::JsonWriter json;
        json.begin_object().field("status", "ok").field("documents", health.documents());
        json.field("generation", health.generation).key("shards").begin_array();
        for (const auto& shard : health.shards) {
            json.begin_object().field("shard", shard.name).field("documents", shard.documents);
            if (!shard.warning.empty()) json.field("warning", shard.warning);
            json.end_object();
        }
        json.end_array().end_object();
        response.set_content(json.take(), json_type);
    }

    void send_reindex_status(httplib::Response& response) const {
        const auto status = reindex->status();
        analyzers::JsonWriter json;
        json.begin_object().field("status", to_string(status.state));
        if (status.state == ReindexJob::State::running) json.field("pid", status.pid);
        json.field("exit_code", status.exit_code);
        json.field("started_at", status.started_at).field("finished_at", status.finished_at).end_object();
        response.set_content(json.take(), json_type);
    }

    void add_page_routes() {
        router.Get("/", [this](const httplib::Request&, httplib::Response& response) { send_file("index.html", response); });
        // Browsers ask for it on every page whatever the page says.
        router.Get("/favicon.ico", [this](const httplib::Request&, httplib::Response& response) {
            if (web_files.count("favicon.svg") > 0) send_file("favicon.svg", response);
            else response.status = 204;
        });
        router.Get(R"(/assets/([A-Za-z0-9_.-]+))", [this](const httplib::Request& request, httplib::Response& response) {
            send_file(request.matches[1].str(), response);
        });
    }

    void send_file(const std::string& name, httplib::Response& response) const {
        const auto found = web_files.find(name);
        if (name == "index.html" && found != web_files.end() && !search_key.empty()) {
            // The page searches with the search key, which Meilisearch
            // meant to be public (it opens searches and nothing else).
            std::string page = found->second.content;
            const std::string slot = R"(<meta name="search-key" content="">)";
            if (const auto at = page.find(slot); at != std::string::npos) {
                page.replace(at, slot.size(), R"(<meta name="search-key" content=")" + html_attribute(search_key) + "\">");
            }
            response.set_content(page, found->second.type);
            return;
        }
        if (found == web_files.end()) {
            send_error(response, {.code = ErrorCode::not_found,
                                  .message = web_files.empty() ? "the search page is not built: run scripts/setup.sh"
                                                               : "no such file: " + name});
            return;
        }
        response.set_content(found->second.content, found->second.type);
    }

    template <typename Answer>
    void answer_meili(httplib::Response& response, Answer answer) {
        // A refusal is thrown on to the exception handler, which answers in
        // Meilisearch's error shape on these routes.
        response.set_content(answer(), json_type);
    }

    bool admin_allowed(const httplib::Request& request, httplib::Response& response) const {
        if (admin_token.empty()) {
            send_error(response, {.code = ErrorCode::admin_disabled,
                                  .message = "admin endpoints are off: start the server with --admin-token"});
            return false;
        }
        const std::string bearer = "Bearer ";
        const std::string given = request.get_header_value("Authorization");
        if (given.rfind(bearer, 0) != 0 || !same_token(std::string_view(given).substr(bearer.size()), admin_token)) {
            send_error(response, {.code = ErrorCode::unauthorized, .message = "send 'Authorization: Bearer <admin token>'"});
            return false;
        }
        return true;
    }

    Reply answer(const FramedRequest& request) override { return router.answer(request); }

    std::string refusal(const ReadFailure& failure) override {
        const std::string path = path_of(failure.target);
        const ApiError error{.code = failure.code, .message = failure.message};
        metrics.count_request(route_of(path), error.status());
        if (error.status() >= 500) log_refusal(path, error);
        const std::string body = route_error_json(path, error);
        return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                           "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n{}",
                           error.status(), reason_phrase(error.status()), json_type, body.size(), body);
    }

    // An overloaded server would write a line per refused request: one a
    // second, with how many, is enough to see it.
    void log_refusal(const std::string& path, const ApiError& error) {
        const auto now = std::chrono::steady_clock::now();
        ++refusals_unlogged;
        if (now - last_refusal_logged < std::chrono::seconds(1)) return;
        const std::string count = refusals_unlogged > 1 ? fmt::format(" ({} refused since the last line)", refusals_unlogged) : "";
        log_server_error("-", path.empty() ? "-" : path, {.code = error.code, .message = error.message + count});
        refusals_unlogged = 0;
        last_refusal_logged = now;
    }

    void answer_search(const std::variant<SearchRequest, ApiError>& parsed, httplib::Response& response) {
        if (auto* error = std::get_if<ApiError>(&parsed)) {
            send_error(response, *error);
            return;
        }
        const auto& search_request = std::get<SearchRequest>(parsed);
        const SearchResult result = service.search(search_request);
        metrics.observe_search_latency(result.took_ms);
        metrics.count_search(result);
        response.set_content(search_result_json(search_request, result), json_type);
    }
};

HttpApi::HttpApi(SearchService& service) : impl_(std::make_unique<Impl>(service)) {}
HttpApi::~HttpApi() = default;

int HttpApi::bind(const HttpOptions& options) {
    impl_->admin_token = options.admin_token;
    impl_->search_key = options.search_key;
    if (!options.web_dir.empty()) impl_->web_files = read_static_files(options.web_dir);
    impl_->reindex = std::make_unique<ReindexJob>(options.reindex_command, options.reindex_stop_grace);
    if (!options.feed_dir.empty()) {
        impl_->writes.configure(options.admin_token,
                                std::make_unique<DocumentWriter>(
                                    DocumentWriterOptions{.feed_dir = options.feed_dir,
                                                          .dead_letter_path = options.dead_letter_path,
                                                          .data_dir = options.data_dir},
                                    impl_->service));
    }
    FrontOptions front{.host = options.host, .port = options.port, .workers = options.threads};
    front.limits.max_body = max_body_bytes;  // max_documents_body: RequestLimits' default
    front.idle_timeout = std::chrono::seconds(idle_close_seconds);
    impl_->front = std::make_unique<HttpFront>(front, *impl_);
    return impl_->front->bind();
}

void HttpApi::serve() {
    impl_->front->serve();
    impl_->reindex->stop();
}

void HttpApi::stop() {
    if (impl_->front) impl_->front->stop();
}

}  // namespace server
