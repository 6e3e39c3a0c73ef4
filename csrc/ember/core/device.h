// Where a tensor's memory lives. Only the CPU is built today; CUDA requests go through
// no_cuda.cpp and raise a clear error when ember was built without the toolkit.
#pragma once
#include <string>

namespace ember {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && (is_cpu() || index == o.index); }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};

// Parses "cpu", "cuda", "cuda:1"; raises ValueError otherwise.
Device parse_device(const std::string& s);

bool cuda_available();  // false when built without CUDA or no GPU is present

}  // namespace ember
