// Scale-out with Xapian's own pieces, several processes on loopback:
// shards served by xapian-tcpsrv and searched through the remote backend,
// and replicas kept current by xapian-replicate-server/xapian-replicate.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "analyzers/index_layout.h"
#include "test_support.h"

using test_support::binary;
using test_support::run_command;

namespace {

// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

void wait_for_port(int port) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
        ::close(fd);
        if (up) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("nothing listens on port " << port);
}

std::string data_dir() { return test_support::project_data_dir().string(); }

void run_indexer(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), binary("INDEXER_BIN").string());
    arguments.insert(arguments.end(), {"--quiet", "--data-dir", data_dir()});
    const auto result = run_command(arguments);
    REQUIRE_MESSAGE(result.exit_code == 0, result.output);
}

struct Summary {
    std::int64_t total = -1;
    std::string first_ids, brands, price_average;

    bool operator==(const Summary&) const = default;
};

// Asks `holds()` every 100 ms for up to 5 s, until it holds.
template <typename Condition>
bool within_seconds(Condition holds) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (holds()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// What a search answers, reduced to what both ways of serving must agree on.
Summary summary(int port, const std::string& query) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    auto response = client.Get(("/v1/search?limit=5&facets=brand,category,price&" + query).c_str());
    REQUIRE(response);
    REQUIRE_MESSAGE(response->status == 200, response->body);
    simdjson::dom::parser parser;
    auto body = parser.parse(response->body);
    Summary result;
    result.total = int64_t(body["total"]);
    for (auto hit : body["hits"].get_array()) result.first_ids += std::string(std::string_view(hit["listing"]["id"])) + " ";
    for (auto brand : body["facets"]["brand"].get_array()) {
        result.brands += std::string(std::string_view(brand["value"])) + "=" + std::to_string(int64_t(brand["count"])) + " ";
    }
    result.price_average = std::to_string(double(body["facets"]["price"]["average"]));
    return result;
}

// Each query answered alike by both, within a few seconds: a replaced
// listing leaves the facets once each server's snapshots are rebuilt (in
// the background, at most every 2 s), and the two rebuild at their own
// times.
void check_same_answers(int local_port, int other_port) {
    for (const std::string query : {"q=nike", "q=nike+hoodie", "q=", "q=lego&sort=price_asc", "q=sneakers&brand=Nike&price_max=60"}) {
        INFO(query);
        Summary local, other;
        within_seconds([&] {
            local = summary(local_port, query);
            other = summary(other_port, query);
            return local == other;
        });
        CHECK(other.total == local.total);
        CHECK(other.first_ids == local.first_ids);
        CHECK(other.brands == local.brands);
        CHECK(other.price_average == local.price_average);
    }
}

// Waits up to a few seconds for `query` to find `id` on the server at `port`.
bool finds(int port, const std::string& query, const std::string& id) {
    return within_seconds([&] { return summary(port, query).first_ids.find(id) != std::string::npos; });
}

}  // namespace

TEST_CASE("shards served by xapian-tcpsrv answer as the local shards do, new listings included") {
    test_support::TempDir dir;
    const std::string index = (dir / "index").string();
    run_indexer({"build", "--feed", data_dir() + "/sample_listings.jsonl", "--index", index, "--shards", "2"});
    // Freshness off on both sides: the stock xapian-tcpsrv cannot run that signal.
    test_support::write_file(dir / "ranking.conf", "freshness.weight = 0\n");
    const std::string ranking = (dir / "ranking.conf").string();

    std::vector<std::unique_ptr<test_support::ChildProcess>> shard_servers;
    std::string stub;
    for (int shard = 0; shard < 2; ++shard) {
        const int port = free_port();
        shard_servers.push_back(std::make_unique<test_support::ChildProcess>(std::vector<std::string>{
            "/usr/bin/xapian-tcpsrv", "--port", std::to_string(port), "--interface", "127.0.0.1", "--quiet",
            index + "/gen-000001/shard-0" + std::to_string(shard)}));
        wait_for_port(port);
        stub += "remote 127.0.0.1:" + std::to_string(port) + "\n";
    }
    test_support::write_file(dir / "remote.stub", stub);
    test_support::ServerProcess local({"--index", index, "--data-dir", data_dir(), "--ranking", ranking});
    test_support::ServerProcess remote({"--remote-stub", (dir / "remote.stub").string(), "--data-dir", data_dir(),
                                        "--ranking", ranking});
    check_same_answers(local.port(), remote.port());

    // A listing followed into the shards is found through the shard servers.
    test_support::write_file(dir / "more.jsonl", R"({"id":"zz-new","title":"Zeppelin lunchbox","price":12})" "\n");
    run_indexer({"follow", "--once", "--feed", (dir / "more.jsonl").string(), "--index", index});
    CHECK(finds(remote.port(), "q=zeppelin", "zz-new"));
}

namespace {

// Builds an index (`build_flags` added), keeps a replica of it, and checks
// that the replica answers as the primary does, catches up with a followed
// new listing and a followed update of a built one, and follows a reindex
// into a new generation of three usual shards.
void check_replica_keeps_up(const std::vector<std::string>& build_flags) {
    test_support::TempDir dir;
    const std::string index = (dir / "index").string(), replica = (dir / "replica").string();
    // The indexer writes changesets, so replicas get only the changes.
    ::setenv("XAPIAN_MAX_CHANGESETS", "10", 1);
    std::vector<std::string> build{"build", "--feed", data_dir() + "/sample_listings.jsonl", "--index", index,
                                   "--shards", "2"};
    build.insert(build.end(), build_flags.begin(), build_flags.end());
    run_indexer(build);
    const int port = free_port();
    test_support::ChildProcess master({"/usr/bin/xapian-replicate-server", "--interface", "127.0.0.1", "--port",
                                       std::to_string(port), index});
    wait_for_port(port);
    const auto script = test_support::project_data_dir().parent_path() / "scripts" / "replica.sh";
    const auto replicate = [&] {
        const auto result = run_command({"bash", script.string(), "127.0.0.1", std::to_string(port), replica, "0"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.output);
    };
    replicate();
    // The replica names the generation by the primary's identifier too
    // (issue 14, finding 7: a rebuilt index directory is recognisable).
    const auto replica_id = [&] { return analyzers::serving_generation(replica)->id; };
    CHECK(replica_id().size() == 32);
    CHECK(replica_id() == analyzers::serving_generation(index)->id);
    CHECK(analyzers::serving_generation(replica)->frozen == analyzers::serving_generation(index)->frozen);
    test_support::ServerProcess primary({"--index", index, "--data-dir", data_dir()});
    test_support::ServerProcess copy({"--index", replica, "--data-dir", data_dir()});
    check_same_answers(primary.port(), copy.port());
    CHECK(summary(copy.port(), "q=sweater+sleeve").first_ids.find("L0000002") != std::string::npos);

    // A followed listing reaches the replica with the next round, and so
    // does a followed update of a built one: in a frozen generation, the
    // new version in the delta and the mark that leaves the base's out.
    test_support::write_file(dir / "more.jsonl", R"({"id":"zz-new","title":"Zeppelin lunchbox","price":12})" "\n"
                                                 R"({"id":"L0000002","title":"Quokka plush","price":30})" "\n");
    run_indexer({"follow", "--once", "--feed", (dir / "more.jsonl").string(), "--index", index});
    replicate();
    CHECK(finds(copy.port(), "q=zeppelin", "zz-new"));
    CHECK(finds(copy.port(), "q=quokka", "L0000002"));
    CHECK(finds(primary.port(), "q=quokka", "L0000002"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // results cached before the update expire
    CHECK(summary(copy.port(), "q=sweater+sleeve").first_ids.find("L0000002") == std::string::npos);
    check_same_answers(primary.port(), copy.port());

    // A compaction (a usual generation's) publishes a new generation with
    // the same answers, which the replica follows.
    if (build_flags.empty()) {
        const auto compacted = run_command({binary("INDEXER_BIN").string(), "compact", "--index", index});
        REQUIRE_MESSAGE(compacted.exit_code == 0, compacted.output);
        replicate();
        CHECK(replica_id() == analyzers::serving_generation(index)->id);
        CHECK(analyzers::serving_generation(replica)->number == 2);
        CHECK(finds(copy.port(), "q=quokka", "L0000002"));
        check_same_answers(primary.port(), copy.port());
    }

    // A reindex into a new generation (three shards now) is followed too.
    test_support::write_file(dir / "dump.jsonl", R"({"id":"yy-1","title":"Yamaha keyboard","price":90})" "\n"
                                                 R"({"id":"yy-2","title":"Yamaha guitar","price":150})" "\n");
    run_indexer({"build", "--feed", (dir / "dump.jsonl").string(), "--index", index, "--shards", "3"});
    replicate();
    CHECK(replica_id() == analyzers::serving_generation(index)->id);
    CHECK(finds(copy.port(), "q=yamaha", "yy-1"));
    // A result cached before the swap may be served for up to 250 ms after it.
    CHECK(finds(copy.port(), "q=", "yy-"));
    CHECK(summary(copy.port(), "q=").total == 2);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(replica) / "gen-000001"));
    ::unsetenv("XAPIAN_MAX_CHANGESETS");
}

}  // namespace

TEST_CASE("a replica kept by xapian-replicate serves the same answers, catches up, and follows reindex swaps") {
    check_replica_keeps_up({});
}

// A frozen base is copied once; its delta carries the follower's listings
// and the marks of the base listings they replace.
TEST_CASE("a replica of a frozen generation serves the same answers and catches up through the deltas") {
    check_replica_keeps_up({"--no-termlists"});
}

// A frozen base from before bases carried an empty termlist table cannot
// be copied by xapian-replicate: the replica script says what to do.
TEST_CASE("a replica of a frozen base without its empty termlist table stops and says to rebuild") {
    test_support::TempDir dir;
    const std::string index = (dir / "index").string();
    run_indexer({"build", "--no-termlists", "--feed", data_dir() + "/sample_listings.jsonl", "--index", index,
                 "--shards", "2"});
    for (std::size_t shard = 0; shard < 2; ++shard) {
        REQUIRE(std::filesystem::remove(analyzers::shard_path(index, 1, shard) / "termlist.glass"));
    }
    const int port = free_port();
    test_support::ChildProcess master({"/usr/bin/xapian-replicate-server", "--interface", "127.0.0.1", "--port",
                                       std::to_string(port), index});
    wait_for_port(port);
    const auto script = test_support::project_data_dir().parent_path() / "scripts" / "replica.sh";
    const auto replica = dir / "replica";
    const auto replicated = run_command({"bash", script.string(), "127.0.0.1", std::to_string(port), replica.string(), "0"});
    CHECK(replicated.exit_code == 1);
    CHECK_MESSAGE(replicated.output.find("rebuild the generation (listing-indexer build --no-termlists)") !=
                      std::string::npos,
                  replicated.output);
    CHECK_FALSE(std::filesystem::exists(replica / "CURRENT"));
}

// xapian-tcpsrv cannot run the posting source that leaves a frozen
// generation's replaced base listings out: remote shards say so instead of
// serving them.
TEST_CASE("remote shards refuse a frozen generation, saying why") {
    test_support::TempDir dir;
    const std::string index = (dir / "index").string();
    run_indexer({"build", "--no-termlists", "--feed", data_dir() + "/sample_listings.jsonl", "--index", index,
                 "--shards", "2"});

    const int shard_port = free_port();
    test_support::ChildProcess shard_server({"/usr/bin/xapian-tcpsrv", "--port", std::to_string(shard_port),
                                             "--interface", "127.0.0.1", "--quiet", index + "/gen-000001/shard-00"});
    wait_for_port(shard_port);
    test_support::write_file(dir / "remote.stub", "remote 127.0.0.1:" + std::to_string(shard_port) + "\n");
    const auto served = run_command({test_support::binary("SERVER_BIN").string(), "--remote-stub",
                                     (dir / "remote.stub").string(), "--data-dir", data_dir(), "--port",
                                     std::to_string(free_port())});
    CHECK(served.exit_code == 1);  // at start, not with every search
    CHECK_MESSAGE(served.output.find("a frozen generation's (built with --no-termlists)") != std::string::npos,
                  served.output);
}
