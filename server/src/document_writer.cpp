#include "document_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
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

const std::regex segment_name{R"(segment-([0-9]{6,})\.jsonl)"};
const std::regex failed_name{R"(\.task-([0-9]{6,})\.failed)"};

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
        case TaskStatus::succeeded: return "succeeded";
        case TaskStatus::failed: break;
    }
    return "failed";
}

std::string_view to_string(TaskType type) {
    return type == TaskType::deletion ? "documentDeletion" : "documentAdditionOrUpdate";
}

DocumentWriter::DocumentWriter(std::filesystem::path feed_dir, query::SearchService& service)
    : dir_(std::move(feed_dir)), service_(service) {
    std::filesystem::create_directories(dir_);
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        const std::string name = entry.path().filename().string();
        std::smatch match;
        if (std::regex_match(name, match, segment_name) || std::regex_match(name, match, failed_name)) {
            last_uid_ = std::max<std::uint64_t>(last_uid_, std::stoull(match[1].str()));
        }
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
    const auto take = [&](simdjson::dom::element document) {
        if (document.type() != simdjson::dom::element_type::OBJECT) {
            refuse(ErrorCode::malformed_payload, "The `json` payload must be an object or an array of objects.");
        }
        lines.push_back(merge ? simdjson::minify(document) : feed_line_of(document));
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
    analyzers::FeedLineParser feed;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        std::string problem;
        if (merge) problem = merge_with_served(lines[index]);
        // Every line as the indexer will read it: a batch with one bad
        // document fails whole, with the reason the feed contract gives.
        if (problem.empty()) {
            const auto result = feed.parse(lines[index]);
            problem = result.error;
            if (problem.empty() && result.record->op != analyzers::FeedOp::upsert) {
                problem = "field 'op' is the feed's own: a document may not carry it";
            }
        }
        if (!problem.empty()) {
            std::lock_guard lock(mutex_);
            return fail(TaskType::addition_or_update, lines.size(), "invalid_document_fields",
                        fmt::format("Document {} of the batch: {}.", index, problem));
        }
    }
    return write(TaskType::addition_or_update, lines, lines.size());
}

// PUT: the fields given replace those of the listing served, the rest are
// kept; a listing not served yet is added as given. Returns why it cannot
// be, or "".
std::string DocumentWriter::merge_with_served(std::string& line) {
    simdjson::dom::parser parser;
    const simdjson::dom::element given = parser.parse(line);
    std::string_view id;
    if (given["id"].get(id)) return "field 'id': required, a string";
    query::SearchRequest request{.limit = 1};
    request.filters.status = query::StatusFilter::any;
    request.filters.expression =
        std::make_shared<const query::FilterExpression>(query::parse_filter("id = " + json_string(id)));
    const auto found = service_.search(request);
    if (found.hits.empty()) {
        line = feed_line_of(given);
        return "";
    }
    simdjson::dom::parser stored_parser;
    const simdjson::dom::element stored = stored_parser.parse(found.hits[0].stored_json);
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

Task DocumentWriter::remove(const std::vector<std::string>& ids) {
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
    if (lines.empty()) refuse(ErrorCode::missing_payload, "A json payload is missing.");
    return write(TaskType::deletion, lines, lines.size());
}

Task DocumentWriter::write(TaskType type, const std::vector<std::string>& lines, std::uint64_t documents) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    std::lock_guard lock(mutex_);
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
        return {.uid = uid, .type = type, .status = TaskStatus::enqueued, .enqueued_at = now_seconds(), .documents = documents};
    }
}

Task DocumentWriter::fail(TaskType type, std::uint64_t documents, std::string code, std::string error) {
    Task task{.uid = next_uid(), .type = type, .status = TaskStatus::failed, .enqueued_at = now_seconds(),
              .finished_at = now_seconds(), .documents = documents, .error = std::move(error), .error_code = std::move(code)};
    analyzers::JsonWriter json;
    json.begin_object().field("type", to_string(type)).field("documents", documents).field("code", task.error_code);
    json.field("error", task.error).field("enqueuedAt", task.enqueued_at).end_object();
    write_synced(failed_path(task.uid), json.take());
    return task;
}

std::optional<Task> DocumentWriter::read_task(std::uint64_t uid) {
    std::error_code error;
    if (std::filesystem::exists(failed_path(uid), error)) {
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
        task.enqueued_at = task.finished_at = enqueued;
        task.documents = documents;
        return task;
    }
    const auto path = segment_path(uid);
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    Task task{.uid = uid, .enqueued_at = info.st_mtime};
    const std::string text = read_file(path);
    const auto lines = lines_of(text);
    task.documents = lines.size();
    analyzers::FeedLineParser feed;
    bool all_deletes = !lines.empty();
    std::vector<Effect> effects;
    std::map<std::string, std::size_t> effect_of_id;
    for (std::string_view line : lines) {
        const auto result = feed.parse(line);
        if (!result.ok()) continue;  // the indexer dead-letters it
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
    if (uid <= newest_succeeded_ || applied(effects)) {
        task.status = TaskStatus::succeeded;
        newest_succeeded_ = std::max(newest_succeeded_, uid);
        task.finished_at = succeeded_at_.emplace(uid, now_seconds()).first->second;
    }
    return task;
}

// Whether search serves what the task wrote: each listing as written, each
// deleted one gone.
bool DocumentWriter::applied(const std::vector<Effect>& effects) {
    constexpr std::size_t per_search = 50;  // the most values an IN [...] filter takes
    for (std::size_t from = 0; from < effects.size(); from += per_search) {
        std::string ids;
        const std::size_t to = std::min(effects.size(), from + per_search);
        for (std::size_t at = from; at < to; ++at) ids += (at > from ? "," : "") + json_string(effects[at].id);
        query::SearchRequest request{.limit = to - from};
        request.filters.status = query::StatusFilter::any;
        request.filters.expression =
            std::make_shared<const query::FilterExpression>(query::parse_filter("id IN [" + ids + "]"));
        const auto result = service_.search(request);
        std::map<std::string, const std::string*> served;
        for (const auto& hit : result.hits) served[analyzers::listing_from_stored_json(hit.stored_json).id] = &hit.stored_json;
        for (std::size_t at = from; at < to; ++at) {
            const auto found = served.find(effects[at].id);
            const bool present = found != served.end();
            if (!effects[at].stored_json) {
                if (present) return false;
            } else if (!present || *found->second != *effects[at].stored_json) {
                return false;
            }
        }
    }
    return true;
}

std::optional<Task> DocumentWriter::find(std::uint64_t uid) {
    std::lock_guard lock(mutex_);
    auto task = read_task(uid);
    // Segments are applied in order: when the newest has been, so has this.
    for (std::uint64_t newer = last_uid_; task && task->status == TaskStatus::enqueued && newer > uid; --newer) {
        const auto newest = read_task(newer);
        if (!newest || newest->status == TaskStatus::failed) continue;
        if (newest->status == TaskStatus::succeeded) task = read_task(uid);
        break;
    }
    return task;
}

std::vector<Task> DocumentWriter::list(std::optional<std::uint64_t> from, std::size_t limit) {
    std::vector<Task> tasks;
    std::uint64_t uid = 0;
    {
        std::lock_guard lock(mutex_);
        uid = std::min(from.value_or(last_uid_), last_uid_);
    }
    for (; uid > 0 && tasks.size() < limit; --uid) {
        if (auto task = find(uid)) tasks.push_back(std::move(*task));
    }
    return tasks;
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
    const bool done = task.status != TaskStatus::enqueued;
    const bool succeeded = task.status == TaskStatus::succeeded;
    json.begin_object().field("uid", task.uid).field("batchUid", task.uid).field("indexUid", "listings");
    json.field("status", to_string(task.status)).field("type", to_string(task.type)).key("canceledBy").raw("null");
    json.key("details").begin_object();
    if (task.type == TaskType::deletion) {
        json.field("providedIds", task.documents).key("deletedDocuments");
    } else {
        json.field("receivedDocuments", task.documents).key("indexedDocuments");
    }
    succeeded ? json.value(task.documents) : done ? json.value(std::uint64_t{0}) : json.raw("null");
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
    done ? json.value(rfc3339(task.enqueued_at)) : json.raw("null");
    json.key("finishedAt");
    done ? json.value(rfc3339(task.finished_at)) : json.raw("null");
    json.end_object();
    return json.take();
}

}  // namespace server
