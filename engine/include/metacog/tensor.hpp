// metacog/tensor.hpp — dense row-major tensors on Eigen.
//
// A Tensor<T> is a shape plus a shared, 64-byte-aligned buffer. Copies share the buffer (cheap);
// reshape() and rows() return views of the same buffer without copying; clone() makes a deep copy.
// Tensors are always contiguous in row-major (C) order; element (i, j, k) of a [A, B, C] tensor
// is at data()[(i·B + j)·C + k]. Images are NHWC (channels last) inside the engine.
//
//     Tensor x = Tensor::zeros({2, 3});
//     x.at({1, 2}) = 5.f;
//     auto m = x.matrix();            // Eigen::Map<RowMajor matrix> of shape 2×3, no copy
//     Tensor y = x.reshape({3, 2});   // a view of the same buffer
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace metacog {

using Shape = std::vector<int64_t>;

/** "[2, 3, 4]" */
std::string shape_str(const Shape& s);
/** Product of the dimensions (1 for a scalar shape {}). */
int64_t shape_numel(const Shape& s);

template <class T>
using MatrixMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using VectorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVectorMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;

template <class T>
class TensorT {
 public:
  using Scalar = T;

  /** An empty tensor (shape {0}). */
  TensorT() : shape_{0} {}

  /** Uninitialised storage of the given shape. */
  static TensorT empty(const Shape& shape);
  static TensorT zeros(const Shape& shape);
  static TensorT ones(const Shape& shape);
  static TensorT full(const Shape& shape, T value);
  static TensorT scalar(T value) { return full({}, value); }
  /** Copies `values` (size must equal the shape's element count). */
  static TensorT from(const Shape& shape, const std::vector<T>& values);

  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  /** Size of dimension i (negative i counts from the end). */
  int64_t dim(int i) const { return shape_[i < 0 ? shape_.size() + i : i]; }
  int64_t numel() const { return numel_; }
  bool defined() const { return static_cast<bool>(buf_); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](int64_t i) { return data_[i]; }
  const T& operator[](int64_t i) const { return data_[i]; }
  /** Element at a multi-index (checked). */
  T& at(std::initializer_list<int64_t> idx);
  T at(std::initializer_list<int64_t> idx) const;
  /** The single value of a one-element tensor. */
  T item() const;

  /** A view with a new shape of the same element count (one dimension may be −1). */
  TensorT reshape(Shape shape) const;
  /** A view of rows [begin, end) along the first dimension. */
  TensorT rows(int64_t begin, int64_t end) const;
  /** A deep copy. */
  TensorT clone() const;
  /** The same values in another scalar type. */
  template <class U>
  TensorT<U> cast() const;

  /** Treats the tensor as a matrix [rows, numel/rows] (default: first dim × the rest). */
  MatrixMap<T> matrix(int64_t rows = -1);
  ConstMatrixMap<T> matrix(int64_t rows = -1) const;
  VectorMap<T> vec() { return VectorMap<T>(data_, numel_); }
  ConstVectorMap<T> vec() const { return ConstVectorMap<T>(data_, numel_); }

  void fill(T value);
  std::vector<T> to_vector() const { return std::vector<T>(data_, data_ + numel_); }
  /** True if both share the same storage (views or copies of one another). */
  bool shares_storage(const TensorT& other) const { return buf_ == other.buf_; }

 private:
  std::shared_ptr<T> buf_;  // owns the aligned allocation
  T* data_ = nullptr;
  Shape shape_;
  int64_t numel_ = 0;
};

using Tensor = TensorT<float>;
using Tensor64 = TensorT<double>;

extern template class TensorT<float>;
extern template class TensorT<double>;

template <class T>
template <class U>
TensorT<U> TensorT<T>::cast() const {
  TensorT<U> out = TensorT<U>::empty(shape_);
  for (int64_t i = 0; i < numel_; ++i) out[i] = static_cast<U>(data_[i]);
  return out;
}

}  // namespace metacog
