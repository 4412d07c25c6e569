#include "index_view.h"

#include <algorithm>
#include <cmath>

#include "analyzers/document_layout.h"
#include "snapshot_scoring.h"

namespace query {

Page page_of(const Xapian::MSet& matches, const Xapian::Database& searched) {
    return page_of(matches, [&](const Xapian::MSetIterator& match) {
        return analyzers::stored_fields_of(match.get_document(), searched);
    });
}

std::uint64_t read_a_little(const Xapian::Database& database) {
    const Xapian::doccount documents = database.get_doccount();
    if (documents == 0) return 0;
    const Xapian::docid first = *database.postlist_begin("");
    const Xapian::Document document = database.get_document(first);
    document.get_value(analyzers::slot::stored_fields);
    document.get_data();
    analyzers::StoredTextDictionary::of(database);  // a damaged one would fail every listing shown
    if (const auto term = database.allterms_begin(); term != database.allterms_end()) {
        const auto postings = database.postlist_begin(*term);
        if (postings != database.postlist_end(*term)) postings.get_wdf();
    }
    if (analyzers::has_termlists(database)) document.termlist_count();  // a frozen generation has none
    return documents;
}

bool reopened(Xapian::Database& database) {
    try {
        return database.reopen();
    } catch (const Xapian::DatabaseError&) {
        return true;
    }
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<IndexViews> IndexViews::open(const ServiceOptions& options) {
    return options.remote_stub.empty() ? open_local_index(options) : open_remote_index(options);
}

}  // namespace query
