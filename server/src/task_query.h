// GET /tasks's query string, read as Meilisearch reads it: every
// parameter of its task list is known; those that can select something here
// are applied, the others refused by name (never ignored).
#pragma once

#include <map>
#include <string>

#include "document_writer.h"

namespace server {

// Throws ApiErrorException (Meilisearch's code for the parameter) on a bad
// value or a parameter not supported here.
TaskQuery task_query_of(const std::multimap<std::string, std::string>& parameters);

}  // namespace server
