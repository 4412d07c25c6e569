#include "server/api_errors.h"

#include <array>

#include "analyzers/json_writer.h"

namespace server {
namespace {

struct ErrorInfo {
    std::string_view name;
    int status;
    std::string_view meili_type;
};

constexpr std::array error_table{
#define SERVER_API_ERROR_INFO(name, status, type) ErrorInfo{#name, status, type},
    SERVER_API_ERROR_CODES(SERVER_API_ERROR_INFO)
#undef SERVER_API_ERROR_INFO
};

const ErrorInfo& info_of(ErrorCode code) { return error_table[static_cast<std::size_t>(code)]; }

}  // namespace

std::string_view name_of(ErrorCode code) { return info_of(code).name; }
int status_of(ErrorCode code) { return info_of(code).status; }
std::string_view meili_type_of(ErrorCode code) { return info_of(code).meili_type; }

std::string v1_error_json(const ApiError& error) {
    analyzers::JsonWriter json;
    json.begin_object().key("error").begin_object();
    json.field("code", error.name()).field("message", error.message);
    if (!error.parameter.empty()) json.field("parameter", error.parameter);
    json.end_object().end_object();
    return json.take();
}

std::string meili_error_json(const ApiError& error) {
    analyzers::JsonWriter json;
    json.begin_object().field("message", error.message).field("code", error.name());
    json.field("type", meili_type_of(error.code));
    json.field("link", "https://docs.meilisearch.com/errors#" + std::string(error.name())).end_object();
    return json.take();
}

}  // namespace server
