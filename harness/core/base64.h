// Base64 (RFC 4648, standard alphabet, '=' padding), for JSON APIs that carry
// bytes as base64 strings (etcd's v3 gateway). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline {

std::string Base64Encode(std::string_view bytes);
// nullopt on a character outside the alphabet or a bad length/padding.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace faultline
