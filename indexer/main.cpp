// listing-indexer: builds and maintains the sharded listing index.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "indexer/indexer.h"

namespace {

constexpr const char* overview =
    "usage: listing-indexer COMMAND [options]\n\n"
    "commands:\n"
    "  build    build a new generation of all shards from a whole feed, compact it and switch to it\n"
    "  follow   apply the feed to the serving shards as it grows, resuming after the last commit\n"
    "  compact  copy the serving generation compacted into a new one and switch to it (a followed index\n"
    "           grows to about twice its built size)\n\n"
    "'listing-indexer COMMAND --help' lists a command's options.\n";

std::atomic<bool> stop_requested{false};

// Xapian 1.4 calls std::terminate when a commit fails part-way (seen on a
// full disk despite --reserve-mb). Say what that means before the abort.
[[noreturn]] void explain_terminate() {
    std::cerr << "\nlisting-indexer: fatal: std::terminate was called (Xapian 1.4 does this when a commit fails "
                 "part-way, e.g. on a full disk); every earlier commit is intact and the next run resumes after "
                 "the last one"
              << std::endl;
    std::abort();
}

void request_stop(int) { stop_requested = true; }

std::vector<cli::Option> feed_options() {
    return {
        {"feed", "LISTING_FEED", "", "feed: a JSONL file, a directory of segment files, or - for stdin"},
        {"index", "LISTING_INDEX", "", "index directory (created if missing)"},
        {"shards", "LISTING_SHARDS", "2", "shards in a new generation (one writer thread each)"},
        {"data-dir", "LISTING_DATA_DIR", DEFAULT_DATA_DIR, "directory with synonyms.txt and brand_aliases.txt"},
        {"dead-letter", "", "", "file for rejected lines (default: INDEX/dead-letter.jsonl)"},
        {"commit-every", "", "8000", "lines per commit at most (small transactions index fastest)"},
        {"listings-per-part", "", "100000", "build: listings per part database before the final merge"},
        {"reserve-mb", "LISTING_RESERVE_MB", "64",
         "MB kept free on the index's filesystem: below it commits wait (follow) or stop (build)"},
        {"quiet", "", "", "no progress output", true},
    };
}

// A progress bar with rate and ETA on a terminal; plain lines (every few
// seconds) when stderr is a file or pipe, so logs stay readable.
class ProgressPrinter {
public:
    ProgressPrinter() : terminal_(::isatty(STDERR_FILENO) == 1) {}

    void operator()(const indexer::Progress& progress) {
        const double rate = progress.seconds > 0 ? progress.lines / progress.seconds : 0;
        if (!terminal_) {
            if (progress.seconds - last_printed_ < 5) return;
            last_printed_ = progress.seconds;
        }
        std::string line = fmt::format("{:>10} lines  {:>7.0f} lines/s", progress.lines, rate);
        if (progress.failed_writes > 0) line += fmt::format("  FAILED WRITES {}", progress.failed_writes);
        if (progress.total_bytes > 0 && progress.bytes <= progress.total_bytes) {
            const double done = static_cast<double>(progress.bytes) / progress.total_bytes;
            const double eta = done > 0 ? progress.seconds * (1 - done) / done : 0;
            const int filled = static_cast<int>(done * 30);
            line = fmt::format("[{}{}] {:5.1f}%  {}  ETA {:.0f} s", std::string(filled, '#'),
                               std::string(30 - filled, ' '), done * 100, line, eta);
        }
        std::cerr << (terminal_ ? "\r" : "") << line << (terminal_ ? "" : "\n") << std::flush;
        drew_bar_ = terminal_;
    }

    void done() {
        if (drew_bar_) std::cerr << "\n";
        drew_bar_ = false;
    }

    // On a line of its own, never lost in the bar.
    void notice(const std::string& text) {
        done();
        std::cerr << "listing-indexer: " << text << std::endl;
    }

private:
    bool terminal_;
    bool drew_bar_ = false;
    double last_printed_ = -1e9;
};

indexer::FeedOptions read_feed_options(const cli::Values& values, ProgressPrinter& printer) {
    indexer::FeedOptions options;
    options.feed = values.get("feed");
    options.index_dir = values.get("index");
    if (options.feed.empty()) cli::Values::fail("--feed is required");
    if (options.index_dir.empty()) cli::Values::fail("--index is required");
    options.shard_count = static_cast<std::size_t>(values.get_integer("shards", 1, 64));
    options.data_dir = values.get("data-dir");
    options.dead_letter_path = values.get("dead-letter");
    options.commit_every_lines = static_cast<std::size_t>(values.get_integer("commit-every", 1, 10'000'000));
    options.listings_per_part = static_cast<std::size_t>(values.get_integer("listings-per-part", 1, 100'000'000));
    options.reserved_disk_bytes = static_cast<std::uint64_t>(values.get_integer("reserve-mb", 0, 1'000'000)) << 20;
    if (!values.is_on("quiet")) options.on_progress = [&printer](const indexer::Progress& p) { printer(p); };
    options.on_notice = [&printer](const std::string& text) { printer.notice(text); };  // even when quiet
    return options;
}

int run_build(int argc, char** argv) {
    auto options = feed_options();
    options.push_back({"no-termlists", "", "",
                       "a frozen generation: shards without termlists (a smaller index, a faster build) that never "
                       "change, each with a delta the follower writes to; replicas, not remote shards (see README)",
                       true});
    const cli::Values values = cli::Parser("listing-indexer build --feed FEED --index DIR [options]",
                                           "Builds a new generation of all shards from the whole feed (or a full\n"
                                           "dump in the same format), compacts it and makes it the serving one.\n"
                                           "Queries keep being answered from the old generation until the switch.",
                                           options)
                                   .parse(argc, argv, 2);
    ProgressPrinter printer;
    indexer::FeedOptions build = read_feed_options(values, printer);
    build.no_termlists = values.is_on("no-termlists");
    const indexer::FeedReport report = indexer::build_generation(build);
    printer.done();
    std::cout << indexer::describe(report) << std::endl;
    return 0;
}

int run_follow(int argc, char** argv) {
    auto options = feed_options();
    options.push_back({"once", "", "", "stop at the end of the feed instead of waiting for more", true});
    options.push_back({"commit-ms", "", "250", "longest a read line waits for its commit (near-real-time)"});
    options.push_back({"group-commit-ms", "", "1000",
                       "while lines keep coming, at most one commit per this long (0: one per commit point)"});
    const cli::Values values =
        cli::Parser("listing-indexer follow --feed FEED --index DIR [options]",
                    "Applies the feed to the serving shards: upserts, deletes and sold records by listing id.\n"
                    "Each commit stores the feed position with the documents, so after a crash (even kill -9)\n"
                    "a restart resumes with nothing lost or applied twice. Stops cleanly on SIGINT/SIGTERM.",
                    options)
            .parse(argc, argv, 2);
    ProgressPrinter printer;
    indexer::FollowOptions follow;
    follow.feed = read_feed_options(values, printer);
    follow.follow = !values.is_on("once");
    follow.commit_interval = std::chrono::milliseconds(values.get_integer("commit-ms", 1, 60'000));
    follow.group_commit_window = std::chrono::milliseconds(values.get_integer("group-commit-ms", 0, 60'000));
    follow.stop_requested = &stop_requested;
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    const indexer::FeedReport report = indexer::follow_feed(follow);
    printer.done();
    std::cout << indexer::describe(report) << std::endl;
    return 0;
}

int run_compact(int argc, char** argv) {
    const cli::Values values =
        cli::Parser("listing-indexer compact --index DIR [options]",
                    "Copies the serving generation into a new one, compacted, and makes it the serving one:\n"
                    "Xapian leaves half full every block an update touches, so a followed index grows to about\n"
                    "twice its built size. The same listings and feed positions: a running follower switches to\n"
                    "it and applies again the lines it committed since. Seconds where a build reads the whole\n"
                    "feed. Not for a frozen generation (build it again).",
                    {{"index", "LISTING_INDEX", "", "index directory"},
                     {"reserve-mb", "LISTING_RESERVE_MB", "64", "MB kept free on the index's filesystem"},
                     {"if-grown", "LISTING_COMPACT_IF_GROWN", "",
                      "only when the generation is at least this many times its size when it was published, "
                      "e.g. 1.5 (for cron: otherwise it is left as it is, exit status 0)"}})
            .parse(argc, argv, 2);
    indexer::CompactOptions compact;
    compact.index_dir = values.get("index");
    if (compact.index_dir.empty()) cli::Values::fail("--index is required");
    compact.reserved_disk_bytes = static_cast<std::uint64_t>(values.get_integer("reserve-mb", 0, 1'000'000)) << 20;
    if (!values.get("if-grown").empty()) compact.if_grown = values.get_number("if-grown", 1.0, 100.0);
    std::cout << indexer::describe(indexer::compact_generation(compact)) << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::set_terminate(explain_terminate);
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "build") return run_build(argc, argv);
        if (command == "follow") return run_follow(argc, argv);
        if (command == "compact") return run_compact(argc, argv);
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << overview;
            return 0;
        }
        std::cerr << (command.empty() ? "error: no command given\n" : "error: unknown command " + command + "\n")
                  << overview;
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "\nerror: " << error.what() << std::endl;
        return 1;
    }
}
