#include "document_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <simdjson.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "query/filter_expression.h"
#include "server/api_errors.h"

namespace server {
namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

[[noreturn]] void refuse(ErrorCode code, std::string message) {
    throw ApiErrorException({.code = code, .message = std::move(message)});
}

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
    throw std::runtime_error(fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

// Writes `text` to a new file and fsyncs it.
void write_synced(const std::filesystem::path& path, std::string_view text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail_io("cannot create", path);
    for (std::size_t written = 0; written < text.size();) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            fail_io("cannot write", path);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail_io("cannot fsync", path);
    }
    ::close(fd);
}

void sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail_io("cannot open", dir);
    const int result = ::fsync(fd);
    ::close(fd);
    if (result != 0) fail_io("cannot fsync", dir);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back(line);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return lines;
}

// N of "segment-N.jsonl" or ".task-N.failed" (N of six or more digits), or
// nothing. (Cheap: every write looks at every name in the directory.)
std::optional<std::uint64_t> uid_in_name(std::string_view name) {
    std::string_view digits;
    if (name.starts_with("segment-") && name.ends_with(".jsonl")) {
        digits = name.substr(8, name.size() - 8 - 6);
    } else if (name.starts_with(".task-") && name.ends_with(".failed")) {
        digits = name.substr(6, name.size() - 6 - 7);
    }
    if (digits.size() < 6 || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::stoull(std::string(digits));
}

std::string json_string(std::string_view text) {
    analyzers::JsonWriter json;
    json.value(text);
    return json.take();
}

// One document of the request, as a feed line: its own JSON with
// created_at set to now when it has none (a listing's age is shown).
std::string feed_line_of(simdjson::dom::element document) {
    std::string line = simdjson::minify(document);
    simdjson::dom::element created;
    if (document["created_at"].get(created) || created.is_null()) {
        const std::string field = fmt::format("\"created_at\":{}", now_seconds());
        line.insert(1, line.size() > 2 ? field + "," : field);
    }
    return line;
}

}  // namespace

std::string_view to_string(TaskStatus status) {
    switch (status) {
        case TaskStatus::enqueued: return "enqueued";
        case TaskStatus::processing: return "processing";
        case TaskStatus::succeeded: return "succeeded";
        case TaskStatus::failed: break;
    }
    return "failed";
}

std::string_view to_string(TaskType type) {
    return type == TaskType::deletion ? "documentDeletion" : "documentAdditionOrUpdate";
}

DocumentWriter::DocumentWriter(const DocumentWriterOptions& options, query::SearchService& service)
    : dir_(options.feed_dir),
      service_(service),
      lexicon_(analyzers::load_lexicon(options.data_dir)),
      key_checker_(lexicon_),
      dead_letters_(options.dead_letter_path) {
    std::filesystem::create_directories(dir_);
    catch_up_with_directory();
}

// The follower reads segments in the order of their numbers and never goes
// back: a segment numbered below one another producer wrote since would
// never be read. So each write takes a number above every one there.
void DocumentWriter::catch_up_with_directory() {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        if (const auto uid = uid_in_name(entry.path().filename().string())) last_uid_ = std::max(last_uid_, *uid);
    }
}

std::filesystem::path DocumentWriter::segment_path(std::uint64_t uid) const {
    return dir_ / fmt::format("segment-{:06}.jsonl", uid);
}

std::filesystem::path DocumentWriter::failed_path(std::uint64_t uid) const {
    return dir_ / fmt::format(".task-{:06}.failed", uid);
}

std::uint64_t DocumentWriter::next_uid() { return ++last_uid_; }

std::uint64_t DocumentWriter::newest_uid() {
    std::lock_guard lock(mutex_);
    return last_uid_;
}

Task DocumentWriter::add(std::string_view body, bool ndjson, bool merge) {
    simdjson::dom::parser parser;
    std::vector<std::string> lines;
    std::vector<std::string> ids;  // of the documents with one (the others fail the check below)
    const auto take = [&](simdjson::dom::element document) {
        if (document.type() != simdjson::dom::element_type::OBJECT) {
            refuse(ErrorCode::malformed_payload, "The `json` payload must be an object or an array of objects.");
        }
        lines.push_back(merge ? simdjson::minify(document) : feed_line_of(document));
        std::string_view id;
        if (!document["id"].get(id)) ids.emplace_back(id);
    };
    if (ndjson) {
        for (std::string_view line : lines_of(body)) {
            simdjson::dom::element document;
            if (parser.parse(line.data(), line.size()).get(document)) {
                refuse(ErrorCode::malformed_payload, fmt::format("The `ndjson` payload provided is malformed: {}.", line.substr(0, 80)));
            }
            take(document);
        }
    } else {
        simdjson::dom::element root;
        if (auto error = parser.parse(body.data(), body.size()).get(root)) {
            refuse(ErrorCode::malformed_payload, fmt::format("The `json` payload provided is malformed. `{}`.", simdjson::error_message(error)));
        }
        if (root.type() == simdjson::dom::element_type::ARRAY) {
            for (auto document : root.get_array()) take(document);
        } else {
            take(root);
        }
    }
    if (lines.empty()) refuse(ErrorCode::missing_payload, "A json payload is missing.");
    // One look-up for the batch: what a PUT merges with, and whether the
    // write replaces listings served already (new listings are counted live,
    // beyond the snapshots; a replaced one keeps its old values in them
    // until they are rebuilt).
    const auto served = served_listings(ids);
    analyzers::FeedLineParser feed;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        std::string problem;
        if (merge) problem = merge_with_served(served, lines[index]);
        // Every line as the indexer will read it: a batch with one bad
        // document fails whole, with the reason the feed contract gives.
        if (problem.empty()) problem = feed_contract_error(feed, lines[index]);
        if (!problem.empty()) {
            std::lock_guard lock(mutex_);
            return fail(TaskType::addition_or_update, lines.size(), "invalid_document_fields",
                        fmt::format("Document {} of the batch: {}.", index, problem));
        }
    }
    return write(TaskType::addition_or_update, lines, lines.size(), !served.empty());
}

// Why the follower would dead-letter this document's line, or "".
std::string DocumentWriter::feed_contract_error(analyzers::FeedLineParser& feed, const std::string& line) {
    const analyzers::FeedLimits limits;
    if (line.size() > limits.max_line_bytes) return analyzers::oversized_line_error(line.size(), limits.max_line_bytes);
    const auto result = feed.parse(line);
    if (!result.ok()) return result.error;
    if (result.record->op != analyzers::FeedOp::upsert) return "field 'op' is the feed's own: a document may not carry it";
    std::lock_guard lock(mutex_);
    return key_checker_.filter_key_error(result.record->listing);
}

// PUT: the fields given replace those of the listing served, the rest are
// kept; a listing not served yet is added as given. Returns why it cannot
// be, or "".
std::string DocumentWriter::merge_with_served(const std::map<std::string, std::string>& served, std::string& line) {
    simdjson::dom::parser parser;
    const simdjson::dom::element given = parser.parse(line);
    std::string_view id;
    if (given["id"].get(id)) return "field 'id': required, a string";
    const auto found = served.find(std::string(id));
    if (found == served.end()) {
        line = feed_line_of(given);
        return "";
    }
    simdjson::dom::parser stored_parser;
    const simdjson::dom::element stored = stored_parser.parse(found->second);
    analyzers::JsonWriter merged;
    merged.begin_object();
    for (auto [key, value] : stored.get_object()) {
        simdjson::dom::element replacement;
        if (given[key].get(replacement) == simdjson::SUCCESS) continue;
        std::string_view description;
        // The stored description is the first 280 bytes (fewer when a
        // character would be cut): a shorter one is whole.
        if (key == "description" && !value.get(description) && description.size() + 4 > 280) {
            return "an update must give `description` again: the server keeps only its first 280 bytes, for display";
        }
        merged.key(key).raw(simdjson::minify(value));
    }
    for (auto [key, value] : given.get_object()) merged.key(key).raw(simdjson::minify(value));
    line = merged.end_object().take();
    return "";
}

Task DocumentWriter::remove(const std::vector<std::string>& ids, bool by_filter) {
    std::vector<std::string> lines;
    for (const auto& id : ids) lines.push_back(fmt::format(R"({{"op":"delete","id":{}}})", json_string(id)));
    analyzers::FeedLineParser feed;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        const auto result = feed.parse(lines[index]);
        if (!result.ok()) {
            std::lock_guard lock(mutex_);
            return fail(TaskType::deletion, ids.size(), "invalid_document_id", fmt::format("Id {}: {}.", index, result.error));
        }
    }
    if (lines.empty() && !by_filter) refuse(ErrorCode::missing_payload, "A json payload is missing.");
    return write(TaskType::deletion, lines, lines.size(), true);
}

Task DocumentWriter::write(TaskType type, const std::vector<std::string>& lines, std::uint64_t documents,
                           bool changes_served) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    std::lock_guard lock(mutex_);
    catch_up_with_directory();
    for (;;) {
        const std::uint64_t uid = next_uid();
        // A dotfile while it is written: the follower ignores it quietly.
        const std::filesystem::path temporary = dir_ / fmt::format(".segment-{:06}.jsonl.tmp", uid);
        write_synced(temporary, text);
        // link() never replaces: a segment another producer wrote under
        // this number is kept, and the next number is tried.
        const bool linked = ::link(temporary.c_str(), segment_path(uid).c_str()) == 0;
        const int link_error = errno;
        std::filesystem::remove(temporary);
        if (!linked && link_error == EEXIST) continue;
        if (!linked) {
            errno = link_error;
            fail_io("cannot publish", segment_path(uid));
        }
        sync_directory(dir_);
        if (!changes_served) adds_only_.insert(uid);
        return {.uid = uid, .type = type, .status = TaskStatus::enqueued, .enqueued_at = now_seconds(), .documents = documents};
    }
}

Task DocumentWriter::fail(TaskType type, std::uint64_t documents, std::string code, std::string error) {
    catch_up_with_directory();
    Task task{.uid = next_uid(), .type = type, .status = TaskStatus::failed, .enqueued_at = now_seconds(),
              .started_at = now_seconds(), .finished_at = now_seconds(), .documents = documents, .rejected = documents,
              .written = false, .error = std::move(error), .error_code = std::move(code)};
    analyzers::JsonWriter json;
    json.begin_object().field("type", to_string(type)).field("documents", documents).field("code", task.error_code);
    json.field("error", task.error).field("enqueuedAt", task.enqueued_at).end_object();
    write_synced(failed_path(task.uid), json.take());
    return task;
}

// A batch refused at once (fail() above), or nullopt.
std::optional<Task> DocumentWriter::read_failed_task(std::uint64_t uid) {
    std::error_code error;
    if (!std::filesystem::exists(failed_path(uid), error)) return std::nullopt;
    const std::string text = read_file(failed_path(uid));
    simdjson::dom::parser parser;
    simdjson::dom::element json;
    if (parser.parse(text).get(json)) return std::nullopt;
    Task task{.uid = uid, .status = TaskStatus::failed};
    std::string_view type, code, message;
    std::int64_t enqueued = 0;
    std::uint64_t documents = 0;
    // Written by fail() above: every field is there.
    if (json["type"].get(type) || json["code"].get(code) || json["error"].get(message) ||
        json["enqueuedAt"].get(enqueued) || json["documents"].get(documents)) {
        return std::nullopt;
    }
    task.type = type == "documentDeletion" ? TaskType::deletion : TaskType::addition_or_update;
    task.error_code = code, task.error = message;
    task.enqueued_at = task.started_at = task.finished_at = enqueued;
    task.documents = task.rejected = documents;
    task.written = false;
    return task;
}

std::optional<Task> DocumentWriter::read_task(std::uint64_t uid) {
    if (auto failed = read_failed_task(uid)) return failed;
    const auto path = segment_path(uid);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    Task task{.uid = uid, .enqueued_at = info.st_mtime};
    const std::string text = read_file(path);
    const auto lines = lines_of(text);
    task.documents = lines.size();
    const auto& refused = dead_letters_.of_segment(path.filename().string());
    analyzers::FeedLineParser feed;
    bool all_deletes = true;  // an empty segment: a delete by filter that matched nothing
    std::vector<Effect> effects;
    std::map<std::string, std::size_t> effect_of_id;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        const auto result = feed.parse(lines[index]);
        // A line the follower refused has no effect (segments hold no blank
        // lines: the follower's line numbers are these).
        if (!result.ok() || refused.contains(index + 1)) continue;
        const auto& record = *result.record;
        all_deletes = all_deletes && record.op == analyzers::FeedOp::remove;
        if (record.op == analyzers::FeedOp::sold) continue;
        Effect effect{.id = record.listing.id};
        if (record.op == analyzers::FeedOp::upsert) effect.stored_json = analyzers::stored_fields_json(record.listing);
        const auto [at, inserted] = effect_of_id.emplace(effect.id, effects.size());
        if (inserted) effects.push_back(std::move(effect));
        else effects[at->second] = std::move(effect);  // the last line for an id is what stays
    }
    task.type = all_deletes ? TaskType::deletion : TaskType::addition_or_update;
    task.rejected = refused.size();
    if (!refused.empty()) {
        const auto& [line, reason] = *refused.begin();
        task.error_code = "invalid_document_fields";
        task.error = fmt::format("Document {} of the batch was refused by the indexer: {}.", line - 1, reason);
    }
    update_status(task, effects);
    return task;
}

void DocumentWriter::update_status(Task& task, const std::vector<Effect>& effects) {
    const auto [upserts_served, all_served] = served(effects);
    const bool done = task.uid <= newest_applied_ || (all_served == effects.size() && counted_everywhere(task.uid));
    if (done) {
        newest_applied_ = std::max(newest_applied_, task.uid);
        task.status = task.rejected > 0 ? TaskStatus::failed : TaskStatus::succeeded;
        task.finished_at = finished_at_.emplace(task.uid, now_seconds()).first->second;
    } else if (upserts_served > 0 || all_served == effects.size()) {
        // Deletes alone are not progress: an id that was never there is
        // "gone" before the follower gets to it.
        task.status = TaskStatus::processing;
    }
    if (task.status != TaskStatus::enqueued) {
        task.started_at = started_at_.emplace(task.uid, now_seconds()).first->second;
    }
}

// Called once search serves what the task wrote, each time until it says
// yes: whether the snapshots (counts, facets, empty queries, sorting) have
// caught up with the commits it was first seen served at, so that no
// answer after "succeeded" still counts a deleted listing or an old price.
// A task that only added new listings need not wait: those are counted
// live, beyond the snapshots. (After a restart of the server that is not
// known, and the task waits.)
bool DocumentWriter::counted_everywhere(std::uint64_t uid) {
    if (adds_only_.contains(uid)) return true;
    const query::IndexProgress now = service_.progress();
    const auto [seen, first_time] = served_at_.emplace(uid, now);
    if (first_time) return now.snapshot_commits >= now.commits;
    return now.generation != seen->second.generation || now.snapshot_commits >= seen->second.commits;
}

std::map<std::string, std::string> DocumentWriter::served_listings(const std::vector<std::string>& ids) {
    constexpr std::size_t per_search = 50;  // the most values an IN [...] filter takes
    std::map<std::string, std::string> served;
    for (std::size_t from = 0; from < ids.size(); from += per_search) {
        std::string quoted;
        const std::size_t to = std::min(ids.size(), from + per_search);
        for (std::size_t at = from; at < to; ++at) quoted += (at > from ? "," : "") + json_string(ids[at]);
        query::SearchRequest request{.limit = to - from, .latest = true};
        request.filters.status = query::StatusFilter::any;
        request.filters.expression =
            std::make_shared<const query::FilterExpression>(query::parse_filter("id IN [" + quoted + "]"));
        for (auto& hit : service_.search(request).hits) {
            std::string id = analyzers::listing_from_stored_json(hit.stored_json).id;
            served.emplace(std::move(id), std::move(hit.stored_json));
        }
    }
    return served;
}

std::pair<std::size_t, std::size_t> DocumentWriter::served(const std::vector<Effect>& effects) {
    std::vector<std::string> ids;
    for (const auto& effect : effects) ids.push_back(effect.id);
    const auto found = served_listings(ids);
    std::size_t upserts_served = 0, all_served = 0;
    for (const auto& effect : effects) {
        const auto hit = found.find(effect.id);
        const bool present = hit != found.end();
        if (!effect.stored_json) {
            all_served += present ? 0 : 1;  // each deleted one gone
        } else if (present && hit->second == *effect.stored_json) {
            ++all_served;  // each listing as written
            ++upserts_served;
        }
    }
    return {upserts_served, all_served};
}

std::optional<Task> DocumentWriter::find(std::uint64_t uid) {
    std::lock_guard lock(mutex_);
    auto task = read_task(uid);
    // Segments are applied in order: when the newest has been, so has this.
    const auto waiting = [](const std::optional<Task>& task) {
        return task && (task->status == TaskStatus::enqueued || task->status == TaskStatus::processing);
    };
    for (std::uint64_t newer = last_uid_; waiting(task) && newer > uid; --newer) {
        const auto newest = read_task(newer);
        // A batch refused at once was never written: it says nothing.
        if (!newest || !newest->written) continue;
        if (!waiting(newest)) task = read_task(uid);
        break;
    }
    return task;
}

namespace {

template <typename T>
bool selected(const std::vector<T>& wanted, const T& value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

bool selected(const TaskQuery& query, const Task& task) {
    return !query.matches_nothing && selected(query.statuses, task.status) && selected(query.types, task.type) &&
           selected(query.uids, task.uid);
}

}  // namespace

std::pair<std::vector<Task>, std::optional<std::uint64_t>> DocumentWriter::list(const TaskQuery& query) {
    std::uint64_t newest = 0;
    {
        std::lock_guard lock(mutex_);
        newest = last_uid_;
    }
    std::vector<Task> tasks;
    const auto step = [&](std::uint64_t uid) { return query.reverse ? uid + 1 : uid - 1; };
    std::uint64_t uid = query.reverse ? query.from.value_or(1) : std::min(query.from.value_or(newest), newest);
    // Each task is a segment to read and check: a filter that selects few
    // of many tasks answers with what it found so far, and `next`.
    constexpr std::size_t max_examined = 10'000;
    for (std::size_t examined = 0; uid > 0 && uid <= newest; uid = step(uid), ++examined) {
        if (examined == max_examined) return {std::move(tasks), uid};
        auto task = find(uid);
        if (!task || !selected(query, *task)) continue;
        if (tasks.size() == query.limit) return {std::move(tasks), uid};
        tasks.push_back(std::move(*task));
    }
    return {std::move(tasks), std::nullopt};
}

}  // namespace server

namespace server {
namespace {

std::string rfc3339(std::int64_t seconds) {
    const std::time_t time = seconds;
    std::tm utc{};
    gmtime_r(&time, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                       utc.tm_min, utc.tm_sec);
}

}  // namespace

std::string summarized_task_json(const Task& task) {
    analyzers::JsonWriter json;
    json.begin_object().field("taskUid", task.uid).field("indexUid", "listings").field("status", to_string(task.status));
    json.field("type", to_string(task.type)).field("enqueuedAt", rfc3339(task.enqueued_at)).end_object();
    return json.take();
}

std::string task_json(const Task& task) {
    analyzers::JsonWriter json;
    const bool done = task.status == TaskStatus::succeeded || task.status == TaskStatus::failed;
    json.begin_object().field("uid", task.uid).field("batchUid", task.uid).field("indexUid", "listings");
    json.field("status", to_string(task.status)).field("type", to_string(task.type)).key("canceledBy").raw("null");
    json.key("details").begin_object();
    if (task.type == TaskType::deletion) {
        json.field("providedIds", task.documents).key("deletedDocuments");
    } else {
        json.field("receivedDocuments", task.documents).key("indexedDocuments");
    }
    // A task the follower failed had its other lines applied.
    done ? json.value(task.documents - task.rejected) : json.raw("null");
    json.end_object().key("error");
    if (task.status == TaskStatus::failed) {
        json.begin_object().field("message", task.error).field("code", task.error_code).field("type", "invalid_request");
        json.field("link", "https://docs.meilisearch.com/errors#" + task.error_code).end_object();
    } else {
        json.raw("null");
    }
    json.key("duration");
    done ? json.value(fmt::format("PT{}S", std::max<std::int64_t>(0, task.finished_at - task.enqueued_at))) : json.raw("null");
    json.field("enqueuedAt", rfc3339(task.enqueued_at)).key("startedAt");
    task.status != TaskStatus::enqueued ? json.value(rfc3339(task.started_at)) : json.raw("null");
    json.key("finishedAt");
    done ? json.value(rfc3339(task.finished_at)) : json.raw("null");
    json.end_object();
    return json.take();
}

}  // namespace server
