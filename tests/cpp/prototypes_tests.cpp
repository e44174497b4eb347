#include "metacog/prototypes.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "metacog/error.hpp"
#include "test_support.hpp"

using metacog::Error;
using metacog::ErrorCode;
using metacog::PrototypeClassifier;
using metacog::test::code_of;

TEST_CASE("prototype is the weighted mean and classification is softmax over -d") {
  PrototypeClassifier clf(2);
  clf.add_example("a", {0.0f, 0.0f});
  clf.add_example("a", {2.0f, 0.0f}, 3.0f);  // c_a = (0*1 + 2*3)/4 = 1.5
  clf.add_example("b", {0.0f, 4.0f});
  auto ca = clf.prototype("a");
  CHECK(ca[0] == doctest::Approx(1.5));
  CHECK(ca[1] == doctest::Approx(0.0));

  auto r = clf.classify({1.0f, 1.0f});
  REQUIRE(r.labels.size() == 2);
  CHECK(r.labels[0] == "a");
  CHECK(r.labels[1] == "b");
  // d_a = 0.25 + 1 = 1.25, d_b = 1 + 9 = 10
  CHECK(r.distances[0] == doctest::Approx(1.25));
  CHECK(r.distances[1] == doctest::Approx(10.0));
  const double pa = 1.0 / (1.0 + std::exp(-(10.0 - 1.25)));
  CHECK(r.probabilities[0] == doctest::Approx(pa));
  CHECK(r.probabilities[0] + r.probabilities[1] == doctest::Approx(1.0));
  CHECK(r.label == "a");
}

TEST_CASE("far queries do not underflow to NaN") {
  PrototypeClassifier clf(1);
  clf.add_example("a", {0.0f});
  clf.add_example("b", {1.0f});
  auto r = clf.classify({1.0e4f});
  CHECK(r.label == "b");
  CHECK(std::isfinite(r.probabilities[0]));
  CHECK(r.probabilities[1] == doctest::Approx(1.0));
}

TEST_CASE("bad input is rejected with a typed error and changes nothing") {
  PrototypeClassifier clf(3);
  clf.add_example("a", {1, 2, 3});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(code_of([&] { clf.add_example("a", {1, 2}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { clf.add_example("a", {1, nan, 3}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { clf.add_example("a", {1, inf, 3}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { clf.add_example("a", {1, 2, 3}, 0.0f); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { clf.add_example("", {1, 2, 3}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { clf.remove_class("zzz"); }) == ErrorCode::UnknownLabel);
  CHECK(code_of([&] { clf.classify({1, 2}); }) == ErrorCode::InvalidArgument);
  CHECK(clf.count("a") == 1);
  CHECK(clf.classes().size() == 1);
  CHECK(clf.prototype("a")[1] == doctest::Approx(2.0));

  PrototypeClassifier empty(3);
  CHECK(code_of([&] { empty.classify({1, 2, 3}); }) == ErrorCode::InvalidState);

  // finite inputs whose squared distance overflows float: an error, not NaN probabilities
  PrototypeClassifier huge(2);
  huge.add_example("c", {3e38f, 3e38f});
  CHECK(code_of([&] { huge.classify({0.5f, 0.5f}); }) == ErrorCode::InvalidArgument);
  CHECK(huge.classify({3e38f, 3e38f}).probabilities[0] == 1.0f);
  huge.add_example("b", {0.0f, 0.0f});  // one class far beyond float range, one near: well defined
  const auto near = huge.classify({0.5f, 0.5f});
  CHECK(near.label == "b");
  CHECK(near.probabilities[0] == 1.0f);
  CHECK(std::isinf(near.distances[1]));
  CHECK_THROWS_AS(PrototypeClassifier(0), Error);
}

TEST_CASE("remove_class and clear") {
  PrototypeClassifier clf(1);
  clf.add_example("a", {0});
  clf.add_example("b", {1});
  clf.remove_class("a");
  CHECK(clf.classes() == std::vector<std::string>{"b"});
  CHECK(clf.classify({-5}).label == "b");
  clf.clear();
  CHECK(clf.classes().empty());
}
