#include "harness/core/flags.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace faultline {

namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

void Flags::Define(const std::string& name, Def::Kind kind, void* out, const std::string& help,
                   const std::string& placeholder) {
  std::string p = placeholder;
  const bool number = kind == Def::kInt || kind == Def::kInt32 || kind == Def::kDouble;
  if (kind == Def::kBool) {
    p.clear();
  } else if (!p.empty()) {
  } else if (EndsWith(name, "-opt")) {
    p = "KEY=VALUE";
  } else if (EndsWith(name, "-ms")) {
    p = "MS";
  } else if (number && (Has(name, "time") || Has(name, "interval") || Has(name, "timeout"))) {
    p = "SECONDS";
  } else if (EndsWith(name, "port")) {
    p = "PORT";
  } else if (EndsWith(name, "-file") || EndsWith(name, "spec") || EndsWith(name, "-key") ||
             name == "known-hosts") {
    p = "FILE";
  } else if (name == "store" || name == "report" || name == "resume" || name == "state-root" ||
             EndsWith(name, "-dir")) {
    p = "DIR";
  } else if (Has(help, "comma")) {
    p = "LIST";
  } else if (Has(help, "fraction")) {
    p = "FRACTION";
  } else if (number) {
    p = "N";
  } else {
    p = name.substr(name.rfind('-') == std::string::npos ? 0 : name.rfind('-') + 1);
    for (char& c : p) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  defs_[name] = Def{kind, out, help, p};
}

void Flags::String(const std::string& name, std::string* out, const std::string& help,
                   const std::string& placeholder) {
  Define(name, Def::kString, out, help, placeholder);
}
void Flags::Int(const std::string& name, long long* out, const std::string& help,
                const std::string& placeholder) {
  Define(name, Def::kInt, out, help, placeholder);
}
void Flags::Int(const std::string& name, int* out, const std::string& help, const std::string& placeholder) {
  Define(name, Def::kInt32, out, help, placeholder);
}
void Flags::Double(const std::string& name, double* out, const std::string& help,
                   const std::string& placeholder) {
  Define(name, Def::kDouble, out, help, placeholder);
}
void Flags::Bool(const std::string& name, bool* out, const std::string& help) {
  Define(name, Def::kBool, out, help, "");
}
void Flags::Strings(const std::string& name, std::vector<std::string>* out, const std::string& help,
                    const std::string& placeholder) {
  Define(name, Def::kStrings, out, help, placeholder);
}

Status Flags::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg == "--") {
      for (size_t j = i + 1; j < args.size(); ++j) positionals_.push_back(args[j]);
      break;
    }
    if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
      positionals_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = defs_.find(name);
    if (it == defs_.end()) {
      return Status::Error("unknown flag --" + name + " (see faultline " + command_ + " --help)");
    }
    Def& def = it->second;
    set_[name]++;
    if (def.kind == Def::kBool) {
      if (has_value && value != "true" && value != "false") {
        return Status::Error("--" + name + ": expected true or false, got \"" + value + "\"");
      }
      *static_cast<bool*>(def.out) = !has_value || value == "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Status::Error("--" + name + " needs a value");
      value = args[++i];
    }
    switch (def.kind) {
      case Def::kString:
        *static_cast<std::string*>(def.out) = value;
        break;
      case Def::kStrings:
        static_cast<std::vector<std::string>*>(def.out)->push_back(value);
        break;
      case Def::kInt: {
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0) {
          return Status::Error("--" + name + ": \"" + value + "\" is not an integer");
        }
        *static_cast<long long*>(def.out) = v;
        break;
      }
      case Def::kInt32: {
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX) {
          return Status::Error("--" + name + ": \"" + value + "\" is not an integer");
        }
        *static_cast<int*>(def.out) = static_cast<int>(v);
        break;
      }
      case Def::kDouble: {
        char* end = nullptr;
        errno = 0;
        double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || errno != 0) {
          return Status::Error("--" + name + ": \"" + value + "\" is not a number");
        }
        *static_cast<double*>(def.out) = v;
        break;
      }
      case Def::kBool:
        break;
    }
  }
  return Status::Ok();
}

std::string Flags::Usage() const {
  auto left = [&](const std::string& name) {
    const Def& def = defs_.at(name);
    return "  --" + name + (def.placeholder.empty() ? "" : " " + def.placeholder);
  };
  size_t width = 0;
  for (const auto& [name, def] : defs_) width = std::max(width, left(name).size());
  std::string s;
  for (const auto& [name, def] : defs_) {
    std::string l = left(name);
    l.resize(width, ' ');
    s += l + "  " + def.help + "\n";
  }
  return s;
}

int BadInput(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "faultline %s: %s\n", command.c_str(), message.c_str());
  return kExitBadInput;
}

}  // namespace faultline
