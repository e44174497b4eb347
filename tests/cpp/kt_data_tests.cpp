#include "metacog/kt_data.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "metacog/error.hpp"
#include "test_support.hpp"

using metacog::ErrorCode;
using metacog::KtDataset;
using metacog::KtFormat;
using metacog::KtLoadOptions;
using metacog::kUnknown;
using metacog::parse_kt_text;
using metacog::test::code_of;
using metacog::test::message_of;

namespace {

std::vector<int> items_of(const metacog::LearnerLog& l) {
  std::vector<int> v;
  for (const auto& r : l.responses) v.push_back(r.item);
  return v;
}

std::vector<int> answers_of(const metacog::LearnerLog& l) {
  std::vector<int> v;
  for (const auto& r : l.responses) v.push_back(r.correct ? 1 : 0);
  return v;
}

/** DataFormat error message of parsing `text` as file "f.csv". */
std::string format_error(const std::string& text, const KtLoadOptions& opt = {}) {
  CHECK(code_of([&] { parse_kt_text(text, "f.csv", opt); }) == ErrorCode::DataFormat);
  return message_of([&] { parse_kt_text(text, "f.csv", opt); });
}

}  // namespace

TEST_CASE("kt data: 3-line format, 1-based ids, labels re-indexed densely in numeric order") {
  const KtDataset d = parse_kt_text("3\n10,2,10\n1,0,1\n2\n2,7\n0,0\n", "x");
  REQUIRE(d.learners.size() == 2);
  CHECK(d.num_items == 3);
  CHECK(d.num_skills == 3);
  CHECK(d.item_labels == std::vector<std::string>{"2", "7", "10"});
  CHECK(d.skill_labels == d.item_labels);  // skill = item without a mapping
  CHECK(items_of(d.learners[0]) == std::vector<int>{2, 0, 2});
  CHECK(answers_of(d.learners[0]) == std::vector<int>{1, 0, 1});
  CHECK(items_of(d.learners[1]) == std::vector<int>{0, 1});
  CHECK(d.learners[0].learner == "0");
  CHECK(d.learners[1].learner == "1");
  CHECK(d.learners[0].responses[2].timestamp == 2.0);
  CHECK(d.learners[0].responses[1].skill == d.learners[0].responses[1].item);
  CHECK(d.num_responses() == 5);
  CHECK(d.correct_rate() == doctest::Approx(2.0 / 5.0));
}

TEST_CASE("kt data: 3-line format tolerates trailing commas, blank lines, CRLF, spaces, 0-based ids") {
  const std::string text = "\r\n1\r\n7,\r\n1,\r\n\r\n\r\n 3 \r\n0, 82 ,82,\r\n0,0,1,\r\n\r\n";
  const KtDataset d = parse_kt_text(text, "builder.csv");
  REQUIRE(d.learners.size() == 2);
  CHECK(d.item_labels == std::vector<std::string>{"0", "7", "82"});
  CHECK(items_of(d.learners[0]) == std::vector<int>{1});
  CHECK(items_of(d.learners[1]) == std::vector<int>{0, 2, 2});
  CHECK(answers_of(d.learners[1]) == std::vector<int>{0, 0, 1});
  // no trailing newline at the end of file either
  CHECK(parse_kt_text("2\n1,2\n1,1", "x").num_responses() == 2);
  // opaque labels: "007" and "7" are different items; non-integer labels sort after integers
  const KtDataset o = parse_kt_text("3\nq1,007,7\n1,1,0\n", "x");
  CHECK(o.item_labels == std::vector<std::string>{"007", "7", "q1"});  // equal values: by text
}

TEST_CASE("kt data: 3-line format errors name the file, the line and the problem") {
  CHECK(format_error("3\n1,2\n1,0,1\n") == "f.csv:2: length mismatch: the length line says 3 but this line has 2 item ids");
  CHECK(format_error("2\n1,2\n1\n") == "f.csv:3: length mismatch: the length line says 2 but this line has 1 answers");
  CHECK(format_error("2\n1,2\n1,2\n") == "f.csv:3: answer 2 is '2', expected 0 or 1");
  CHECK(format_error("2\n1,2\n1,yes\n") == "f.csv:3: answer 2 is 'yes', expected 0 or 1");
  CHECK(format_error("2\n1,2\n1,0\n2.5\n1,2\n1,0\n").find("f.csv:4: expected the number of responses of learner 1") == 0);
  CHECK(format_error("0\n\n\n") == "f.csv:1: the number of responses must be at least 1, got 0");
  CHECK(format_error("2\n1,2\n").find("f.csv:1: truncated record") == 0);
  CHECK(format_error("2\n1,,\n1,0\n") == "f.csv:2: length mismatch: the length line says 2 but this line has 1 item ids");
  CHECK(format_error("3\n1,,2\n1,0,1\n") == "f.csv:2: empty item id at position 2");
  // blank lines shift line numbers but are reported with their real numbers
  CHECK(format_error("\n\n2\n1,2\n\n1,x\n") == "f.csv:6: answer 2 is 'x', expected 0 or 1");
  CHECK(code_of([] { parse_kt_text("", "empty.csv"); }) == ErrorCode::DataFormat);
  CHECK(message_of([] { parse_kt_text("\n \n", "empty.csv"); }).find("empty.csv: empty file") == 0);
}

TEST_CASE("kt data: CSV with header in any order, extra columns, grouping and stable timestamp order") {
  const std::string text =
      "extra,correct,Timestamp,skill,item,learner\n"
      "x,1,5,s1,a,bob\n"
      "x,0,1,s2,b,alice\n"
      "x,0,3,s1,c,bob\n"
      "x,1,3,s2,a,bob\n"   // tie with the row above: file order kept
      "x,1,0,s1,a,alice\n";
  const KtDataset d = parse_kt_text(text, "log.csv");
  CHECK(metacog::detect_kt_format(text) == KtFormat::Csv);
  REQUIRE(d.learners.size() == 2);
  CHECK(d.learners[0].learner == "bob");  // order of first appearance
  CHECK(d.learners[1].learner == "alice");
  CHECK(d.item_labels == std::vector<std::string>{"a", "b", "c"});
  CHECK(d.skill_labels == std::vector<std::string>{"s1", "s2"});
  CHECK(items_of(d.learners[0]) == std::vector<int>{2, 0, 0});  // t = 3 (c), 3 (a), 5 (a)
  CHECK(answers_of(d.learners[0]) == std::vector<int>{0, 1, 1});
  CHECK(d.learners[0].responses[0].skill == 0);
  CHECK(d.learners[0].responses[1].skill == 1);
  CHECK(d.learners[0].responses[2].timestamp == 5.0);
  CHECK(items_of(d.learners[1]) == std::vector<int>{0, 1});  // t = 0, 1
  // without skill / timestamp columns: skill = item, file order; quoted fields and CRLF
  const KtDataset e = parse_kt_text("learner,item,correct\r\n\"u,1\",\"q \"\"x\"\"\",1\r\nu2,q2,0\r\n\"u,1\",q2,0\r\n", "e.csv");
  REQUIRE(e.learners.size() == 2);
  CHECK(e.learners[0].learner == "u,1");
  CHECK(e.item_labels == std::vector<std::string>{"q \"x\"", "q2"});
  CHECK(items_of(e.learners[0]) == std::vector<int>{0, 1});
  CHECK(e.learners[0].responses[1].skill == 1);
  // ASSISTments-style column names are accepted as aliases
  const KtDataset a = parse_kt_text("order_id,user_id,problem_id,skill_id,correct\n2,u,p1,s,1\n1,u,p2,s,0\n", "a.csv");
  CHECK(items_of(a.learners[0]) == std::vector<int>{1, 0});
}

TEST_CASE("kt data: CSV errors") {
  CHECK(format_error("learner,skill,correct\nu,s,1\n").find("f.csv:1: missing column 'item'") == 0);
  CHECK(format_error("learner,item\nu,s\n").find("f.csv:1: missing column 'correct'") == 0);
  CHECK(format_error("learner,item,correct\nu,a,1\nu,b,2\n") == "f.csv:3: correct is '2', expected 0 or 1");
  CHECK(format_error("learner,item,correct\nu,a\n") == "f.csv:2: the row has 2 fields but the header's columns need 3");
  CHECK(format_error("learner,item,correct,timestamp\nu,a,1,soon\n") ==
        "f.csv:2: timestamp is 'soon', expected a finite number");
  CHECK(format_error("learner,item,correct\n,a,1\n") == "f.csv:2: empty learner");
  CHECK(format_error("learner,item,correct\nu,\"a,1\n") == "f.csv:2: unterminated double quote (quoted fields cannot span lines)");
  CHECK(format_error("learner,item,correct,skill\nu,a,1,\n") == "f.csv:2: empty skill");
}

TEST_CASE("kt data: vocabulary mapping gives unseen labels kUnknown") {
  const KtDataset train = parse_kt_text("learner,item,skill,correct\nu,a,s,1\nu,b,t,0\n", "train.csv");
  KtLoadOptions opt;
  opt.vocabulary = &train;
  const KtDataset test = parse_kt_text("learner,item,skill,correct\nv,b,t,1\nv,z,s,0\nv,y,new,1\n", "test.csv", opt);
  CHECK(test.item_labels == train.item_labels);
  CHECK(test.num_items == 2);
  CHECK(test.num_skills == 2);
  const auto& r = test.learners[0].responses;
  CHECK(r[0].item == 1);
  CHECK(r[0].skill == 1);
  CHECK(r[1].item == kUnknown);
  CHECK(r[1].skill == 0);  // unseen item of a known skill
  CHECK(r[2].item == kUnknown);
  CHECK(r[2].skill == kUnknown);
  CHECK(test.unknown_item_responses == 2);
  CHECK(test.unknown_skill_responses == 1);
}

TEST_CASE("kt data: item to skill mappings (pairs with header, Q-matrix) and their errors") {
  const metacog::ItemSkillMap pairs = metacog::parse_item_skill_map("qid\tskillid\tskillname\n1\t5\tx\n2\t5\ty\n3\t6\tz\n", "m");
  CHECK(pairs.skill_of.size() == 3);
  CHECK(pairs.skill_of.at("1") == "5");
  CHECK(pairs.skill_of.at("3") == "6");
  const metacog::ItemSkillMap q = metacog::parse_item_skill_map("1,0,0,\n0,0,1,\r\n0,1,1,\n", "Qmatrix.csv");
  CHECK(q.skill_of.at("1") == "1");
  CHECK(q.skill_of.at("2") == "3");
  CHECK(q.skill_of.at("3") == "2");  // several skills: the first
  KtLoadOptions opt;
  opt.skill_map = &pairs;
  const KtDataset d = parse_kt_text("3\n1,2,3\n1,1,0\n", "x", opt);
  CHECK(d.num_items == 3);
  CHECK(d.skill_labels == std::vector<std::string>{"5", "6"});
  CHECK(d.learners[0].responses[1].skill == 0);
  CHECK(d.learners[0].responses[2].skill == 1);
  CHECK(format_error("2\n1,4\n1,1\n", opt) == "f.csv:2: item '4' has no skill in the item→skill mapping");
  CHECK(message_of([] { metacog::parse_item_skill_map("1,0\n0,0\n", "Q"); }) == "Q:2: Q-matrix row has no skill (no 1 in the row)");
  CHECK(message_of([] { metacog::parse_item_skill_map("1,0\n0,0,1\n", "Q"); }) ==
        "Q:2: Q-matrix row has 3 columns, the first row has 2");
  CHECK(message_of([] { metacog::parse_item_skill_map("1\t2\n3\n", "m"); }) == "m:2: expected 'item<TAB>skill', got '3'");
}

TEST_CASE("kt data: files on disk, Io errors") {
  const std::string path = metacog::test::scratch_path("kt-data.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "2\n5,6,\n1,0,\n";
  }
  const KtDataset d = metacog::load_kt_file(path);
  CHECK(d.num_responses() == 2);
  CHECK(message_of([&] {
          std::ofstream(path, std::ios::binary) << "2\n5,6\n1,3\n";
          metacog::load_kt_file(path);
        }) == path + ":3: answer 2 is '3', expected 0 or 1");
  std::remove(path.c_str());
  CHECK(code_of([] { metacog::load_kt_file("/nonexistent/kt.csv"); }) == ErrorCode::Io);
  CHECK(code_of([] { metacog::load_item_skill_map("/nonexistent/q.csv"); }) == ErrorCode::Io);
}

TEST_CASE("kt data: learner split is deterministic, disjoint and keeps the vocabulary") {
  std::string text;
  for (int u = 0; u < 50; ++u) text += "2\n" + std::to_string(u % 7) + ",3\n1,0\n";
  const KtDataset d = parse_kt_text(text, "x");
  const metacog::KtSplit a = metacog::split_learners(d, 0.2, 42);
  const metacog::KtSplit b = metacog::split_learners(d, 0.2, 42);
  const metacog::KtSplit c = metacog::split_learners(d, 0.2, 43);
  CHECK(a.valid.learners.size() == 10);
  CHECK(a.train.learners.size() == 40);
  CHECK(a.train.item_labels == d.item_labels);
  CHECK(a.valid.num_items == d.num_items);
  std::set<std::string> tr, va, vc;
  for (const auto& l : a.train.learners) tr.insert(l.learner);
  for (const auto& l : a.valid.learners) va.insert(l.learner);
  for (const auto& l : c.valid.learners) vc.insert(l.learner);
  CHECK(tr.size() + va.size() == 50);
  for (const auto& v : va) CHECK(tr.count(v) == 0);
  for (size_t i = 0; i < a.valid.learners.size(); ++i) CHECK(a.valid.learners[i].learner == b.valid.learners[i].learner);
  CHECK(va != vc);
  // learner order inside a part follows the original order
  for (size_t i = 1; i < a.train.learners.size(); ++i) {
    CHECK(std::stoi(a.train.learners[i - 1].learner) < std::stoi(a.train.learners[i].learner));
  }
  CHECK(code_of([&] { metacog::split_learners(d, 1.5, 1); }) == ErrorCode::InvalidArgument);
}
