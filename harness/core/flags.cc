#include "harness/core/flags.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace faultline {

void Flags::String(const std::string& name, std::string* out, const std::string& help) {
  defs_[name] = Def{Def::kString, out, help};
}
void Flags::Int(const std::string& name, long long* out, const std::string& help) {
  defs_[name] = Def{Def::kInt, out, help};
}
void Flags::Int(const std::string& name, int* out, const std::string& help) {
  defs_[name] = Def{Def::kInt32, out, help};
}
void Flags::Double(const std::string& name, double* out, const std::string& help) {
  defs_[name] = Def{Def::kDouble, out, help};
}
void Flags::Bool(const std::string& name, bool* out, const std::string& help) {
  defs_[name] = Def{Def::kBool, out, help};
}
void Flags::Strings(const std::string& name, std::vector<std::string>* out,
                    const std::string& help) {
  defs_[name] = Def{Def::kStrings, out, help};
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
  std::string s;
  for (const auto& [name, def] : defs_) {
    std::string left = "  --" + name;
    if (def.kind != Def::kBool) left += " X";
    if (left.size() < 26) left.resize(26, ' ');
    s += left + " " + def.help + "\n";
  }
  return s;
}

int BadInput(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "faultline %s: %s\n", command.c_str(), message.c_str());
  return kExitBadInput;
}

}  // namespace faultline
