#include "metacog/tensor.hpp"

#include <doctest/doctest.h>

#include "metacog/error.hpp"
#include "test_support.hpp"

using metacog::ErrorCode;
using metacog::Tensor;

TEST_CASE("tensor shapes, views and copies") {
  Tensor x = Tensor::zeros({2, 3});
  x.at({1, 2}) = 5.0f;
  CHECK(x[5] == 5.0f);
  Tensor v = x.reshape({3, 2});
  CHECK(v.shares_storage(x));
  CHECK(v.at({2, 1}) == 5.0f);
  Tensor r = x.rows(1, 2);
  CHECK(r.shape() == metacog::Shape{1, 3});
  CHECK(r[2] == 5.0f);
  Tensor c = x.clone();
  c[5] = 1.0f;
  CHECK(x[5] == 5.0f);
  CHECK(x.reshape({-1}).shape() == metacog::Shape{6});
  auto m = x.matrix();
  CHECK(m.rows() == 2);
  CHECK(m(1, 2) == 5.0f);
  CHECK(reinterpret_cast<uintptr_t>(x.data()) % 64 == 0);
}

TEST_CASE("tensor errors") {
  Tensor x = Tensor::zeros({2, 3});
  CHECK(metacog::test::code_of([&] { x.reshape({4, 2}); }) == ErrorCode::InvalidArgument);
  CHECK(metacog::test::code_of([&] { x.rows(1, 3); }) == ErrorCode::InvalidArgument);
  CHECK(metacog::test::code_of([&] { Tensor::from({2}, {1.0f}); }) == ErrorCode::InvalidArgument);
  CHECK(metacog::test::code_of([&] { x.item(); }) == ErrorCode::InvalidArgument);
}
