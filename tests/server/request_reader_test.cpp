#include <doctest/doctest.h>

#include "request_reader.h"

using namespace server;

namespace {

struct ReadResult {
    RequestReader::Progress progress;
    FramedRequest request;
    ReadFailure failure;
    std::string left;  // input not taken
};

// Feeds `input` in pieces of `piece` bytes, as a slow client would send it.
ReadResult read_all(const std::string& input, std::size_t piece = 1 << 20, RequestLimits limits = {}) {
    RequestReader reader(limits);
    std::string buffer;
    auto progress = RequestReader::Progress::need_more;
    for (std::size_t at = 0; at < input.size() && progress == RequestReader::Progress::need_more; at += piece) {
        buffer += input.substr(at, piece);
        progress = reader.read(buffer);
    }
    ReadResult result{.progress = progress, .left = buffer};
    if (progress == RequestReader::Progress::complete) result.request = reader.take();
    if (progress == RequestReader::Progress::failed) result.failure = reader.failure();
    return result;
}

ErrorCode failure_of(const std::string& input, RequestLimits limits = {}) {
    const ReadResult result = read_all(input, 1 << 20, limits);
    REQUIRE(result.progress == RequestReader::Progress::failed);
    return result.failure.code;
}

}  // namespace

TEST_CASE("a GET is framed whole, with an empty body, whether it arrives at once or byte by byte") {
    const std::string request = "GET /v1/search?q=nike HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, request.size()}) {
        const ReadResult result = read_all(request, piece);
        REQUIRE(result.progress == RequestReader::Progress::complete);
        CHECK(result.request.method == "GET");
        CHECK(result.request.target == "/v1/search?q=nike");
        CHECK(result.request.bytes == "GET /v1/search?q=nike HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        CHECK_FALSE(result.request.close);
    }
}

TEST_CASE("a body with a Content-Length is read, and a pipelined request after it is left for next time") {
    const ReadResult result =
        read_all("POST /v1/search HTTP/1.1\r\ncontent-length: 4\r\n\r\n{}  GET / HTTP/1.1\r\n\r\n", 3);
    REQUIRE(result.progress == RequestReader::Progress::complete);
    CHECK(result.request.bytes == "POST /v1/search HTTP/1.1\r\nContent-Length: 4\r\n\r\n{}  ");
}

TEST_CASE("a POST without a body is an empty one, not a wait for the connection to close") {
    const ReadResult result = read_all("POST /v1/search HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(result.progress == RequestReader::Progress::complete);
    CHECK(result.request.bytes == "POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("a chunked body is decoded and handed on with a Content-Length") {
    const std::string request =
        "POST /v1/search HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4;name=value\r\n{\"q\"\r\nA\r\n: \"nike\"} \r\n0\r\nTrailer: dropped\r\n\r\n";
    for (const std::size_t piece : {std::size_t{1}, request.size()}) {
        const ReadResult result = read_all(request, piece);
        REQUIRE(result.progress == RequestReader::Progress::complete);
        CHECK(result.request.bytes == "POST /v1/search HTTP/1.1\r\nContent-Length: 14\r\n\r\n{\"q\": \"nike\"} ");
        CHECK(result.left.empty());
    }
}

TEST_CASE("the body limit holds for chunked bodies as for a Content-Length: 413 once it is passed") {
    const RequestLimits limits{.max_body = 10};
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits) == ErrorCode::payload_too_large);
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", limits) ==
          ErrorCode::payload_too_large);
    // Refused at the chunk that passes the limit, not at the end of the body.
    const ReadResult chunked = read_all("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nab",
                                        1 << 20, limits);
    REQUIRE(chunked.progress == RequestReader::Progress::failed);
    CHECK(chunked.failure.code == ErrorCode::payload_too_large);
    CHECK(failure_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", limits) ==
          ErrorCode::payload_too_large);
}

TEST_CASE("batches of documents may be larger than any other body, on their route only") {
    const RequestLimits limits{.max_body = 10, .max_documents_body = 20};
    const std::string fifteen = "Content-Length: 15\r\n\r\n";
    CHECK(read_all("POST /indexes/listings/documents HTTP/1.1\r\n" + fifteen + std::string(15, 'x'), 1 << 20, limits)
              .progress == RequestReader::Progress::complete);
    CHECK(read_all("PUT /indexes/listings/documents?primaryKey=id HTTP/1.1\r\n" + fifteen + std::string(15, 'x'),
                   1 << 20, limits)
              .progress == RequestReader::Progress::complete);
    CHECK(failure_of("POST /indexes/listings/documents HTTP/1.1\r\nContent-Length: 21\r\n\r\n", limits) ==
          ErrorCode::payload_too_large);
    CHECK(failure_of("POST /indexes/listings/search HTTP/1.1\r\n" + fifteen, limits) == ErrorCode::payload_too_large);
    CHECK(failure_of("POST /indexes/listings/documents/delete-batch HTTP/1.1\r\n" + fifteen, limits) ==
          ErrorCode::payload_too_large);
    CHECK(failure_of("POST /indexes/a/b/documents HTTP/1.1\r\n" + fifteen, limits) == ErrorCode::payload_too_large);
}

TEST_CASE("an oversized request line is a 414 and oversized headers a 431, before the rest arrives") {
    const RequestLimits limits{.max_request_line = 100, .max_header_bytes = 200, .max_headers = 5};
    CHECK(failure_of("GET /" + std::string(200, 'a'), limits) == ErrorCode::uri_too_long);
    CHECK(failure_of("GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), limits) == ErrorCode::headers_too_large);
    std::string many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 6; ++i) many += "X: 1\r\n";
    CHECK(failure_of(many + "\r\n", limits) == ErrorCode::headers_too_large);
    const ReadResult refused = read_all("GET /search HTTP/1.1\r\nX: " + std::string(300, 'a'), 1 << 20, limits);
    CHECK(refused.failure.target == "/search");
}

TEST_CASE("framing that proxies could read differently is refused") {
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") ==
          ErrorCode::bad_http_request);
    CHECK(failure_of("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == ErrorCode::unsupported_transfer_encoding);
    CHECK(failure_of("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("GET / HTTP/1.1\r\nX : a\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("GET / HTTP/2.0\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("GET nowhere HTTP/1.1\r\n\r\n") == ErrorCode::bad_http_request);
    CHECK(failure_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n") == ErrorCode::bad_http_request);
    // Repeated Content-Length headers that agree are allowed (RFC 9110 8.6).
    CHECK(read_all("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}").progress ==
          RequestReader::Progress::complete);
}

TEST_CASE("Connection: close and HTTP/1.0 close after the response; Expect: 100-continue is answered once") {
    CHECK(read_all("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").request.close);
    CHECK(read_all("GET / HTTP/1.0\r\n\r\n").request.close);
    CHECK_FALSE(read_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request.close);

    RequestReader reader({});
    std::string input = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    CHECK(reader.read(input) == RequestReader::Progress::need_more);
    CHECK(reader.take_continue_wanted());
    CHECK_FALSE(reader.take_continue_wanted());
    input = "{}";
    REQUIRE(reader.read(input) == RequestReader::Progress::complete);
    CHECK(reader.take().bytes == "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
}

TEST_CASE("an idle connection has not started a request; empty lines before one are skipped") {
    RequestReader reader({});
    std::string input;
    CHECK(reader.read(input) == RequestReader::Progress::need_more);
    CHECK_FALSE(reader.started());
    input = "\r\n";
    CHECK(reader.read(input) == RequestReader::Progress::need_more);
    CHECK_FALSE(reader.started());
    input = "GE";
    CHECK(reader.read(input) == RequestReader::Progress::need_more);
    CHECK(reader.started());
}
