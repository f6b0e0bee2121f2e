// Registry<Factory>: name -> (summary, factory), filled by static registration
// objects at the bottom of each workload/target/nemesis/command/model file
// (FoundationDB style), read after main() starts.
//
// Registration happens during static initialisation (single-threaded); lookups
// afterwards are read-only and thread-safe. Registering a name twice aborts at
// start-up with a message: it is a programming error.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace faultline {

template <typename Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string summary;
    Factory factory;
  };

  static Registry& Get() {
    static Registry registry;
    return registry;
  }

  void Add(const std::string& name, const std::string& summary, Factory factory) {
    if (entries_.count(name)) {
      std::fprintf(stderr, "faultline: \"%s\" registered twice\n", name.c_str());
      std::abort();
    }
    entries_[name] = Entry{name, summary, std::move(factory)};
  }
  // nullptr when `name` is not registered.
  const Entry* Find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // All entries, sorted by name.
  std::vector<const Entry*> All() const {
    std::vector<const Entry*> out;
    for (const auto& [name, entry] : entries_) out.push_back(&entry);
    return out;
  }
  // "a, b, c" — for "unknown X (known: ...)" messages.
  std::string NamesJoined() const {
    std::string s;
    for (const auto& [name, entry] : entries_) s += (s.empty() ? "" : ", ") + name;
    return s;
  }

 private:
  std::map<std::string, Entry> entries_;
};

// Registers at static-initialisation time:
//   static Registrar<WorkloadFactory> reg("register", "summary", &MakeRegister);
template <typename Factory>
struct Registrar {
  Registrar(const std::string& name, const std::string& summary, Factory factory) {
    Registry<Factory>::Get().Add(name, summary, std::move(factory));
  }
};

}  // namespace faultline
