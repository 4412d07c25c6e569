// The server's front door. One thread watches every connection with epoll
// and reads requests off them (RequestReader); only whole requests go to a
// pool of worker threads, which answer them. So a slow or idle client
// holds a socket and a small buffer, never a thread: each request must
// arrive whole within a deadline (408 after), an idle keep-alive
// connection is closed after a while, and a response the client does not
// take is dropped after a while too.
//
// cpp-httplib's own server gives each open connection one thread of its
// pool until the client closes it, which let 33 clients sending a byte a
// second, or a few hundred idle keep-alive connections, starve everyone
// else. Its router is kept: the RequestHandler behind the front uses it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "request_reader.h"

namespace server {

struct FrontOptions {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0 picks a free one
    int workers = 32;
    // Connections the kernel queues before they are accepted.
    int listen_backlog = 1024;
    // Open connections; beyond (or past the process's file limit), a new
    // one gets a 503 and is closed.
    std::size_t max_connections = 10'000;
    // Whole requests waiting for a worker; beyond, a 503 at once rather
    // than a growing wait.
    std::size_t max_queued_requests = 1'000;
    RequestLimits limits;
    // From a request's first byte to its last (head and body): 408 after.
    std::chrono::milliseconds request_timeout{5'000};
    // A keep-alive connection between requests (and a new one before its
    // first byte): closed after.
    std::chrono::milliseconds idle_timeout{5'000};
    // For the client to take a response: the connection is closed after.
    std::chrono::milliseconds write_timeout{10'000};
};

// A whole response, and whether the connection closes after it.
struct Reply {
    std::string bytes;
    bool close = false;
};

// The application behind the front.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    // Called on a worker thread, for many requests at once.
    virtual Reply answer(const FramedRequest& request) = 0;
    // The whole response to a request the front refused (unreadable, too
    // large, too slow, or no room in the queue); the connection is closed
    // after it. Called on the front's thread: must be quick.
    virtual std::string refusal(const ReadFailure& failure) = 0;
};

// bind() and serve() from one thread; stop() from any thread, or from a
// signal handler.
class HttpFront {
public:
    HttpFront(FrontOptions options, RequestHandler& handler);
    ~HttpFront();

    // Listens and returns the port. Throws std::runtime_error naming the
    // address and why, e.g. when another server is listening on it (the
    // port is never shared: no SO_REUSEPORT).
    int bind();
    // Serves until stop(); requests being answered then are finished.
    void serve();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace server
