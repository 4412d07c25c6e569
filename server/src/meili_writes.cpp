#include "meili_writes.h"

#include <simdjson.h>

#include "analyzers/json_writer.h"
#include "meili_api.h"
#include "same_token.h"
#include "server/api_errors.h"
#include "task_query.h"

namespace server {
namespace {

constexpr const char* json_type = "application/json";

}  // namespace

void MeiliWrites::check_admin(const httplib::Request& request) const {
    if (admin_token.empty() || !documents) {
        throw ApiErrorException({.code = ErrorCode::invalid_api_key,
                                 .message = "Writes are off: start the server with --admin-token and --feed-dir."});
    }
    const std::string given = request.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (given.empty()) {
        throw ApiErrorException({.code = ErrorCode::missing_authorization_header,
                                 .message = "The Authorization header is missing. It must use the bearer "
                                            "authorization method."});
    }
    if (given.rfind(bearer, 0) != 0 || !same_token(std::string_view(given).substr(bearer.size()), admin_token)) {
        throw ApiErrorException({.code = ErrorCode::invalid_api_key, .message = "The provided API key is invalid."});
    }
}

void MeiliWrites::check_documents_index(const std::string& index_uid) {
    if (index_uid != meili_index_uid) {
        throw ApiErrorException({.code = ErrorCode::index_not_found, .message = "Index `" + index_uid + "` not found."});
    }
}

bool MeiliWrites::is_ndjson(const httplib::Request& request) {
    const std::string type = request.get_header_value("Content-Type");
    if (type.rfind("application/x-ndjson", 0) == 0) return true;
    if (type.empty() || type.rfind("application/json", 0) == 0) return false;
    throw ApiErrorException({.code = ErrorCode::invalid_content_type,
                             .message = "The Content-Type `" + type + "` is invalid. Accepted values for the "
                                        "Content-Type header are: `application/json`, `application/x-ndjson`"});
}

void MeiliWrites::send_task(httplib::Response& response, const Task& task) {
    response.status = 202;
    response.set_content(summarized_task_json(task), json_type);
}

void MeiliWrites::add_routes(httplib::Server& router) {
    add_document_routes(router);
    add_task_routes(router);
    add_unserved_routes(router);
}

void MeiliWrites::add_document_routes(httplib::Server& router) {
    const auto add = [this](bool merge) {
        return [this, merge](const httplib::Request& request, httplib::Response& response) {
            check_admin(request);
            check_documents_index(request.matches[1].str());
            const std::string primary_key = request.get_param_value("primaryKey");
            if (!primary_key.empty() && primary_key != "id") {
                throw ApiErrorException({.code = ErrorCode::bad_request,
                                         .message = "Index `listings` already has a primary key: `id`."});
            }
            send_task(response, documents->add(request.body, is_ndjson(request), merge));
        };
    };
    router.Post(R"(/indexes/([^/]+)/documents)", add(false));
    router.Put(R"(/indexes/([^/]+)/documents)", add(true));
    router.Delete(R"(/indexes/([^/]+)/documents/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        check_documents_index(request.matches[1].str());
        send_task(response, documents->remove({request.matches[2].str()}));
    });
    router.Post(R"(/indexes/([^/]+)/documents/delete-batch)", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        check_documents_index(request.matches[1].str());
        send_task(response, documents->remove(ids_of(request.body)));
    });
    router.Post(R"(/indexes/([^/]+)/documents/delete)", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        send_task(response, documents->remove(ids_to_delete(service, request.matches[1].str(), request.body), true));
    });
    router.Delete(R"(/indexes/([^/]+)/documents)", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        send_task(response, documents->remove(ids_to_delete(service, request.matches[1].str(), std::nullopt), true));
    });
}

void MeiliWrites::add_task_routes(httplib::Server& router) {
    router.Get(R"(/tasks/([0-9]{1,18}))", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        const auto task = documents->find(std::stoull(request.matches[1].str()));
        if (!task) {
            throw ApiErrorException({.code = ErrorCode::task_not_found,
                                     .message = "Task `" + request.matches[1].str() + "` not found."});
        }
        response.set_content(task_json(*task), json_type);
    });
    router.Get("/tasks", [this](const httplib::Request& request, httplib::Response& response) {
        check_admin(request);
        const TaskQuery query = task_query_of(request.params);
        const auto [tasks, next] = documents->list(query);
        analyzers::JsonWriter json;
        json.begin_object().key("results").begin_array();
        for (const auto& task : tasks) json.raw(task_json(task));
        json.end_array().field("total", documents->newest_uid()).field("limit", query.limit);
        json.key("from");
        tasks.empty() ? json.raw("null") : json.value(tasks[0].uid);
        json.key("next");
        next ? json.value(*next) : json.raw("null");
        response.set_content(json.end_object().take(), json_type);
    });
}

// Meilisearch's routes that have no meaning here: refused by name, with
// what to do instead, rather than as unknown endpoints.
void MeiliWrites::add_unserved_routes(httplib::Server& router) {
    const auto refuse_with = [this](std::string why) {
        return [this, why](const httplib::Request& request, httplib::Response&) {
            check_admin(request);
            throw ApiErrorException({.code = ErrorCode::feature_not_enabled, .message = why});
        };
    };
    const auto settings = refuse_with(
        "Settings are read only on this server: ranking, synonyms and attributes come from its own files "
        "(data/ranking.conf, data/synonyms.txt); edit them and POST /v1/admin/reload-ranking.");
    const std::string settings_route = R"(/indexes/([^/]+)/settings(?:/([a-z-]+))?)";
    router.Patch(settings_route, settings);
    router.Put(settings_route, settings);
    router.Delete(settings_route, settings);
    const auto indexes = refuse_with(
        "This server serves one index, `listings`, built by `listing-indexer`: indexes are not created, updated, "
        "swapped or deleted through the API (a new generation is swapped in by `listing-indexer build`, or POST "
        "/v1/admin/reindex).");
    router.Post("/indexes", indexes);
    router.Patch(R"(/indexes/([^/]+))", indexes);
    router.Delete(R"(/indexes/([^/]+))", indexes);
    router.Post("/swap-indexes", indexes);
    const auto tasks = refuse_with("Tasks are feed segments here: they are neither canceled nor deleted.");
    router.Delete("/tasks", tasks);
    router.Post("/tasks/cancel", tasks);
    router.Get("/batches", refuse_with("Tasks are not batched here: see GET /tasks."));
    const auto keys = refuse_with("Keys are the server's --search-key and --admin-token: they are not managed "
                                  "through the API.");
    for (const std::string route : {"/keys", R"(/keys/([^/]+))"}) {
        router.Get(route, keys);
        router.Post(route, keys);
        router.Patch(route, keys);
        router.Delete(route, keys);
    }
    const auto copies = refuse_with("Dumps and snapshots are not made by this server: its index is Xapian shards "
                                    "on disk, copied by replication (see the README).");
    router.Post("/dumps", copies);
    router.Post("/snapshots", copies);
    router.Post(R"(/indexes/([^/]+)/documents/edit)",
                refuse_with("Editing documents by function is not supported: send the changed fields with PUT."));
}

std::vector<std::string> MeiliWrites::ids_of(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array items;
    if (parser.parse(body).get(root) || root.get_array().get(items)) {
        throw ApiErrorException({.code = ErrorCode::malformed_payload,
                                 .message = "The json payload provided is malformed: expected an array of ids."});
    }
    std::vector<std::string> ids;
    for (auto item : items) {
        std::string_view text;
        std::int64_t number = 0;
        if (!item.get(text)) ids.emplace_back(text);
        else if (!item.get(number)) ids.push_back(std::to_string(number));
        else {
            throw ApiErrorException({.code = ErrorCode::invalid_document_id,
                                     .message = "Each id must be a string or an integer."});
        }
    }
    return ids;
}

}  // namespace server
