// The metadata store: users, tokens, roles, repositories, branches, labels, changesets, tree
// nodes, contents, locks, runs, releases, events and the audit log, behind interfaces that
// know no SQL and no libpqxx: one per aggregate (user_txn.h, ref_txn.h, access_txn.h,
// changeset_txn.h, content_txn.h, lock_txn.h, run_txn.h, release_txn.h, event_txn.h,
// audit_txn.h), so a function that needs one aggregate names only its interface.
//
// Core code runs every mutation inside MetadataStore::RunInTransaction and calls the
// methods it needs; the Postgres implementation lives in store/postgres/.
// Requires: abseil. Used by: server/core.
//
// Error codes, with one meaning each across every method of every aggregate:
//   NOT_FOUND            the named row does not exist
//   ALREADY_EXISTS       a unique name or key is taken
//   FAILED_PRECONDITION  a compare-and-swap lost (branch head moved)
//   ABORTED              serialization failure or deadlock; RunInTransaction retries these
//   UNAVAILABLE          the database cannot be reached
//   DATA_LOSS            a stored value is corrupt
//   INTERNAL             anything else from the database
#pragma once

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/access_txn.h"
#include "server/store/audit_txn.h"
#include "server/store/changeset_txn.h"
#include "server/store/content_txn.h"
#include "server/store/event_txn.h"
#include "server/store/lock_txn.h"
#include "server/store/ref_txn.h"
#include "server/store/release_txn.h"
#include "server/store/run_txn.h"
#include "server/store/user_txn.h"

namespace mlvc::server::store {

// One open transaction: every aggregate's interface. Not thread-safe; used by one thread for
// the duration of the body passed to RunInTransaction, never kept beyond it.
class MetadataTxn : public UserTxn,
                    public RefTxn,
                    public AccessTxn,
                    public ChangesetTxn,
                    public ContentTxn,
                    public LockTxn,
                    public RunTxn,
                    public ReleaseTxn,
                    public EventTxn,
                    public AuditTxn {
 public:
  ~MetadataTxn() override = default;
};

// Thread-safe: any number of threads may run transactions at once (each takes its own
// connection from a pool).
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  using TxnBody = std::function<absl::Status(MetadataTxn&)>;

  // Runs `body` in one transaction: commits when it returns OK, rolls back otherwise and
  // returns its status. A serialization failure or deadlock (ABORTED) re-runs the whole body,
  // a few times, before ABORTED is returned; the body must therefore have no effects outside
  // the transaction that a re-run would repeat wrongly.
  virtual absl::Status RunInTransaction(const TxnBody& body) = 0;

  // A new listener for committed events (releases section above). UNIMPLEMENTED for a
  // store without one; UNAVAILABLE when it cannot connect.
  virtual absl::StatusOr<std::unique_ptr<EventListener>> ListenForEvents() {
    return absl::UnimplementedError("this metadata store has no event listener");
  }
};

}  // namespace mlvc::server::store
