// The recommender: next exercise, learning path, resources (see recommender.hpp for the maths).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/recommender.hpp"

namespace metacog {

namespace {

constexpr int kRecentFetch = 32;
constexpr double kReviewDue = 0.5;  // due_i ≥ this: predicted recall ≤ ½ → a Review

std::string percent(double x) { return std::to_string(std::lround(100.0 * x)) + " %"; }

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t k = 0; k < names.size(); ++k) {
    if (k > 0) out += (k + 1 == names.size()) ? " and " : ", ";
    out += names[k];
  }
  return out;
}

/** A duration in seconds as words ("3 days", "5 hours", "12 minutes", "40 seconds"). */
std::string duration(double seconds) {
  struct Unit {
    double size;
    const char* name;
  };
  static const Unit units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  for (const Unit& u : units) {
    if (seconds >= u.size || u.size == 1) {
      const long n = std::max(1L, std::lround(seconds / u.size));
      return std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
    }
  }
  return "";
}

void check_unit(double x, const char* what, size_t index) {
  if (!(x >= 0.0 && x <= 1.0)) {
    throw Error(ErrorCode::InvalidState, std::string("learner view returned ") + what + " " + std::to_string(x) + " for index " +
                                             std::to_string(index) + " (must be in [0, 1])");
  }
}

}  // namespace

const char* recommend_kind_name(RecommendKind kind) {
  switch (kind) {
    case RecommendKind::Learn: return "learn";
    case RecommendKind::Review: return "review";
    case RecommendKind::Practice: return "practice";
    case RecommendKind::NotReady: return "not-ready";
  }
  return "learn";
}

Recommender::Recommender(const ItemBank& bank, RecommenderConfig config) : bank_(&bank), config_(config) {
  const RecommenderConfig& c = config_;
  require(c.mastery_threshold > 0 && c.mastery_threshold < 1, ErrorCode::InvalidArgument, "mastery_threshold must be in (0, 1)");
  require(c.target > 0 && c.target < 1, ErrorCode::InvalidArgument, "target must be in (0, 1)");
  require(c.no_repeat_window >= 0 && c.no_repeat_window <= kRecentFetch, ErrorCode::InvalidArgument,
          "no_repeat_window must be in 0.." + std::to_string(kRecentFetch));
  require(c.spacing_half_life > 0 && std::isfinite(c.spacing_half_life), ErrorCode::InvalidArgument, "spacing_half_life must be > 0");
  require(c.spacing_growth >= 0 && std::isfinite(c.spacing_growth), ErrorCode::InvalidArgument, "spacing_growth must be ≥ 0");
  require(c.max_streak >= 1, ErrorCode::InvalidArgument, "max_streak must be ≥ 1");
  for (double w : {c.w_fit, c.w_need, c.w_due, c.w_seen, c.w_same_skill, c.off_goal_relevance}) {
    require(w >= 0 && std::isfinite(w), ErrorCode::InvalidArgument, "recommender weights must be finite and ≥ 0");
  }
  require(c.goal_decay > 0 && c.goal_decay <= 1, ErrorCode::InvalidArgument, "goal_decay must be in (0, 1]");
  require(c.items_per_step >= 1, ErrorCode::InvalidArgument, "items_per_step must be ≥ 1");
  const size_t I = bank.num_items(), S = bank.num_skills();
  p_.assign(I, 0);
  score_.assign(I, 0);
  ready_.assign(I, 0);
  fresh_.assign(I, 0);
  chosen_.assign(I, 0);
  main_skill_.assign(I, 0);
  m_.assign(S, 0);
  due_.assign(S, 0);
  best_dev_.assign(S, 0);
  mastered_.assign(S, 0);
  picks_per_skill_.assign(S, 0);
  recent_.assign(kRecentFetch, -1);
}

double Recommender::resolve_now(const LearnerView& view, double now) const {
  if (std::isfinite(now)) return now;
  double latest = 0;
  for (size_t s = 0; s < bank_->num_skills(); ++s) {
    const double t = view.last_seen(static_cast<int>(s));
    if (std::isfinite(t)) latest = std::max(latest, t);
  }
  return latest;
}

void Recommender::score_items(LearnerView& view, double now, double target, double theta) {
  const size_t I = bank_->num_items(), S = bank_->num_skills();
  const RecommenderConfig& c = config_;
  view.predict_items(now, p_.data());
  view.skill_mastery(now, m_.data());
  for (size_t i = 0; i < I; ++i) check_unit(p_[i], "P(correct)", i);
  for (size_t s = 0; s < S; ++s) {
    check_unit(m_[s], "mastery", s);
    mastered_[s] = m_[s] >= theta;
    due_[s] = 0;
    const double last = view.last_seen(static_cast<int>(s));
    if (mastered_[s] && std::isfinite(last)) {
      const double h = c.spacing_half_life * (1.0 + c.spacing_growth * view.attempts(static_cast<int>(s)));
      due_[s] = 1.0 - std::exp2(-std::max(0.0, now - last) / h);
    }
  }
  const double fit_scale = std::max(target, 1.0 - target);
  std::fill(best_dev_.begin(), best_dev_.end(), 2.0);
  for (size_t i = 0; i < I; ++i) {
    const BankItem& it = bank_->item(static_cast<int>(i));
    bool ready = true;
    double need = 0, due = 0, worst = 2;
    for (int s : it.skills) {
      for (int q : bank_->skill(s).prerequisites) ready = ready && mastered_[static_cast<size_t>(q)];
      const double ms = m_[static_cast<size_t>(s)];
      need += ms < theta ? 1.0 : 0.5 * (1.0 - ms) / (1.0 - theta);
      due += due_[static_cast<size_t>(s)];
      if (m_[static_cast<size_t>(s)] < worst) {
        worst = m_[static_cast<size_t>(s)];
        main_skill_[i] = s;
      }
    }
    const double k = static_cast<double>(it.skills.size());
    const size_t ms = static_cast<size_t>(main_skill_[i]);
    best_dev_[ms] = std::min(best_dev_[ms], std::fabs(p_[i] - target));
    ready_[i] = ready;
    fresh_[i] = 1;
    score_[i] = c.w_need * need / k + c.w_due * due / k;
  }
  // fit relative to the best item of the same main skill: the skill is chosen by need, the item by difficulty
  for (size_t i = 0; i < I; ++i) {
    const double dev = std::fabs(p_[i] - target) - best_dev_[static_cast<size_t>(main_skill_[i])];
    score_[i] += c.w_fit * (1.0 - dev / fit_scale);
  }
  // recency: no repeats inside the window, a small penalty for the rest of the fetched history
  const int n_recent = view.recent_items(recent_.data(), kRecentFetch);
  for (int k = 0; k < n_recent; ++k) {
    const int i = recent_[static_cast<size_t>(k)];
    if (i < 0 || static_cast<size_t>(i) >= I) {
      throw Error(ErrorCode::InvalidState, "learner view returned recent item " + std::to_string(i) + ", not a bank item");
    }
    if (k < c.no_repeat_window) {
      fresh_[static_cast<size_t>(i)] = 0;
    } else if (!chosen_[static_cast<size_t>(i)]) {
      score_[static_cast<size_t>(i)] -= c.w_seen;
      chosen_[static_cast<size_t>(i)] = 1;  // penalise once; cleared below
    }
  }
  for (int k = 0; k < n_recent; ++k) chosen_[static_cast<size_t>(recent_[static_cast<size_t>(k)])] = 0;
  // move on after a long run on one skill
  if (n_recent > 0) {
    for (int s : bank_->item(recent_[0]).skills) {
      int run = 0;
      while (run < n_recent) {
        const auto& sk = bank_->item(recent_[static_cast<size_t>(run)]).skills;
        if (std::find(sk.begin(), sk.end(), s) == sk.end()) break;
        ++run;
      }
      const int excess = run - c.max_streak;
      if (excess <= 0) continue;
      const double penalty = c.w_same_skill * excess / (1.0 + excess);
      for (int i : bank_->items_of_skill(s)) score_[static_cast<size_t>(i)] -= penalty;
    }
  }
  std::fill(picks_per_skill_.begin(), picks_per_skill_.end(), 0);
  // relaxation levels: 0 ready∧fresh, 1 ready, 2 fresh, 3 all; not-ready levels only if nothing is ready
  bool any_ready = false;
  for (size_t i = 0; i < I; ++i) any_ready = any_ready || ready_[i];
  level_ = any_ready ? 1 : 3;
}

int Recommender::pick(double) {
  const size_t I = bank_->num_items();
  for (int level = 0; level <= level_; ++level) {
    int best = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < I; ++i) {
      if (chosen_[i]) continue;
      const bool ok = level == 0 ? (ready_[i] && fresh_[i]) : level == 1 ? ready_[i] : level == 2 ? fresh_[i] : true;
      if (!ok) continue;
      double sc = score_[i];
      for (int s : bank_->item(static_cast<int>(i)).skills) sc -= config_.w_same_skill * picks_per_skill_[static_cast<size_t>(s)];
      if (sc > best_score) {
        best_score = sc;
        best = static_cast<int>(i);
      }
    }
    if (best >= 0) {
      chosen_[static_cast<size_t>(best)] = 1;
      for (int s : bank_->item(best).skills) picks_per_skill_[static_cast<size_t>(s)] += 1;
      return best;
    }
  }
  return -1;
}

int Recommender::next_item(LearnerView& view, const RecommendOptions& options) {
  const double target = std::isfinite(options.target) ? options.target : config_.target;
  const double theta = std::isfinite(options.mastery_threshold) ? options.mastery_threshold : config_.mastery_threshold;
  require(target > 0 && target < 1, ErrorCode::InvalidArgument, "target must be in (0, 1)");
  require(theta > 0 && theta < 1, ErrorCode::InvalidArgument, "mastery_threshold must be in (0, 1)");
  score_items(view, resolve_now(view, options.now), target, theta);
  const int best = pick(theta);
  if (best >= 0) chosen_[static_cast<size_t>(best)] = 0;
  return best;
}

std::vector<Recommendation> Recommender::recommend(LearnerView& view, const RecommendOptions& options) {
  std::vector<Recommendation> out;
  recommend(view, options, out);
  return out;
}

void Recommender::recommend(LearnerView& view, const RecommendOptions& options, std::vector<Recommendation>& out) {
  require(options.count >= 0, ErrorCode::InvalidArgument, "count must be ≥ 0");
  const double target = std::isfinite(options.target) ? options.target : config_.target;
  const double theta = std::isfinite(options.mastery_threshold) ? options.mastery_threshold : config_.mastery_threshold;
  require(target > 0 && target < 1, ErrorCode::InvalidArgument, "target must be in (0, 1), got " + std::to_string(target));
  require(theta > 0 && theta < 1, ErrorCode::InvalidArgument, "mastery_threshold must be in (0, 1), got " + std::to_string(theta));
  const double now = resolve_now(view, options.now);
  score_items(view, now, target, theta);
  out.clear();
  picked_.clear();
  for (int k = 0; k < options.count; ++k) {
    const int i = pick(theta);
    if (i < 0) break;
    picked_.push_back(i);
  }
  for (int i : picked_) chosen_[static_cast<size_t>(i)] = 0;
  for (int i : picked_) {
    const BankItem& it = bank_->item(i);
    Recommendation r;
    r.item = i;
    r.item_id = it.id;
    r.p = p_[static_cast<size_t>(i)];
    r.score = score_[static_cast<size_t>(i)];
    r.repeat = !fresh_[static_cast<size_t>(i)];
    bool all_mastered = true;
    double due = 0;
    int most_due = it.skills[0];
    for (int s : it.skills) {
      all_mastered = all_mastered && mastered_[static_cast<size_t>(s)];
      due += due_[static_cast<size_t>(s)] / static_cast<double>(it.skills.size());
      if (due_[static_cast<size_t>(s)] > due_[static_cast<size_t>(most_due)]) most_due = s;
    }
    if (!ready_[static_cast<size_t>(i)]) {
      r.kind = RecommendKind::NotReady;
    } else if (!all_mastered) {
      r.kind = RecommendKind::Learn;
    } else {
      r.kind = due >= kReviewDue ? RecommendKind::Review : RecommendKind::Practice;
    }
    r.skill = r.kind == RecommendKind::Review ? most_due : main_skill_[static_cast<size_t>(i)];
    r.skill_id = bank_->skill(r.skill).id;
    r.mastery = m_[static_cast<size_t>(r.skill)];
    for (int q : bank_->skill(r.skill).prerequisites) {
      r.prerequisites.push_back(q);
      r.prerequisite_mastery.push_back(m_[static_cast<size_t>(q)]);
    }
    const double last = view.last_seen(r.skill);
    if (std::isfinite(last)) {
      r.since_practice = std::max(0.0, now - last);
      const double h = config_.spacing_half_life * (1.0 + config_.spacing_growth * view.attempts(r.skill));
      r.recall = std::exp2(-r.since_practice / h);
    }
    r.reason = item_reason(r, view.explain(i, now));
    out.push_back(std::move(r));
  }
}

std::string Recommender::item_reason(const Recommendation& r, const std::string& clause) const {
  const std::string name = bank_->skill(r.skill).name.get("en");
  std::string s = name + ": ";
  std::vector<std::string> mastered, missing;
  for (size_t k = 0; k < r.prerequisites.size(); ++k) {
    const std::string pre = bank_->skill(r.prerequisites[k]).name.get("en");
    (r.kind == RecommendKind::NotReady && !mastered_[static_cast<size_t>(r.prerequisites[k])] ? missing : mastered).push_back(pre);
  }
  switch (r.kind) {
    case RecommendKind::Learn:
    case RecommendKind::NotReady:
      s += "you get about " + percent(r.p) + " of these right";
      if (r.kind == RecommendKind::NotReady) {
        s += "; its prerequisite" + std::string(missing.size() > 1 ? "s " : " ") + join_names(missing) +
             (missing.size() > 1 ? " are" : " is") + " not mastered yet, but nothing else is ready";
      } else if (mastered.empty()) {
        s += "; it has no prerequisites";
      } else {
        s += "; its prerequisite" + std::string(mastered.size() > 1 ? "s " : " ") + join_names(mastered) +
             (mastered.size() > 1 ? " are" : " is") + " mastered";
      }
      break;
    case RecommendKind::Review:
      s += "time to review";
      if (std::isfinite(r.since_practice)) {
        s += config_.clock_in_seconds ? " (last practised " + duration(r.since_practice) + " ago"
                                      : " (last practised " + std::to_string(std::lround(r.since_practice)) + " exercises ago";
        s += ", predicted recall about " + percent(r.recall) + ")";
      }
      s += "; you get about " + percent(r.p) + " of these right";
      break;
    case RecommendKind::Practice:
      s += "mastered (" + percent(r.mastery) + "); more practice at about " + percent(r.p) + " success";
      break;
  }
  if (r.repeat) s += "; you answered it a moment ago, but no other exercise is ready";
  if (!clause.empty()) s += "; " + clause;
  return s;
}

void Recommender::check_goals(const std::vector<int>& goals) const {
  for (int g : goals) {
    require(g >= 0 && static_cast<size_t>(g) < bank_->num_skills(), ErrorCode::InvalidArgument,
            "goal skill index " + std::to_string(g) + " is not in the item bank");
  }
}

std::vector<PathStep> Recommender::learning_path(LearnerView& view, const PathOptions& options) {
  check_goals(options.goals);
  const double target = std::isfinite(options.target) ? options.target : config_.target;
  const double theta = std::isfinite(options.mastery_threshold) ? options.mastery_threshold : config_.mastery_threshold;
  require(theta > 0 && theta < 1, ErrorCode::InvalidArgument, "mastery_threshold must be in (0, 1)");
  require(target > 0 && target < 1, ErrorCode::InvalidArgument, "target must be in (0, 1)");
  const double now = resolve_now(view, options.now);
  view.predict_items(now, p_.data());
  view.skill_mastery(now, m_.data());
  const size_t S = bank_->num_skills();
  for (size_t s = 0; s < S; ++s) check_unit(m_[s], "mastery", s);
  for (size_t i = 0; i < bank_->num_items(); ++i) check_unit(p_[i], "P(correct)", i);
  const std::vector<int> goals = options.goals.empty() ? bank_->terminal_skills() : options.goals;
  const std::vector<int> closure = bank_->prerequisite_closure(goals);
  std::vector<char> in_closure(S, 0), in_c(S, 0), placed(S, 0), is_goal(S, 0);
  for (int g : goals) is_goal[static_cast<size_t>(g)] = 1;
  std::vector<int> missing(S, 0), c;
  for (int s : closure) {
    in_closure[static_cast<size_t>(s)] = 1;
    if (m_[static_cast<size_t>(s)] < theta) {
      in_c[static_cast<size_t>(s)] = 1;
      c.push_back(s);
    }
  }
  // λ_s once per skill: a view's learn_rate can cost a simulated answer (the learner model's does)
  std::vector<double> lambda(S, 0.0);
  for (int s : c) {
    for (int q : bank_->skill(s).prerequisites) missing[static_cast<size_t>(s)] += in_c[static_cast<size_t>(q)];
    const double rate = view.learn_rate(s);
    require(std::isfinite(rate), ErrorCode::InvalidState,
            "learner view returned a learn rate that is not a number for skill " + bank_->skill(s).id);
    lambda[static_cast<size_t>(s)] = std::min(std::max(rate, 1e-6), 1 - 1e-6);
  }
  std::vector<PathStep> path;
  for (size_t step = 0; step < c.size(); ++step) {
    int best = -1;
    double best_gain = -1;
    for (int s : c) {  // c is in topological order: ties keep the lower rank
      if (placed[static_cast<size_t>(s)] || missing[static_cast<size_t>(s)] > 0) continue;
      const double gain = (1 - m_[static_cast<size_t>(s)]) * lambda[static_cast<size_t>(s)];
      if (gain > best_gain) {
        best_gain = gain;
        best = s;
      }
    }
    // c is closed under "unmastered prerequisite in c" and acyclic, so some skill is always available
    placed[static_cast<size_t>(best)] = 1;
    for (int d : bank_->skill(best).dependents) {
      if (in_c[static_cast<size_t>(d)]) missing[static_cast<size_t>(d)] -= 1;
    }
    PathStep ps;
    ps.skill = best;
    ps.skill_id = bank_->skill(best).id;
    ps.mastery = m_[static_cast<size_t>(best)];
    ps.gain_per_item = best_gain;
    std::vector<int> items = bank_->items_of_skill(best);
    // no item practises the skill: the bank cannot teach it, so no estimate (0) and the reason says so
    ps.estimated_items = items.empty() ? 0
                         : std::max(1, static_cast<int>(std::ceil(std::log((1 - theta) / (1 - ps.mastery)) /
                                                                  std::log(1 - lambda[static_cast<size_t>(best)]))));
    ps.is_goal = is_goal[static_cast<size_t>(best)];
    for (int d : bank_->skill(best).dependents) {
      if (in_closure[static_cast<size_t>(d)]) ps.unlocks.push_back(d);
    }
    std::stable_sort(items.begin(), items.end(), [&](int a, int b) {
      return std::fabs(p_[static_cast<size_t>(a)] - target) < std::fabs(p_[static_cast<size_t>(b)] - target);
    });
    if (items.size() > static_cast<size_t>(config_.items_per_step)) items.resize(static_cast<size_t>(config_.items_per_step));
    ps.items = items;
    for (int i : items) ps.item_ids.push_back(bank_->item(i).id);
    std::string reason = bank_->skill(best).name.get("en") + ": mastery " + percent(ps.mastery) +
                         (items.empty() ? std::string("; no exercise in this item bank practises it")
                                        : ", about " + std::to_string(ps.estimated_items) + " item" +
                                              (ps.estimated_items == 1 ? "" : "s") + " to reach " + percent(theta));
    if (ps.is_goal) {
      reason += "; this is one of your goals";
    } else if (!ps.unlocks.empty()) {
      std::vector<std::string> names;
      for (size_t k = 0; k < ps.unlocks.size() && k < 2; ++k) names.push_back(bank_->skill(ps.unlocks[k]).name.get("en"));
      if (ps.unlocks.size() > 2) names.push_back(std::to_string(ps.unlocks.size() - 2) + " more");
      reason += "; needed for " + join_names(names);
    }
    ps.reason = reason;
    path.push_back(std::move(ps));
  }
  return path;
}

std::vector<ResourceRecommendation> Recommender::recommend_resources(LearnerView& view, const ResourceOptions& options) {
  require(options.count >= 0, ErrorCode::InvalidArgument, "count must be ≥ 0");
  check_goals(options.goals);
  const double now = resolve_now(view, options.now);
  view.skill_mastery(now, m_.data());
  const size_t S = bank_->num_skills();
  for (size_t s = 0; s < S; ++s) check_unit(m_[s], "mastery", s);
  // goal distance by breadth-first search down the prerequisite edges
  std::vector<int> dist(S, -1), queue;
  for (int g : options.goals) {
    if (dist[static_cast<size_t>(g)] < 0) {
      dist[static_cast<size_t>(g)] = 0;
      queue.push_back(g);
    }
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const int s = queue[head];
    for (int q : bank_->skill(s).prerequisites) {
      if (dist[static_cast<size_t>(q)] < 0) {
        dist[static_cast<size_t>(q)] = dist[static_cast<size_t>(s)] + 1;
        queue.push_back(q);
      }
    }
  }
  std::vector<double> need(S);
  double norm2 = 0, total = 0;
  for (size_t s = 0; s < S; ++s) {
    const double rel = options.goals.empty() ? 1.0
                       : dist[s] >= 0        ? std::pow(config_.goal_decay, dist[s])
                                             : config_.off_goal_relevance;
    need[s] = (1 - m_[s]) * rel;
    norm2 += need[s] * need[s];
    total += need[s];
  }
  const int dim = view.embedding_dim();
  std::vector<double> proto(static_cast<size_t>(std::max(dim, 0)), 0.0), cr(proto.size());
  if (dim > 0 && total > 0) {
    for (size_t s = 0; s < S; ++s) {
      const double* e = view.skill_embedding(static_cast<int>(s));
      require(e != nullptr, ErrorCode::InvalidState, "learner view has no embedding for skill " + bank_->skill(static_cast<int>(s)).id);
      for (int k = 0; k < dim; ++k) proto[static_cast<size_t>(k)] += need[s] * e[k] / total;
    }
  }
  struct Scored {
    int r;
    double score, top_need;
    int top_skill;
    bool mastered;  // every skill it covers has m_s ≥ θ
  };
  const double theta = config_.mastery_threshold;
  std::vector<Scored> scored;
  for (size_t r = 0; r < bank_->num_resources(); ++r) {
    const BankResource& res = bank_->resource(static_cast<int>(r));
    Scored sc{static_cast<int>(r), 0.0, -1.0, res.skills[0], true};
    for (int s : res.skills) {
      sc.mastered = sc.mastered && m_[static_cast<size_t>(s)] >= theta;
      if (need[static_cast<size_t>(s)] > sc.top_need) {
        sc.top_need = need[static_cast<size_t>(s)];
        sc.top_skill = s;
      }
    }
    if (total > 0) {
      if (dim > 0) {
        std::fill(cr.begin(), cr.end(), 0.0);
        for (int s : res.skills) {
          const double* e = view.skill_embedding(s);
          for (int k = 0; k < dim; ++k) cr[static_cast<size_t>(k)] += e[k] / static_cast<double>(res.skills.size());
        }
        double dot = 0, a = 0, b = 0;
        for (int k = 0; k < dim; ++k) {
          dot += cr[static_cast<size_t>(k)] * proto[static_cast<size_t>(k)];
          a += cr[static_cast<size_t>(k)] * cr[static_cast<size_t>(k)];
          b += proto[static_cast<size_t>(k)] * proto[static_cast<size_t>(k)];
        }
        sc.score = (a > 0 && b > 0) ? dot / std::sqrt(a * b) : 0.0;
      } else {
        double sum = 0;
        for (int s : res.skills) sum += need[static_cast<size_t>(s)];
        sc.score = sum / (std::sqrt(static_cast<double>(res.skills.size())) * std::sqrt(norm2));
      }
    }
    scored.push_back(sc);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.mastered != b.mastered) return b.mastered;  // a resource on something still unmastered first
    if (a.score != b.score) return a.score > b.score;
    return a.top_need > b.top_need;
  });
  std::vector<ResourceRecommendation> out;
  for (size_t k = 0; k < scored.size() && static_cast<int>(k) < options.count; ++k) {
    const Scored& sc = scored[k];
    const BankResource& res = bank_->resource(sc.r);
    ResourceRecommendation rr;
    rr.resource = sc.r;
    rr.resource_id = res.id;
    rr.score = sc.score;
    rr.skill = sc.top_skill;
    rr.skill_id = bank_->skill(sc.top_skill).id;
    rr.mastery = m_[static_cast<size_t>(sc.top_skill)];
    rr.need = sc.top_need;
    rr.mastered = sc.mastered;
    std::string reason = res.title.get("en") + ": about " + bank_->skill(sc.top_skill).name.get("en") + " (mastery " +
                         percent(rr.mastery) + ")";
    const int d = dist[static_cast<size_t>(sc.top_skill)];
    if (sc.mastered || total <= 0) {
      reason += "; everything it covers is already mastered (for review)";
    } else if (!options.goals.empty() && d == 0) {
      reason += ", one of your goals";
    } else if (!options.goals.empty() && d > 0) {
      reason += ", which your goal builds on";
    } else if (options.goals.empty()) {
      reason += ", one of the skills you need most";
    } else {
      reason += ", outside your current goal";
    }
    rr.reason = reason;
    out.push_back(std::move(rr));
  }
  return out;
}

}  // namespace metacog
