#include "http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace server {
namespace {

using Clock = std::chrono::steady_clock;

// How often deadlines are checked: a timeout fires up to this much late.
constexpr auto sweep_interval = std::chrono::milliseconds(100);
// After a refusal, what the client still sends is read and dropped for up
// to this long before closing: closing with unread input would reset the
// connection, and the client might never see the refusal.
constexpr auto linger_time = std::chrono::seconds(2);
// Input buffered for a connection whose request is being answered (a
// pipelined next request); more stays in the kernel until then.
constexpr std::size_t max_pending_input = 64 * 1024;
constexpr std::size_t read_chunk_bytes = 16 * 1024;
// File descriptors kept for everything but connections: index shards
// (every searcher opens its own), snapshot builds, the reindex job.
constexpr rlim_t descriptors_kept = 1024;

[[noreturn]] void fail_to_listen(const std::string& host, int port, const std::string& why) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", host, port, why));
}

// SO_REUSEADDR lets a restarted server bind while its old connections sit
// in TIME_WAIT; unlike SO_REUSEPORT (which cpp-httplib sets), it never lets
// a second server share the port with a running one.
int listen_socket(const std::string& host, int port, int backlog) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); error != 0) {
        fail_to_listen(host, port, ::gai_strerror(error));
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
    const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, found->ai_protocol);
    if (fd < 0) fail_to_listen(host, port, std::strerror(errno));
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
        const int error = errno;
        ::close(fd);
        fail_to_listen(host, port,
                       error == EADDRINUSE ? "the address is in use (is another search-server running on it?)"
                                           : std::strerror(error));
    }
    return fd;
}

int bound_port(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
}

// Raises the soft limit on open files to the hard one; how many
// connections fit under it.
std::size_t connection_capacity(std::size_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY) return wanted;
    const rlim_t available = limit.rlim_cur > 2 * descriptors_kept ? limit.rlim_cur - descriptors_kept : limit.rlim_cur / 2;
    return std::min<std::size_t>(wanted, available);
}

// Sends what it can without blocking; false if the connection is broken.
bool send_some(int fd, const std::string& bytes, std::size_t& sent) {
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
    }
    return true;
}

void wake(int event_fd) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(event_fd, &one, sizeof one);
}

void drain(int event_fd) {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(event_fd, &count, sizeof count);
}

// Whether the peer of `fd` is on this host: 127.0.0.0/8, ::1, or an
// IPv4-mapped 127.x address.
bool peer_is_loopback(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
    if (address.ss_family == AF_INET) {
        const auto& ipv4 = reinterpret_cast<const sockaddr_in&>(address);
        return (ntohl(ipv4.sin_addr.s_addr) >> 24) == 127;
    }
    if (address.ss_family == AF_INET6) {
        const auto& ipv6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&ipv6)) return true;
        return IN6_IS_ADDR_V4MAPPED(&ipv6) && ipv6.s6_addr[12] == 127;
    }
    return address.ss_family == AF_UNIX;
}

}  // namespace

struct HttpFront::Impl {
    struct Connection {
        enum class State { reading, answering, writing, lingering };

        Connection(int socket, const RequestLimits& limits) : fd(socket), reader(limits) {}
        ~Connection() { ::close(fd); }

        const int fd;
        State state = State::reading;
        RequestReader reader;
        std::string input;
        bool more_input = false;   // stopped reading with input left in the kernel
        bool peer_closed = false;  // the client will send no more
        std::string output;
        std::size_t output_sent = 0;
        bool close_after_output = false;
        bool linger_after_output = false;
        bool loopback = false;  // the peer is on this host
        Clock::time_point deadline;
    };

    // A whole request for a worker.
    struct Job {
        Connection* connection;
        FramedRequest request;
    };

    // A worker's answer, back to the front's thread.
    struct Answered {
        Connection* connection;
        Reply reply;
        std::size_t sent = 0;
        bool broken = false;
    };

    Impl(FrontOptions front_options, RequestHandler& request_handler)
        : options(std::move(front_options)), handler(request_handler) {}

    ~Impl() {
        for (const int fd : {listen_fd, epoll_fd, wake_fd, spare_fd}) {
            if (fd >= 0) ::close(fd);
        }
    }

    // ---- the front's thread ----

    void run() {
        start_workers();
        std::array<epoll_event, 256> events{};
        auto next_sweep = Clock::now() + sweep_interval;
        while (!stopping) {
            const int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                           static_cast<int>(sweep_interval.count()));
            for (int i = 0; i < ready; ++i) on_event(events[static_cast<std::size_t>(i)]);
            if (Clock::now() >= next_sweep) {
                sweep(Clock::now());
                next_sweep = Clock::now() + sweep_interval;
            }
        }
        stop_workers();
        connections.clear();
    }

    void on_event(const epoll_event& event) {
        const int fd = event.data.fd;
        if (fd == listen_fd) return accept_all();
        if (fd == wake_fd) {
            drain(wake_fd);
            return take_answers();
        }
        const auto found = connections.find(fd);
        if (found == connections.end()) return;
        Connection& connection = *found->second;
        if (event.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_input(connection);
        if (connections.count(fd) != 0 && (event.events & EPOLLOUT) && connection.state == Connection::State::writing) {
            write_output(connection);
        }
    }

    void accept_all() {
        for (;;) {
            const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                admit(fd);
            } else if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            } else if ((errno == EMFILE || errno == ENFILE) && refuse_with_spare_descriptor()) {
                continue;
            } else {
                return;  // EAGAIN: every waiting connection is taken
            }
        }
    }

    void admit(int fd) {
        if (connections.size() >= max_connections) return refuse_at_once(fd);
        const int yes = 1;
        // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to a
        // response written in more than one piece.
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        auto connection = std::make_unique<Connection>(fd, options.limits);
        connection->loopback = peer_is_loopback(fd);
        connection->deadline = Clock::now() + options.idle_timeout;
        // Edge-triggered: registered once and never changed; each event is
        // read or written until the kernel says it would block.
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        event.data.fd = fd;
        if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) return;  // closed by ~Connection
        connections.emplace(fd, std::move(connection));
    }

    // Out of file descriptors, a waiting connection would stay in the
    // backlog unanswered: the spare descriptor makes room to take it and
    // refuse it.
    bool refuse_with_spare_descriptor() {
        if (spare_fd < 0) return false;
        ::close(spare_fd);
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        refuse_at_once(fd);
        return true;
    }

    // A connection past the limits gets a 503 and is closed, unread.
    void refuse_at_once(int fd) {
        const std::string refusal = handler.refusal(
            {.code = ErrorCode::server_busy,
             .message = fmt::format("the server has {} connections open, its limit: try again shortly", max_connections)});
        std::size_t sent = 0;
        send_some(fd, refusal, sent);
        ::close(fd);
    }

    void read_input(Connection& connection) {
        if (connection.state == Connection::State::lingering) return discard_input(connection);
        connection.more_input = false;
        std::array<char, read_chunk_bytes> chunk;
        for (;;) {
            if (connection.state != Connection::State::reading && connection.input.size() >= max_pending_input) {
                connection.more_input = true;  // read on when the answer is out
                return;
            }
            const ssize_t n = ::recv(connection.fd, chunk.data(), chunk.size(), 0);
            if (n > 0) {
                connection.input.append(chunk.data(), static_cast<std::size_t>(n));
                if (connection.state == Connection::State::reading && !read_requests(connection)) return;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            return on_peer_closed(connection);  // end of input, or an error
        }
    }

    // Runs the reader over the buffered input: a whole request goes to the
    // workers, a refused one gets its refusal. False when the connection
    // has been closed.
    bool read_requests(Connection& connection) {
        const bool was_started = connection.reader.started();
        const auto progress = connection.reader.read(connection.input);
        if (!was_started && connection.reader.started()) connection.deadline = Clock::now() + options.request_timeout;
        switch (progress) {
            case RequestReader::Progress::complete: return dispatch(connection, connection.reader.take());
            case RequestReader::Progress::failed: return refuse(connection, connection.reader.failure());
            case RequestReader::Progress::need_more:
                if (connection.reader.take_continue_wanted()) return send_continue(connection);
                return true;
        }
        return true;
    }

    // "Expect: 100-continue": the client waits for this before its body.
    bool send_continue(Connection& connection) {
        const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
        std::size_t sent = 0;
        if (!send_some(connection.fd, interim, sent) || sent < interim.size()) return close(connection);
        return true;
    }

    bool dispatch(Connection& connection, FramedRequest request) {
        request.loopback = connection.loopback;
        if (queue_job(connection, request)) {
            // Signalled after the lock is let go: a worker woken while it
            // is held wakes only to wait for the lock, and letting it go
            // wakes it again (two futex wakes and two switches per request
            // where one does; a fifth of the front's time on a VM).
            jobs_ready.notify_one();
            return true;
        }
        return refuse(connection, {.code = ErrorCode::server_busy,
                                   .message = fmt::format("{} requests are waiting already: try again shortly",
                                                          options.max_queued_requests),
                                   .target = request.target});
    }

    // Queues the request for a worker unless too many wait; whether queued.
    bool queue_job(Connection& connection, FramedRequest& request) {
        std::lock_guard lock(jobs_mutex);
        if (jobs.size() >= options.max_queued_requests) return false;
        connection.state = Connection::State::answering;
        jobs.push_back({&connection, std::move(request)});
        return true;
    }

    bool refuse(Connection& connection, const ReadFailure& failure) {
        connection.output = handler.refusal(failure);
        connection.output_sent = 0;
        connection.close_after_output = true;
        connection.linger_after_output = true;
        return start_writing(connection);
    }

    void on_peer_closed(Connection& connection) {
        connection.peer_closed = true;
        // A request being answered is still answered (the client may have
        // only shut down its sending side); otherwise nothing more can come.
        if (connection.state == Connection::State::reading || connection.state == Connection::State::lingering) {
            close(connection);
        }
    }

    void take_answers() {
        std::vector<Answered> taken;
        {
            std::lock_guard lock(answered_mutex);
            taken.swap(answered);
        }
        for (Answered& each : taken) {
            Connection& connection = *each.connection;
            if (each.broken) {
                close(connection);
                continue;
            }
            connection.output = std::move(each.reply.bytes);
            connection.output_sent = each.sent;
            connection.close_after_output = each.reply.close || connection.peer_closed;
            start_writing(connection);
        }
    }

    bool start_writing(Connection& connection) {
        connection.state = Connection::State::writing;
        connection.deadline = Clock::now() + options.write_timeout;
        return write_output(connection);
    }

    // False when the connection has been closed.
    bool write_output(Connection& connection) {
        if (!send_some(connection.fd, connection.output, connection.output_sent)) return close(connection);
        if (connection.output_sent < connection.output.size()) return true;  // on the next EPOLLOUT
        connection.output.clear();
        connection.output_sent = 0;
        if (connection.linger_after_output) return start_lingering(connection);
        if (connection.close_after_output) return close(connection);
        connection.state = Connection::State::reading;
        connection.deadline = Clock::now() + options.idle_timeout;
        // A pipelined request may be waiting, in the buffer or the kernel.
        const int fd = connection.fd;
        if (!read_requests(connection)) return false;
        if (connection.state != Connection::State::reading) return true;
        if (connection.peer_closed) return close(connection);  // and no whole request is left
        if (connection.more_input) read_input(connection);
        return connections.count(fd) != 0;
    }

    bool start_lingering(Connection& connection) {
        ::shutdown(connection.fd, SHUT_WR);
        connection.state = Connection::State::lingering;
        connection.deadline = Clock::now() + linger_time;
        connection.input.clear();
        const int fd = connection.fd;
        discard_input(connection);
        return connections.count(fd) != 0;
    }

    void discard_input(Connection& connection) {
        std::array<char, read_chunk_bytes> chunk;
        for (;;) {
            const ssize_t n = ::recv(connection.fd, chunk.data(), chunk.size(), 0);
            if (n > 0 || (n < 0 && errno == EINTR)) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            close(connection);
            return;
        }
    }

    void sweep(Clock::time_point now) {
        std::vector<Connection*> expired;
        for (const auto& [fd, connection] : connections) {
            if (connection->state != Connection::State::answering && now >= connection->deadline) {
                expired.push_back(connection.get());
            }
        }
        for (Connection* connection : expired) {
            if (connection->state == Connection::State::reading && connection->reader.started()) {
                refuse(*connection, {.code = ErrorCode::request_timeout,
                                     .message = fmt::format("the request did not arrive whole within {} ms",
                                                            options.request_timeout.count())});
            } else {
                close(*connection);  // idle, or not taking its response
            }
        }
    }

    bool close(Connection& connection) {
        connections.erase(connection.fd);
        return false;
    }

    // ---- the workers ----

    void start_workers() {
        for (int i = 0; i < options.workers; ++i) workers.emplace_back([this] { work(); });
    }

    void stop_workers() {
        {
            std::lock_guard lock(jobs_mutex);
            workers_stopping = true;
        }
        jobs_ready.notify_all();
        for (auto& worker : workers) worker.join();
        workers.clear();
    }

    void work() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(jobs_mutex);
                jobs_ready.wait(lock, [this] { return workers_stopping || !jobs.empty(); });
                if (workers_stopping) return;
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            Answered answer{.connection = job.connection, .reply = answer_safely(job.request)};
            // Most answers fit the socket's buffer: sent from here, the
            // front's thread only learns the connection is free again.
            answer.broken = !send_some(job.connection->fd, answer.reply.bytes, answer.sent);
            {
                std::lock_guard lock(answered_mutex);
                answered.push_back(std::move(answer));
            }
            wake(wake_fd);
        }
    }

    // The handler answers every request, errors included; this is for a
    // handler that breaks that promise.
    Reply answer_safely(const FramedRequest& request) {
        try {
            return handler.answer(request);
        } catch (const std::exception& error) {
            std::cerr << fmt::format("{} {} -> 500: the handler failed: {}\n", request.method, request.target, error.what());
        } catch (...) {
            std::cerr << fmt::format("{} {} -> 500: the handler failed\n", request.method, request.target);
        }
        return {.bytes = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                .close = true};
    }

    const FrontOptions options;
    RequestHandler& handler;
    std::size_t max_connections = 0;
    int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
    int spare_fd = -1;  // see refuse_with_spare_descriptor()
    std::atomic<bool> stopping{false};
    std::unordered_map<int, std::unique_ptr<Connection>> connections;  // the front's thread only

    std::mutex jobs_mutex;
    std::condition_variable jobs_ready;
    std::deque<Job> jobs;
    bool workers_stopping = false;
    std::vector<std::thread> workers;

    std::mutex answered_mutex;
    std::vector<Answered> answered;
};

HttpFront::HttpFront(FrontOptions options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpFront::~HttpFront() = default;

int HttpFront::bind() {
    Impl& front = *impl_;
    front.max_connections = connection_capacity(front.options.max_connections);
    front.listen_fd = listen_socket(front.options.host, front.options.port, front.options.listen_backlog);
    front.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    front.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    front.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (front.epoll_fd < 0 || front.wake_fd < 0) throw std::runtime_error("cannot set up epoll");
    for (const int fd : {front.listen_fd, front.wake_fd}) {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLET;
        event.data.fd = fd;
        ::epoll_ctl(front.epoll_fd, EPOLL_CTL_ADD, fd, &event);
    }
    return bound_port(front.listen_fd);
}

void HttpFront::serve() { impl_->run(); }

void HttpFront::stop() {
    impl_->stopping = true;
    wake(impl_->wake_fd);
}

}  // namespace server
