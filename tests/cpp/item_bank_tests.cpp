// Item bank: parsing, the validation error matrix, topological order (property test on random DAGs).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metacog/item_bank.hpp"
#include "metacog/rng.hpp"
#include "test_support.hpp"

using metacog::ErrorCode;
using metacog::ItemBank;
using nlohmann::json;

namespace {

json minimal_bank() {
  return json::parse(R"({
    "version": 1,
    "skills": [
      {"id": "a", "name": {"en": "Skill A", "zh": "技能甲"}, "prerequisites": []},
      {"id": "b", "name": "Skill B", "prerequisites": ["a"]},
      {"id": "c", "name": "Skill C", "prerequisites": ["b"]}
    ],
    "items": [
      {"id": "q1", "skills": ["a"], "difficulty": 1, "content": {"type": "choice", "prompt": {"en": "1+1?", "zh": "1+1？"}, "choices": ["2", "3"], "answer": 0}},
      {"id": "q2", "skills": ["b"], "content": {"type": "numeric", "prompt": "2+2?", "answer": "4"}},
      {"id": "q3", "skills": ["b", "c"], "difficulty": 5, "content": {"prompt": "pick", "choices": [{"en": "x", "zh": "甲"}, "y", "z"], "answer": 2}}
    ],
    "resources": [
      {"id": "r1", "title": {"en": "About A", "zh": "关于甲"}, "kind": "explanation", "skills": ["a"], "url": "resources/a.html"}
    ]
  })");
}

std::string error_of(const json& doc) {
  return metacog::test::message_of([&] { ItemBank::parse(doc.dump()); });
}

ErrorCode code_of(const json& doc) {
  return metacog::test::code_of([&] { ItemBank::parse(doc.dump()); });
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("item bank: a minimal bank parses with texts, types and indices") {
  const ItemBank b = ItemBank::parse(minimal_bank().dump());
  REQUIRE(b.num_skills() == 3);
  REQUIRE(b.num_items() == 3);
  REQUIRE(b.num_resources() == 1);
  CHECK(b.skill(0).name.get("zh") == "技能甲");
  CHECK(b.skill(0).name.get("en") == "Skill A");
  CHECK(b.skill(1).name.get("zh") == "Skill B");  // plain string: every language falls back to it
  CHECK(b.item(0).type == metacog::ItemType::Choice);
  CHECK(b.item(0).answer_index == 0);
  CHECK(b.item(1).type == metacog::ItemType::Numeric);
  CHECK(b.item(1).answer == "4");
  CHECK(b.item(1).difficulty == 0);
  CHECK(b.item(2).type == metacog::ItemType::Choice);  // inferred from "choices"
  CHECK(b.item(2).choices[0].get("zh") == "甲");
  CHECK(b.item(2).skills == std::vector<int>{1, 2});
  CHECK(b.items_of_skill(1) == std::vector<int>{1, 2});
  CHECK(b.skill_index("c") == 2);
  CHECK(b.skill_index("zz") == -1);
  CHECK(b.item_index("q3") == 2);
  CHECK(b.resource_index("r1") == 0);
  CHECK(b.require_item("q2") == 1);
  CHECK(metacog::test::code_of([&] { b.require_item("nope"); }) == ErrorCode::UnknownItem);
  CHECK(metacog::test::code_of([&] { b.require_skill("nope"); }) == ErrorCode::InvalidArgument);
  CHECK(b.topological_order() == std::vector<int>{0, 1, 2});
  CHECK(b.skill(2).depth == 2);
  CHECK(b.skill(0).dependents == std::vector<int>{1});
  CHECK(b.terminal_skills() == std::vector<int>{2});
  CHECK(b.prerequisite_closure({2}) == std::vector<int>{0, 1, 2});
  CHECK(b.requires(2, 0));
  CHECK_FALSE(b.requires(0, 2));
  CHECK_FALSE(b.requires(1, 1));
}

TEST_CASE("item bank: validation error matrix names the offending id") {
  struct Case {
    const char* what;
    std::function<void(json&)> mutate;
    std::vector<std::string> expect;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {"not an object", [](json& d) { d = json::array(); }, {"must be a JSON object"}},
      {"missing version", [](json& d) { d.erase("version"); }, {"missing \"version\""}},
      {"version as a string", [](json& d) { d["version"] = "1"; }, {"\"version\" must be a positive integer"}},
      {"newer version", [](json& d) { d["version"] = 2; }, {"version 2 is newer"}},
      {"skills not an array", [](json& d) { d["skills"] = json::object(); }, {"\"skills\" must be an array"}},
      {"no skills", [](json& d) { d["skills"] = json::array(); }, {"\"skills\" is empty"}},
      {"skill without id", [](json& d) { d["skills"][1].erase("id"); }, {"skills[1]", "missing \"id\""}},
      {"skill id not a string", [](json& d) { d["skills"][1]["id"] = 7; }, {"skills[1]", "\"id\" must be a string"}},
      {"empty skill id", [](json& d) { d["skills"][0]["id"] = ""; }, {"skills[0]", "empty"}},
      {"over-long id", [](json& d) { d["items"][0]["id"] = std::string(300, 'x'); }, {"items[0]", "longer than 256"}},
      {"duplicate skill id", [](json& d) { d["skills"][2]["id"] = "a"; }, {"duplicate skill id \"a\""}},
      {"skill without name", [](json& d) { d["skills"][2].erase("name"); }, {"skill \"c\"", "missing \"name\""}},
      {"name of the wrong type", [](json& d) { d["skills"][2]["name"] = 3; }, {"skill \"c\"", "\"name\" must be a string or an object"}},
      {"empty text in one language", [](json& d) { d["skills"][0]["name"]["zh"] = ""; }, {"skill \"a\"", "\"zh\" must be a non-empty string"}},
      {"unknown prerequisite", [](json& d) { d["skills"][1]["prerequisites"] = {"a", "zz"}; }, {"skill \"b\"", "unknown prerequisite \"zz\""}},
      {"prerequisites not an array", [](json& d) { d["skills"][1]["prerequisites"] = "a"; }, {"skill \"b\"", "\"prerequisites\" must be an array"}},
      {"repeated prerequisite", [](json& d) { d["skills"][1]["prerequisites"] = {"a", "a"}; }, {"skill \"b\"", "twice"}},
      {"cycle", [](json& d) { d["skills"][0]["prerequisites"] = {"c"}; }, {"prerequisite cycle: a → c → b → a"}},
      {"self-prerequisite", [](json& d) { d["skills"][1]["prerequisites"] = {"b"}; }, {"prerequisite cycle: b → b"}},
      {"items missing", [](json& d) { d.erase("items"); }, {"missing \"items\""}},
      {"item without skills", [](json& d) { d["items"][1]["skills"] = json::array(); }, {"item \"q2\" has no skills"}},
      {"item missing skills", [](json& d) { d["items"][1].erase("skills"); }, {"item \"q2\"", "missing \"skills\""}},
      {"item with an unknown skill", [](json& d) { d["items"][0]["skills"] = {"a", "zz"}; }, {"item \"q1\" refers to unknown skill \"zz\""}},
      {"item skill not a string", [](json& d) { d["items"][0]["skills"] = {1}; }, {"item \"q1\"", "must be strings"}},
      {"item lists a skill twice", [](json& d) { d["items"][0]["skills"] = {"a", "a"}; }, {"item \"q1\" lists skill \"a\" twice"}},
      {"item with five skills", [](json& d) { d["items"][0]["skills"] = {"a", "b", "c", "a", "b"}; }, {"item \"q1\" has 5 skills"}},
      {"duplicate item id", [](json& d) { d["items"][2]["id"] = "q1"; }, {"duplicate item id \"q1\""}},
      {"difficulty out of range", [](json& d) { d["items"][0]["difficulty"] = 6; }, {"item \"q1\"", "\"difficulty\" must be an integer 1..5"}},
      {"difficulty zero", [](json& d) { d["items"][0]["difficulty"] = 0; }, {"item \"q1\"", "1..5"}},
      {"difficulty as text", [](json& d) { d["items"][0]["difficulty"] = "hard"; }, {"item \"q1\"", "\"hard\""}},
      {"content missing", [](json& d) { d["items"][0].erase("content"); }, {"item \"q1\"", "missing \"content\""}},
      {"content not an object", [](json& d) { d["items"][0]["content"] = "x"; }, {"item \"q1\"", "\"content\" must be an object"}},
      {"prompt missing", [](json& d) { d["items"][0]["content"].erase("prompt"); }, {"item \"q1\"", "content.prompt"}},
      {"prompt a number", [](json& d) { d["items"][0]["content"]["prompt"] = 5; }, {"item \"q1\"", "content.prompt"}},
      {"unknown type", [](json& d) { d["items"][0]["content"]["type"] = "essay"; }, {"item \"q1\"", "\"essay\""}},
      {"answer index too large", [](json& d) { d["items"][0]["content"]["answer"] = 2; }, {"item \"q1\"", "choice index 0..1, got 2"}},
      {"negative answer index", [](json& d) { d["items"][0]["content"]["answer"] = -1; }, {"item \"q1\"", "got -1"}},
      {"fractional answer index", [](json& d) { d["items"][0]["content"]["answer"] = 0.5; }, {"item \"q1\"", "choice index"}},
      {"answer index as text", [](json& d) { d["items"][0]["content"]["answer"] = "0"; }, {"item \"q1\"", "choice index"}},
      {"answer missing", [](json& d) { d["items"][0]["content"].erase("answer"); }, {"item \"q1\"", "missing \"content.answer\""}},
      {"choices not an array", [](json& d) { d["items"][0]["content"]["choices"] = "2,3"; }, {"item \"q1\"", "\"content.choices\" must be an array"}},
      {"one choice", [](json& d) { d["items"][0]["content"]["choices"] = {"2"}; }, {"item \"q1\"", "2..26 choices"}},
      {"choice missing", [](json& d) { d["items"][0]["content"].erase("choices"); }, {"item \"q1\"", "needs \"content.choices\""}},
      {"numeric answer a number", [](json& d) { d["items"][1]["content"]["answer"] = 4; }, {"item \"q2\"", "must be a string holding an integer"}},
      {"numeric answer empty", [](json& d) { d["items"][1]["content"]["answer"] = ""; }, {"item \"q2\"", "a mixed number (\"1 3/4\"), got \"\""}},
      {"numeric answer a word", [](json& d) { d["items"][1]["content"]["answer"] = "four"; }, {"item \"q2\"", "got \"four\""}},
      {"numeric answer with a unit", [](json& d) { d["items"][1]["content"]["answer"] = "4 cm"; }, {"item \"q2\"", "\"4 cm\""}},
      {"numeric answer over zero", [](json& d) { d["items"][1]["content"]["answer"] = "3/0"; }, {"item \"q2\"", "\"3/0\""}},
      {"numeric answer improper mixed", [](json& d) { d["items"][1]["content"]["answer"] = "1 5/4"; }, {"item \"q2\"", "\"1 5/4\""}},
      {"numeric answer zero mixed", [](json& d) { d["items"][1]["content"]["answer"] = "0 1/2"; }, {"item \"q2\"", "\"0 1/2\""}},
      {"numeric answer padded", [](json& d) { d["items"][1]["content"]["answer"] = " 4"; }, {"item \"q2\"", "\" 4\""}},
      {"numeric answer a lone point", [](json& d) { d["items"][1]["content"]["answer"] = "."; }, {"item \"q2\"", "\".\""}},
      {"numeric item with choices", [](json& d) { d["items"][1]["content"]["choices"] = {"4", "5"}; }, {"item \"q2\"", "has no \"content.choices\""}},
      {"resource with an unknown skill", [](json& d) { d["resources"][0]["skills"] = {"zz"}; }, {"resource \"r1\" refers to unknown skill \"zz\""}},
      {"resource without skills", [](json& d) { d["resources"][0]["skills"] = json::array(); }, {"resource \"r1\" has no skills"}},
      {"resource without title", [](json& d) { d["resources"][0].erase("title"); }, {"resource \"r1\"", "missing \"title\""}},
      {"resource url not a string", [](json& d) { d["resources"][0]["url"] = 3; }, {"resource \"r1\"", "\"url\" must be a string"}},
      {"resource url javascript:", [](json& d) { d["resources"][0]["url"] = "JavaScript:alert(1)"; }, {"resource \"r1\"", "relative or http(s)", "\"javascript:\""}},
      {"resource url data:", [](json& d) { d["resources"][0]["url"] = "data:text/html,<b>x</b>"; }, {"resource \"r1\"", "\"data:\""}},
      {"resource url with a hidden tab", [](json& d) { d["resources"][0]["url"] = "java\tscript:alert(1)"; }, {"resource \"r1\"", "control characters"}},
      {"resource url with a leading space", [](json& d) { d["resources"][0]["url"] = " javascript:alert(1)"; }, {"resource \"r1\"", "spaces"}},
      {"resource id equals an item id", [](json& d) { d["resources"][0]["id"] = "q1"; }, {"resource \"q1\"", "same id as an item"}},
      {"duplicate resource id", [](json& d) { d["resources"].push_back(d["resources"][0]); }, {"duplicate resource id \"r1\""}},
      {"resources not an array", [](json& d) { d["resources"] = 1; }, {"\"resources\" must be an array"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    json doc = minimal_bank();
    c.mutate(doc);
    CHECK(code_of(doc) == ErrorCode::ItemBank);
    const std::string msg = error_of(doc);
    for (const auto& part : c.expect) {
      CAPTURE(msg);
      CHECK(contains(msg, part));
    }
  }
  CHECK(metacog::test::code_of([] { ItemBank::parse("{\"version\": 1,"); }) == ErrorCode::ItemBank);
  CHECK(contains(metacog::test::message_of([] { ItemBank::parse("not json"); }), "not valid JSON"));
  // resources are optional; unknown fields are ignored
  json doc = minimal_bank();
  doc.erase("resources");
  doc["extra"] = {{"anything", true}};
  doc["items"][0]["check"] = "1+1";
  CHECK(ItemBank::parse(doc.dump()).num_resources() == 0);
  // numeric answers: the four number forms the practice widget checks exactly (web/src/ui/answers.js)
  for (const char* answer : {"4", "-12", "+3", "0.375", ".5", "2.", "3/4", "-7/5", "12/10", "1 3/4", "-2 1/3", "10 09/10"}) {
    CAPTURE(answer);
    json ok = minimal_bank();
    ok["items"][1]["content"]["answer"] = answer;
    CHECK(ItemBank::parse(ok.dump()).item(1).answer == answer);
  }
  // resource urls: relative, http and https (any case) are links the UI may render
  for (const char* url : {"resources/a.html", "../a.html#x", "/r?q=a:b", "//cdn.example/v", "http://example.org/a", "HTTPS://example.org/a%20b"}) {
    CAPTURE(url);
    json ok = minimal_bank();
    ok["resources"][0]["url"] = url;
    CHECK(ItemBank::parse(ok.dump()).resource(0).url == url);
  }
}

TEST_CASE("item bank: topological order respects prerequisites on random DAGs (property)") {
  metacog::Pcg32 rng(2024, 7);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng.uniform_int(25));
    // a random DAG over ranks 0..n−1 (edges from lower to higher rank), written in a shuffled file order
    std::vector<int> file_of_rank(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) file_of_rank[static_cast<size_t>(k)] = k;
    rng.shuffle(file_of_rank);
    std::vector<std::vector<int>> pre_rank(static_cast<size_t>(n));
    const double density = rng.uniform_double() * 0.4;
    for (int hi = 0; hi < n; ++hi) {
      for (int lo = 0; lo < hi; ++lo) {
        if (rng.bernoulli(density)) pre_rank[static_cast<size_t>(hi)].push_back(lo);
      }
    }
    json doc = {{"version", 1}, {"skills", json::array()}, {"items", json::array()}};
    std::vector<json> skills(static_cast<size_t>(n));
    for (int r = 0; r < n; ++r) {
      json pre = json::array();
      for (int q : pre_rank[static_cast<size_t>(r)]) pre.push_back("s" + std::to_string(q));
      skills[static_cast<size_t>(file_of_rank[static_cast<size_t>(r)])] = {{"id", "s" + std::to_string(r)}, {"name", "S"}, {"prerequisites", pre}};
    }
    for (const json& s : skills) doc["skills"].push_back(s);
    const ItemBank b = ItemBank::parse(doc.dump());
    const auto& order = b.topological_order();
    REQUIRE(order.size() == static_cast<size_t>(n));
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (int k = 0; k < n; ++k) CHECK(sorted[static_cast<size_t>(k)] == k);
    for (int s = 0; s < n; ++s) {
      CHECK(b.topological_rank(order[static_cast<size_t>(s)]) == s);
      for (int p : b.skill(s).prerequisites) {
        CHECK(b.topological_rank(p) < b.topological_rank(s));
        CHECK(b.skill(p).depth < b.skill(s).depth);
      }
    }
    // a closure is closed under prerequisites and topologically ordered
    const int g = static_cast<int>(rng.uniform_int(static_cast<uint32_t>(n)));
    const auto closure = b.prerequisite_closure({g});
    for (size_t k = 0; k < closure.size(); ++k) {
      if (k > 0) CHECK(b.topological_rank(closure[k - 1]) < b.topological_rank(closure[k]));
      for (int p : b.skill(closure[k]).prerequisites) CHECK(std::find(closure.begin(), closure.end(), p) != closure.end());
    }
    // adding an edge from the first skill back to the last one's closure makes a cycle that is reported
    if (n >= 2 && !closure.empty() && closure.size() >= 2) {
      json bad = doc;
      const std::string top = b.skill(g).id;
      const std::string bottom = b.skill(closure.front()).id;
      for (auto& s : bad["skills"]) {
        if (s["id"] == bottom) s["prerequisites"].push_back(top);
      }
      const std::string msg = metacog::test::message_of([&] { ItemBank::parse(bad.dump()); });
      CHECK(contains(msg, "prerequisite cycle"));
      CHECK(contains(msg, top));
      CHECK(contains(msg, bottom));
    }
  }
}

TEST_CASE("item bank: the demo item bank loads") {
  const std::string path = metacog::test::source_dir() + "/web/demo/item-bank.json";
  const ItemBank b = ItemBank::parse(metacog::test::read_text(path));
  CHECK(b.num_skills() >= 10);
  CHECK(b.num_items() >= 200);
  CHECK(b.num_resources() >= 20);
  CHECK(b.id == "metacog-demo-fractions");
  const int add = b.require_skill("frac-add-unlike");
  CHECK(b.skill(add).name.has("zh"));
  CHECK_FALSE(b.skill(add).name.get("zh").empty());
  CHECK(b.requires(add, b.require_skill("mult-facts")));
  for (size_t s = 0; s < b.num_skills(); ++s) CHECK(b.items_of_skill(static_cast<int>(s)).size() >= 15);
  for (const auto& it : b.items()) {
    CHECK(it.difficulty >= 1);
    CHECK_FALSE(it.prompt.get("en").empty());
    if (it.type == metacog::ItemType::Choice) CHECK(it.answer_index < static_cast<int>(it.choices.size()));
  }
  const auto terminal = b.terminal_skills();
  CHECK(std::find(terminal.begin(), terminal.end(), b.require_skill("frac-word-problems")) != terminal.end());
  for (int s : terminal) CHECK(b.skill(s).dependents.empty());
}
