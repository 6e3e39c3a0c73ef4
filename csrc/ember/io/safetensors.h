// Weights on disk: the safetensors format (github.com/huggingface/safetensors), read and
// written in C++ so C++ programs and Python scripts share files with each other and with
// the official `safetensors` package. Files are untrusted input: everything is validated
// before anything is allocated or read. Little-endian hosts only.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes tensors (any layout; written C-contiguous, little-endian) and string metadata to
// path. The file is written beside path under a temporary name and renamed over path, so
// readers never see a half-written file (no fsync: a power loss may still lose it). The
// layout is the official package's: tensors sorted by dtype (I64, F64, F32, BOOL) then
// by name, header padded with spaces to a multiple of 8 bytes, so the bytes are identical
// to safetensors.save_file's when metadata has at most one key.
// Raises ValueError for repeated or reserved ("__metadata__") names and names or metadata
// that are not valid UTF-8, TypeError for non-CPU tensors, FileNotFoundError when the
// directory is missing and OSError when the file cannot be written.
void save(const NamedTensors& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of a safetensors file, in file order (by data offset; for files
// written by ember or by the official package: by dtype size, then by name). Each tensor
// owns freshly allocated memory (the file may be changed or deleted afterwards).
// F32, F64, I64 and BOOL load as they are; F16 and BF16 become float32, I8, I16, I32, U8,
// U16 and U32 become int64. Other dtypes raise TypeError naming the tensor and the dtype.
// A malformed file (bad header size, JSON, shapes, offsets, holes or overlaps in the data,
// repeated names; also shapes of more than 1024 dims, an ember limit) raises ValueError "[load] '<path>': <problem>"; a missing file FileNotFoundError; other
// read failures OSError.
NamedTensors load(const std::string& path);

// The "__metadata__" map of a safetensors file (empty when absent), after validating the
// whole header as load does but without reading tensor data.
std::map<std::string, std::string> load_metadata(const std::string& path);

}  // namespace ember
