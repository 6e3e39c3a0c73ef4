// Bindings of the safetensors reader and writer (ember/io/safetensors.h). The Python-side
// wrappers in python/ember/serialization.py turn dicts, arrays and paths into these types.
#include "bind.h"

namespace ember::python {

void bind_io(py::module_& m, TensorClass& cls) {
  // Paths arrive as bytes (os.fsencode) so any file name the OS accepts works.
  m.def("_save", [](const NamedTensors& tensors, const py::bytes& path,
                    const std::map<std::string, std::string>& metadata) {
        std::string p = path;
        py::gil_scoped_release release;
        save(tensors, p, metadata);
      }, py::arg("tensors"), py::arg("path"), py::arg("metadata"),
      "Writes (name, Tensor) pairs and string metadata to a safetensors file.");
  m.def("_load", [](const py::bytes& path) {
        std::string p = path;
        py::gil_scoped_release release;
        return load(p);
      }, py::arg("path"), "Reads a safetensors file as a list of (name, Tensor) in file order.");
  m.def("_load_metadata", [](const py::bytes& path) {
        std::string p = path;
        py::gil_scoped_release release;
        return load_metadata(p);
      }, py::arg("path"), "The __metadata__ dict of a safetensors file.");
}

}  // namespace ember::python
