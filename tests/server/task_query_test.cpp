#include <doctest/doctest.h>

#include "server/api_errors.h"
#include "task_query.h"

using server::ErrorCode;
using server::TaskQuery;
using server::task_query_of;

namespace {

ErrorCode refusal_of(const std::multimap<std::string, std::string>& parameters) {
    try {
        task_query_of(parameters);
    } catch (const server::ApiErrorException& refused) {
        return refused.error().code;
    }
    FAIL("not refused");
    return ErrorCode::internal_error;
}

}  // namespace

TEST_CASE("the task list reads Meilisearch's filters that can select something here") {
    const TaskQuery query = task_query_of({{"statuses", "failed,processing"}, {"types", "documentDeletion"},
                                           {"uids", "3,7"}, {"limit", "5"}, {"from", "9"}, {"reverse", "true"}});
    CHECK(query.statuses == std::vector{server::TaskStatus::failed, server::TaskStatus::processing});
    CHECK(query.types == std::vector{server::TaskType::deletion});
    CHECK(query.uids == std::vector<std::uint64_t>{3, 7});
    CHECK(query.limit == 5);
    CHECK(query.from == 9u);
    CHECK(query.reverse);
    CHECK_FALSE(query.matches_nothing);
    CHECK(task_query_of({{"statuses", "*"}, {"types", "*"}, {"indexUids", "*"}}).statuses.empty());
    // Valid names that no task here can have select nothing, as in Meilisearch.
    CHECK(task_query_of({{"statuses", "canceled"}}).matches_nothing);
    CHECK(task_query_of({{"types", "settingsUpdate"}}).matches_nothing);
    CHECK(task_query_of({{"indexUids", "products"}}).matches_nothing);
    CHECK_FALSE(task_query_of({{"indexUids", "products,listings"}}).matches_nothing);
}

TEST_CASE("the task list refuses bad values with Meilisearch's codes, and never ignores a parameter") {
    CHECK(refusal_of({{"statuses", "done"}}) == ErrorCode::invalid_task_statuses);
    CHECK(refusal_of({{"types", "documentAddition"}}) == ErrorCode::invalid_task_types);
    CHECK(refusal_of({{"uids", "1,x"}}) == ErrorCode::invalid_task_uids);
    CHECK(refusal_of({{"limit", "-1"}}) == ErrorCode::invalid_task_limit);
    CHECK(refusal_of({{"from", ""}}) == ErrorCode::invalid_task_from);
    CHECK(refusal_of({{"reverse", "yes"}}) == ErrorCode::invalid_task_reverse);
    CHECK(refusal_of({{"indexUids", "a b"}}) == ErrorCode::invalid_task_index_uids);
    CHECK(refusal_of({{"afterEnqueuedAt", "2026-01-01"}}) == ErrorCode::bad_request);
    CHECK(refusal_of({{"colour", "red"}}) == ErrorCode::bad_request);
}
