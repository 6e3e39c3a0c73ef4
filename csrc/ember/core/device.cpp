// Device parsing; see device.h.
#include "ember/core/device.h"

#include "ember/core/error.h"

namespace ember {

Device parse_device(const std::string& s) {
  if (s == "cpu") return {DeviceType::CPU, 0};
  if (s.rfind("cuda", 0) == 0) {
    if (s == "cuda") return {DeviceType::CUDA, 0};
    if (s.size() > 5 && s[4] == ':' && s.find_first_not_of("0123456789", 5) == std::string::npos)
      return {DeviceType::CUDA, std::stoi(s.substr(5))};
  }
  EMBER_THROW(ValueError, "[device] expected 'cpu', 'cuda' or 'cuda:N', got '", s, "'");
}

}  // namespace ember
