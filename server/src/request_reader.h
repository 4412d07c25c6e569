// Reads one HTTP/1.1 request at a time out of the bytes a connection has
// delivered so far, with limits: the request line, the headers and the body
// (whatever its transfer encoding) are refused as soon as they pass them,
// not after they have arrived. No I/O: the front feeds it what it read.
//
// A whole request comes out normalized for the router behind it: the body
// decoded, and the head rewritten with one Content-Length and without
// Transfer-Encoding or Expect, so that nothing downstream reads a body
// differently from how it was framed here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/api_errors.h"

namespace server {

struct RequestLimits {
    std::size_t max_request_line = 8 * 1024;  // beyond: 414
    std::size_t max_header_bytes = 16 * 1024;  // all header lines (and trailers) together; beyond: 431
    std::size_t max_headers = 100;              // beyond: 431
    std::size_t max_body = 64 * 1024;           // decoded; beyond: 413
    // POST and PUT of /indexes/{uid}/documents: batches of listings (about
    // 30,000 of Mercari's size). Meilisearch takes 100 MB; here a body is
    // held in memory before the key is checked, so less.
    std::size_t max_documents_body = 8 * 1024 * 1024;
};

// A whole request, framed.
struct FramedRequest {
    std::string method;
    std::string target;  // as sent: path and query string
    std::string bytes;   // normalized head, then the body
    bool close = false;  // the client asked to close after the response (or spoke HTTP/1.0)
    bool loopback = false;  // the client is on this host (127.0.0.0/8, ::1)
};

// Why a request was refused before it reached the router.
struct ReadFailure {
    ErrorCode code = ErrorCode::bad_http_request;
    std::string message;
    std::string target;  // when the request line was read
};

// Not thread-safe: one per connection, used by the front's thread.
class RequestReader {
public:
    enum class Progress { need_more, complete, failed };

    explicit RequestReader(RequestLimits limits) : limits_(limits) {}

    // Reads from `input` what belongs to the current request and erases
    // it from the front of `input` (what follows a whole request stays
    // there: a pipelined next one).
    Progress read(std::string& input);

    // After `complete`: the request; the reader starts on the next one.
    FramedRequest take();
    // After `failed`: why. The connection cannot be read any further.
    const ReadFailure& failure() const { return failure_; }

    // Whether any byte of the current request has arrived (an idle
    // keep-alive connection is not in the middle of one).
    bool started() const { return stage_ != Stage::head || started_; }
    // True once per request whose head asked "Expect: 100-continue" and
    // whose body has yet to come: the front answers "100 Continue".
    bool take_continue_wanted();

private:
    enum class Stage { head, body, chunk_size, chunk_data, chunk_end, trailers, done, failed };

    Progress read_head(std::string& input);
    Progress read_body(std::string& input);
    Progress read_chunk_size(std::string& input);
    Progress read_chunk_data(std::string& input);
    Progress read_chunk_end(std::string& input);
    Progress read_trailers(std::string& input);
    std::size_t body_limit() const;
    bool parse_head(std::string_view head);
    bool parse_request_line(std::string_view line);
    bool parse_header(std::string_view line);
    bool apply_framing();
    Progress fail(ErrorCode code, std::string message);
    Progress finish();

    RequestLimits limits_;
    Stage stage_ = Stage::head;
    bool started_ = false;
    FramedRequest request_;
    std::string kept_headers_;  // the head's lines the router sees as sent
    std::size_t header_bytes_ = 0, header_count_ = 0;
    std::string content_length_;      // as sent (every Content-Length header must agree)
    std::string transfer_encoding_;   // every Transfer-Encoding header, comma-joined
    bool expects_continue_ = false;
    bool continue_wanted_ = false;
    std::size_t body_left_ = 0;   // of a Content-Length body, or of the current chunk
    std::string body_;
    ReadFailure failure_;
};

}  // namespace server
