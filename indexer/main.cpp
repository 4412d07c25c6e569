// listing-indexer: builds and maintains the sharded listing index.
#include <unistd.h>

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "indexer/indexer.h"

namespace {

constexpr const char* usage = "listing-indexer build --input FEED.jsonl --index DIR [options]";
constexpr const char* summary =
    "Builds a new generation of the sharded index from a full dump of the listing feed\n"
    "(JSON lines; '-' reads stdin) and makes it the one the query server serves.\n"
    "Rejected lines are written, with their line number and reason, to the dead-letter file.";

cli::Parser build_options() {
    return cli::Parser(usage, summary, {
        {"input", "", "-", "feed file of JSON lines, or - for stdin"},
        {"index", "LISTING_INDEX", "", "index directory (created if missing)"},
        {"shards", "", "2", "number of shards (one writer thread each)"},
        {"data-dir", "LISTING_DATA_DIR", DEFAULT_DATA_DIR, "directory with synonyms.txt and brand_aliases.txt"},
        {"dead-letter", "", "", "file for rejected lines (default: INDEX/dead-letter.jsonl)"},
    });
}

void print_progress(const indexer::Progress& progress) {
    const double rate = progress.seconds > 0 ? progress.lines / progress.seconds : 0;
    if (progress.total_bytes > 0) {
        const double done = static_cast<double>(progress.bytes) / progress.total_bytes;
        const double eta = done > 0 ? progress.seconds * (1 - done) / done : 0;
        std::cerr << fmt::format("{:5.1f}%  {} lines  {:.0f} lines/s  ETA {:.0f} s\n", done * 100, progress.lines,
                                 rate, eta);
    } else {
        std::cerr << fmt::format("{} lines  {:.0f} lines/s\n", progress.lines, rate);
    }
}

int run_build(int argc, char** argv) {
    const cli::Values values = build_options().parse(argc, argv, 2);
    indexer::BuildOptions options;
    options.index_dir = values.get("index");
    if (options.index_dir.empty()) cli::Values::fail("--index is required");
    options.shard_count = static_cast<std::size_t>(values.get_integer("shards", 1, 64));
    options.data_dir = values.get("data-dir");
    options.dead_letter_path = values.get("dead-letter");

    const std::string input = values.get("input");
    std::ifstream file;
    std::uint64_t input_bytes = 0;
    if (input != "-") {
        file.open(input, std::ios::binary);
        if (!file) cli::Values::fail("cannot read input file " + input);
        input_bytes = std::filesystem::file_size(input);
    }
    std::istream& feed = input == "-" ? std::cin : file;
    const indexer::BuildReport report = indexer::build_generation(options, feed, input_bytes, print_progress);
    std::cout << indexer::describe(report) << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "build") return run_build(argc, argv);
        if (command == "--help" || command == "-h") {
            build_options().parse(argc, argv, 1);
        }
        std::cerr << "usage: " << usage << "\n(see listing-indexer build --help)\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << std::endl;
        return 1;
    }
}
