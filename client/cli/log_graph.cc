#include "client/cli/log_graph.h"

#include <algorithm>

namespace mlvc::client::cli {
namespace {

std::string Row(size_t lanes, size_t star, char star_char) {
  std::string out;
  for (size_t i = 0; i < lanes; ++i) {
    out += (i == star ? star_char : '|');
    out += ' ';
  }
  return out;
}

}  // namespace

GraphRows GraphLayout::Next(const remote::ChangesetInfo& cs) {
  GraphRows rows;
  // Lanes waiting for this changeset: the first becomes its column, the others join it.
  std::vector<size_t> waiting;
  for (size_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i] == cs.number) waiting.push_back(i);
  }
  if (waiting.empty()) {
    lanes_.push_back(cs.number);  // a head (or a parent we had no lane for)
    waiting.push_back(lanes_.size() - 1);
  }
  const size_t col = waiting.front();
  if (waiting.size() > 1) {
    // The join row: lanes that end here lean left ('/'), and so do the lanes to their right,
    // which shift left once the joined ones are gone.
    std::string join;
    const size_t first_gone = waiting[1];
    for (size_t i = 0; i < lanes_.size(); ++i) {
      join += (i >= first_gone ? '/' : '|');
      join += ' ';
    }
    rows.join = join;
    for (size_t k = waiting.size() - 1; k >= 1; --k) {
      lanes_.erase(lanes_.begin() + static_cast<std::ptrdiff_t>(waiting[k]));
    }
  }
  rows.commit = Row(lanes_.size(), col, '*');

  // After this changeset its lane waits for the first parent; a merge parent without a lane
  // of its own gets a new lane just right of it.
  if (cs.parent.has_value()) {
    lanes_[col] = *cs.parent;
  } else {
    lanes_.erase(lanes_.begin() + static_cast<std::ptrdiff_t>(col));
  }
  if (cs.merge_parent.has_value() &&
      std::find(lanes_.begin(), lanes_.end(), *cs.merge_parent) == lanes_.end()) {
    const size_t at = cs.parent.has_value() ? col + 1 : col;
    lanes_.insert(lanes_.begin() + static_cast<std::ptrdiff_t>(at), *cs.merge_parent);
    std::string fork;
    for (size_t i = 0; i < lanes_.size(); ++i) {
      fork += (i >= at ? '\\' : '|');
      fork += ' ';
    }
    rows.fork = fork;
  }
  rows.detail = Row(lanes_.size(), lanes_.size(), '|');
  return rows;
}

}  // namespace mlvc::client::cli
