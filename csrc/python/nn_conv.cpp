// Bindings of the convolutions: ember.conv1d / conv2d / conv_transpose1d / conv_transpose2d
// (also ember.nn.functional's), ember._conv2d_reference (for tests), and the layers
// ember.nn.Conv1d / Conv2d / ConvTranspose1d / ConvTranspose2d; ember.im2col / col2im
// (ember.nn.functional.unfold / fold) and ember.nn.Unfold / Fold.
#include "bind.h"
#include "nn.h"

namespace ember::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// An int or a sequence of ints (stride, padding, ...); TypeError otherwise.
std::vector<int64_t> ints(const py::handle& o, const char* op, const char* arg) {
  if (py::isinstance<py::int_>(o) && !py::isinstance<py::bool_>(o)) return {o.cast<int64_t>()};
  if (py::isinstance<py::sequence>(o) && !py::isinstance<py::str>(o)) {
    try {
      return o.cast<std::vector<int64_t>>();
    } catch (const py::cast_error&) {
    }
  }
  EMBER_THROW(TypeError, "[", op, "] expected ", arg, " to be an int or a tuple of ints, got ",
              std::string(py::str(py::type::of(o).attr("__name__"))));
}

py::tuple as_tuple(const std::vector<int64_t>& v) { return py::tuple(py::cast(v)); }

template <class C>
void bind_conv_layer(py::module_& nn, const char* name, int nsp, bool transposed,
                     const char* doc) {
  auto build = [nsp, transposed, name](bool alias, int64_t in, int64_t out, const py::object& k,
                                       const py::object& s, const py::object& p,
                                       const py::object& op, const py::object& d, int64_t g,
                                       bool bias, const std::string& mode) {
    std::string pstr;
    std::vector<int64_t> pad{0};
    if (py::isinstance<py::str>(p)) pstr = p.cast<std::string>();
    else pad = ints(p, name, "padding");
    return make<C>(alias, nsp, transposed, in, out, ints(k, name, "kernel_size"),
                   ints(s, name, "stride"), pad, pstr, ints(op, name, "output_padding"),
                   ints(d, name, "dilation"), g, bias, mode);
  };
  py::class_<C, nn::Module, PyModule<C>, std::shared_ptr<C>> cls(nn, name, doc);
  if (!transposed) {
    cls.def(py::init([build](int64_t in, int64_t out, const py::object& k, const py::object& s,
                             const py::object& p, const py::object& d, int64_t g, bool bias,
                             const std::string& mode) {
                       return build(false, in, out, k, s, p, py::int_(0), d, g, bias, mode);
                     },
                     [build](int64_t in, int64_t out, const py::object& k, const py::object& s,
                             const py::object& p, const py::object& d, int64_t g, bool bias,
                             const std::string& mode) {
                       return build(true, in, out, k, s, p, py::int_(0), d, g, bias, mode);
                     }),
            py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"),
            py::arg("stride") = 1, py::arg("padding") = 0, py::arg("dilation") = 1,
            py::arg("groups") = 1, py::arg("bias") = true, py::arg("padding_mode") = "zeros");
  } else {
    cls.def(py::init([build](int64_t in, int64_t out, const py::object& k, const py::object& s,
                             const py::object& p, const py::object& op, int64_t g, bool bias,
                             const py::object& d, const std::string& mode) {
                       return build(false, in, out, k, s, p, op, d, g, bias, mode);
                     },
                     [build](int64_t in, int64_t out, const py::object& k, const py::object& s,
                             const py::object& p, const py::object& op, int64_t g, bool bias,
                             const py::object& d, const std::string& mode) {
                       return build(true, in, out, k, s, p, op, d, g, bias, mode);
                     }),
            py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"),
            py::arg("stride") = 1, py::arg("padding") = 0, py::arg("output_padding") = 0,
            py::arg("groups") = 1, py::arg("bias") = true, py::arg("dilation") = 1,
            py::arg("padding_mode") = "zeros");
  }
  cls.def_readonly("in_channels", &C::in_channels)
      .def_readonly("out_channels", &C::out_channels)
      .def_readonly("groups", &C::groups)
      .def_readonly("transposed", &C::transposed)
      .def_readonly("padding_mode", &C::padding_mode)
      .def_property_readonly("kernel_size", [](const C& c) { return as_tuple(c.kernel_size); })
      .def_property_readonly("stride", [](const C& c) { return as_tuple(c.stride); })
      .def_property_readonly("dilation", [](const C& c) { return as_tuple(c.dilation); })
      .def_property_readonly("output_padding", [](const C& c) { return as_tuple(c.output_padding); })
      .def_property_readonly("padding", [](const C& c) -> py::object {
        if (!c.padding_str.empty()) return py::str(c.padding_str);
        return as_tuple(c.padding);
      })
      .def("reset_parameters", &C::reset_parameters);
}

}  // namespace

void bind_nn_conv(py::module_& m, TensorClass& cls) {
  (void)cls;
  for (int nsp = 1; nsp <= 2; ++nsp) {
    const char* name = nsp == 1 ? "conv1d" : "conv2d";
    m.def(name, [nsp, name](const Tensor& x, const Tensor& w, std::optional<Tensor> b,
                            const py::object& stride, const py::object& padding,
                            const py::object& dilation, int64_t groups) {
      auto s = ints(stride, name, "stride"), d = ints(dilation, name, "dilation");
      if (py::isinstance<py::str>(padding)) {
        std::string p = padding.cast<std::string>();
        py::gil_scoped_release release;
        return nsp == 1 ? conv1d(x, w, opt(b), s, p, d, groups) : conv2d(x, w, opt(b), s, p, d, groups);
      }
      auto p = ints(padding, name, "padding");
      py::gil_scoped_release release;
      return nsp == 1 ? conv1d(x, w, opt(b), s, p, d, groups) : conv2d(x, w, opt(b), s, p, d, groups);
    }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
       py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
    const char* tname = nsp == 1 ? "conv_transpose1d" : "conv_transpose2d";
    m.def(tname, [nsp, tname](const Tensor& x, const Tensor& w, std::optional<Tensor> b,
                              const py::object& stride, const py::object& padding,
                              const py::object& output_padding, int64_t groups,
                              const py::object& dilation) {
      auto s = ints(stride, tname, "stride"), p = ints(padding, tname, "padding");
      auto op = ints(output_padding, tname, "output_padding"), d = ints(dilation, tname, "dilation");
      py::gil_scoped_release release;
      return nsp == 1 ? conv_transpose1d(x, w, opt(b), s, p, op, groups, d)
                      : conv_transpose2d(x, w, opt(b), s, p, op, groups, d);
    }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
       py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1,
       py::arg("dilation") = 1);
  }
  m.def("_conv2d_reference", [](const Tensor& x, const Tensor& w, std::optional<Tensor> b,
                                const py::object& stride, const py::object& padding,
                                const py::object& dilation, int64_t groups) {
    auto s = ints(stride, "conv2d", "stride"), p = ints(padding, "conv2d", "padding");
    auto d = ints(dilation, "conv2d", "dilation");
    py::gil_scoped_release release;
    return conv2d_reference(x, w, opt(b), s, p, d, groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
     py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1,
     "The direct 7-loop conv2d (4-D input, no autograd), for tests.");

  m.def("im2col", [](const Tensor& x, const py::object& k, const py::object& d,
                     const py::object& p, const py::object& s) {
    auto kk = ints(k, "unfold", "kernel_size"), dd = ints(d, "unfold", "dilation");
    auto pp = ints(p, "unfold", "padding"), ss = ints(s, "unfold", "stride");
    py::gil_scoped_release release;
    return im2col(x, kk, dd, pp, ss);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
     py::arg("stride") = 1, "F.unfold: sliding local blocks as columns (N, C * prod(k), L).");
  m.def("col2im", [](const Tensor& x, const py::object& o, const py::object& k,
                     const py::object& d, const py::object& p, const py::object& s) {
    auto oo = ints(o, "fold", "output_size"), kk = ints(k, "fold", "kernel_size");
    auto dd = ints(d, "fold", "dilation"), pp = ints(p, "fold", "padding");
    auto ss = ints(s, "fold", "stride");
    py::gil_scoped_release release;
    return col2im(x, oo, kk, dd, pp, ss);
  }, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1,
     py::arg("padding") = 0, py::arg("stride") = 1,
     "F.fold: sums columns (N, C * prod(k), L) back into (N, C, *output_size).");

  py::module_ nn = m.attr("nn").cast<py::module_>();
  // Size arguments print and read back as given (int or tuple), like torch's.
  auto as_given = [](const std::vector<int64_t>& v) -> py::object {
    return v.size() == 1 ? py::object(py::int_(v[0])) : py::object(as_tuple(v));
  };
  using UnfoldCls = py::class_<nn::Unfold, nn::Module, PyModule<nn::Unfold>, std::shared_ptr<nn::Unfold>>;
  UnfoldCls(nn, "Unfold", "Extracts sliding local blocks (see ember.nn.functional.unfold).")
      .def(py::init([](const py::object& k, const py::object& d, const py::object& p, const py::object& s) {
             return make<nn::Unfold>(false, ints(k, "Unfold", "kernel_size"), ints(d, "Unfold", "dilation"),
                                     ints(p, "Unfold", "padding"), ints(s, "Unfold", "stride"));
           }, [](const py::object& k, const py::object& d, const py::object& p, const py::object& s) {
             return make<nn::Unfold>(true, ints(k, "Unfold", "kernel_size"), ints(d, "Unfold", "dilation"),
                                     ints(p, "Unfold", "padding"), ints(s, "Unfold", "stride"));
           }), py::arg("kernel_size"), py::arg("dilation") = 1, py::arg("padding") = 0,
           py::arg("stride") = 1)
      .def_property_readonly("kernel_size", [as_given](const nn::Unfold& l) { return as_given(l.kernel_size); })
      .def_property_readonly("dilation", [as_given](const nn::Unfold& l) { return as_given(l.dilation); })
      .def_property_readonly("padding", [as_given](const nn::Unfold& l) { return as_given(l.padding); })
      .def_property_readonly("stride", [as_given](const nn::Unfold& l) { return as_given(l.stride); });
  using FoldCls = py::class_<nn::Fold, nn::Module, PyModule<nn::Fold>, std::shared_ptr<nn::Fold>>;
  FoldCls(nn, "Fold", "Sums sliding local blocks into an image (see ember.nn.functional.fold).")
      .def(py::init([](const py::object& o, const py::object& k, const py::object& d, const py::object& p,
                       const py::object& s) {
             return make<nn::Fold>(false, ints(o, "Fold", "output_size"), ints(k, "Fold", "kernel_size"),
                                   ints(d, "Fold", "dilation"), ints(p, "Fold", "padding"),
                                   ints(s, "Fold", "stride"));
           }, [](const py::object& o, const py::object& k, const py::object& d, const py::object& p,
                 const py::object& s) {
             return make<nn::Fold>(true, ints(o, "Fold", "output_size"), ints(k, "Fold", "kernel_size"),
                                   ints(d, "Fold", "dilation"), ints(p, "Fold", "padding"),
                                   ints(s, "Fold", "stride"));
           }), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation") = 1,
           py::arg("padding") = 0, py::arg("stride") = 1)
      .def_property_readonly("output_size", [as_given](const nn::Fold& l) { return as_given(l.output_size); })
      .def_property_readonly("kernel_size", [as_given](const nn::Fold& l) { return as_given(l.kernel_size); })
      .def_property_readonly("dilation", [as_given](const nn::Fold& l) { return as_given(l.dilation); })
      .def_property_readonly("padding", [as_given](const nn::Fold& l) { return as_given(l.padding); })
      .def_property_readonly("stride", [as_given](const nn::Fold& l) { return as_given(l.stride); });
  bind_conv_layer<nn::Conv1d>(nn, "Conv1d", 1, false, "1-D convolution over (N, C, L) input.");
  bind_conv_layer<nn::Conv2d>(nn, "Conv2d", 2, false, "2-D convolution over (N, C, H, W) input.");
  bind_conv_layer<nn::ConvTranspose1d>(nn, "ConvTranspose1d", 1, true,
                                       "1-D transposed convolution over (N, C, L) input.");
  bind_conv_layer<nn::ConvTranspose2d>(nn, "ConvTranspose2d", 2, true,
                                       "2-D transposed convolution over (N, C, H, W) input.");
}

}  // namespace ember::python
