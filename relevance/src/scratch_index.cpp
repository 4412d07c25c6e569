#include <fstream>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "analyzers/synonyms.h"
#include "query/errors.h"
#include "relevance/commands.h"

namespace relevance {

ScratchIndex build_scratch_index(const std::filesystem::path& listings, const std::filesystem::path& index_dir,
                                 const std::filesystem::path& data_dir) {
    std::ifstream in(listings);
    if (!in) throw query::RequestError(fmt::format("cannot read listings file {}", listings.string()));
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(data_dir);
    const analyzers::Generation generation{.number = 1, .shard_count = 1};
    std::filesystem::create_directories(analyzers::generation_path(index_dir, generation.number));
    Xapian::WritableDatabase shard(analyzers::shard_path(index_dir, generation.number, 0).string(),
                                   Xapian::DB_CREATE_OR_OVERWRITE);
    analyzers::FeedLineParser parser;
    analyzers::DocumentBuilder builder(lexicon);
    ScratchIndex counts;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const analyzers::FeedLineResult parsed = parser.parse(line);
        if (!parsed.ok() || parsed.record->op != analyzers::FeedOp::upsert) {
            ++counts.rejected;
            continue;
        }
        const analyzers::Listing& listing = parsed.record->listing;
        shard.replace_document(analyzers::id_term(listing.id), builder.build(listing));
        ++counts.indexed;
    }
    shard.commit();
    analyzers::publish_generation(index_dir, generation);
    return counts;
}

}  // namespace relevance
