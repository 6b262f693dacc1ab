#include "engine/split_collection.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

pb::CollectionReport Share(std::uint32_t share, std::uint32_t ways) {
  pb::CollectionReport report;
  report.set_protocol_version(1);
  report.set_split_ways(ways);
  report.set_split_share(share);
  report.mutable_settings()->set_basetemp(share == 0 ? "/tmp/pytest-of-me/pytest-3" : "");
  return report;
}

void AddItem(pb::CollectionReport& report, const std::string& node_id, std::uint32_t ordinal) {
  pb::TestItem* item = report.add_items();
  item->set_node_id(node_id);
  item->set_file_ordinal(ordinal);
}

std::vector<std::string> Ids(const pb::CollectionReport& report) {
  std::vector<std::string> ids;
  for (const auto& item : report.items()) ids.push_back(item.node_id());
  return ids;
}

TEST(CollectionDigest, MatchesTheShimsHashlibDigest) {
  // hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest(), computed in Python.
  EXPECT_EQ(CollectionDigest({"t.py::b", "t.py::a", "\xc3\xa9.py::x"}),
            "d5653f743f017bce40b52c6ff2b5a0b1ae1be2e4dec45efa6b573ff61636736b");
  EXPECT_EQ(CollectionDigest({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MergeShares, ItemsFollowTheFileOrderAndRememberTheirCollector) {
  std::vector<pb::CollectionReport> shares = {Share(0, 2), Share(1, 2)};
  AddItem(shares[0], "a.py::z", 0);  // pytest's order within a file is kept, not sorted
  AddItem(shares[0], "a.py::y", 0);
  AddItem(shares[0], "c.py::x", 2);
  AddItem(shares[1], "b.py::x", 1);
  AddItem(shares[1], "d.py::x", 3);
  shares[0].set_deselected(2);
  shares[1].set_deselected(3);
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  EXPECT_EQ(Ids(merged.report),
            (std::vector<std::string>{"a.py::z", "a.py::y", "b.py::x", "c.py::x", "d.py::x"}));
  EXPECT_EQ(merged.collected_by, (std::vector<scheduler::WorkerId>{0, 0, 1, 0, 1}));
  EXPECT_EQ(merged.report.deselected(), 5u);
  EXPECT_EQ(merged.report.settings().basetemp(), "/tmp/pytest-of-me/pytest-3");
  EXPECT_EQ(merged.report.split_ways(), 0u);  // the merged report is a whole collection
  EXPECT_EQ(merged.report.digest(), CollectionDigest(Ids(merged.report)));
}

TEST(MergeShares, WhatEveryShareMetIsKeptOnce) {
  std::vector<pb::CollectionReport> shares = {Share(0, 2), Share(1, 2)};
  for (auto& share : shares) {
    pb::CollectError* error = share.add_errors();
    error->set_node_id("sub/conftest.py");  // a broken conftest: every worker walks its directory
    error->set_file_ordinal(1);
    pb::PytestWarning* warning = share.add_warnings();
    warning->set_message("DeprecationWarning: old");
    AddItem(share, "plugin-made::item", 0);  // an item outside any file: collected by every worker
  }
  pb::CollectError* own = shares[1].add_errors();
  own->set_node_id("b.py");
  own->set_file_ordinal(0);
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  ASSERT_EQ(merged.report.errors_size(), 2);
  EXPECT_EQ(merged.report.errors(0).node_id(), "b.py");  // in walk order
  EXPECT_EQ(merged.report.errors(1).node_id(), "sub/conftest.py");
  EXPECT_EQ(merged.report.warnings_size(), 1);
  EXPECT_EQ(Ids(merged.report), (std::vector<std::string>{"plugin-made::item"}));
}

TEST(MergeShares, KeepsAPytestExitOfAnyShare) {
  // pytest.exit() in a collection hook ended share 1's session: the merged collection ends the run too.
  std::vector<pb::CollectionReport> shares = {Share(0, 2), Share(1, 2)};
  AddItem(shares[0], "a.py::x", 0);
  AddItem(shares[1], "b.py::x", 1);
  shares[1].set_pytest_exit(3);
  shares[1].mutable_session_exit()->set_reason("no database");
  shares[1].mutable_session_exit()->set_returncode(3);
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  ASSERT_TRUE(merged.report.has_session_exit());
  EXPECT_EQ(merged.report.session_exit().reason(), "no database");
  EXPECT_EQ(merged.report.pytest_exit(), 3);
}

TEST(MergeShares, KeepsAnInternalErrorOfAnyShare) {
  // A collection hook raised in share 1 only (it alone collected the file that sets it off).
  std::vector<pb::CollectionReport> shares = {Share(0, 2), Share(1, 2)};
  AddItem(shares[0], "a.py::x", 0);
  AddItem(shares[1], "b.py::x", 1);
  shares[1].set_pytest_exit(3);
  shares[1].set_internal_error("Traceback (most recent call last):\nRuntimeError: hook");
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  EXPECT_EQ(merged.report.internal_error(), "Traceback (most recent call last):\nRuntimeError: hook");
  EXPECT_EQ(merged.report.pytest_exit(), 3);
}

TEST(MergeShares, KeepsDuplicatesOfOneShare) {
  // pytest --keep-duplicates lists a file's tests twice, all in the share that owns the file.
  std::vector<pb::CollectionReport> shares = {Share(0, 2), Share(1, 2)};
  AddItem(shares[1], "a.py::x", 0);
  AddItem(shares[1], "a.py::x", 0);
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  EXPECT_EQ(Ids(merged.report), (std::vector<std::string>{"a.py::x", "a.py::x"}));
}

TEST(MergeShares, RefusesSharesThatDoNotFit) {
  // One of three is missing, and they do not say which files they collected.
  std::vector<pb::CollectionReport> shares = {Share(0, 3), Share(1, 3)};
  MergedCollection merged;
  std::string error;
  EXPECT_FALSE(MergeShares(shares, merged, error));
  EXPECT_NE(error.find("2 of 3 shares"), std::string::npos) << error;
  shares = {Share(0, 2), Share(0, 2)};
  EXPECT_FALSE(MergeShares(shares, merged, error));
  EXPECT_NE(error.find("share 0 twice"), std::string::npos) << error;
  shares = {Share(0, 2), Share(1, 3)};
  EXPECT_FALSE(MergeShares(shares, merged, error));
  EXPECT_NE(error.find("share 1 of 3"), std::string::npos) << error;
}

// A share whose walk met `files` files and collected `collected`, with one test in each.
pb::CollectionReport ShareOf(std::uint32_t share, std::uint32_t ways, std::uint32_t files,
                             const std::vector<std::uint32_t>& collected) {
  pb::CollectionReport report = Share(share, ways);
  report.set_split_files(files);
  for (std::uint32_t ordinal : collected) {
    report.add_split_collected(ordinal);
    AddItem(report, "f" + std::to_string(ordinal) + ".py::t", ordinal);
  }
  return report;
}

TEST(MergeShares, SharesThatCollectedEveryFileNeedNotWaitForTheOthers) {
  // Of four workers, gw0 and gw2 collected all four files (their own and the others', stolen) while gw1
  // and gw3 still waited to start: whatever they report later holds no file.
  std::vector<pb::CollectionReport> shares = {ShareOf(2, 4, 4, {2, 1}), ShareOf(0, 4, 4, {0, 3})};
  std::vector<const pb::CollectionReport*> in_hand = {&shares[0], &shares[1]};
  EXPECT_EQ(IncompleteShares(in_hand), "");
  MergedCollection merged;
  std::string error;
  ASSERT_TRUE(MergeShares(shares, merged, error)) << error;
  EXPECT_EQ(Ids(merged.report), (std::vector<std::string>{"f0.py::t", "f1.py::t", "f2.py::t", "f3.py::t"}));
  EXPECT_EQ(merged.collected_by, (std::vector<scheduler::WorkerId>{0, 2, 2, 0}));
  EXPECT_EQ(merged.report.settings().basetemp(), "/tmp/pytest-of-me/pytest-3");  // share 0's
}

TEST(MergeShares, SharesInHandAreIncompleteWithoutShareZeroOrWithoutAFile) {
  std::vector<pb::CollectionReport> shares = {ShareOf(1, 3, 2, {0, 1})};
  EXPECT_EQ(IncompleteShares({&shares[0]}), "no share 0 of 3");  // share 0 carries the settings
  shares = {ShareOf(0, 3, 3, {0}), ShareOf(1, 3, 3, {1})};       // file 2 is gw2's, not yet reported
  EXPECT_NE(IncompleteShares({&shares[0], &shares[1]}), "");
  shares = {ShareOf(0, 3, 3, {0, 2}), ShareOf(1, 3, 2, {1})};  // walks that disagree
  EXPECT_NE(IncompleteShares({&shares[0], &shares[1]}), "");
  MergedCollection merged;
  std::string error;
  EXPECT_FALSE(MergeShares(shares, merged, error));
}

}  // namespace
}  // namespace jackd
