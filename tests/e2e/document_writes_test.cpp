// Writes through the Meilisearch documents API, end to end: the real
// search-server writes feed segments, the real `listing-indexer follow`
// applies them, and both are killed with SIGKILL while writes go on. What
// was acknowledged (202) must be served, exactly once, and its task must say
// so; what the follower refuses must fail its task with the reason.
#include <doctest/doctest.h>

#include <httplib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "e2e_support.h"
#include "test_support.h"

namespace {

constexpr const char* admin_key = "writes-admin-key";
using test_support::eventually;

struct WriteSetup {
    test_support::TempDir dir;
    std::filesystem::path index() const { return dir / "index"; }
    std::filesystem::path feed() const { return dir / "feed"; }

    WriteSetup() {
        e2e::index_feed(test_support::project_data_dir() / "sample_listings.jsonl", index());
        std::filesystem::create_directories(feed());
    }
    std::unique_ptr<test_support::ServerProcess> start_server(std::vector<std::string> extra = {}) const {
        std::vector<std::string> arguments{"--index", index().string(), "--data-dir",
                                           test_support::project_data_dir().string(), "--feed-dir", feed().string(),
                                           "--admin-token", admin_key, "--cache-entries", "0"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        return std::make_unique<test_support::ServerProcess>(arguments);
    }
    std::unique_ptr<test_support::ChildProcess> start_follower(std::vector<std::string> extra = {}) const {
        std::vector<std::string> arguments{test_support::binary("INDEXER_BIN").string(), "follow", "--quiet", "--feed",
                                           feed().string(), "--index", index().string(), "--data-dir",
                                           test_support::project_data_dir().string()};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        return std::make_unique<test_support::ChildProcess>(arguments);
    }
};

httplib::Headers admin_headers() { return {{"Authorization", fmt::format("Bearer {}", admin_key)}}; }

// An answer to a write other than 202, and other than "try again" (503).
struct WriteRefusal {
    int status = 0;
    std::string body;
};

// The uid of the task a 202 answer names, or nullopt when the write was not
// acknowledged: no answer (the server was killed), or 503 (it could not
// read the index just then: a follower catching up commits fast), which a
// client retries. Any other answer goes to `refused`, for the caller to
// report (no doctest assertion here: it may run on another thread).
std::optional<std::uint64_t> try_write(int port, const std::string& body, std::optional<WriteRefusal>& refused) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(5, 0);
    const auto result = client.Post("/indexes/listings/documents", admin_headers(), body, "application/json");
    if (!result || result->status == 503) return std::nullopt;
    if (result->status != 202) {
        refused = WriteRefusal{result->status, result->body};
        return std::nullopt;
    }
    simdjson::dom::parser parser;
    return std::uint64_t(e2e::parse_json(parser, result->body)["taskUid"]);
}

std::optional<std::uint64_t> write_documents(int port, const std::string& body) {
    std::optional<WriteRefusal> refused;
    const auto task = try_write(port, body, refused);
    REQUIRE_MESSAGE(!refused, refused->status << " " << refused->body);
    return task;
}

struct TaskView {
    std::string status;
    std::string body;
};

// A 503 (the index could not be read just then) shows as status "503".
TaskView task_of(int port, std::uint64_t uid) {
    const auto response = e2e::get_with_token(port, fmt::format("/tasks/{}", uid), admin_key);
    if (response.status == 503) return {"503", response.body};
    REQUIRE_MESSAGE(response.status == 200, response.body);
    simdjson::dom::parser parser;
    return {std::string(std::string_view(e2e::parse_json(parser, response.body)["status"])), response.body};
}

std::string listing_json(int n) {
    return fmt::format(R"({{"id":"K{}","title":"kill test lantern {}","price":{}}})", n, n, n + 1);
}

// The title search serves for a listing, or "" when it serves none.
std::string served_title(int port, const std::string& id) {
    const auto response = e2e::get(port, "/indexes/listings/documents/" + id);
    if (response.status != 200) return "";
    simdjson::dom::parser parser;
    return std::string(std::string_view(e2e::parse_json(parser, response.body)["title"]));
}

// A local IPv4 address other than loopback, or "" when the host has none.
std::string non_loopback_address() {
    ifaddrs* addresses = nullptr;
    if (::getifaddrs(&addresses) != 0) return "";
    std::string found;
    for (const ifaddrs* at = addresses; at && found.empty(); at = at->ifa_next) {
        if (!at->ifa_addr || at->ifa_addr->sa_family != AF_INET) continue;
        char text[INET_ADDRSTRLEN] = {};
        const auto* address = reinterpret_cast<const sockaddr_in*>(at->ifa_addr);
        ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
        if (std::string_view(text).rfind("127.", 0) != 0) found = text;
    }
    ::freeifaddrs(addresses);
    return found;
}

}  // namespace

TEST_CASE("acknowledged writes survive kill -9 of the server and of the follower, each listing served once") {
    WriteSetup setup;
    auto server = setup.start_server();
    auto follower = setup.start_follower();
    std::atomic<int> port{server->port()};  // 0 while the server is down
    std::mutex acknowledged_mutex;
    std::map<int, std::uint64_t> acknowledged;  // listing number -> its task
    constexpr int writes = 120;

    // One client writes on, retrying a write that got no answer (it may or
    // may not have been written: an upsert again is harmless).
    std::optional<WriteRefusal> refused;  // the writer's until it is done
    std::atomic<bool> writer_done{false};
    std::thread writer([&] {
        for (int n = 0; n < writes && !refused;) {
            const int current = port.load();
            const auto task = current ? try_write(current, "[" + listing_json(n) + "]", refused) : std::nullopt;
            if (!task) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            std::lock_guard lock(acknowledged_mutex);
            acknowledged[n++] = *task;
        }
        writer_done = true;
    });
    // A kill after every 8 to 15 acknowledged writes, of the server or the
    // follower at random, while the writes go on.
    std::mt19937 random(20261201);
    int server_kills = 0, follower_kills = 0;
    const auto written = [&] {
        std::lock_guard lock(acknowledged_mutex);
        return static_cast<int>(acknowledged.size());
    };
    for (int next_kill = 8; next_kill < writes; next_kill += 8 + static_cast<int>(random() % 8)) {
        while (written() < next_kill && !writer_done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (random() % 2 == 0) {
            port = 0;
            server->send_signal(SIGKILL);
            server.reset();
            server = setup.start_server();
            port = server->port();
            ++server_kills;
        } else {
            follower->kill_hard();
            follower = setup.start_follower();
            ++follower_kills;
        }
    }
    writer.join();
    REQUIRE_MESSAGE(!refused, "a write was answered " << refused->status << ": " << refused->body);
    MESSAGE(server_kills << " server kills, " << follower_kills << " follower kills during " << writes << " writes");
    CHECK(server_kills >= 2);
    CHECK(follower_kills >= 2);

    for (const auto& [n, uid] : acknowledged) {
        const std::string id = fmt::format("K{}", n);
        CHECK_MESSAGE(eventually([&] { return served_title(port, id) == fmt::format("kill test lantern {}", n); },
                                 std::chrono::seconds(20)),
                      id << " was acknowledged and is not served");
        // A task written before a server restart waits for the snapshots (up
        // to 2 s): that run's server knew whether it only added listings.
        CHECK_MESSAGE(eventually([&] { return task_of(port, uid).status == "succeeded"; }, std::chrono::seconds(20)),
                      "task " << uid << " of " << id);
    }
    follower->send_signal(SIGTERM);
    follower->wait();
    Xapian::Database database(analyzers::serving_stub_path(setup.index()).string());
    for (int n = 0; n < writes; ++n) {
        CHECK_MESSAGE(database.get_termfreq(analyzers::id_term(fmt::format("K{}", n))) == 1, "K" << n);
    }
    CHECK(database.get_doccount() == 3000 + writes);
}

TEST_CASE("a task is processing while the follower has applied part of it, then succeeded") {
    WriteSetup setup;
    auto server = setup.start_server();
    std::string batch = "[";
    for (int n = 0; n < 3000; ++n) {
        if (n > 0) batch += ",";
        batch += listing_json(n);
    }
    const auto uid = write_documents(server->port(), batch + "]");
    REQUIRE(uid);
    CHECK(task_of(server->port(), *uid).status == "enqueued");  // no follower yet
    // A commit every 100 lines; the follower runs in slices of 5 ms and is
    // stopped while the task is read, so its commits cannot overtake the
    // server's reads (Xapian keeps one old revision) and its progress is
    // seen step by step.
    auto follower = setup.start_follower({"--commit-every", "100", "--group-commit-ms", "0"});
    std::vector<std::string> seen;
    REQUIRE(eventually([&] {
        follower->send_signal(SIGCONT);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        follower->send_signal(SIGSTOP);
        const auto task = task_of(server->port(), *uid);
        if (seen.empty() || seen.back() != task.status) seen.push_back(task.status);
        if (task.status == "processing") {
            CHECK(task.body.find(R"("startedAt":null)") == std::string::npos);
            CHECK(task.body.find(R"("finishedAt":null)") != std::string::npos);
            CHECK(task.body.find(R"("indexedDocuments":null)") != std::string::npos);
        }
        return task.status == "succeeded";
    }, std::chrono::seconds(60)));
    follower->send_signal(SIGCONT);
    CHECK(fmt::format("{}", fmt::join(seen, " ")) == "enqueued processing succeeded");
}

TEST_CASE("a segment line the follower refuses fails its task with the dead-letter reason; the rest is served") {
    WriteSetup setup;
    auto server = setup.start_server();
    auto follower = setup.start_follower();
    // Another producer's segment (the server's own writes are checked before
    // they are written): one good listing, one without a price.
    test_support::write_file(setup.feed() / "segment-000007.jsonl",
                             listing_json(1) + "\n" + R"({"id":"K2","title":"no price lantern"})" + "\n");
    REQUIRE(eventually([&] { return task_of(server->port(), 7).status == "failed"; }, std::chrono::seconds(20)));
    const auto task = task_of(server->port(), 7);
    CHECK(task.body.find(R"("indexedDocuments":1)") != std::string::npos);
    CHECK(task.body.find("Document 1 of the batch was refused by the indexer: missing required field 'price'") !=
          std::string::npos);
    CHECK(served_title(server->port(), "K1") == "kill test lantern 1");
    // The next write is task 8, and a later success says nothing of task 7.
    const auto next = write_documents(server->port(), "[" + listing_json(3) + "]");
    REQUIRE(next == 8u);
    REQUIRE(eventually([&] { return task_of(server->port(), 8).status == "succeeded"; }, std::chrono::seconds(20)));
    CHECK(task_of(server->port(), 7).status == "failed");
}

// Regression: once every listing was deleted, the task said succeeded while
// an empty query still counted 3,000 listings (the snapshots, rebuilt in the
// background, still had them), and that answer stayed in the result cache
// until the next commit.
TEST_CASE("once a delete's task has succeeded, no answer counts the deleted listings") {
    WriteSetup setup;
    auto server = setup.start_server({"--cache-entries", "4096"});
    auto follower = setup.start_follower();
    const auto count = [&](const std::string& body) {
        const auto response = e2e::post(server->port(), "/indexes/listings/search", body);
        REQUIRE(response.status == 200);
        simdjson::dom::parser parser;
        return std::uint64_t(e2e::parse_json(parser, response.body)["estimatedTotalHits"]);
    };
    const auto all = count(R"({"q":""})");  // sold listings hidden
    REQUIRE(all > 2000);
    const auto nike = count(R"({"q":"","filter":"brand = Nike"})");
    REQUIRE(nike > 0);
    httplib::Client client("127.0.0.1", server->port());
    const auto deleted = client.Post("/indexes/listings/documents/delete", admin_headers(),
                                     R"({"filter":"brand = Nike"})", "application/json");
    REQUIRE(deleted);
    REQUIRE(deleted->status == 202);
    simdjson::dom::parser parser;
    const std::uint64_t uid = e2e::parse_json(parser, deleted->body)["taskUid"];
    REQUIRE(eventually([&] { return task_of(server->port(), uid).status == "succeeded"; }, std::chrono::seconds(20)));
    CHECK(count(R"({"q":""})") == all - nike);
    CHECK(count(R"({"q":"","filter":"brand = Nike"})") == 0);
    CHECK(count(R"({"q":"","facets":["brand"]})") == all - nike);
}

TEST_CASE("a brand whose filter key cannot be indexed fails the write at once, as the indexer would refuse it") {
    WriteSetup setup;
    auto server = setup.start_server();
    const std::string brand(300, 'b');
    const auto uid = write_documents(server->port(),
                                     fmt::format(R"([{{"id":"B1","title":"lamp","price":3,"brand":"{}"}}])", brand));
    REQUIRE(uid);
    const auto task = task_of(server->port(), *uid);
    CHECK(task.status == "failed");
    CHECK(task.body.find("over the limit of 238") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(setup.feed() / fmt::format("segment-{:06}.jsonl", *uid)));
}

TEST_CASE("without a search key, Meilisearch reads are open to loopback clients only; /health to all") {
    const std::string address = non_loopback_address();
    if (address.empty()) {
        MESSAGE("skipped: this host has no IPv4 address but loopback");
        return;
    }
    test_support::ServerProcess server({"--index", e2e::sample_index().string(), "--data-dir",
                                        test_support::project_data_dir().string(), "--host", "0.0.0.0"});
    const auto search = [&](const std::string& host) {
        httplib::Client client(host, server.port());
        client.set_read_timeout(10, 0);
        return client.Post("/indexes/listings/search", R"({"q":"nike"})", "application/json");
    };
    const auto remote = search(address);
    REQUIRE(remote);
    CHECK(remote->status == 403);
    CHECK(remote->body.find(R"("code":"invalid_api_key")") != std::string::npos);
    CHECK(remote->body.find("only clients on its own host") != std::string::npos);
    httplib::Client remote_client(address, server.port());
    const auto documents = remote_client.Get("/indexes/listings/documents?limit=1");
    REQUIRE(documents);
    CHECK(documents->status == 403);
    const auto health = remote_client.Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
    const auto local = search("127.0.0.1");
    REQUIRE(local);
    CHECK(local->status == 200);
}
