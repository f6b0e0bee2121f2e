#include "checkers/txn_load.h"

#include <algorithm>
#include <cstdint>

#include "harness/core/huge_pages.h"
#include "harness/core/json_text.h"

namespace faultline {
namespace txn {
namespace {

struct Syntax {
  const char* model;  // for messages
  const char* write;  // the write micro-op's f
  const char* written;
  bool list_reads;
};

const Syntax& SyntaxOf(TxnModel m) {
  static const Syntax kListAppend{"list-append", "append", "appended value", true};
  static const Syntax kRwRegister{"rw-register", "w", "written value", false};
  return m == TxnModel::kListAppend ? kListAppend : kRwRegister;
}

// The text scanner of TakeValue: whitespace, plain strings, integers.
class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}
  bool Eat(char c) {
    Ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    Ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool AtEnd() {
    Ws();
    return i_ == s_.size();
  }
  // A string without escapes or control characters.
  bool String(std::string_view* out) { return Eat('"') && ScanPlainJsonString(s_, &i_, out); }
  bool Int(int64_t* out) {
    Ws();
    size_t start = i_;
    while (i_ < s_.size() && (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9'))) ++i_;
    return ParseJsonInt(s_.substr(start, i_ - start), out);
  }
  bool Null() {
    Ws();
    if (s_.substr(i_, 4) != "null") return false;
    i_ += 4;
    return true;
  }

 private:
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  std::string_view s_;
  size_t i_ = 0;
};

// Makes room in `v` for `n` more elements. It grows by doubling, as
// push_back would, into storage advised for huge pages (huge_pages.h) before
// it is filled.
template <typename T>
void MakeRoom(std::vector<T>* v, size_t n) {
  if (v->size() + n <= v->capacity()) return;
  ReserveHuge(v, std::max(v->size() + n, v->capacity() * 2));
}

}  // namespace

std::string TxnHistory::Where(int32_t at) const {
  if (at > 0) return name + ":" + std::to_string(at);
  return name + ": event " + std::to_string(-static_cast<int64_t>(at));
}

json TxnHistory::TxnValue(uint32_t id) const {
  const Txn& t = txns[id];
  const Syntax& syntax = SyntaxOf(model);
  auto h = std::lower_bound(hidden.begin(), hidden.end(), id, [](const HiddenRead& r, uint32_t x) { return r.txn < x; });
  json out = json::array();
  uint32_t next = t.mop_begin;
  for (uint32_t slot = 0;; ++slot) {
    if (h != hidden.end() && h->txn == id && h->slot == slot) {
      out.push_back(json::array({"r", keys[h->key], nullptr}));
      ++h;
      continue;
    }
    if (next == t.mop_end) break;
    const Mop& m = mops[next++];
    json v;
    if (m.append) {
      v = m.value;
    } else if (m.null_read) {
      v = nullptr;
    } else if (syntax.list_reads) {
      v = std::vector<int64_t>(pool.begin() + m.begin, pool.begin() + m.begin + m.len);
    } else {
      v = m.value;
    }
    out.push_back(json::array({m.append ? syntax.write : "r", keys[m.key], std::move(v)}));
  }
  return out;
}

TxnLoader::TxnLoader(TxnModel model, std::string name) {
  h_.model = model;
  h_.name = std::move(name);
}

uint32_t TxnLoader::IntKey(int64_t v) {
  // Small non-negative keys (the usual case) by direct table.
  if (v >= 0 && v < (int64_t{1} << 22)) {
    if (static_cast<size_t>(v) >= small_keys_.size()) small_keys_.resize(static_cast<size_t>(v) * 2 + 16, kNoTxn);
    uint32_t& slot = small_keys_[static_cast<size_t>(v)];
    if (slot == kNoTxn) {
      slot = static_cast<uint32_t>(h_.keys.size());
      h_.keys.push_back(v);
    }
    return slot;
  }
  auto [it, fresh] = int_keys_.try_emplace(v, static_cast<uint32_t>(h_.keys.size()));
  if (fresh) h_.keys.push_back(v);
  return it->second;
}

uint32_t TxnLoader::StringKey(std::string_view k) {
  size_t hash = std::hash<std::string_view>{}(k);
  size_t mask = str_slots_.size() - 1;
  if (!str_slots_.empty()) {
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      uint32_t s = str_slots_[at];
      if (s == kNoTxn) break;
      if (str_keys_[s].first == hash && str_keys_[s].second == k) return str_ids_[s];
    }
  }
  uint32_t id = static_cast<uint32_t>(h_.keys.size());
  h_.keys.push_back(std::string(k));
  str_keys_.push_back({hash, std::string(k)});
  str_ids_.push_back(id);
  if (str_keys_.size() * 2 > str_slots_.size()) {
    str_slots_.assign(std::max<size_t>(64, str_slots_.size() * 2), kNoTxn);
  } else {
    // Only the new key: the table is big enough.
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      if (str_slots_[at] == kNoTxn) {
        str_slots_[at] = static_cast<uint32_t>(str_keys_.size() - 1);
        return id;
      }
    }
  }
  mask = str_slots_.size() - 1;
  for (uint32_t s = 0; s < str_keys_.size(); ++s) {
    size_t at = str_keys_[s].first & mask;
    while (str_slots_[at] != kNoTxn) at = (at + 1) & mask;
    str_slots_[at] = s;
  }
  return id;
}

Result<uint32_t> TxnLoader::Key(const json& k) {
  if (k.is_number_integer()) return IntKey(k.get<int64_t>());
  if (k.is_null() || k.is_object() || k.is_array() || k.is_boolean() || k.is_number_float()) {
    return Status::Error("key " + k.dump().substr(0, 40) + " is not an integer or a string");
  }
  return StringKey(k.get_ref<const std::string&>());
}

// The reference parser: any json value, every error worded.
void TxnLoader::ParseJson(const json& v, bool reads, ParsedValue* out) {
  out->Clear();
  const Syntax& syntax = SyntaxOf(h_.model);
  if (!v.is_array()) {
    out->error = "txn value is not a list of micro-ops: " + v.dump().substr(0, 60);
    return;
  }
  for (const json& m : v) {
    if (!m.is_array() || m.size() != 3 || !m[0].is_string()) {
      out->error = "micro-op " + m.dump().substr(0, 60) + " is not [f key value]";
      return;
    }
    auto key = Key(m[1]);
    if (!key.ok()) {
      out->error = "micro-op " + m.dump().substr(0, 60) + ": " + key.status().message();
      return;
    }
    Mop op;
    op.key = *key;
    const std::string& f = m[0].get_ref<const std::string&>();
    if (f == syntax.write) {
      if (!m[2].is_number_integer()) {
        out->error = std::string(syntax.written) + " " + m[2].dump().substr(0, 40) + " is not an integer";
        return;
      }
      op.append = true;
      op.value = m[2].get<int64_t>();
    } else if (f == "r") {
      // Without results (an invocation, a txn that did not commit) a read is
      // only shown, so its value is not looked at.
      if (!reads) {
      } else if (m[2].is_null()) {
        op.null_read = true;
      } else if (syntax.list_reads && m[2].is_array()) {
        op.begin = static_cast<uint32_t>(out->pool.size());
        for (const json& e : m[2]) {
          if (!e.is_number_integer()) {
            out->error = "read of key " + m[1].dump() + " holds " + e.dump().substr(0, 40) + ", not an integer";
            return;
          }
          out->pool.push_back(e.get<int64_t>());
        }
        op.len = static_cast<uint32_t>(m[2].size());
      } else if (!syntax.list_reads && m[2].is_number_integer()) {
        op.value = m[2].get<int64_t>();
      } else {
        out->error = "read value " + m[2].dump().substr(0, 40) +
                     (syntax.list_reads ? " is not a list or null" : " is not an integer or null");
        return;
      }
    } else {
      out->error = "unknown micro-op \"" + f + "\" (" + syntax.model + " knows " + syntax.write + " and r)";
      return;
    }
    out->mops.push_back(op);
  }
}

// The usual shape only, e.g. [["append",3,7],["r",4,[1,2]],["r",5,null]];
// false for anything else (nothing here is an error: the json path decides).
bool TxnLoader::ParseText(std::string_view text, ParsedValue* out) {
  out->Clear();
  const Syntax& syntax = SyntaxOf(h_.model);
  Scan s(text);
  if (!s.Eat('[') || !s.Peek('[')) return false;  // not a list of micro-ops (an empty txn: json path)
  do {
    std::string_view f, skey;
    int64_t ikey = 0;
    Mop op;
    if (!s.Eat('[') || !s.String(&f) || !s.Eat(',')) return false;
    if (s.Peek('"')) {
      if (!s.String(&skey)) return false;
    } else if (!s.Int(&ikey)) {
      return false;
    }
    if (!s.Eat(',')) return false;
    if (f == syntax.write) {
      op.append = true;
      if (!s.Int(&op.value)) return false;
    } else if (f == "r") {
      if (s.Null()) {
        op.null_read = true;
      } else if (syntax.list_reads) {
        if (!s.Eat('[')) return false;
        op.begin = static_cast<uint32_t>(out->pool.size());
        if (!s.Eat(']')) {
          do {
            int64_t e;
            if (!s.Int(&e)) return false;
            out->pool.push_back(e);
          } while (s.Eat(','));
          if (!s.Eat(']')) return false;
        }
        op.len = static_cast<uint32_t>(out->pool.size() - op.begin);
      } else if (!s.Int(&op.value)) {
        return false;
      }
    } else {
      return false;
    }
    if (!s.Eat(']')) return false;
    op.key = skey.data() ? StringKey(skey) : IntKey(ikey);
    out->mops.push_back(op);
  } while (s.Eat(','));
  return s.Eat(']') && s.AtEnd();
}

bool TxnLoader::TakeValue(std::string_view text) { return ParseText(text, &taken_); }

void TxnLoader::OnProgress(size_t done, size_t total) {
  if (sized_ || done == 0 || done < total / 16) return;
  sized_ = true;
  // 1.2: the rate varies along a history (a key's lists grow, then it is
  // retired); reserving is address space, touched only when filled.
  double scale = 1.2 * static_cast<double>(total) / static_cast<double>(done);
  auto reserve = [scale](auto* v) { ReserveHuge(v, static_cast<size_t>(static_cast<double>(v->size()) * scale) + 1024); };
  reserve(&h_.txns);
  reserve(&h_.events);
  reserve(&h_.mops);
  reserve(&h_.pool);
}

Status TxnLoader::OnOp(Op&& op, int line, bool value_taken) {
  AddOp(op, line, value_taken);
  return Status::Ok();
}

void TxnLoader::Add(const Op& op, size_t pos, int line) {
  AddOp(op, line > 0 ? line : -static_cast<int32_t>(pos), false);
}

void TxnLoader::AddOp(const Op& op, int32_t at, bool value_taken) {
  if (op.is_nemesis() || op.f != "txn") return;
  if (op.is_invoke()) {
    uint32_t id = static_cast<uint32_t>(h_.txns.size());
    Txn t;
    t.invoke_index = op.index;
    t.invoke_at = at;
    t.process = op.process;
    MakeRoom(&h_.txns, 1);
    h_.txns.push_back(t);
    MakeRoom(&h_.events, 1);
    h_.events.push_back({id, false});
    auto [it, fresh] = open_.try_emplace(op.process, 0);
    if (!fresh) {
      // An invoke while open (the reader rejects that): the earlier txn
      // stays never completed.
      Pending& old = pending_[it->second];
      Finalize(old.txn, &old.invoke, false, h_.txns[old.txn].invoke_at);
    } else if (!free_.empty()) {
      it->second = free_.back();
      free_.pop_back();
    } else {
      it->second = static_cast<uint32_t>(pending_.size());
      pending_.emplace_back();
    }
    Pending& p = pending_[it->second];
    p.txn = id;
    if (value_taken) {
      std::swap(p.invoke, taken_);
    } else {
      ParseJson(op.value, false, &p.invoke);
    }
    return;
  }
  auto it = open_.find(op.process);
  if (it == open_.end()) return;  // no open invoke (the reader rejects that)
  Pending& p = pending_[it->second];
  uint32_t id = p.txn;
  Txn& t = h_.txns[id];
  MakeRoom(&h_.events, 1);
  h_.events.push_back({id, true});
  t.completed = true;
  t.complete_index = op.index;
  t.complete_at = at;
  t.type = op.type;
  bool ok = op.is_ok();
  // An ok without a value says nothing about its reads (the invocation's
  // nils are not results).
  int32_t place = ok ? t.complete_at : t.invoke_at;
  if (value_taken) {
    Finalize(id, &taken_, ok, place);
  } else if (op.value.is_array()) {
    ParseJson(op.value, ok, &scratch_);
    Finalize(id, &scratch_, ok, place);
  } else {
    Finalize(id, &p.invoke, false, place);
  }
  free_.push_back(it->second);
  open_.erase(it);
}

void TxnLoader::Finalize(uint32_t id, ParsedValue* v, bool reads, int32_t at) {
  Txn& t = h_.txns[id];
  h_.ok += t.type == OpType::kOk;
  h_.fail += t.type == OpType::kFail;
  h_.info += t.type == OpType::kInfo;
  if (!v->error.empty()) {
    if (id < error_txn_) {
      error_txn_ = id;
      error_ = h_.Where(at) + ": " + v->error;
    }
    return;
  }
  t.mop_begin = static_cast<uint32_t>(h_.mops.size());
  MakeRoom(&h_.mops, v->mops.size());
  MakeRoom(&h_.pool, v->pool.size());
  for (uint32_t slot = 0; slot < v->mops.size(); ++slot) {
    Mop m = v->mops[slot];
    if (!m.append && !reads) {
      h_.hidden.push_back({id, slot, m.key});
      continue;
    }
    if (!m.append && m.len > 0) {
      uint32_t begin = static_cast<uint32_t>(h_.pool.size());
      h_.pool.insert(h_.pool.end(), v->pool.begin() + m.begin, v->pool.begin() + m.begin + m.len);
      m.begin = begin;
    }
    h_.mops.push_back(m);
  }
  t.mop_end = static_cast<uint32_t>(h_.mops.size());
}

Result<TxnHistory> TxnLoader::Finish() {
  // Txns never completed: their invocations' micro-ops.
  for (auto& [process, slot] : open_) {
    Pending& p = pending_[slot];
    Finalize(p.txn, &p.invoke, false, h_.txns[p.txn].invoke_at);
  }
  open_.clear();
  if (error_txn_ != kNoTxn) return Status::Error(error_);
  std::sort(h_.hidden.begin(), h_.hidden.end(),
            [](const HiddenRead& a, const HiddenRead& b) { return a.txn != b.txn ? a.txn < b.txn : a.slot < b.slot; });
  return std::move(h_);
}

Result<TxnHistory> LoadTxnHistory(const History& history, TxnModel model, const std::string& name,
                                  const std::vector<int>* lines) {
  TxnLoader loader(model, name);
  for (size_t i = 0; i < history.size(); ++i) {
    int line = lines && i < lines->size() ? (*lines)[i] : 0;
    loader.Add(history[i], i, line);
  }
  return loader.Finish();
}

Result<TxnHistory> LoadTxnHistoryFile(const std::string& path, HistoryFormat format, TxnModel model) {
  TxnLoader loader(model, path);
  Status s = StreamHistoryFile(path, format, &loader);
  if (!s.ok()) return s;
  return loader.Finish();
}

}  // namespace txn
}  // namespace faultline
