// Shape operations: reshape, transpose, row slicing/padding/concatenation, gather/scatter.
#include <cstring>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

template <class T>
VarT<T> reshape(const VarT<T>& a, const Shape& shape) {
  TensorT<T> v = a.value().reshape(shape);
  if (v.shape() == a.shape()) return a;
  return make_result<T>(v, {a},
                        [sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{reshape(g, sa)};
                        },
                        "reshape");
}

template <class T>
VarT<T> transpose(const VarT<T>& a) {
  require(a.value().ndim() == 2, ErrorCode::InvalidArgument, "transpose: expected a 2-D tensor, got " + shape_str(a.shape()));
  const int64_t r = a.dim(0), c = a.dim(1);
  TensorT<T> out = TensorT<T>::empty({c, r});
  out.matrix() = a.value().matrix().transpose();
  return make_result<T>(out, {a}, [](const VarT<T>& g, const VarT<T>&) { return std::vector<VarT<T>>{transpose(g)}; },
                        "transpose");
}

template <class T>
VarT<T> slice_rows(const VarT<T>& a, int64_t begin, int64_t end) {
  if (begin == 0 && end == a.dim(0)) return a;
  TensorT<T> v = a.value().rows(begin, end);  // a view: no copy
  return make_result<T>(v, {a},
                        [begin, total = a.dim(0)](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{pad_rows(g, begin, total)};
                        },
                        "slice_rows");
}

template <class T>
VarT<T> pad_rows(const VarT<T>& a, int64_t begin, int64_t total) {
  require(a.value().ndim() >= 1 && begin >= 0 && begin + a.dim(0) <= total, ErrorCode::InvalidArgument,
          "pad_rows: rows do not fit");
  Shape s = a.shape();
  s[0] = total;
  TensorT<T> out = TensorT<T>::zeros(s);
  const int64_t stride = a.dim(0) ? a.numel() / a.dim(0) : 0;
  std::memcpy(out.data() + begin * stride, a.value().data(), sizeof(T) * a.numel());
  return make_result<T>(out, {a},
                        [begin, rows = a.dim(0)](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{slice_rows(g, begin, begin + rows)};
                        },
                        "pad_rows");
}

template <class T>
VarT<T> concat_rows(const std::vector<VarT<T>>& parts) {
  require(!parts.empty(), ErrorCode::InvalidArgument, "concat_rows: nothing to concatenate");
  Shape s = parts[0].shape();
  int64_t rows = 0;
  for (const auto& p : parts) {
    Shape ps = p.shape();
    require(ps.size() == s.size() && std::equal(ps.begin() + 1, ps.end(), s.begin() + 1), ErrorCode::InvalidArgument,
            "concat_rows: shapes " + shape_str(ps) + " and " + shape_str(s) + " differ beyond the first dimension");
    rows += ps[0];
  }
  s[0] = rows;
  TensorT<T> out = TensorT<T>::empty(s);
  std::vector<int64_t> starts;
  int64_t off = 0, row = 0;
  for (const auto& p : parts) {
    std::memcpy(out.data() + off, p.value().data(), sizeof(T) * p.numel());
    off += p.numel();
    starts.push_back(row);
    row += p.dim(0);
  }
  return make_result<T>(out, parts,
                        [starts, parts](const VarT<T>& g, const VarT<T>&) {
                          std::vector<VarT<T>> gs;
                          for (size_t i = 0; i < parts.size(); ++i)
                            gs.push_back(slice_rows(g, starts[i], starts[i] + parts[i].dim(0)));
                          return gs;
                        },
                        "concat_rows");
}

template <class T>
VarT<T> gather(const VarT<T>& a, const std::vector<int32_t>& index, const Shape& shape) {
  require(shape_numel(shape) == static_cast<int64_t>(index.size()), ErrorCode::InvalidArgument,
          "gather: index count does not match the output shape");
  TensorT<T> out = TensorT<T>::empty(shape);
  const T* pa = a.value().data();
  const int64_t n = a.numel();
  for (size_t i = 0; i < index.size(); ++i) {
    require(index[i] >= 0 && index[i] < n, ErrorCode::InvalidArgument, "gather: index out of range");
    out[i] = pa[index[i]];
  }
  return make_result<T>(out, {a},
                        [index, sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{scatter_add(g, index, sa)};
                        },
                        "gather");
}

template <class T>
VarT<T> scatter_add(const VarT<T>& a, const std::vector<int32_t>& index, const Shape& shape) {
  require(a.numel() == static_cast<int64_t>(index.size()), ErrorCode::InvalidArgument,
          "scatter_add: index count does not match the input");
  TensorT<T> out = TensorT<T>::zeros(shape);
  const int64_t n = out.numel();
  const T* pa = a.value().data();
  for (size_t i = 0; i < index.size(); ++i) {
    require(index[i] >= 0 && index[i] < n, ErrorCode::InvalidArgument, "scatter_add: index out of range");
    out[index[i]] += pa[i];
  }
  return make_result<T>(out, {a},
                        [index, sa = a.shape()](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{gather(g, index, sa)};
                        },
                        "scatter_add");
}

template <class T>
VarT<T> gather_rows(const VarT<T>& table, const std::vector<int32_t>& ids) {
  require(table.value().ndim() >= 1, ErrorCode::InvalidArgument, "gather_rows: table must have rows");
  const int64_t rows = table.dim(0);
  const int64_t stride = rows ? table.numel() / rows : 0;
  Shape s = table.shape();
  s[0] = static_cast<int64_t>(ids.size());
  TensorT<T> out = TensorT<T>::empty(s);
  for (size_t r = 0; r < ids.size(); ++r) {
    require(ids[r] >= 0 && ids[r] < rows, ErrorCode::InvalidArgument,
            "gather_rows: row " + std::to_string(ids[r]) + " out of range [0, " + std::to_string(rows) + ")");
    std::memcpy(out.data() + r * stride, table.value().data() + ids[r] * stride, sizeof(T) * stride);
  }
  return make_result<T>(out, {table},
                        [ids, rows](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{scatter_add_rows(g, ids, rows)};
                        },
                        "gather_rows");
}

template <class T>
VarT<T> scatter_add_rows(const VarT<T>& a, const std::vector<int32_t>& ids, int64_t rows) {
  require(a.value().ndim() >= 1 && a.dim(0) == static_cast<int64_t>(ids.size()), ErrorCode::InvalidArgument,
          "scatter_add_rows: one id per row needed");
  Shape s = a.shape();
  s[0] = rows;
  TensorT<T> out = TensorT<T>::zeros(s);
  const int64_t stride = a.dim(0) ? a.numel() / a.dim(0) : 0;
  for (size_t r = 0; r < ids.size(); ++r) {
    require(ids[r] >= 0 && ids[r] < rows, ErrorCode::InvalidArgument, "scatter_add_rows: row out of range");
    T* dst = out.data() + ids[r] * stride;
    const T* src = a.value().data() + r * stride;
    for (int64_t j = 0; j < stride; ++j) dst[j] += src[j];
  }
  return make_result<T>(out, {a},
                        [ids](const VarT<T>& g, const VarT<T>&) {
                          return std::vector<VarT<T>>{gather_rows(g, ids)};
                        },
                        "scatter_add_rows");
}

#define METACOG_INSTANTIATE(T)                                                                 \
  template VarT<T> reshape(const VarT<T>&, const Shape&);                                      \
  template VarT<T> transpose(const VarT<T>&);                                                  \
  template VarT<T> slice_rows(const VarT<T>&, int64_t, int64_t);                               \
  template VarT<T> pad_rows(const VarT<T>&, int64_t, int64_t);                                 \
  template VarT<T> concat_rows(const std::vector<VarT<T>>&);                                   \
  template VarT<T> gather(const VarT<T>&, const std::vector<int32_t>&, const Shape&);          \
  template VarT<T> scatter_add(const VarT<T>&, const std::vector<int32_t>&, const Shape&);     \
  template VarT<T> gather_rows(const VarT<T>&, const std::vector<int32_t>&);                   \
  template VarT<T> scatter_add_rows(const VarT<T>&, const std::vector<int32_t>&, int64_t);
METACOG_INSTANTIATE(float)
METACOG_INSTANTIATE(double)
#undef METACOG_INSTANTIATE

}  // namespace metacog
