// The schema migrations (migrations/NNNN_name.sql), embedded into the binary at build time.
// Requires: nothing. Used by: server/store/postgres/migrator.cc.
#pragma once

#include <string_view>
#include <vector>

namespace mlvc::migrations {

struct Migration {
  int version;             // NNNN of the file name
  std::string_view name;   // the rest of the file name, without ".sql"
  std::string_view sql;    // the whole file
};

// Every migration, sorted by version (ascending, unique).
const std::vector<Migration>& All();

}  // namespace mlvc::migrations
