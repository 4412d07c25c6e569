#include "request_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace server {
namespace {

// The longest chunk-size line (size and extensions) a body may carry.
constexpr std::size_t max_chunk_size_line = 1024;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trimmed(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

// RFC 9110 token characters (method and header names).
bool is_token(std::string_view text) {
    constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || punctuation.find(c) != std::string_view::npos;
    });
}

bool all_of_class(std::string_view text, int (*in_class)(int)) {
    return std::all_of(text.begin(), text.end(), [&](char c) { return in_class(static_cast<unsigned char>(c)) != 0; });
}

bool has_control_characters(std::string_view text, bool tab_allowed) {
    return std::any_of(text.begin(), text.end(), [&](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && !(tab_allowed && c == '\t')) || byte == 0x7f;
    });
}

// One line without its "\n" or "\r\n".
std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// Whether a comma-separated header value holds the token `wanted`.
bool lists_token(std::string_view value, std::string_view wanted) {
    while (!value.empty()) {
        const auto comma = std::min(value.find(','), value.size());
        if (equals_ignoring_case(trimmed(value.substr(0, comma)), wanted)) return true;
        value.remove_prefix(std::min(comma + 1, value.size()));
    }
    return false;
}

// The target of a request line, to say which route a refusal is for.
std::string target_of(std::string_view request_line) {
    const std::size_t first_space = request_line.find(' ');
    const std::size_t second_space = request_line.find(' ', first_space + 1);
    if (first_space == std::string_view::npos || second_space == std::string_view::npos) return "";
    return std::string(request_line.substr(first_space + 1, second_space - first_space - 1));
}

}  // namespace

RequestReader::Progress RequestReader::read(std::string& input) {
    for (;;) {
        const Stage stage_before = stage_;
        const std::size_t size_before = input.size();
        Progress progress = Progress::need_more;
        switch (stage_) {
            case Stage::head: progress = read_head(input); break;
            case Stage::body: progress = read_body(input); break;
            case Stage::chunk_size: progress = read_chunk_size(input); break;
            case Stage::chunk_data: progress = read_chunk_data(input); break;
            case Stage::chunk_end: progress = read_chunk_end(input); break;
            case Stage::trailers: progress = read_trailers(input); break;
            case Stage::done: return Progress::complete;
            case Stage::failed: return Progress::failed;
        }
        if (progress != Progress::need_more) return progress;
        if (stage_ == stage_before && input.size() == size_before) return Progress::need_more;
    }
}

RequestReader::Progress RequestReader::read_head(std::string& input) {
    // Servers should ignore empty lines before a request line (RFC 9112 2.2).
    if (!started_) input.erase(0, std::min(input.find_first_not_of("\r\n"), input.size()));
    if (input.empty()) return Progress::need_more;
    started_ = true;
    const std::size_t line_end = input.find('\n');
    const std::size_t request_line_bytes = std::min(line_end, input.size());
    if (without_cr(std::string_view(input).substr(0, request_line_bytes)).size() > limits_.max_request_line) {
        return fail(ErrorCode::uri_too_long,
                    fmt::format("the request line is longer than {} bytes", limits_.max_request_line));
    }
    if (line_end == std::string::npos) return Progress::need_more;
    // The header lines, up to the empty line that ends them.
    std::size_t position = line_end + 1;
    for (;;) {
        const std::size_t next = input.find('\n', position);
        const std::size_t header_bytes = (next == std::string::npos ? input.size() : next) - (line_end + 1);
        if (header_bytes > limits_.max_header_bytes) {
            failure_.target = target_of(std::string_view(input).substr(0, line_end));
            return fail(ErrorCode::headers_too_large,
                        fmt::format("the request's headers are longer than {} bytes", limits_.max_header_bytes));
        }
        if (next == std::string::npos) return Progress::need_more;
        const bool last = without_cr(std::string_view(input).substr(position, next - position)).empty();
        position = next + 1;
        if (last) {
            header_bytes_ = header_bytes;  // trailers count on top
            break;
        }
    }
    const bool parsed = parse_head(std::string_view(input).substr(0, position));
    input.erase(0, position);
    if (!parsed) return Progress::failed;
    return stage_ == Stage::done ? finish() : Progress::need_more;
}

// Batches of documents are larger than any search.
std::size_t RequestReader::body_limit() const {
    if (request_.method != "POST" && request_.method != "PUT") return limits_.max_body;
    std::string_view path = request_.target;
    path = path.substr(0, path.find('?'));
    const std::string_view prefix = "/indexes/", suffix = "/documents";
    const bool documents = path.starts_with(prefix) && path.ends_with(suffix) && path.size() > prefix.size() + suffix.size() &&
                           path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()).find('/') == std::string_view::npos;
    return documents ? limits_.max_documents_body : limits_.max_body;
}

bool RequestReader::parse_head(std::string_view head) {
    const std::size_t line_end = head.find('\n');
    if (!parse_request_line(without_cr(head.substr(0, line_end)))) return false;
    head.remove_prefix(line_end + 1);
    while (!head.empty()) {
        const std::size_t end = head.find('\n');
        const std::string_view line = without_cr(head.substr(0, end));
        head.remove_prefix(end + 1);
        if (line.empty()) break;
        if (!parse_header(line)) return false;
    }
    return apply_framing();
}

bool RequestReader::parse_request_line(std::string_view line) {
    const auto bad = [this](std::string message) {
        fail(ErrorCode::bad_http_request, std::move(message));
        return false;
    };
    const std::size_t first_space = line.find(' ');
    const std::size_t last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space) {
        return bad("the request line must be METHOD TARGET HTTP-VERSION");
    }
    request_.method = std::string(line.substr(0, first_space));
    request_.target = std::string(line.substr(first_space + 1, last_space - first_space - 1));
    const std::string_view version = line.substr(last_space + 1);
    failure_.target = request_.target;
    if (!is_token(request_.method)) return bad("the request method is not a token");
    if (request_.target.empty() || has_control_characters(request_.target, false) ||
        request_.target.find(' ') != std::string::npos || (request_.target[0] != '/' && request_.target != "*")) {
        return bad("the request target must be a path");
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad("only HTTP/1.0 and HTTP/1.1 are served");
    // HTTP/1.0 closes after each response unless asked to keep the connection.
    request_.close = version == "HTTP/1.0";
    kept_headers_ = fmt::format("{} {} {}\r\n", request_.method, request_.target, version);
    return true;
}

bool RequestReader::parse_header(std::string_view line) {
    const auto bad = [this](std::string message) {
        fail(ErrorCode::bad_http_request, std::move(message));
        return false;
    };
    if (++header_count_ > limits_.max_headers) {
        fail(ErrorCode::headers_too_large, fmt::format("a request may have at most {} headers", limits_.max_headers));
        return false;
    }
    // Folded lines and spaces before the colon are how requests get
    // smuggled past proxies that read them differently: refuse both.
    if (line.front() == ' ' || line.front() == '\t') return bad("header lines may not be folded");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
        return bad("a header line must be NAME: VALUE");
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (has_control_characters(value, true)) return bad("header values may not hold control characters");
    if (equals_ignoring_case(name, "Content-Length")) {
        // "n, n" and repeated headers are allowed if they agree (RFC 9110 8.6).
        std::string_view values = value;
        while (true) {
            const auto comma = std::min(values.find(','), values.size());
            const std::string_view one = trimmed(values.substr(0, comma));
            if (!content_length_.empty() && one != content_length_) return bad("conflicting Content-Length headers");
            content_length_ = std::string(one);
            if (comma == values.size()) break;
            values.remove_prefix(comma + 1);
        }
        return true;
    }
    if (equals_ignoring_case(name, "Transfer-Encoding")) {
        transfer_encoding_ += (transfer_encoding_.empty() ? "" : ", ") + std::string(value);
        return true;
    }
    if (equals_ignoring_case(name, "Expect")) {  // answered here, not passed on
        expects_continue_ = expects_continue_ || equals_ignoring_case(value, "100-continue");
        return true;
    }
    if (equals_ignoring_case(name, "Connection")) {
        if (lists_token(value, "close")) request_.close = true;
        if (lists_token(value, "keep-alive")) request_.close = lists_token(value, "close");
    }
    kept_headers_ += fmt::format("{}: {}\r\n", name, value);
    return true;
}

bool RequestReader::apply_framing() {
    if (!transfer_encoding_.empty()) {
        if (!content_length_.empty()) {
            fail(ErrorCode::bad_http_request, "a request may not have both Content-Length and Transfer-Encoding");
            return false;
        }
        if (!equals_ignoring_case(trimmed(transfer_encoding_), "chunked")) {
            fail(ErrorCode::unsupported_transfer_encoding,
                 fmt::format("Transfer-Encoding '{}' is not supported: send chunked or a Content-Length",
                             transfer_encoding_.substr(0, 40)));
            return false;
        }
        stage_ = Stage::chunk_size;
    } else if (!content_length_.empty()) {
        std::size_t length = 0;
        const char* end = content_length_.data() + content_length_.size();
        const auto [stop, error] = std::from_chars(content_length_.data(), end, length);
        const bool digits_only = all_of_class(content_length_, std::isdigit);
        if (!digits_only) {
            fail(ErrorCode::bad_http_request, "Content-Length must be a number");
            return false;
        }
        if (error != std::errc() || stop != end || length > body_limit()) {
            fail(ErrorCode::payload_too_large, fmt::format("request bodies are limited to {} bytes", body_limit()));
            return false;
        }
        body_left_ = length;
        stage_ = length > 0 ? Stage::body : Stage::done;
    } else {
        stage_ = Stage::done;  // no framing, no body (RFC 9112 6.3): a bodiless POST is an empty one
    }
    continue_wanted_ = expects_continue_ && stage_ != Stage::done;
    return true;
}

RequestReader::Progress RequestReader::read_body(std::string& input) {
    const std::size_t taken = std::min(body_left_, input.size());
    body_.append(input, 0, taken);
    input.erase(0, taken);
    body_left_ -= taken;
    return body_left_ == 0 ? finish() : Progress::need_more;
}

RequestReader::Progress RequestReader::read_chunk_size(std::string& input) {
    const std::size_t line_end = input.find('\n');
    if (std::min(line_end, input.size()) > max_chunk_size_line) {
        return fail(ErrorCode::bad_http_request, "a chunk size line is too long");
    }
    if (line_end == std::string::npos) return Progress::need_more;
    const std::string_view line = without_cr(std::string_view(input).substr(0, line_end));
    const std::string_view size_text = trimmed(line.substr(0, std::min(line.find(';'), line.size())));
    std::size_t size = 0;
    const auto [stop, error] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    const bool hex_only = !size_text.empty() && all_of_class(size_text, std::isxdigit);
    if (!hex_only) return fail(ErrorCode::bad_http_request, "a chunk size must be a hexadecimal number");
    if (error != std::errc() || stop != size_text.data() + size_text.size() || size > body_limit() - body_.size()) {
        return fail(ErrorCode::payload_too_large, fmt::format("request bodies are limited to {} bytes", body_limit()));
    }
    input.erase(0, line_end + 1);
    body_left_ = size;
    stage_ = size == 0 ? Stage::trailers : Stage::chunk_data;
    return Progress::need_more;
}

RequestReader::Progress RequestReader::read_chunk_data(std::string& input) {
    const std::size_t taken = std::min(body_left_, input.size());
    body_.append(input, 0, taken);
    input.erase(0, taken);
    body_left_ -= taken;
    if (body_left_ == 0) stage_ = Stage::chunk_end;
    return Progress::need_more;
}

RequestReader::Progress RequestReader::read_chunk_end(std::string& input) {
    const std::size_t newline = input.rfind("\r\n", 0) == 0 ? 2 : (input.rfind('\n', 0) == 0 ? 1 : 0);
    if (newline == 0) {
        if (input.empty() || input == "\r") return Progress::need_more;
        return fail(ErrorCode::bad_http_request, "a chunk is longer than its size says");
    }
    input.erase(0, newline);
    stage_ = Stage::chunk_size;
    return Progress::need_more;
}

// Trailer fields are read against the header limit and dropped: nothing
// here needs them.
RequestReader::Progress RequestReader::read_trailers(std::string& input) {
    const std::size_t line_end = input.find('\n');
    if (header_bytes_ + std::min(line_end, input.size()) > limits_.max_header_bytes) {
        return fail(ErrorCode::headers_too_large,
                    fmt::format("the request's headers are longer than {} bytes", limits_.max_header_bytes));
    }
    if (line_end == std::string::npos) return Progress::need_more;
    const bool last = without_cr(std::string_view(input).substr(0, line_end)).empty();
    header_bytes_ += line_end + 1;
    input.erase(0, line_end + 1);
    return last ? finish() : Progress::need_more;
}

RequestReader::Progress RequestReader::fail(ErrorCode code, std::string message) {
    stage_ = Stage::failed;
    failure_.code = code;
    failure_.message = std::move(message);
    return Progress::failed;
}

RequestReader::Progress RequestReader::finish() {
    stage_ = Stage::done;
    return Progress::complete;
}

bool RequestReader::take_continue_wanted() {
    const bool wanted = continue_wanted_;
    continue_wanted_ = false;
    return wanted;
}

FramedRequest RequestReader::take() {
    FramedRequest request = std::move(request_);
    request.bytes = std::move(kept_headers_);
    request.bytes += fmt::format("Content-Length: {}\r\n\r\n", body_.size());
    request.bytes += body_;
    *this = RequestReader(limits_);
    return request;
}

}  // namespace server
