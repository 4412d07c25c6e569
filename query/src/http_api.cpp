#include "query/http_api.h"

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "analyzers/json_writer.h"
#include "meili_api.h"
#include "reindex_job.h"
#include "metrics.h"

namespace query {
namespace {

constexpr const char* json_type = "application/json";

void send_error(httplib::Response& response, const ApiError& error) {
    response.status = error.status;
    response.set_content(error_json(error), json_type);
}

}  // namespace

std::string error_json(const ApiError& error) {
    analyzers::JsonWriter json;
    json.begin_object().key("error").begin_object();
    json.field("code", error.code).field("message", error.message);
    if (!error.parameter.empty()) json.field("parameter", error.parameter);
    json.end_object().end_object();
    return json.take();
}

namespace {

void write_facet_values(analyzers::JsonWriter& json, std::string_view name, const std::vector<FacetValueCount>& values) {
    json.key(name).begin_array();
    for (const auto& [value, count] : values) json.begin_object().field("value", value).field("count", count).end_object();
    json.end_array();
}

void write_price_summary(analyzers::JsonWriter& json, const PriceSummary& price) {
    json.key("price").begin_object();
    json.field("count", price.count).field("min", price.min).field("max", price.max).field("average", price.average);
    json.key("histogram").begin_array();
    for (const auto& band : price.histogram) {
        json.begin_object().field("from", band.from).key("to");
        if (band.to > 0) json.value(band.to);
        else json.null();  // the last band has no upper bound
        json.field("count", band.count).end_object();
    }
    json.end_array().end_object();
}

void write_facets(analyzers::JsonWriter& json, const FacetRequest& wanted, const FacetCounts& facets) {
    json.key("facets").begin_object();
    if (wanted.brand) write_facet_values(json, "brand", facets.brand);
    if (wanted.category) {
        write_facet_values(json, "category_1", facets.category_1);
        write_facet_values(json, "category_2", facets.category_2);
        write_facet_values(json, "category_3", facets.category_3);
    }
    if (wanted.condition) write_facet_values(json, "condition", facets.condition);
    if (wanted.shipping) write_facet_values(json, "shipping", facets.shipping);
    if (wanted.price && facets.price) write_price_summary(json, *facets.price);
    json.end_object();
}

}  // namespace

std::string search_result_json(const SearchRequest& request, const SearchResult& result) {
    analyzers::JsonWriter json;
    json.begin_object();
    json.field("query", request.text);
    json.field("total", result.total).field("total_exact", result.total_exact);
    json.field("offset", request.offset).field("limit", request.limit);
    json.field("took_ms", result.took_ms);
    json.field("cached", result.cached).field("relaxed", result.relaxed).key("suggestion");
    if (result.suggestion.empty()) json.null();
    else json.value(result.suggestion);
    json.field("corrected", result.corrected);
    json.key("hits").begin_array();
    for (const Hit& hit : result.hits) {
        json.begin_object().field("score", hit.score).field("highlighted_title", hit.highlighted_title);
        json.key("listing").raw(hit.stored_json).end_object();
    }
    json.end_array();
    if (result.facets) write_facets(json, request.facets, *result.facets);
    json.end_object();
    return json.take();
}

namespace {

// Compares without stopping at the first difference, so response timing
// tells nothing about how much of a guessed token was right.
bool same_token(std::string_view given, std::string_view expected) {
    if (given.size() != expected.size()) return false;
    unsigned char difference = 0;
    for (std::size_t i = 0; i < given.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return difference == 0;
}

// Request bodies are small JSON objects; anything bigger is refused unread.
constexpr std::size_t max_body_bytes = 64 * 1024;

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

}  // namespace

Metrics::Route route_of(const std::string& path) {
    if (path == "/v1/search") return Metrics::Route::search;
    if (path == "/multi-search" || path.rfind("/indexes/", 0) == 0) return Metrics::Route::meili;
    if (path == "/" || path.rfind("/assets/", 0) == 0) return Metrics::Route::page;
    if (path == "/healthz") return Metrics::Route::healthz;
    if (path == "/metrics") return Metrics::Route::metrics;
    return Metrics::Route::other;
}

struct HttpApi::Impl {
    SearchService& service;
    httplib::Server server;
    Metrics metrics;
    std::string admin_token;
    std::unique_ptr<ReindexJob> reindex;
    std::map<std::string, StaticFile> web_files;

    explicit Impl(SearchService& search_service) : service(search_service) {
        // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to every
        // keep-alive response written in more than one piece.
        server.set_tcp_nodelay(true);
        server.set_payload_max_length(max_body_bytes);
        // cpp-httplib gives each open connection a thread of the pool, so
        // concurrent work is bounded by --threads; these keep slow or idle
        // clients from holding one for long.
        server.set_read_timeout(5, 0);
        server.set_write_timeout(5, 0);
        server.set_keep_alive_timeout(5);
        server.set_keep_alive_max_count(100);
        add_meilisearch_routes();
        add_reindex_routes();
        add_page_routes();
        server.Get("/v1/search", [this](const httplib::Request& request, httplib::Response& response) {
            answer_search(parse_search_parameters(request.params), response);
        });
        server.Post("/v1/search", [this](const httplib::Request& request, httplib::Response& response) {
            answer_search(parse_search_body(request.body), response);
        });
        server.Post("/v1/admin/reload-ranking", [this](const httplib::Request& request, httplib::Response& response) {
            if (!admin_allowed(request, response)) return;
            try {
                service.reload_ranking();
            } catch (const std::exception& error) {
                send_error(response, ApiError{400, "invalid_ranking_config", "", error.what()});
                return;
            }
            analyzers::JsonWriter json;
            json.begin_object().field("status", "reloaded").field("ranking", service.ranking()->to_text()).end_object();
            response.set_content(json.take(), json_type);
        });
        server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
            analyzers::JsonWriter json;
            json.begin_object().field("status", "ok").field("documents", service.document_count()).end_object();
            response.set_content(json.take(), json_type);
        });
        server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
            response.set_content(metrics.render(service.serving_generation(), service.document_count()),
                                 "text/plain; version=0.0.4");
        });
        // Called for every request, whatever its outcome, once the response
        // is final but before it is sent: a client that reads /metrics right
        // after a response sees that response counted (the logger runs only
        // after sending, which raced with the next request).
        server.set_post_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
            metrics.count_request(route_of(request.path), response.status);
        });
        // The one place where an unexpected exception becomes a response:
        // a failed request must never take the server down.
        server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
            std::string message = "internal error";
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                message = e.what();
            } catch (...) {
            }
            send_error(response, ApiError{500, "internal_error", "", message});
        });
        // Errors httplib answers itself (no route, body too big, bad request
        // line) get the same JSON shape as ours.
        server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
            if (!response.body.empty()) return;
            if (response.status == 404) {
                send_error(response, ApiError{404, "not_found", "", "no such endpoint: " + request.path});
            } else if (response.status == 413) {
                send_error(response, ApiError{413, "payload_too_large", "",
                                              "request bodies are limited to " + std::to_string(max_body_bytes) + " bytes"});
            } else if (response.status >= 400) {
                send_error(response, ApiError{response.status, "bad_request", "", "the request could not be read as HTTP"});
            }
        });
    }

    // The Meilisearch-compatible subset (meili_api.h), open to browsers on
    // other origins (CORS), as Meilisearch is.
    void add_meilisearch_routes() {
        server.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
        server.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& response) {
            response.status = 204;
            response.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            response.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Meilisearch-Client");
            response.set_header("Access-Control-Max-Age", "86400");
        });
        server.Post(R"(/indexes/([^/]+)/search)", [this](const httplib::Request& request, httplib::Response& response) {
            answer_meili(response, [&] { return meili_search(service, request.matches[1].str(), request.body); });
        });
        server.Post(R"(/indexes/([^/]+)/facet-search)", [this](const httplib::Request& request, httplib::Response& response) {
            answer_meili(response, [&] { return meili_facet_search(service, request.matches[1].str(), request.body); });
        });
        server.Post("/multi-search", [this](const httplib::Request& request, httplib::Response& response) {
            answer_meili(response, [&] { return meili_multi_search(service, request.body); });
        });
    }

    void add_reindex_routes() {
        server.Post("/v1/admin/reindex", [this](const httplib::Request& request, httplib::Response& response) {
            if (!admin_allowed(request, response) || !reindex_configured(response)) return;
            if (!reindex->start()) {
                send_error(response, ApiError{409, "reindex_running", "", "a reindex is already running"});
                return;
            }
            response.status = 202;
            send_reindex_status(response);
        });
        server.Get("/v1/admin/reindex", [this](const httplib::Request& request, httplib::Response& response) {
            if (admin_allowed(request, response) && reindex_configured(response)) send_reindex_status(response);
        });
    }

    bool reindex_configured(httplib::Response& response) const {
        if (reindex && reindex->configured()) return true;
        send_error(response, ApiError{404, "reindex_not_configured", "",
                                      "no reindex command: start the server with --reindex-command"});
        return false;
    }

    void send_reindex_status(httplib::Response& response) const {
        const auto status = reindex->status();
        analyzers::JsonWriter json;
        json.begin_object().field("status", to_string(status.state)).field("exit_code", status.exit_code);
        json.field("started_at", status.started_at).field("finished_at", status.finished_at).end_object();
        response.set_content(json.take(), json_type);
    }

    void add_page_routes() {
        server.Get("/", [this](const httplib::Request&, httplib::Response& response) { send_file("index.html", response); });
        server.Get(R"(/assets/([A-Za-z0-9_.-]+))", [this](const httplib::Request& request, httplib::Response& response) {
            send_file(request.matches[1].str(), response);
        });
    }

    void send_file(const std::string& name, httplib::Response& response) const {
        const auto found = web_files.find(name);
        if (found == web_files.end()) {
            send_error(response, ApiError{404, "not_found", "",
                                          web_files.empty() ? "the search page is not built: run scripts/setup.sh"
                                                            : "no such file: " + name});
            return;
        }
        response.set_content(found->second.content, found->second.type);
    }

    template <typename Answer>
    void answer_meili(httplib::Response& response, Answer answer) {
        try {
            response.set_content(answer(), json_type);
        } catch (const MeiliErrorException& refused) {
            response.status = refused.error.status;
            response.set_content(meili_error_json(refused.error), json_type);
        }
    }

    bool admin_allowed(const httplib::Request& request, httplib::Response& response) const {
        if (admin_token.empty()) {
            send_error(response, ApiError{403, "admin_disabled", "",
                                          "admin endpoints are off: start the server with --admin-token"});
            return false;
        }
        const std::string bearer = "Bearer ";
        const std::string given = request.get_header_value("Authorization");
        if (given.rfind(bearer, 0) != 0 || !same_token(std::string_view(given).substr(bearer.size()), admin_token)) {
            send_error(response, ApiError{401, "unauthorized", "", "send 'Authorization: Bearer <admin token>'"});
            return false;
        }
        return true;
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
    if (!options.web_dir.empty()) impl_->web_files = read_static_files(options.web_dir);
    impl_->reindex = std::make_unique<ReindexJob>(options.reindex_command);
    const int threads = options.threads;
    impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    const int port = options.port == 0 ? impl_->server.bind_to_any_port(options.host)
                                       : (impl_->server.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port < 0) {
        throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port));
    }
    return port;
}

void HttpApi::serve() { impl_->server.listen_after_bind(); }
void HttpApi::stop() { impl_->server.stop(); }

}  // namespace query
