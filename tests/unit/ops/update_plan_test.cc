#include "client/ops/update_plan.h"

#include <catch2/catch.hpp>

namespace mlvc::client::ops {
namespace {

using Kind = UpdateStep::Kind;
using wc::Schedule;
using wc::StatusCode;

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC(64, 'c');

wc::WcEntry Entry(const std::string& path, const std::string& base,
                  Schedule schedule = Schedule::kNormal, bool executable = false) {
  wc::WcEntry e;
  e.relpath = path;
  e.base_content_id = schedule == Schedule::kAdded ? "" : base;
  e.base_size = 3;
  e.kind = wc::FileKind::kText;
  e.executable = executable;
  e.schedule = schedule;
  return e;
}

remote::TreeFile File(const std::string& path, const std::string& id, bool executable = false) {
  return remote::TreeFile{path, remote::EntryKind::kText, executable, 3, id};
}

wc::StatusItem Item(const std::string& path, StatusCode code, const std::string& id = "") {
  wc::StatusItem item;
  item.relpath = path;
  item.code = code;
  item.content_id = id;
  item.kind = wc::FileKind::kText;
  return item;
}

struct Plan {
  std::map<std::string, wc::WcEntry> entries;
  std::vector<wc::StatusItem> scan;
  std::vector<remote::TreeFile> target;

  void Add(wc::WcEntry e) { entries[e.relpath] = std::move(e); }
  std::vector<UpdateStep> Run() const { return PlanUpdate(entries, scan, target); }
};

// The single step planned for a one-file situation (fails when there is not exactly one).
UpdateStep Only(const Plan& plan) {
  std::vector<UpdateStep> steps = plan.Run();
  REQUIRE(steps.size() == 1);
  return steps.front();
}

TEST_CASE("PlanUpdate leaves files unchanged upstream alone", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("f", kA));
  plan.target = {File("f", kA)};
  CHECK(plan.Run().empty());
  // ... even when they are modified or missing locally.
  plan.scan = {Item("f", StatusCode::kModified, kB)};
  CHECK(plan.Run().empty());
  plan.scan = {Item("f", StatusCode::kMissing)};
  CHECK(plan.Run().empty());
}

TEST_CASE("PlanUpdate fetches files changed upstream and clean locally", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("f", kA));
  plan.target = {File("f", kB)};
  UpdateStep step = Only(plan);
  CHECK(step.kind == Kind::kFetchChanged);
  CHECK(step.path == "f");
  REQUIRE(step.target.has_value());
  CHECK(step.target->content_id == kB);
}

TEST_CASE("PlanUpdate merges a local edit of a file changed upstream", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("f", kA));
  plan.target = {File("f", kB)};
  plan.scan = {Item("f", StatusCode::kModified, kC)};
  CHECK(Only(plan).kind == Kind::kMergeLocalEdit);
}

TEST_CASE("PlanUpdate leaves a conflicted file alone", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("f", kA));
  plan.entries["f"].conflicted = true;
  plan.target = {File("f", kB)};
  plan.scan = {Item("f", StatusCode::kModified, kC)};
  CHECK(Only(plan).kind == Kind::kSkipLocalEdit);
}

TEST_CASE("PlanUpdate never overwrites a local edit", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("f", kA));
  plan.target = {File("f", kB)};
  SECTION("missing") { plan.scan = {Item("f", StatusCode::kMissing)}; }
  SECTION("scheduled for deletion") {
    plan.entries["f"].schedule = Schedule::kDeleted;
    plan.scan = {Item("f", StatusCode::kDeleted)};
  }
  CHECK(Only(plan).kind == Kind::kSkipLocalEdit);
}

TEST_CASE("PlanUpdate changes only the mode when only the executable bit moved",
          "[ops][update]") {
  Plan plan;
  plan.Add(Entry("run.sh", kA));
  plan.target = {File("run.sh", kA, /*executable=*/true)};
  CHECK(Only(plan).kind == Kind::kMetadataOnly);
}

TEST_CASE("PlanUpdate handles files added upstream", "[ops][update]") {
  Plan plan;
  plan.target = {File("new", kA)};
  SECTION("nothing in the way") { CHECK(Only(plan).kind == Kind::kFetchNew); }
  SECTION("an unversioned file with the same content") {
    plan.scan = {Item("new", StatusCode::kUnversioned, kA)};
    CHECK(Only(plan).kind == Kind::kAdoptExisting);
  }
  SECTION("an unversioned file with other content") {
    plan.scan = {Item("new", StatusCode::kUnversioned, kB)};
    CHECK(Only(plan).kind == Kind::kObstructed);
  }
  SECTION("an unversioned file not hashed") {
    plan.scan = {Item("new", StatusCode::kUnversioned)};
    CHECK(Only(plan).kind == Kind::kObstructed);
  }
  SECTION("added locally with the same content") {
    plan.Add(Entry("new", "", Schedule::kAdded));
    plan.scan = {Item("new", StatusCode::kAdded, kA)};
    CHECK(Only(plan).kind == Kind::kAdoptExisting);
  }
  SECTION("added locally with other content") {
    plan.Add(Entry("new", "", Schedule::kAdded));
    plan.scan = {Item("new", StatusCode::kAdded, kB)};
    CHECK(Only(plan).kind == Kind::kSkipLocalEdit);
  }
}

TEST_CASE("PlanUpdate handles files deleted upstream", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("old", kA));
  SECTION("clean: delete") { CHECK(Only(plan).kind == Kind::kDelete); }
  SECTION("missing already: delete (drops the entry)") {
    plan.scan = {Item("old", StatusCode::kMissing)};
    CHECK(Only(plan).kind == Kind::kDelete);
  }
  SECTION("modified: keep as unversioned") {
    plan.scan = {Item("old", StatusCode::kModified, kB)};
    CHECK(Only(plan).kind == Kind::kKeepUnversioned);
  }
  SECTION("scheduled for deletion: forget") {
    plan.entries["old"].schedule = Schedule::kDeleted;
    plan.scan = {Item("old", StatusCode::kDeleted)};
    CHECK(Only(plan).kind == Kind::kForget);
  }
}

TEST_CASE("PlanUpdate ignores local additions unknown upstream", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("mine", "", Schedule::kAdded));
  plan.scan = {Item("mine", StatusCode::kAdded, kA), Item("junk", StatusCode::kUnversioned)};
  CHECK(plan.Run().empty());
}

TEST_CASE("PlanUpdate returns one step per changed path, sorted", "[ops][update]") {
  Plan plan;
  plan.Add(Entry("b/kept", kA));
  plan.Add(Entry("b/changed", kA));
  plan.Add(Entry("a/gone", kA));
  plan.Add(Entry("c/edited", kA));
  plan.scan = {Item("c/edited", StatusCode::kModified, kC)};
  plan.target = {File("b/changed", kB), File("b/kept", kA), File("c/edited", kB),
                 File("d/new", kC)};
  std::vector<UpdateStep> steps = plan.Run();
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].path == "a/gone");
  CHECK(steps[0].kind == Kind::kDelete);
  CHECK_FALSE(steps[0].target.has_value());
  CHECK(steps[1].path == "b/changed");
  CHECK(steps[1].kind == Kind::kFetchChanged);
  CHECK(steps[2].path == "c/edited");
  CHECK(steps[2].kind == Kind::kMergeLocalEdit);
  CHECK(steps[3].path == "d/new");
  CHECK(steps[3].kind == Kind::kFetchNew);
}

}  // namespace
}  // namespace mlvc::client::ops
