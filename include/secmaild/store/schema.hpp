// Schema migrations, numbered from 1; the applied number is SQLite's
// user_version. A migration is never edited once released: add a new one.
#pragma once

#include "secmaild/store/db.hpp"

namespace secmaild::store {

int latestSchemaVersion();
// Applies every migration above the store's user_version, each in its own
// transaction. Throws StoreError if the store is newer than this binary.
void migrate(Db& db);

}  // namespace secmaild::store
