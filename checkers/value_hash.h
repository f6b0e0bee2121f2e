// ValueHash: 128-bit content hashes of JSON values, so models can keep
// register values (including strings grown by append) in two machine words.
//
// Two independent polynomial hashes modulo the Mersenne prime 2^61-1: the
// chance that two different values collide is about 2^-120 per pair. Strings
// hash their bytes, so Append(Hash(s), t) == Hash(s + t) exactly; other values
// hash a marker plus their JSON text; null has a hash no content can produce.
// Pure functions; thread-safe.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

#include "harness/core/op.h"

namespace faultline {

struct Hash128 {
  uint64_t a = 0;
  uint64_t b = 0;
  bool operator==(const Hash128& o) const { return a == o.a && b == o.b; }
};

namespace value_hash {

inline constexpr uint64_t kMod = (1ULL << 61) - 1;
inline constexpr uint64_t kBaseA = 1000003;
inline constexpr uint64_t kBaseB = 916132831;

inline uint64_t MulMod(uint64_t x, uint64_t y) {
  unsigned __int128 p = static_cast<unsigned __int128>(x) * y;
  uint64_t lo = static_cast<uint64_t>(p & kMod);
  uint64_t hi = static_cast<uint64_t>(p >> 61);
  uint64_t r = lo + hi;
  return r >= kMod ? r - kMod : r;
}
inline uint64_t AddMod(uint64_t x, uint64_t y) {
  uint64_t r = x + y;
  return r >= kMod ? r - kMod : r;
}
inline uint64_t PowMod(uint64_t base, uint64_t e) {
  uint64_t r = 1;
  while (e) {
    if (e & 1) r = MulMod(r, base);
    base = MulMod(base, base);
    e >>= 1;
  }
  return r;
}

}  // namespace value_hash

// The hash of null: outside the range of content hashes.
inline constexpr Hash128 kNullHash{value_hash::kMod, value_hash::kMod};

inline Hash128 HashBytes(std::string_view s) {
  using namespace value_hash;
  Hash128 h;
  for (unsigned char c : s) {
    h.a = AddMod(MulMod(h.a, kBaseA), c + 1u);
    h.b = AddMod(MulMod(h.b, kBaseB), c + 1u);
  }
  return h;
}

inline Hash128 HashValue(const json& v) {
  if (v.is_null()) return kNullHash;
  if (v.is_string()) return HashBytes(v.get_ref<const std::string&>());
  if (v.is_number_integer()) {  // same bytes as the general case, without allocating
    char buf[32];
    buf[0] = '\x01';
    auto r = v.is_number_unsigned() ? std::to_chars(buf + 1, buf + sizeof buf, v.get<uint64_t>())
                                    : std::to_chars(buf + 1, buf + sizeof buf, v.get<int64_t>());
    return HashBytes(std::string_view(buf, r.ptr - buf));
  }
  std::string text = "\x01";
  text += v.dump();
  return HashBytes(text);
}

// Precomputed factors for appending a string of a known length.
struct AppendFactor {
  uint64_t a = 1;
  uint64_t b = 1;
};
inline AppendFactor AppendFactorFor(size_t len) {
  using namespace value_hash;
  return AppendFactor{PowMod(kBaseA, len), PowMod(kBaseB, len)};
}

// Hash of (state + s) given Hash(s) and its factor; null counts as "".
inline Hash128 AppendHash(Hash128 state, Hash128 s, AppendFactor f) {
  using namespace value_hash;
  if (state == kNullHash) return s;
  return Hash128{AddMod(MulMod(state.a, f.a), s.a), AddMod(MulMod(state.b, f.b), s.b)};
}

}  // namespace faultline
