// DLPack interop (zero-copy both ways): Tensor.__dlpack__ / __dlpack_device__ and
// ember.from_dlpack. The C structs follow the public DLPack spec (dlpack.h, ABI v0.x,
// unversioned "dltensor" capsules, which every consumer still accepts). CPU tensors of
// float32/float64/int64/bool only; bool is exported as kDLBool (code 6, 8 bits).
#include "bind.h"

namespace ember::python {

namespace {

// ---- the DLPack ABI (spec: dmlc/dlpack include/dlpack/dlpack.h) ----
enum DLDeviceType : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3 };
enum DLDataTypeCode : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4,
                                kDLComplex = 5, kDLBool = 6 };
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; NULL means compact row-major
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

constexpr const char* kCapsuleName = "dltensor";
constexpr const char* kUsedCapsuleName = "used_dltensor";

// What an exported tensor owns: the storage (kept alive) and the shape/stride arrays.
struct ExportCtx {
  DLManagedTensor managed;
  std::shared_ptr<Storage> storage;
  std::vector<int64_t> shape, strides;
};

DLDataType dl_dtype(DType t) {
  switch (t) {
    case DType::Bool: return {kDLBool, 8, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::Float32: return {kDLFloat, 32, 1};
    case DType::Float64: return {kDLFloat, 64, 1};
  }
  return {kDLFloat, 32, 1};
}

DType from_dl_dtype(const DLDataType& d) {
  EMBER_CHECK(d.lanes == 1, TypeError, "[from_dlpack] vector dtypes (lanes = ", d.lanes,
              ") are not supported");
  if (d.code == kDLFloat && d.bits == 32) return DType::Float32;
  if (d.code == kDLFloat && d.bits == 64) return DType::Float64;
  if (d.code == kDLInt && d.bits == 64) return DType::Int64;
  if (d.code == kDLBool && d.bits == 8) return DType::Bool;
  EMBER_THROW(TypeError, "[from_dlpack] DLPack dtype (code ", int(d.code), ", bits ", int(d.bits),
              ") is not supported; expected float32, float64, int64 or bool");
}

void delete_export(DLManagedTensor* self) {
  // No Python objects inside: safe without the GIL.
  delete static_cast<ExportCtx*>(self->manager_ctx);
}

// Called when the capsule dies: frees the export unless a consumer took it (renamed it).
void capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kCapsuleName)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsuleName));
    if (m && m->deleter) m->deleter(m);
  }
}

py::capsule to_dlpack(const Tensor& t) {
  EMBER_CHECK(!t.requires_grad(), RuntimeError, "[__dlpack__] can't export a tensor that "
              "requires grad; use tensor.detach()");
  EMBER_CHECK(t.device().is_cpu(), TypeError, "[__dlpack__] only CPU tensors can be exported");
  auto* ctx = new ExportCtx;
  ctx->storage = t.storage();
  ctx->shape = t.shape();
  ctx->strides = t.strides();
  DLTensor& d = ctx->managed.dl_tensor;
  d.data = t.raw_data();
  d.device = {kDLCPU, 0};
  d.ndim = static_cast<int32_t>(t.dim());
  d.dtype = dl_dtype(t.dtype());
  d.shape = ctx->shape.empty() ? nullptr : ctx->shape.data();
  d.strides = ctx->strides.empty() ? nullptr : ctx->strides.data();
  d.byte_offset = 0;
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = &delete_export;
  PyObject* cap = PyCapsule_New(&ctx->managed, kCapsuleName, &capsule_destructor);
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

// Takes ownership of a "dltensor" capsule's tensor (renaming the capsule as the spec asks).
Tensor from_capsule(const py::handle& capsule) {
  PyObject* cap = capsule.ptr();
  EMBER_CHECK(PyCapsule_CheckExact(cap), TypeError, "[from_dlpack] expected an object with "
              "__dlpack__ or a DLPack capsule, got ",
              std::string(py::str(py::type::of(capsule).attr("__name__"))));
  EMBER_CHECK(PyCapsule_IsValid(cap, kCapsuleName), ValueError, "[from_dlpack] expected a "
              "capsule named 'dltensor' (an unused DLPack capsule), got one named '",
              PyCapsule_GetName(cap) ? PyCapsule_GetName(cap) : "", "'");
  auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, kCapsuleName));
  const DLTensor& d = m->dl_tensor;
  // All checks before taking ownership: on error the capsule still frees the tensor.
  EMBER_CHECK(d.device.device_type == kDLCPU || d.device.device_type == kDLCUDAHost,
              RuntimeError, "[from_dlpack] only CPU tensors can be imported, got DLPack "
              "device type ", d.device.device_type);
  DType dtype = from_dl_dtype(d.dtype);
  EMBER_CHECK(d.ndim >= 0, ValueError, "[from_dlpack] negative ndim ", d.ndim);
  const int64_t isz = static_cast<int64_t>(itemsize(dtype));
  Shape shape(d.shape, d.shape + d.ndim);
  Shape strides = d.strides ? Shape(d.strides, d.strides + d.ndim) : contiguous_strides(shape);
  int64_t n = numel_of(shape, "from_dlpack");
  int64_t extent = 0;
  for (int32_t i = 0; i < d.ndim; ++i) {
    EMBER_CHECK(strides[i] >= 0 || shape[i] <= 1, ValueError, "[from_dlpack] negative strides "
                "are not supported, got strides ", shape_str(strides));
    if (shape[i] <= 1) strides[i] = std::max<int64_t>(strides[i], 0);
    if (shape[i] > 0) extent += (shape[i] - 1) * strides[i];
  }
  EMBER_CHECK(d.byte_offset % static_cast<uint64_t>(isz) == 0 || n == 0, ValueError,
              "[from_dlpack] byte_offset ", d.byte_offset, " is not a multiple of the item size");
  void* data = static_cast<char*>(d.data) + d.byte_offset;
  PyCapsule_SetName(cap, kUsedCapsuleName);
  std::shared_ptr<void> owner(m, [](void* p) {
    auto* mt = static_cast<DLManagedTensor*>(p);
    if (!mt->deleter) return;
    // Producers' deleters may release Python objects (NumPy's does).
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      mt->deleter(mt);
    }
  });
  size_t nbytes = n == 0 ? 0 : static_cast<size_t>((extent + 1) * isz);
  auto storage = wrap_storage(data, nbytes, std::move(owner));
  return Tensor::view_of(storage, shape, strides, 0, dtype);
}

}  // namespace

void bind_dlpack(py::module_& m, TensorClass& cls) {
  cls.def("__dlpack__", [](const Tensor& t, py::object stream, py::object max_version,
                           py::object dl_device, py::object copy) {
        if (!dl_device.is_none()) {
          auto dev = dl_device.cast<std::pair<int, int>>();
          if (dev.first != kDLCPU) {
            PyErr_SetString(PyExc_BufferError, "[__dlpack__] ember tensors live on the CPU; "
                            "cannot export to another device");
            throw py::error_already_set();
          }
        }
        bool want_copy = !copy.is_none() && copy.cast<bool>();
        return to_dlpack(want_copy ? clone(t) : t);
      }, py::arg("stream") = py::none(), py::kw_only(), py::arg("max_version") = py::none(),
         py::arg("dl_device") = py::none(), py::arg("copy") = py::none(),
         "A DLPack capsule ('dltensor') sharing this tensor's memory (copy=True: a copy).")
      .def("__dlpack_device__", [](const Tensor& t) {
        return py::make_tuple(t.device().is_cpu() ? int(kDLCPU) : int(kDLCUDA), t.device().index);
      });

  m.def("from_dlpack", [](py::object obj) {
    if (py::hasattr(obj, "__dlpack__")) {
      if (py::hasattr(obj, "__dlpack_device__")) {
        auto dev = obj.attr("__dlpack_device__")().cast<std::pair<int, int>>();
        EMBER_CHECK(dev.first == kDLCPU || dev.first == kDLCUDAHost, RuntimeError,
                    "[from_dlpack] only CPU tensors can be imported, got DLPack device type ",
                    dev.first);
      }
      // Without max_version producers return the unversioned "dltensor" capsule we read.
      py::object cap = obj.attr("__dlpack__")();
      return from_capsule(cap);
    }
    return from_capsule(obj);
  }, py::arg("ext_tensor"),
     "A tensor sharing memory with any object implementing the DLPack protocol (NumPy, "
     "PyTorch, JAX, ...) or with a legacy 'dltensor' capsule. CPU only.");
}

}  // namespace ember::python
