#include "task_query.h"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "server/api_errors.h"

namespace server {
namespace {

constexpr std::array statuses{"enqueued", "processing", "succeeded", "failed", "canceled"};
// Meilisearch's task types; only the first two are ever tasks here.
constexpr std::array types{"documentAdditionOrUpdate", "documentDeletion", "documentEdition", "settingsUpdate",
                           "indexCreation", "indexDeletion", "indexUpdate", "indexSwap", "taskCancelation",
                           "taskDeletion", "dumpCreation", "snapshotCreation", "export", "upgradeDatabase"};
// Known to Meilisearch, with nothing to select here: tasks are never
// batched with others or canceled, and their times are not filtered.
constexpr std::array unsupported{"batchUids", "canceledBy", "beforeEnqueuedAt", "afterEnqueuedAt",
                                 "beforeStartedAt", "afterStartedAt", "beforeFinishedAt", "afterFinishedAt"};
constexpr std::array supported{"limit", "from", "reverse", "uids", "statuses", "types", "indexUids"};

[[noreturn]] void refuse(ErrorCode code, std::string message) {
    throw ApiErrorException({.code = code, .message = std::move(message)});
}

template <std::size_t N>
bool is_one_of(const std::array<const char*, N>& names, std::string_view name) {
    return std::any_of(names.begin(), names.end(), [name](std::string_view known) { return known == name; });
}

std::vector<std::string_view> comma_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (true) {
        const auto comma = value.find(',');
        items.push_back(value.substr(0, comma));
        if (comma == std::string_view::npos) return items;
        value.remove_prefix(comma + 1);
    }
}

std::optional<std::uint64_t> number_of(std::string_view text) {
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return number;
}

std::uint64_t number_parameter(std::string_view name, std::string_view value, ErrorCode code) {
    const auto number = number_of(value);
    if (!number) {
        refuse(code, fmt::format("Invalid value in parameter `{}`: could not parse `{}` as a positive integer", name, value));
    }
    return *number;
}

// A list of Meilisearch's names for `parameter` (`*`: any), each one of
// `known` or refused with `code`; the values of ours they name (matched by
// to_string) go into `selected`. Names given that none of ours has (a
// `canceled` task, a `settingsUpdate`): the query selects nothing.
template <typename Value, std::size_t N>
void read_names(std::string_view parameter, std::string_view value, const std::array<const char*, N>& known,
                std::initializer_list<Value> ours, ErrorCode code, std::string_view kind, std::vector<Value>& selected,
                TaskQuery& query) {
    if (value == "*") return;
    for (const auto name : comma_list(value)) {
        if (!is_one_of(known, name)) {
            refuse(code, fmt::format("Invalid value in parameter `{}`: `{}` is not a valid task {}. Available {} are `{}`.",
                                     parameter, name, kind, parameter, fmt::join(known, "`, `")));
        }
        for (const Value ours_value : ours) {
            if (to_string(ours_value) == name) selected.push_back(ours_value);
        }
    }
    query.matches_nothing = query.matches_nothing || selected.empty();
}

void read_index_uids(std::string_view value, TaskQuery& query) {
    bool listings = value == "*";
    for (const auto uid : comma_list(value)) {
        const bool valid = !uid.empty() && uid.size() <= 512 && uid.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                                     "0123456789-_*") == std::string_view::npos;
        if (!valid) {
            refuse(ErrorCode::invalid_task_index_uids,
                   fmt::format("Invalid value in parameter `indexUids`: `{}` is not a valid index uid. Index uid can "
                               "be an integer or a string containing only alphanumeric characters, hyphens (-) and "
                               "underscores (_), and can not be more than 512 bytes.", uid));
        }
        listings = listings || uid == "listings";
    }
    // Every task here is of the index `listings`.
    query.matches_nothing = query.matches_nothing || !listings;
}

}  // namespace

TaskQuery task_query_of(const std::multimap<std::string, std::string>& parameters) {
    TaskQuery query;
    for (const auto& [name, value] : parameters) {
        if (name == "limit") {
            query.limit = std::min<std::uint64_t>(number_parameter(name, value, ErrorCode::invalid_task_limit), 1000);
        } else if (name == "from") {
            query.from = number_parameter(name, value, ErrorCode::invalid_task_from);
        } else if (name == "reverse") {
            if (value != "true" && value != "false") {
                refuse(ErrorCode::invalid_task_reverse,
                       fmt::format("Invalid value in parameter `reverse`: could not parse `{}` as a boolean, expected "
                                   "either `true` or `false`", value));
            }
            query.reverse = value == "true";
        } else if (name == "uids") {
            if (value == "*") continue;
            for (const auto uid : comma_list(value)) {
                query.uids.push_back(number_parameter("uids", uid, ErrorCode::invalid_task_uids));
            }
        } else if (name == "statuses") {
            read_names(name, value, statuses,
                       {TaskStatus::enqueued, TaskStatus::processing, TaskStatus::succeeded, TaskStatus::failed},
                       ErrorCode::invalid_task_statuses, "status", query.statuses, query);
        } else if (name == "types") {
            read_names(name, value, types, {TaskType::addition_or_update, TaskType::deletion},
                       ErrorCode::invalid_task_types, "type", query.types, query);
        } else if (name == "indexUids") {
            read_index_uids(value, query);
        } else if (is_one_of(unsupported, name)) {
            refuse(ErrorCode::bad_request,
                   fmt::format("Parameter `{}` is not supported by this server's task list: it filters by `{}`.", name,
                               fmt::join(supported, "`, `")));
        } else {
            refuse(ErrorCode::bad_request,
                   fmt::format("Unknown parameter `{}`: expected one of `{}`, `{}`", name, fmt::join(supported, "`, `"),
                               fmt::join(unsupported, "`, `")));
        }
    }
    return query;
}

}  // namespace server
