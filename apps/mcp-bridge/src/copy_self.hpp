// `mcp-bridge --copy-to <path>`: how the bridge gets into a stdio server's pod. The operator's
// init container runs the bridge image with --copy-to into a shared emptyDir, and the server
// container then starts the copy. The bridge is static, so the copy runs in any image.
// Guarantee: the destination is either the complete executable or untouched (written to a
// temporary file in the same directory, made executable, then renamed over it).
#pragma once

#include <string>

namespace bridge {

// Copies the file at `source` to `destination` as an executable (0755). Returns an empty
// string on success, else a message naming what failed.
std::string install_executable(const std::string& source, const std::string& destination);

// The running executable, as the kernel knows it (/proc/self/exe).
inline constexpr const char* self_executable = "/proc/self/exe";

}  // namespace bridge
