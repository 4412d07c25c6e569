// Writes through the Meilisearch documents API: each request is checked
// against the feed contract (as `listing-indexer follow` will check it: the
// fields, the line's size, the brand's and category's filter keys) and
// becomes one feed segment in the directory that `listing-indexer follow
// --feed DIR` reads, written under a temporary name, fsynced and linked (and
// the directory fsynced) before the request is answered, so nothing
// acknowledged is lost if the server or the indexer is killed.
//
// Each request is a Meilisearch task whose uid is its segment's number:
//   enqueued    nothing of it is served yet;
//   processing  some of the listings it writes are served, not all (the
//               follower commits a large segment in steps);
//   succeeded   its listings are what search serves (every document
//               written, every deleted id gone) and the snapshots that count
//               and sort listings have caught up with the commit (rebuilt
//               in the background at most every 2 s), or a later task has
//               succeeded (the follower applies segments in order);
//   failed      at once, with the reason the feed contract gives, for a
//               batch with a bad document (nothing of it is written; kept
//               as a dotfile, which the follower ignores); or, once the rest
//               is served, when the follower dead-lettered some of its lines
//               (a segment another producer wrote, or a follower with other
//               limits), with the dead-letter file's reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analyzers/document_layout.h"
#include "query/search_service.h"
#include "dead_letters.h"

namespace server {

enum class TaskStatus { enqueued, processing, succeeded, failed };
enum class TaskType { addition_or_update, deletion };

struct Task {
    std::uint64_t uid = 0;
    TaskType type = TaskType::addition_or_update;
    TaskStatus status = TaskStatus::enqueued;
    std::int64_t enqueued_at = 0;  // epoch seconds
    std::int64_t started_at = 0;   // when it was first seen processing or done
    std::int64_t finished_at = 0;  // when it was first seen succeeded, or failed
    std::uint64_t documents = 0;   // documents received, or ids to delete
    std::uint64_t rejected = 0;    // of those, how many were refused
    bool written = true;           // false: refused at once, nothing of it written
    std::string error;             // for a failed task: why
    std::string error_code;        // Meilisearch's code for it
};

struct DocumentWriterOptions {
    std::filesystem::path feed_dir;          // the follower's --feed
    std::filesystem::path dead_letter_path;  // the follower's dead-letter file
    std::filesystem::path data_dir;          // brand aliases, for the filter-key check
};

// Which tasks GET /tasks lists (Meilisearch's filters that apply here).
struct TaskQuery {
    std::optional<std::uint64_t> from;  // the first uid looked at
    std::size_t limit = 20;
    bool reverse = false;  // oldest first
    std::vector<TaskStatus> statuses;  // empty: any
    std::vector<TaskType> types;       // empty: any
    std::vector<std::uint64_t> uids;   // empty: any
    bool matches_nothing = false;      // only statuses, types or indexes no task here has were asked for
};

class DocumentWriter {
public:
    DocumentWriter(const DocumentWriterOptions& options, query::SearchService& service);

    // POST (`merge` false: replace) or PUT (`merge`: update the given
    // fields) of a JSON array of documents, one JSON object, or NDJSON.
    Task add(std::string_view body, bool ndjson, bool merge);
    // Deletes by id; `by_filter`: the ids a filter matched, maybe none.
    Task remove(const std::vector<std::string>& ids, bool by_filter = false);
    // The task, its status brought up to date; nullopt for an unknown uid.
    std::optional<Task> find(std::uint64_t uid);
    // The tasks `query` selects, newest first (oldest with `reverse`), from
    // uid `from` on, at most `limit` of them, looking at 10,000 at most; the
    // uid to go on from (for `next`), if any.
    std::pair<std::vector<Task>, std::optional<std::uint64_t>> list(const TaskQuery& query);
    std::uint64_t newest_uid();

private:
    struct Effect {
        std::string id;
        std::optional<std::string> stored_json;  // what search will show; nullopt: deleted
    };
    // `served`: the stored JSON of the batch's listings served now, by id.
    std::string merge_with_served(const std::map<std::string, std::string>& served, std::string& line);
    // `changes_served`: it deletes or replaces listings served already.
    Task write(TaskType type, const std::vector<std::string>& lines, std::uint64_t documents, bool changes_served);
    Task fail(TaskType type, std::uint64_t documents, std::string code, std::string error);
    std::uint64_t next_uid();
    void catch_up_with_directory();
    std::string feed_contract_error(analyzers::FeedLineParser& feed, const std::string& line);
    std::optional<Task> read_task(std::uint64_t uid);
    std::optional<Task> read_failed_task(std::uint64_t uid);
    void update_status(Task& task, const std::vector<Effect>& effects);
    bool counted_everywhere(std::uint64_t uid);
    // How many of `effects` search serves: {upserts served, all served}.
    std::pair<std::size_t, std::size_t> served(const std::vector<Effect>& effects);
    // The stored JSON of those of `ids` search serves now (sold ones too).
    std::map<std::string, std::string> served_listings(const std::vector<std::string>& ids);
    std::filesystem::path segment_path(std::uint64_t uid) const;
    std::filesystem::path failed_path(std::uint64_t uid) const;

    std::filesystem::path dir_;
    query::SearchService& service_;
    analyzers::Lexicon lexicon_;
    analyzers::DocumentBuilder key_checker_;  // under mutex_
    DeadLetters dead_letters_;                // under mutex_
    std::mutex mutex_;
    std::uint64_t last_uid_ = 0;
    std::uint64_t newest_applied_ = 0;  // the newest task whose segment the follower has applied
    std::map<std::uint64_t, query::IndexProgress> served_at_;  // uid -> the index when first seen served
    std::set<std::uint64_t> adds_only_;  // tasks of this run that only add listings not served before
    std::map<std::uint64_t, std::int64_t> started_at_;    // uid -> when first seen processing
    std::map<std::uint64_t, std::int64_t> finished_at_;   // uid -> when first seen succeeded or failed
};

std::string_view to_string(TaskStatus status);
std::string_view to_string(TaskType type);
// The task as Meilisearch shows it: in full (GET /tasks/{uid}) and as the
// answer to the write (202).
std::string task_json(const Task& task);
std::string summarized_task_json(const Task& task);

}  // namespace server
