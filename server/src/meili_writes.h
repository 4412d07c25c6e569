// The Meilisearch API's writes: documents added, updated and deleted
// through feed segments (document_writer.h), their tasks, and the routes of
// Meilisearch that have no meaning here, refused by name. Every route needs
// the admin key (Meilisearch's rule for writes, tasks and settings).
#pragma once

#include <memory>
#include <string>

#include <httplib.h>

#include "document_writer.h"
#include "query/search_service.h"

namespace server {

class MeiliWrites {
public:
    explicit MeiliWrites(query::SearchService& service) : service(service) {}

    // Before serving: without both, every write is refused.
    void configure(const std::string& admin_key, std::unique_ptr<DocumentWriter> writer) {
        admin_token = admin_key;
        documents = std::move(writer);
    }
    void add_routes(httplib::Server& router);

private:
    void add_document_routes(httplib::Server& router);
    void add_task_routes(httplib::Server& router);
    void add_unserved_routes(httplib::Server& router);
    void check_admin(const httplib::Request& request) const;
    static void check_documents_index(const std::string& index_uid);
    static bool is_ndjson(const httplib::Request& request);
    static void send_task(httplib::Response& response, const Task& task);
    static std::vector<std::string> ids_of(const std::string& body);

    query::SearchService& service;
    std::string admin_token;
    std::unique_ptr<DocumentWriter> documents;
};

}  // namespace server
