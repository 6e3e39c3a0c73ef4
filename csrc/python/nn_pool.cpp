// Bindings of the pooling family: functional ops on ember (max_pool2d, avg_pool2d, adaptive
// pools, lp_pool, pad, interpolate, pixel_shuffle, group_norm, ...) and their layers on
// ember.nn (with LPPool1d / 2d, UpsamplingNearest2d / UpsamplingBilinear2d).
// Size arguments accept an int or a tuple (None entries of output_size become -1).
#include <memory>

#include "bind.h"
#include "nn.h"
#include "ember/nn/layers_extra.h"
#include "ember/nn/pool.h"

namespace ember::python {

namespace {

using nn::Module;

// An int, or a sequence of ints/None, as an IntList (None -> -1; a None object -> {}).
IntList ints(const py::handle& obj) {
  if (obj.is_none()) return {};
  if (py::isinstance<py::int_>(obj)) return {obj.cast<int64_t>()};
  IntList r;
  for (const py::handle& v : obj) r.push_back(v.is_none() ? -1 : v.cast<int64_t>());
  return r;
}

// The Python form of a stored size: an int for one entry, else a tuple (None for -1).
py::object size_obj(const IntList& v, bool tuple = false) {
  auto item = [](int64_t x) -> py::object {
    if (x == -1) return py::none();
    return py::int_(x);
  };
  if (v.size() == 1 && !tuple) return item(v[0]);
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = item(v[i]);
  return t;
}

py::object maybe_pair(std::pair<Tensor, Tensor> r, bool with_indices) {
  if (with_indices) return py::make_tuple(r.first, r.second);
  return py::cast(r.first);
}

void bind_pool_functions(py::module_& m) {
  m.def("max_pool2d", [](const Tensor& x, const py::object& k, const py::object& s,
                         const py::object& p, const py::object& d, bool ceil, bool ri) {
    IntList K = ints(k), S = ints(s), P = ints(p), D = ints(d);
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release release;
      r = ri ? max_pool2d_with_indices(x, K, S, P, D, ceil)
             : std::make_pair(max_pool2d(x, K, S, P, D, ceil), Tensor());
    }
    return maybe_pair(r, ri);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
     py::arg("return_indices") = false);
  m.def("max_pool1d", [](const Tensor& x, const py::object& k, const py::object& s,
                         const py::object& p, const py::object& d, bool ceil, bool ri) {
    IntList K = ints(k), S = ints(s), P = ints(p), D = ints(d);
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release release;
      r = ri ? max_pool1d_with_indices(x, K, S, P, D, ceil)
             : std::make_pair(max_pool1d(x, K, S, P, D, ceil), Tensor());
    }
    return maybe_pair(r, ri);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
     py::arg("return_indices") = false);
  m.def("avg_pool2d", [](const Tensor& x, const py::object& k, const py::object& s,
                         const py::object& p, bool ceil, bool cip, std::optional<int64_t> div) {
    IntList K = ints(k), S = ints(s), P = ints(p);
    py::gil_scoped_release release;
    return avg_pool2d(x, K, S, P, ceil, cip, div);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
     py::arg("divisor_override") = py::none());
  m.def("avg_pool1d", [](const Tensor& x, const py::object& k, const py::object& s,
                         const py::object& p, bool ceil, bool cip) {
    IntList K = ints(k), S = ints(s), P = ints(p);
    py::gil_scoped_release release;
    return avg_pool1d(x, K, S, P, ceil, cip);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);
  for (int sd = 1; sd <= 2; ++sd)
    m.def(sd == 1 ? "lp_pool1d" : "lp_pool2d", [sd](const Tensor& x, double n, const py::object& k,
                                                   const py::object& s, bool ceil) {
      IntList K = ints(k), S = ints(s);
      py::gil_scoped_release release;
      return sd == 1 ? lp_pool1d(x, n, K, S, ceil) : lp_pool2d(x, n, K, S, ceil);
    }, py::arg("input"), py::arg("norm_type"), py::arg("kernel_size"),
       py::arg("stride") = py::none(), py::arg("ceil_mode") = false);
  m.def("adaptive_avg_pool1d", [](const Tensor& x, const py::object& o) {
    IntList O = ints(o);
    py::gil_scoped_release release;
    return adaptive_avg_pool1d(x, O);
  }, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_avg_pool2d", [](const Tensor& x, const py::object& o) {
    IntList O = ints(o);
    py::gil_scoped_release release;
    return adaptive_avg_pool2d(x, O);
  }, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_max_pool1d", [](const Tensor& x, const py::object& o, bool ri) {
    IntList O = ints(o);
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release release;
      r = adaptive_max_pool1d_with_indices(x, O);
    }
    return maybe_pair(r, ri);
  }, py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
  m.def("max_unpool1d", [](const Tensor& x, const Tensor& i, const py::object& k,
                           const py::object& s, const py::object& p, const py::object& o) {
    IntList K = ints(k), S = ints(s), P = ints(p), O = ints(o);
    py::gil_scoped_release release;
    return max_unpool1d(x, i, K, S, P, O);
  }, py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("output_size") = py::none());
  m.def("max_unpool2d", [](const Tensor& x, const Tensor& i, const py::object& k,
                           const py::object& s, const py::object& p, const py::object& o) {
    IntList K = ints(k), S = ints(s), P = ints(p), O = ints(o);
    py::gil_scoped_release release;
    return max_unpool2d(x, i, K, S, P, O);
  }, py::arg("input"), py::arg("indices"), py::arg("kernel_size"), py::arg("stride") = py::none(),
     py::arg("padding") = 0, py::arg("output_size") = py::none());
  m.def("adaptive_max_pool2d", [](const Tensor& x, const py::object& o, bool ri) {
    IntList O = ints(o);
    std::pair<Tensor, Tensor> r;
    {
      py::gil_scoped_release release;
      r = adaptive_max_pool2d_with_indices(x, O);
    }
    return maybe_pair(r, ri);
  }, py::arg("input"), py::arg("output_size"), py::arg("return_indices") = false);
}

template <class L>
void bind_max_pool(py::module_& nnm, const char* name) {
  py::class_<L, Module, PyModule<L>, std::shared_ptr<L>>(nnm, name, "Max pooling layer.")
      .def(py::init([](const py::object& k, const py::object& s, const py::object& p,
                       const py::object& d, bool ri, bool ceil) {
             return make<L>(false, ints(k), ints(s), ints(p), ints(d), ri, ceil);
           }, [](const py::object& k, const py::object& s, const py::object& p,
                 const py::object& d, bool ri, bool ceil) {
             return make<L>(true, ints(k), ints(s), ints(p), ints(d), ri, ceil);
           }), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
           py::arg("dilation") = 1, py::arg("return_indices") = false,
           py::arg("ceil_mode") = false)
      .def("forward", [](L& l, const Tensor& x) {
        std::pair<Tensor, Tensor> r;
        {
          py::gil_scoped_release release;
          r = l.forward_with_indices(x);
        }
        return maybe_pair(r, l.return_indices);
      }, py::arg("input"))
      .def_property_readonly("kernel_size", [](const L& l) { return size_obj(l.kernel_size); })
      .def_property_readonly("stride", [](const L& l) { return size_obj(l.stride); })
      .def_property_readonly("padding", [](const L& l) { return size_obj(l.padding); })
      .def_property_readonly("dilation", [](const L& l) { return size_obj(l.dilation); })
      .def_readwrite("return_indices", &L::return_indices)
      .def_readwrite("ceil_mode", &L::ceil_mode);
}

template <class L>
void bind_max_unpool(py::module_& nnm, const char* name) {
  py::class_<L, Module, PyModule<L>, std::shared_ptr<L>>(nnm, name, "Inverse of max pooling.")
      .def(py::init([](const py::object& k, const py::object& s, const py::object& p) {
             return make<L>(false, ints(k), ints(s), ints(p));
           }, [](const py::object& k, const py::object& s, const py::object& p) {
             return make<L>(true, ints(k), ints(s), ints(p));
           }), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0)
      .def("forward", [](L& l, const Tensor& x, const Tensor& i, const py::object& o) {
        IntList O = ints(o);
        py::gil_scoped_release release;
        return l.forward(x, i, O);
      }, py::arg("input"), py::arg("indices"), py::arg("output_size") = py::none())
      .def_property_readonly("kernel_size", [](const L& l) { return size_obj(l.kernel_size); })
      .def_property_readonly("stride", [](const L& l) { return size_obj(l.stride); })
      .def_property_readonly("padding", [](const L& l) { return size_obj(l.padding); });
}

template <class L, bool max>
void bind_adaptive(py::module_& nnm, const char* name) {
  py::class_<L, Module, PyModule<L>, std::shared_ptr<L>> c(nnm, name, "Adaptive pooling layer.");
  if constexpr (max) {
    c.def(py::init([](const py::object& o, bool ri) { return make<L>(false, ints(o), ri); },
                   [](const py::object& o, bool ri) { return make<L>(true, ints(o), ri); }),
          py::arg("output_size"), py::arg("return_indices") = false);
    c.def("forward", [](L& l, const Tensor& x) {
      std::pair<Tensor, Tensor> r;
      {
        py::gil_scoped_release release;
        r = l.forward_with_indices(x);
      }
      return maybe_pair(r, l.return_indices);
    }, py::arg("input"));
    c.def_readwrite("return_indices", &L::return_indices);
  } else {
    c.def(py::init([](const py::object& o) { return make<L>(false, ints(o)); },
                   [](const py::object& o) { return make<L>(true, ints(o)); }),
          py::arg("output_size"));
  }
  c.def_property_readonly("output_size", [](const L& l) { return size_obj(l.output_size); });
}

void bind_pool_layers(py::module_& nnm) {
  bind_max_pool<nn::MaxPool1d>(nnm, "MaxPool1d");
  bind_max_pool<nn::MaxPool2d>(nnm, "MaxPool2d");
  bind_max_unpool<nn::MaxUnpool1d>(nnm, "MaxUnpool1d");
  bind_max_unpool<nn::MaxUnpool2d>(nnm, "MaxUnpool2d");
  py::class_<nn::AvgPool1d, Module, PyModule<nn::AvgPool1d>, std::shared_ptr<nn::AvgPool1d>>(
      nnm, "AvgPool1d", "Average pooling over (N, C, L).")
      .def(py::init([](const py::object& k, const py::object& s, const py::object& p, bool ceil,
                       bool cip) { return make<nn::AvgPool1d>(false, ints(k), ints(s), ints(p), ceil, cip); },
                    [](const py::object& k, const py::object& s, const py::object& p, bool ceil,
                       bool cip) { return make<nn::AvgPool1d>(true, ints(k), ints(s), ints(p), ceil, cip); }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
           py::arg("ceil_mode") = false, py::arg("count_include_pad") = true)
      .def_property_readonly("kernel_size", [](const nn::AvgPool1d& l) { return size_obj(l.kernel_size, true); })
      .def_property_readonly("stride", [](const nn::AvgPool1d& l) { return size_obj(l.stride, true); })
      .def_property_readonly("padding", [](const nn::AvgPool1d& l) { return size_obj(l.padding, true); })
      .def_readwrite("ceil_mode", &nn::AvgPool1d::ceil_mode)
      .def_readwrite("count_include_pad", &nn::AvgPool1d::count_include_pad);
  py::class_<nn::AvgPool2d, Module, PyModule<nn::AvgPool2d>, std::shared_ptr<nn::AvgPool2d>>(
      nnm, "AvgPool2d", "Average pooling over (N, C, H, W).")
      .def(py::init([](const py::object& k, const py::object& s, const py::object& p, bool ceil,
                       bool cip, std::optional<int64_t> div) {
                      return make<nn::AvgPool2d>(false, ints(k), ints(s), ints(p), ceil, cip, div); },
                    [](const py::object& k, const py::object& s, const py::object& p, bool ceil,
                       bool cip, std::optional<int64_t> div) {
                      return make<nn::AvgPool2d>(true, ints(k), ints(s), ints(p), ceil, cip, div); }),
           py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
           py::arg("ceil_mode") = false, py::arg("count_include_pad") = true,
           py::arg("divisor_override") = py::none())
      .def_property_readonly("kernel_size", [](const nn::AvgPool2d& l) { return size_obj(l.kernel_size); })
      .def_property_readonly("stride", [](const nn::AvgPool2d& l) { return size_obj(l.stride); })
      .def_property_readonly("padding", [](const nn::AvgPool2d& l) { return size_obj(l.padding); })
      .def_readwrite("ceil_mode", &nn::AvgPool2d::ceil_mode)
      .def_readwrite("count_include_pad", &nn::AvgPool2d::count_include_pad)
      .def_readwrite("divisor_override", &nn::AvgPool2d::divisor_override);
  bind_adaptive<nn::AdaptiveAvgPool1d, false>(nnm, "AdaptiveAvgPool1d");
  bind_adaptive<nn::AdaptiveAvgPool2d, false>(nnm, "AdaptiveAvgPool2d");
  bind_adaptive<nn::AdaptiveMaxPool1d, true>(nnm, "AdaptiveMaxPool1d");
  bind_adaptive<nn::AdaptiveMaxPool2d, true>(nnm, "AdaptiveMaxPool2d");
}

std::vector<double> floats(const py::handle& obj) {
  if (obj.is_none()) return {};
  if (py::isinstance<py::float_>(obj) || py::isinstance<py::int_>(obj)) return {obj.cast<double>()};
  std::vector<double> r;
  for (const py::handle& v : obj) r.push_back(v.cast<double>());
  return r;
}

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

void bind_other_functions(py::module_& m) {
  m.def("pad", [](const Tensor& x, std::vector<int64_t> p, const std::string& mode,
                  std::optional<double> value) {
    py::gil_scoped_release release;
    return pad(x, p, mode, value.value_or(0.0));
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant",
     py::arg("value") = py::none());
  m.def("interpolate", [](const Tensor& x, const py::object& size, const py::object& sf,
                          const std::string& mode, std::optional<bool> align) {
    IntList S = ints(size);
    std::vector<double> F;
    if (!sf.is_none()) {
      if (py::isinstance<py::float_>(sf) || py::isinstance<py::int_>(sf))
        F.push_back(sf.cast<double>());
      else
        for (const py::handle& v : sf) F.push_back(v.cast<double>());
    }
    py::gil_scoped_release release;
    return interpolate(x, S, F, mode, align);
  }, py::arg("input"), py::arg("size") = py::none(), py::arg("scale_factor") = py::none(),
     py::arg("mode") = "nearest", py::arg("align_corners") = py::none());
  m.def("pixel_shuffle", &pixel_shuffle, py::arg("input"), py::arg("upscale_factor"),
        py::call_guard<py::gil_scoped_release>());
  m.def("pixel_unshuffle", &pixel_unshuffle, py::arg("input"), py::arg("downscale_factor"),
        py::call_guard<py::gil_scoped_release>());
  m.def("group_norm", [](const Tensor& x, int64_t g, std::optional<Tensor> w,
                         std::optional<Tensor> b, double eps) {
    py::gil_scoped_release release;
    return group_norm(x, g, opt(w), opt(b), eps);
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  m.def("instance_norm", [](const Tensor& x, std::optional<Tensor> rm, std::optional<Tensor> rv,
                            std::optional<Tensor> w, std::optional<Tensor> b, bool use_input_stats,
                            double momentum, double eps) {
    py::gil_scoped_release release;
    return instance_norm(x, opt(rm), opt(rv), opt(w), opt(b), use_input_stats, momentum, eps);
  }, py::arg("input"), py::arg("running_mean") = py::none(), py::arg("running_var") = py::none(),
     py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("use_input_stats") = true, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
}

template <class L>
using Cls = py::class_<L, Module, PyModule<L>, std::shared_ptr<L>>;

template <class L>
void bind_lp_pool(py::module_& nnm, const char* name, const char* doc) {
  Cls<L>(nnm, name, doc)
      .def(py::init([](double n, const py::object& k, const py::object& s, bool c) {
                      return make<L>(false, n, ints(k), ints(s), c); },
                    [](double n, const py::object& k, const py::object& s, bool c) {
                      return make<L>(true, n, ints(k), ints(s), c); }),
           py::arg("norm_type"), py::arg("kernel_size"), py::arg("stride") = py::none(),
           py::arg("ceil_mode") = false)
      .def_readwrite("norm_type", &L::norm_type)
      .def_property_readonly("kernel_size", [](const L& l) { return size_obj(l.kernel_size); })
      .def_property_readonly("stride", [](const L& l) {
        return l.stride.empty() ? py::object(py::none()) : size_obj(l.stride); })
      .def_readwrite("ceil_mode", &L::ceil_mode);
}

template <class L>
void bind_instance_norm(py::module_& nnm, const char* name) {
  Cls<L>(nnm, name, "Instance normalisation (per sample and channel).")
      .def(py::init([](int64_t n, double eps, double mom, bool affine, bool track, bool bias) {
                      return make<L>(false, n, eps, mom, affine, track, bias); },
                    [](int64_t n, double eps, double mom, bool affine, bool track, bool bias) {
                      return make<L>(true, n, eps, mom, affine, track, bias); }),
           py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1,
           py::arg("affine") = false, py::arg("track_running_stats") = false, py::kw_only(),
           py::arg("bias") = true)
      .def_readonly("num_features", &L::num_features)
      .def_readwrite("eps", &L::eps)
      .def_readwrite("momentum", &L::momentum)
      .def_readonly("affine", &L::affine)
      .def_readonly("track_running_stats", &L::track_running_stats);
}

template <class L, bool has_value>
void bind_pad_layer(py::module_& nnm, const char* name) {
  Cls<L> c(nnm, name, "Padding layer (see ember.pad).");
  if constexpr (has_value)
    c.def(py::init([](const py::object& p, double v) { return make<L>(false, ints(p), v); },
                   [](const py::object& p, double v) { return make<L>(true, ints(p), v); }),
          py::arg("padding"), py::arg("value"));
  else
    c.def(py::init([](const py::object& p) { return make<L>(false, ints(p)); },
                   [](const py::object& p) { return make<L>(true, ints(p)); }),
          py::arg("padding"));
  c.def_property_readonly("padding", [](const L& l) { return size_obj(l.padding, true); })
      .def_readonly("value", &L::value);
}

void bind_other_layers(py::module_& nnm) {
  Cls<nn::GroupNorm>(nnm, "GroupNorm", "Group normalisation over (N, C, *).")
      .def(py::init([](int64_t g, int64_t c, double eps, bool affine, bool bias) {
                      return make<nn::GroupNorm>(false, g, c, eps, affine, bias); },
                    [](int64_t g, int64_t c, double eps, bool affine, bool bias) {
                      return make<nn::GroupNorm>(true, g, c, eps, affine, bias); }),
           py::arg("num_groups"), py::arg("num_channels"), py::arg("eps") = 1e-5,
           py::arg("affine") = true, py::kw_only(), py::arg("bias") = true)
      .def("reset_parameters", &nn::GroupNorm::reset_parameters)
      .def_readonly("num_groups", &nn::GroupNorm::num_groups)
      .def_readonly("num_channels", &nn::GroupNorm::num_channels)
      .def_readwrite("eps", &nn::GroupNorm::eps)
      .def_readonly("affine", &nn::GroupNorm::affine);
  bind_instance_norm<nn::InstanceNorm1d>(nnm, "InstanceNorm1d");
  bind_instance_norm<nn::InstanceNorm2d>(nnm, "InstanceNorm2d");
  Cls<nn::Upsample>(nnm, "Upsample", "Upsampling layer (see ember.interpolate).")
      .def(py::init([](const py::object& size, const py::object& sf, const std::string& mode,
                       std::optional<bool> ac) {
                      return make<nn::Upsample>(false, ints(size), floats(sf), mode, ac); },
                    [](const py::object& size, const py::object& sf, const std::string& mode,
                       std::optional<bool> ac) {
                      return make<nn::Upsample>(true, ints(size), floats(sf), mode, ac); }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none(),
           py::arg("mode") = "nearest", py::arg("align_corners") = py::none())
      .def_property_readonly("size", [](const nn::Upsample& u) {
        return u.size.empty() ? py::object(py::none()) : size_obj(u.size); })
      .def_property_readonly("scale_factor", [](const nn::Upsample& u) -> py::object {
        if (u.scale_factor.empty()) return py::none();
        if (u.scale_factor.size() == 1) return py::float_(u.scale_factor[0]);
        return py::tuple(py::cast(u.scale_factor)); })
      .def_readwrite("mode", &nn::Upsample::mode)
      .def_readwrite("align_corners", &nn::Upsample::align_corners);
  py::class_<nn::UpsamplingNearest2d, nn::Upsample, PyModule<nn::UpsamplingNearest2d>,
             std::shared_ptr<nn::UpsamplingNearest2d>>(nnm, "UpsamplingNearest2d",
                                                        "Upsample with mode='nearest'.")
      .def(py::init([](const py::object& size, const py::object& sf) {
                      return make<nn::UpsamplingNearest2d>(false, ints(size), floats(sf)); },
                    [](const py::object& size, const py::object& sf) {
                      return make<nn::UpsamplingNearest2d>(true, ints(size), floats(sf)); }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none());
  py::class_<nn::UpsamplingBilinear2d, nn::Upsample, PyModule<nn::UpsamplingBilinear2d>,
             std::shared_ptr<nn::UpsamplingBilinear2d>>(
      nnm, "UpsamplingBilinear2d", "Upsample with mode='bilinear', align_corners=True.")
      .def(py::init([](const py::object& size, const py::object& sf) {
                      return make<nn::UpsamplingBilinear2d>(false, ints(size), floats(sf)); },
                    [](const py::object& size, const py::object& sf) {
                      return make<nn::UpsamplingBilinear2d>(true, ints(size), floats(sf)); }),
           py::arg("size") = py::none(), py::arg("scale_factor") = py::none());
  bind_lp_pool<nn::LPPool1d>(nnm, "LPPool1d", "Power-average pooling over (N, C, L).");
  bind_lp_pool<nn::LPPool2d>(nnm, "LPPool2d", "Power-average pooling over (N, C, H, W).");
  Cls<nn::PixelShuffle>(nnm, "PixelShuffle", "Rearranges (*, C*r*r, H, W) to (*, C, H*r, W*r).")
      .def(py::init([](int64_t r) { return make<nn::PixelShuffle>(false, r); },
                    [](int64_t r) { return make<nn::PixelShuffle>(true, r); }),
           py::arg("upscale_factor"))
      .def_readonly("upscale_factor", &nn::PixelShuffle::upscale_factor);
  Cls<nn::PixelUnshuffle>(nnm, "PixelUnshuffle", "Inverse of PixelShuffle.")
      .def(py::init([](int64_t r) { return make<nn::PixelUnshuffle>(false, r); },
                    [](int64_t r) { return make<nn::PixelUnshuffle>(true, r); }),
           py::arg("downscale_factor"))
      .def_readonly("downscale_factor", &nn::PixelUnshuffle::downscale_factor);
  Cls<nn::Dropout2d>(nnm, "Dropout2d", "Zeroes whole channels with probability p in training.")
      .def(py::init([](double p, bool ip) { return make<nn::Dropout2d>(false, p, ip); },
                    [](double p, bool ip) { return make<nn::Dropout2d>(true, p, ip); }),
           py::arg("p") = 0.5, py::arg("inplace") = false)
      .def_readwrite("p", &nn::Dropout2d::p)
      .def_readwrite("inplace", &nn::Dropout2d::inplace);
  bind_pad_layer<nn::ConstantPad1d, true>(nnm, "ConstantPad1d");
  bind_pad_layer<nn::ConstantPad2d, true>(nnm, "ConstantPad2d");
  bind_pad_layer<nn::ZeroPad1d, false>(nnm, "ZeroPad1d");
  bind_pad_layer<nn::ZeroPad2d, false>(nnm, "ZeroPad2d");
  bind_pad_layer<nn::ReflectionPad1d, false>(nnm, "ReflectionPad1d");
  bind_pad_layer<nn::ReflectionPad2d, false>(nnm, "ReflectionPad2d");
  bind_pad_layer<nn::ReplicationPad1d, false>(nnm, "ReplicationPad1d");
  bind_pad_layer<nn::ReplicationPad2d, false>(nnm, "ReplicationPad2d");
  bind_pad_layer<nn::CircularPad1d, false>(nnm, "CircularPad1d");
  bind_pad_layer<nn::CircularPad2d, false>(nnm, "CircularPad2d");
}

}  // namespace

void bind_nn_pool(py::module_& m, TensorClass& cls) {
  (void)cls;
  bind_pool_functions(m);
  bind_other_functions(m);
  py::module_ nnm = m.attr("nn").cast<py::module_>();
  bind_pool_layers(nnm);
  bind_other_layers(nnm);
}

}  // namespace ember::python
