// Conversions between mlvc.v1 messages and server/core types.
// Requires: mlvc_proto, server/core. Used by: the *_service_impl.cc files.
#pragma once

#include "mlvc/v1/common.pb.h"
#include "mlvc/v1/history.pb.h"
#include "mlvc/v1/repository.pb.h"
#include "server/core/types.h"

namespace mlvc::server::rpc {

void ToProto(const store::RepositoryRecord& in, v1::Repository* out);
void ToProto(const core::FileEntry& in, v1::FileEntry* out);
void ToProto(const core::ChangesetInfo& in, v1::Changeset* out);
void ToProto(const core::FileDiff& in, v1::FileDiff* out);
v1::ChangeAction ToProto(store::PathAction action);
v1::EntryKind ToProto(common::NodeKind kind);

// Unspecified or unknown enum values become nullopt (core rejects them).
core::Change FromProto(const v1::Change& in);
core::SubmitRequest FromProto(const v1::SubmitRequest& in);

}  // namespace mlvc::server::rpc
