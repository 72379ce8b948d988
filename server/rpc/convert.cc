#include "server/rpc/convert.h"

#include "server/core/access.h"

namespace mlvc::server::rpc {

void ToProto(const store::RepositoryRecord& in, v1::Repository* out) {
  out->set_name(in.name);
  out->set_created_at_micros(in.created_at_micros);
  out->set_created_by(in.created_by);
  out->set_default_role(core::DefaultRoleName(in.default_role));
}

v1::ChangeAction ToProto(store::PathAction action) {
  switch (action) {
    case store::PathAction::kAdd:
      return v1::CHANGE_ACTION_ADD;
    case store::PathAction::kModify:
      return v1::CHANGE_ACTION_MODIFY;
    case store::PathAction::kDelete:
      return v1::CHANGE_ACTION_DELETE;
  }
  return v1::CHANGE_ACTION_UNSPECIFIED;
}

v1::EntryKind ToProto(common::NodeKind kind) {
  switch (kind) {
    case common::NodeKind::kText:
      return v1::ENTRY_KIND_TEXT;
    case common::NodeKind::kBinary:
      return v1::ENTRY_KIND_BINARY;
    case common::NodeKind::kDirectory:
      return v1::ENTRY_KIND_DIRECTORY;
  }
  return v1::ENTRY_KIND_UNSPECIFIED;
}

void ToProto(const core::FileEntry& in, v1::FileEntry* out) {
  out->set_path(in.path);
  out->set_kind(ToProto(in.kind));
  out->set_executable(in.executable);
  out->set_size(in.size);
  out->set_content_id(in.content_id);
}

void ToProto(const core::ChangesetInfo& in, v1::Changeset* out) {
  const store::ChangesetRecord& cs = in.changeset;
  out->set_number(cs.number);
  if (cs.parent.has_value()) out->set_parent(*cs.parent);
  if (cs.merge_parent.has_value()) out->set_merge_parent(*cs.merge_parent);
  out->set_author(cs.author_name);
  out->set_created_at_micros(cs.created_at_micros);
  out->set_message(cs.message);
  out->set_root_tree(cs.root_tree);
  for (const store::ChangedPathRecord& p : in.changed_paths) {
    v1::ChangedPath* cp = out->add_changed_paths();
    cp->set_path(p.path);
    cp->set_action(ToProto(p.action));
    cp->set_content_id(p.content_id);
  }
}

void ToProto(const core::FileDiff& in, v1::FileDiff* out) {
  out->set_path(in.path);
  out->set_action(ToProto(in.action));
  if (in.from.has_value()) ToProto(*in.from, out->mutable_from());
  if (in.to.has_value()) ToProto(*in.to, out->mutable_to());
  out->set_unified_diff(in.unified_diff);
}

core::Change FromProto(const v1::Change& in) {
  core::Change c;
  c.path = in.path();
  switch (in.action()) {
    case v1::CHANGE_ACTION_ADD:
      c.action = store::PathAction::kAdd;
      break;
    case v1::CHANGE_ACTION_MODIFY:
      c.action = store::PathAction::kModify;
      break;
    case v1::CHANGE_ACTION_DELETE:
      c.action = store::PathAction::kDelete;
      break;
    default:
      break;
  }
  c.content_id = in.content_id();
  switch (in.kind()) {
    case v1::ENTRY_KIND_TEXT:
      c.kind = common::NodeKind::kText;
      break;
    case v1::ENTRY_KIND_BINARY:
      c.kind = common::NodeKind::kBinary;
      break;
    case v1::ENTRY_KIND_DIRECTORY:
      c.kind = common::NodeKind::kDirectory;
      break;
    default:
      break;
  }
  c.executable = in.executable();
  c.base_content_id = in.base_content_id();
  return c;
}

core::SubmitRequest FromProto(const v1::SubmitRequest& in) {
  core::SubmitRequest r;
  r.repository = in.repository();
  r.branch = in.branch();
  r.base_number = in.base_number();
  r.submit_id = in.submit_id();
  r.message = in.message();
  r.keep_locks = in.keep_locks();
  r.changes.reserve(in.changes_size());
  for (const v1::Change& c : in.changes()) r.changes.push_back(FromProto(c));
  if (in.has_merge_parent()) r.merge_parent = in.merge_parent();
  return r;
}

}  // namespace mlvc::server::rpc
