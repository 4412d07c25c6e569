// Every error either API answers with, in one table: the stable snake_case
// code, the HTTP status and the Meilisearch error type (as Meilisearch's own
// make_error_codes! table does). The v1 API writes them as
// {"error": {"code", "message", "parameter"}}, the Meilisearch-compatible
// API as {"message", "code", "type", "link"}.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace server {

#define SERVER_API_ERROR_CODES(X)                                             \
    /* v1 API */                                                              \
    X(invalid_parameter, 400, "invalid_request")                              \
    X(unknown_parameter, 400, "invalid_request")                              \
    X(invalid_json, 400, "invalid_request")                                   \
    X(invalid_request, 400, "invalid_request")                                \
    X(invalid_ranking_config, 400, "invalid_request")                         \
    X(unauthorized, 401, "auth")                                              \
    X(admin_disabled, 403, "auth")                                            \
    X(not_found, 404, "invalid_request")                                      \
    X(reindex_not_configured, 404, "invalid_request")                         \
    X(reindex_running, 409, "invalid_request")                                \
    X(payload_too_large, 413, "invalid_request")                              \
    /* HTTP framing, answered by the front before any route runs */           \
    X(bad_http_request, 400, "invalid_request")                               \
    X(request_timeout, 408, "invalid_request")                                \
    X(uri_too_long, 414, "invalid_request")                                   \
    X(headers_too_large, 431, "invalid_request")                              \
    X(unsupported_transfer_encoding, 501, "invalid_request")                  \
    X(server_busy, 503, "system")                                             \
    X(internal_error, 500, "internal")                                        \
    X(index_corrupt, 500, "internal")                                         \
    X(index_unavailable, 503, "system")                                       \
    /* Meilisearch API (its own codes, https://www.meilisearch.com/docs/reference/errors/error_codes) */ \
    X(bad_request, 400, "invalid_request")                                    \
    X(index_not_found, 404, "invalid_request")                                \
    X(missing_index_uid, 400, "invalid_request")                              \
    X(invalid_multi_search_queries, 400, "invalid_request")                   \
    X(invalid_search_q, 400, "invalid_request")                               \
    X(invalid_search_offset, 400, "invalid_request")                          \
    X(invalid_search_limit, 400, "invalid_request")                           \
    X(invalid_search_page, 400, "invalid_request")                            \
    X(invalid_search_hits_per_page, 400, "invalid_request")                   \
    X(invalid_search_filter, 400, "invalid_request")                          \
    X(invalid_search_facets, 400, "invalid_request")                          \
    X(invalid_search_sort, 400, "invalid_request")                            \
    X(invalid_search_matching_strategy, 400, "invalid_request")               \
    X(invalid_search_attributes_to_highlight, 400, "invalid_request")         \
    X(invalid_search_highlight_pre_tag, 400, "invalid_request")               \
    X(invalid_search_highlight_post_tag, 400, "invalid_request")              \
    X(invalid_facet_search_facet_name, 400, "invalid_request")                \
    X(invalid_facet_search_facet_query, 400, "invalid_request")              \
    X(invalid_search_attributes_to_retrieve, 400, "invalid_request")          \
    X(invalid_search_attributes_to_crop, 400, "invalid_request")              \
    X(invalid_search_crop_length, 400, "invalid_request")                     \
    X(invalid_search_crop_marker, 400, "invalid_request")                     \
    X(invalid_search_show_matches_position, 400, "invalid_request")           \
    X(invalid_search_show_ranking_score, 400, "invalid_request")              \
    X(invalid_search_show_ranking_score_details, 400, "invalid_request")      \
    X(invalid_search_ranking_score_threshold, 400, "invalid_request")         \
    X(invalid_search_distinct, 400, "invalid_request")                        \
    X(invalid_search_attributes_to_search_on, 400, "invalid_request")         \
    X(invalid_search_locales, 400, "invalid_request")                         \
    X(invalid_search_retrieve_vectors, 400, "invalid_request")                \
    X(invalid_search_hybrid_query, 400, "invalid_request")                    \
    X(invalid_multi_search_federated, 400, "invalid_request")                 \
    X(invalid_multi_search_federation_options, 400, "invalid_request")        \
    X(invalid_multi_search_weight, 400, "invalid_request")                    \
    X(invalid_multi_search_query_pagination, 400, "invalid_request")          \
    X(invalid_multi_search_query_facets, 400, "invalid_request")              \
    X(invalid_multi_search_facets_by_index, 400, "invalid_request")           \
    X(invalid_multi_search_merge_facets, 400, "invalid_request")              \
    X(document_not_found, 404, "invalid_request")                             \
    X(invalid_document_fields, 400, "invalid_request")                        \
    X(invalid_document_offset, 400, "invalid_request")                        \
    X(invalid_document_limit, 400, "invalid_request")                         \
    X(invalid_document_filter, 400, "invalid_request")                        \
    X(invalid_document_id, 400, "invalid_request")                            \
    X(missing_document_filter, 400, "invalid_request")                        \
    X(missing_document_id, 400, "invalid_request")                            \
    X(missing_payload, 400, "invalid_request")                                \
    X(malformed_payload, 400, "invalid_request")                              \
    X(invalid_content_type, 415, "invalid_request")                           \
    X(task_not_found, 404, "invalid_request")                                 \
    X(invalid_task_uids, 400, "invalid_request")                              \
    X(invalid_task_statuses, 400, "invalid_request")                          \
    X(invalid_task_types, 400, "invalid_request")                             \
    X(invalid_task_index_uids, 400, "invalid_request")                        \
    X(invalid_task_limit, 400, "invalid_request")                             \
    X(invalid_task_from, 400, "invalid_request")                              \
    X(invalid_task_reverse, 400, "invalid_request")                           \
    X(missing_authorization_header, 401, "auth")                              \
    X(invalid_api_key, 403, "auth")                                           \
    X(feature_not_enabled, 400, "invalid_request")

enum class ErrorCode {
#define SERVER_API_ERROR_ENUM(name, status, type) name,
    SERVER_API_ERROR_CODES(SERVER_API_ERROR_ENUM)
#undef SERVER_API_ERROR_ENUM
};

std::string_view name_of(ErrorCode code);
int status_of(ErrorCode code);
std::string_view meili_type_of(ErrorCode code);

// A request an API refuses or could not answer.
struct ApiError {
    ErrorCode code = ErrorCode::invalid_request;
    std::string message;    // for people: says what was wrong and what is allowed
    std::string parameter;  // the v1 parameter at fault, if any

    std::string_view name() const { return name_of(code); }
    int status() const { return status_of(code); }
};

// Thrown by the request handlers; the HTTP front turns it into the route's
// error shape.
class ApiErrorException : public std::exception {
public:
    explicit ApiErrorException(ApiError error) : error_(std::move(error)) {}
    const ApiError& error() const { return error_; }
    const char* what() const noexcept override { return error_.message.c_str(); }

private:
    ApiError error_;
};

// {"error": {"code", "message", "parameter"}}
std::string v1_error_json(const ApiError& error);
// {"message", "code", "type", "link"}
std::string meili_error_json(const ApiError& error);

}  // namespace server
