// Writes through the Meilisearch documents API: each request is checked
// against the feed contract and becomes one feed segment in the directory
// that `listing-indexer follow --feed DIR` reads, written under a temporary
// name, fsynced and renamed (and the directory fsynced) before the request
// is answered, so nothing acknowledged is lost if the server or the indexer
// is killed.
//
// Each request is a Meilisearch task whose uid is its segment's number:
// `enqueued` until its listings are what search serves (every document
// written, every deleted id gone), or until a later task has succeeded (the
// follower applies segments in order), then `succeeded`; `failed` at once,
// with the reason the feed contract gives, for a batch with a bad document
// (nothing of it is written). A failed task is kept as a dotfile, which the
// follower ignores.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "query/search_service.h"

namespace server {

enum class TaskStatus { enqueued, succeeded, failed };
enum class TaskType { addition_or_update, deletion };

struct Task {
    std::uint64_t uid = 0;
    TaskType type = TaskType::addition_or_update;
    TaskStatus status = TaskStatus::enqueued;
    std::int64_t enqueued_at = 0;  // epoch seconds
    std::int64_t finished_at = 0;  // when it was first seen succeeded, or failed
    std::uint64_t documents = 0;   // documents received, or ids to delete
    std::string error;             // for a failed task: why
    std::string error_code;        // Meilisearch's code for it
};

class DocumentWriter {
public:
    DocumentWriter(std::filesystem::path feed_dir, query::SearchService& service);

    // POST (`merge` false: replace) or PUT (`merge`: update the given
    // fields) of a JSON array of documents, one JSON object, or NDJSON.
    Task add(std::string_view body, bool ndjson, bool merge);
    Task remove(const std::vector<std::string>& ids);
    // The task, its status brought up to date; nullopt for an unknown uid.
    std::optional<Task> find(std::uint64_t uid);
    // The newest tasks first, at most `limit`, from uid `from` down.
    std::vector<Task> list(std::optional<std::uint64_t> from, std::size_t limit);
    std::uint64_t newest_uid();

private:
    struct Effect {
        std::string id;
        std::optional<std::string> stored_json;  // what search will show; nullopt: deleted
    };
    std::string merge_with_served(std::string& line);
    Task write(TaskType type, const std::vector<std::string>& lines, std::uint64_t documents);
    Task fail(TaskType type, std::uint64_t documents, std::string code, std::string error);
    std::uint64_t next_uid();
    std::optional<Task> read_task(std::uint64_t uid);
    bool applied(const std::vector<Effect>& effects);
    std::filesystem::path segment_path(std::uint64_t uid) const;
    std::filesystem::path failed_path(std::uint64_t uid) const;

    std::filesystem::path dir_;
    query::SearchService& service_;
    std::mutex mutex_;
    std::uint64_t last_uid_ = 0;
    std::uint64_t newest_succeeded_ = 0;
    std::map<std::uint64_t, std::int64_t> succeeded_at_;  // uid -> when first seen succeeded
};

std::string_view to_string(TaskStatus status);
std::string_view to_string(TaskType type);
// The task as Meilisearch shows it: in full (GET /tasks/{uid}) and as the
// answer to the write (202).
std::string task_json(const Task& task);
std::string summarized_task_json(const Task& task);

}  // namespace server
