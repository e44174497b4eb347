#include "metacog/tensor.hpp"

#include <cstdlib>
#include <new>

#include "metacog/error.hpp"

namespace metacog {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

namespace {
template <class T>
std::shared_ptr<T> allocate(int64_t n) {
  const size_t bytes = ((static_cast<size_t>(n > 0 ? n : 1) * sizeof(T) + 63) / 64) * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return std::shared_ptr<T>(static_cast<T*>(p), [](T* q) { std::free(q); });
}
}  // namespace

template <class T>
TensorT<T> TensorT<T>::empty(const Shape& shape) {
  for (int64_t d : shape) {
    require(d >= 0, ErrorCode::InvalidArgument, "tensor shape " + shape_str(shape) + " has a negative dimension");
  }
  TensorT t;
  t.shape_ = shape;
  t.numel_ = shape_numel(shape);
  t.buf_ = allocate<T>(t.numel_);
  t.data_ = t.buf_.get();
  return t;
}

template <class T>
TensorT<T> TensorT<T>::zeros(const Shape& shape) {
  return full(shape, T(0));
}

template <class T>
TensorT<T> TensorT<T>::ones(const Shape& shape) {
  return full(shape, T(1));
}

template <class T>
TensorT<T> TensorT<T>::full(const Shape& shape, T value) {
  TensorT t = empty(shape);
  t.fill(value);
  return t;
}

template <class T>
TensorT<T> TensorT<T>::from(const Shape& shape, const std::vector<T>& values) {
  require(shape_numel(shape) == static_cast<int64_t>(values.size()), ErrorCode::InvalidArgument,
          "Tensor::from: shape " + shape_str(shape) + " needs " + std::to_string(shape_numel(shape)) +
              " values, got " + std::to_string(values.size()));
  TensorT t = empty(shape);
  std::copy(values.begin(), values.end(), t.data_);
  return t;
}

template <class T>
T& TensorT<T>::at(std::initializer_list<int64_t> idx) {
  require(idx.size() == shape_.size(), ErrorCode::InvalidArgument, "Tensor::at: wrong number of indices");
  int64_t off = 0, k = 0;
  for (int64_t i : idx) {
    require(i >= 0 && i < shape_[k], ErrorCode::InvalidArgument, "Tensor::at: index out of range");
    off = off * shape_[k++] + i;
  }
  return data_[off];
}

template <class T>
T TensorT<T>::at(std::initializer_list<int64_t> idx) const {
  return const_cast<TensorT*>(this)->at(idx);
}

template <class T>
T TensorT<T>::item() const {
  require(numel_ == 1, ErrorCode::InvalidArgument, "Tensor::item: tensor of shape " + shape_str(shape_) + " is not a single value");
  return data_[0];
}

template <class T>
TensorT<T> TensorT<T>::reshape(Shape shape) const {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      require(infer < 0, ErrorCode::InvalidArgument, "reshape: at most one dimension may be -1");
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    require(known > 0 && numel_ % known == 0, ErrorCode::InvalidArgument,
            "reshape: cannot infer a dimension for " + shape_str(shape_) + " → " + shape_str(shape));
    shape[infer] = numel_ / known;
  }
  require(shape_numel(shape) == numel_, ErrorCode::InvalidArgument,
          "reshape: " + shape_str(shape_) + " and " + shape_str(shape) + " have different sizes");
  TensorT t = *this;
  t.shape_ = shape;
  return t;
}

template <class T>
TensorT<T> TensorT<T>::rows(int64_t begin, int64_t end) const {
  require(!shape_.empty() && begin >= 0 && begin <= end && end <= shape_[0], ErrorCode::InvalidArgument,
          "rows: range [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside " + shape_str(shape_));
  const int64_t stride = shape_[0] == 0 ? 0 : numel_ / shape_[0];
  TensorT t = *this;
  t.shape_[0] = end - begin;
  t.numel_ = stride * (end - begin);
  t.data_ = data_ + begin * stride;
  return t;
}

template <class T>
TensorT<T> TensorT<T>::clone() const {
  TensorT t = empty(shape_);
  std::copy(data_, data_ + numel_, t.data_);
  return t;
}

template <class T>
MatrixMap<T> TensorT<T>::matrix(int64_t rows) {
  const int64_t r = rows >= 0 ? rows : (shape_.empty() ? 1 : shape_[0]);
  require(r > 0 ? numel_ % r == 0 : numel_ == 0, ErrorCode::InvalidArgument, "matrix: rows do not divide the size");
  return MatrixMap<T>(data_, r, r ? numel_ / r : 0);
}

template <class T>
ConstMatrixMap<T> TensorT<T>::matrix(int64_t rows) const {
  const int64_t r = rows >= 0 ? rows : (shape_.empty() ? 1 : shape_[0]);
  require(r > 0 ? numel_ % r == 0 : numel_ == 0, ErrorCode::InvalidArgument, "matrix: rows do not divide the size");
  return ConstMatrixMap<T>(data_, r, r ? numel_ / r : 0);
}

template <class T>
void TensorT<T>::fill(T value) {
  std::fill(data_, data_ + numel_, value);
}

template class TensorT<float>;
template class TensorT<double>;

}  // namespace metacog
