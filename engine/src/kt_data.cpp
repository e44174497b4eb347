#include "metacog/kt_data.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"

namespace metacog {

int64_t KtDataset::num_responses() const {
  int64_t n = 0;
  for (const LearnerLog& l : learners) n += static_cast<int64_t>(l.responses.size());
  return n;
}

double KtDataset::correct_rate() const {
  int64_t n = 0, c = 0;
  for (const LearnerLog& l : learners) {
    for (const Response& r : l.responses) {
      ++n;
      c += r.correct ? 1 : 0;
    }
  }
  return n == 0 ? 0.0 : static_cast<double>(c) / static_cast<double>(n);
}

namespace {

struct Line {
  int number;        // 1-based line number in the file
  std::string text;  // without the line end ('\n', "\r\n")
};

[[noreturn]] void fail(const std::string& name, int line, const std::string& problem) {
  throw Error(ErrorCode::DataFormat, name + ":" + std::to_string(line) + ": " + problem);
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

/** Non-blank lines with their numbers; strips CR and a UTF-8 byte-order mark. */
std::vector<Line> nonblank_lines(const std::string& text) {
  std::vector<Line> out;
  size_t pos = 0;
  int number = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++number;
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!trim(line).empty()) out.push_back({number, std::move(line)});
    if (end == text.size()) break;
    pos = end + 1;
  }
  return out;
}

/** Splits on sep and trims each field; drops trailing empty fields (trailing commas). */
std::vector<std::string> split_fields(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t end = s.find(sep, pos);
    out.push_back(trim(s.substr(pos, end == std::string::npos ? std::string::npos : end - pos)));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

/** Splits one CSV line with RFC 4180 quoting (no newlines inside quotes); trims unquoted fields. */
std::vector<std::string> split_csv(const std::string& s, const std::string& name, int line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch == '"' && trim(field).empty()) {
      quoted = true;
      was_quoted = true;
      field.clear();
    } else if (ch == ',') {
      out.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else {
      field += ch;
    }
  }
  if (quoted) fail(name, line, "unterminated double quote (quoted fields cannot span lines)");
  out.push_back(was_quoted ? field : trim(field));
  return out;
}

bool parse_integer(const std::string& s, long long& out) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return false;
  }
  if (s.size() - i > 18) return false;  // would overflow
  out = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

std::string quote(const std::string& s) {
  const size_t max_len = 40;
  return "'" + (s.size() > max_len ? s.substr(0, max_len) + "…" : s) + "'";
}

/** Label order: integers numerically (ties by text), then non-integers as strings. */
bool label_less(const std::string& a, const std::string& b) {
  long long ia = 0, ib = 0;
  const bool na = parse_integer(a, ia), nb = parse_integer(b, ib);
  if (na && nb) return ia != ib ? ia < ib : a < b;
  if (na != nb) return na;
  return a < b;
}

/** Collects labels in order of first appearance and hands out provisional indices. */
struct LabelTable {
  std::unordered_map<std::string, int> index;
  std::vector<std::string> labels;
  int get(const std::string& label) {
    auto it = index.find(label);
    if (it != index.end()) return it->second;
    const int id = static_cast<int>(labels.size());
    index.emplace(label, id);
    labels.push_back(label);
    return id;
  }
  /** Sorts the labels; returns provisional index → final index. */
  std::vector<int> sort_labels() {
    std::vector<int> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return label_less(labels[a], labels[b]); });
    std::vector<int> final_of(labels.size());
    std::vector<std::string> sorted(labels.size());
    for (size_t k = 0; k < order.size(); ++k) {
      final_of[order[k]] = static_cast<int>(k);
      sorted[k] = labels[order[k]];
    }
    labels = std::move(sorted);
    return final_of;
  }
};

/** Turns provisional item/skill indices into sorted dense ones and fills the vocabulary. */
KtDataset finalize(std::vector<LearnerLog> learners, LabelTable& items, LabelTable& skills) {
  const std::vector<int> item_map = items.sort_labels();
  const std::vector<int> skill_map = skills.sort_labels();
  for (LearnerLog& l : learners) {
    for (Response& r : l.responses) {
      r.item = item_map[r.item];
      r.skill = skill_map[r.skill];
    }
  }
  KtDataset d;
  d.learners = std::move(learners);
  d.item_labels = std::move(items.labels);
  d.skill_labels = std::move(skills.labels);
  d.num_items = static_cast<int>(d.item_labels.size());
  d.num_skills = static_cast<int>(d.skill_labels.size());
  return d;
}

const std::string& mapped_skill(const ItemSkillMap& map, const std::string& item, const std::string& name,
                                int line) {
  auto it = map.skill_of.find(item);
  if (it == map.skill_of.end()) fail(name, line, "item " + quote(item) + " has no skill in the item→skill mapping");
  return it->second;
}

KtDataset parse_three_line(const std::vector<Line>& lines, const std::string& name, const ItemSkillMap* skill_map) {
  LabelTable items, skills;
  std::vector<LearnerLog> learners;
  size_t i = 0;
  while (i < lines.size()) {
    const Line& len_line = lines[i];
    long long len = 0;
    const std::string len_text = trim(len_line.text);
    if (!parse_integer(len_text, len)) {
      fail(name, len_line.number,
           "expected the number of responses of learner " + std::to_string(learners.size()) +
               " (a non-negative integer), got " + quote(len_text));
    }
    if (len < 1) fail(name, len_line.number, "the number of responses must be at least 1, got " + len_text);
    if (i + 2 >= lines.size()) {
      fail(name, len_line.number,
           "truncated record: a length line must be followed by an item-id line and an answer line");
    }
    const Line& id_line = lines[i + 1];
    const Line& ans_line = lines[i + 2];
    const std::vector<std::string> ids = split_fields(id_line.text, ',');
    const std::vector<std::string> answers = split_fields(ans_line.text, ',');
    if (static_cast<long long>(ids.size()) != len) {
      fail(name, id_line.number,
           "length mismatch: the length line says " + std::to_string(len) + " but this line has " +
               std::to_string(ids.size()) + " item ids");
    }
    if (static_cast<long long>(answers.size()) != len) {
      fail(name, ans_line.number,
           "length mismatch: the length line says " + std::to_string(len) + " but this line has " +
               std::to_string(answers.size()) + " answers");
    }
    LearnerLog log;
    log.learner = std::to_string(learners.size());
    log.responses.resize(static_cast<size_t>(len));
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t].empty()) fail(name, id_line.number, "empty item id at position " + std::to_string(t + 1));
      if (answers[t] != "0" && answers[t] != "1") {
        fail(name, ans_line.number,
             "answer " + std::to_string(t + 1) + " is " + quote(answers[t]) + ", expected 0 or 1");
      }
      Response& r = log.responses[t];
      r.item = items.get(ids[t]);
      r.skill = skills.get(skill_map ? mapped_skill(*skill_map, ids[t], name, id_line.number) : ids[t]);
      r.correct = answers[t] == "1";
      r.timestamp = static_cast<double>(t);
    }
    learners.push_back(std::move(log));
    i += 3;
  }
  return finalize(std::move(learners), items, skills);
}

int find_column(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    for (size_t c = 0; c < header.size(); ++c) {
      if (header[c] == n) return static_cast<int>(c);
    }
  }
  return -1;
}

KtDataset parse_csv(const std::vector<Line>& lines, const std::string& name, const ItemSkillMap* skill_map) {
  if (lines.empty()) throw Error(ErrorCode::DataFormat, name + ": empty file: expected a header line");
  std::vector<std::string> header = split_csv(lines[0].text, name, lines[0].number);
  for (std::string& h : header) {
    for (char& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  const int c_learner = find_column(header, {"learner", "user_id", "student_id", "student", "user"});
  const int c_item = find_column(header, {"item", "item_id", "problem_id", "question_id", "question"});
  const int c_correct = find_column(header, {"correct"});
  const int c_skill = find_column(header, {"skill", "skill_id", "kc"});
  const int c_time = find_column(header, {"timestamp", "time", "order_id"});
  const char* missing = c_learner < 0 ? "learner" : c_item < 0 ? "item" : c_correct < 0 ? "correct" : nullptr;
  if (missing) {
    fail(name, lines[0].number,
         std::string("missing column '") + missing +
             "': the header must name the columns learner,item,correct (optionally skill,timestamp), got " +
             quote(lines[0].text));
  }
  const int needed = std::max({c_learner, c_item, c_correct, c_skill, c_time}) + 1;

  struct Row {
    double timestamp;
    Response r;
  };
  LabelTable items, skills;
  std::unordered_map<std::string, int> learner_index;
  std::vector<std::string> learner_names;
  std::vector<std::vector<Row>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const std::vector<std::string> f = split_csv(line.text, name, line.number);
    if (static_cast<int>(f.size()) < needed) {
      fail(name, line.number,
           "the row has " + std::to_string(f.size()) + " fields but the header's columns need " +
               std::to_string(needed));
    }
    const std::string& learner = f[c_learner];
    const std::string& item = f[c_item];
    if (learner.empty()) fail(name, line.number, "empty learner");
    if (item.empty()) fail(name, line.number, "empty item");
    const std::string& correct = f[c_correct];
    if (correct != "0" && correct != "1") {
      fail(name, line.number, "correct is " + quote(correct) + ", expected 0 or 1");
    }
    std::string skill = item;
    if (skill_map) {
      skill = mapped_skill(*skill_map, item, name, line.number);
    } else if (c_skill >= 0) {
      skill = f[c_skill];
      if (skill.empty()) fail(name, line.number, "empty skill");
    }
    double ts = static_cast<double>(i);
    if (c_time >= 0 && !parse_double(f[c_time], ts)) {
      fail(name, line.number, "timestamp is " + quote(f[c_time]) + ", expected a finite number");
    }
    auto it = learner_index.find(learner);
    int li = 0;
    if (it == learner_index.end()) {
      li = static_cast<int>(learner_names.size());
      learner_index.emplace(learner, li);
      learner_names.push_back(learner);
      rows.emplace_back();
    } else {
      li = it->second;
    }
    Response r;
    r.item = items.get(item);
    r.skill = skills.get(skill);
    r.correct = correct == "1";
    r.timestamp = ts;
    rows[li].push_back({ts, r});
  }
  std::vector<LearnerLog> learners(rows.size());
  for (size_t li = 0; li < rows.size(); ++li) {
    std::stable_sort(rows[li].begin(), rows[li].end(),
                     [](const Row& a, const Row& b) { return a.timestamp < b.timestamp; });
    learners[li].learner = learner_names[li];
    learners[li].responses.reserve(rows[li].size());
    for (const Row& row : rows[li]) learners[li].responses.push_back(row.r);
  }
  return finalize(std::move(learners), items, skills);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), ErrorCode::Io, path + ": cannot open the file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  require(!in.bad(), ErrorCode::Io, path + ": read error");
  return ss.str();
}

}  // namespace

KtFormat detect_kt_format(const std::string& text) {
  const std::vector<Line> lines = nonblank_lines(text);
  if (lines.empty()) return KtFormat::ThreeLine;
  long long n = 0;
  return parse_integer(trim(lines[0].text), n) ? KtFormat::ThreeLine : KtFormat::Csv;
}

KtDataset parse_kt_text(const std::string& text, const std::string& name, const KtLoadOptions& options) {
  const std::vector<Line> lines = nonblank_lines(text);
  if (lines.empty()) {
    throw Error(ErrorCode::DataFormat,
                name + ": empty file: expected 3-line learner records or a CSV header line");
  }
  const KtFormat format = options.format == KtFormat::Auto ? detect_kt_format(text) : options.format;
  KtDataset d = format == KtFormat::Csv ? parse_csv(lines, name, options.skill_map)
                                        : parse_three_line(lines, name, options.skill_map);
  if (options.vocabulary) return remap_to_vocabulary(d, *options.vocabulary);
  return d;
}

KtDataset load_kt_file(const std::string& path, const KtLoadOptions& options) {
  return parse_kt_text(read_file(path), path, options);
}

ItemSkillMap parse_item_skill_map(const std::string& text, const std::string& name, int first_label) {
  const std::vector<Line> lines = nonblank_lines(text);
  if (lines.empty()) throw Error(ErrorCode::DataFormat, name + ": empty item→skill mapping");
  ItemSkillMap map;
  const bool tabbed = lines[0].text.find('\t') != std::string::npos;
  // Q-matrix: comma-separated rows of 0/1, ≥ 2 columns, every field 0 or 1.
  bool qmatrix = !tabbed;
  size_t width = 0;
  if (qmatrix) {
    width = split_fields(lines[0].text, ',').size();
    qmatrix = width >= 2;
    for (size_t i = 0; qmatrix && i < lines.size(); ++i) {
      for (const std::string& f : split_fields(lines[i].text, ',')) {
        if (f != "0" && f != "1") {
          qmatrix = false;
          break;
        }
      }
    }
  }
  if (qmatrix) {
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::vector<std::string> f = split_fields(lines[i].text, ',');
      if (f.size() != width) {
        fail(name, lines[i].number,
             "Q-matrix row has " + std::to_string(f.size()) + " columns, the first row has " + std::to_string(width));
      }
      const auto one = std::find(f.begin(), f.end(), "1");
      if (one == f.end()) fail(name, lines[i].number, "Q-matrix row has no skill (no 1 in the row)");
      map.skill_of.emplace(std::to_string(static_cast<long long>(i) + first_label),
                           std::to_string(static_cast<long long>(one - f.begin()) + first_label));
    }
    return map;
  }
  const char sep = tabbed ? '\t' : ',';
  size_t start = 0;
  if (lines.size() >= 2) {
    long long n = 0;
    const std::vector<std::string> f0 = split_fields(lines[0].text, sep);
    const std::vector<std::string> f1 = split_fields(lines[1].text, sep);
    if (!f0.empty() && !f1.empty() && !parse_integer(f0[0], n) && parse_integer(f1[0], n)) start = 1;
  }
  for (size_t i = start; i < lines.size(); ++i) {
    const std::vector<std::string> f = split_fields(lines[i].text, sep);
    if (f.size() < 2 || f[0].empty() || f[1].empty()) {
      fail(name, lines[i].number, "expected 'item<TAB>skill', got " + quote(lines[i].text));
    }
    map.skill_of.emplace(f[0], f[1]);  // an item listed twice keeps its first skill
  }
  return map;
}

ItemSkillMap load_item_skill_map(const std::string& path, int first_label) {
  return parse_item_skill_map(read_file(path), path, first_label);
}

KtDataset remap_to_vocabulary(const KtDataset& data, const KtDataset& vocabulary) {
  std::unordered_map<std::string, int> item_index, skill_index;
  for (int i = 0; i < vocabulary.num_items; ++i) item_index.emplace(vocabulary.item_labels[i], i);
  for (int s = 0; s < vocabulary.num_skills; ++s) skill_index.emplace(vocabulary.skill_labels[s], s);
  KtDataset out;
  out.item_labels = vocabulary.item_labels;
  out.skill_labels = vocabulary.skill_labels;
  out.num_items = vocabulary.num_items;
  out.num_skills = vocabulary.num_skills;
  out.learners.reserve(data.learners.size());
  for (const LearnerLog& l : data.learners) {
    LearnerLog m;
    m.learner = l.learner;
    m.responses = l.responses;
    for (Response& r : m.responses) {
      if (r.item != kUnknown) {
        auto it = item_index.find(data.item_labels[r.item]);
        r.item = it == item_index.end() ? kUnknown : it->second;
      }
      if (r.skill != kUnknown) {
        auto it = skill_index.find(data.skill_labels[r.skill]);
        r.skill = it == skill_index.end() ? kUnknown : it->second;
      }
      out.unknown_item_responses += r.item == kUnknown ? 1 : 0;
      out.unknown_skill_responses += r.skill == kUnknown ? 1 : 0;
    }
    out.learners.push_back(std::move(m));
  }
  return out;
}

KtDataset subset_learners(const KtDataset& data, const std::vector<int>& learner_indices) {
  KtDataset out;
  out.item_labels = data.item_labels;
  out.skill_labels = data.skill_labels;
  out.num_items = data.num_items;
  out.num_skills = data.num_skills;
  out.learners.reserve(learner_indices.size());
  for (int i : learner_indices) {
    require(i >= 0 && i < static_cast<int>(data.learners.size()), ErrorCode::InvalidArgument,
            "subset_learners: learner index " + std::to_string(i) + " out of range [0, " +
                std::to_string(data.learners.size()) + ")");
    out.learners.push_back(data.learners[i]);
    for (const Response& r : data.learners[i].responses) {
      out.unknown_item_responses += r.item == kUnknown ? 1 : 0;
      out.unknown_skill_responses += r.skill == kUnknown ? 1 : 0;
    }
  }
  return out;
}

KtSplit split_learners(const KtDataset& data, double valid_fraction, uint64_t seed) {
  require(valid_fraction >= 0.0 && valid_fraction <= 1.0, ErrorCode::InvalidArgument,
          "split_learners: valid_fraction must be in [0, 1], got " + std::to_string(valid_fraction));
  const int n = static_cast<int>(data.learners.size());
  const int n_valid = static_cast<int>(std::lround(valid_fraction * n));
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  Pcg32 rng(seed);
  rng.shuffle(order);
  std::vector<char> in_valid(n, 0);
  for (int k = 0; k < n_valid; ++k) in_valid[order[k]] = 1;
  std::vector<int> train_idx, valid_idx;
  for (int i = 0; i < n; ++i) (in_valid[i] ? valid_idx : train_idx).push_back(i);
  return {subset_learners(data, train_idx), subset_learners(data, valid_idx)};
}

}  // namespace metacog
