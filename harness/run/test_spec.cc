#include "harness/run/test_spec.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <fstream>

#include "harness/control/local_cluster.h"
#include "harness/core/bounded_json.h"
#include "harness/core/split_commas.h"
#include "targets/external/external_target.h"

namespace faultline {

namespace {

json MapToJson(const std::map<std::string, std::string>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

Status ReadMap(const std::string& key, const json& v, std::map<std::string, std::string>* out) {
  if (!v.is_object()) return Status::Error("\"" + key + "\" must be an object of key: value");
  out->clear();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it->is_string()) {
      (*out)[it.key()] = it->get<std::string>();
    } else if (it->is_number() || it->is_boolean()) {
      (*out)[it.key()] = it->dump();
    } else {
      return Status::Error("\"" + key + "\": value of \"" + it.key() +
                           "\" must be a string, number or boolean");
    }
  }
  return Status::Ok();
}

// The password is never stored: test.json says only that one was given.
json NodesToJson(const NodeOptions& n) {
  return json{{"nodes", n.nodes},
              {"nodes_file", n.nodes_file},
              {"nodes_from", n.nodes_from},
              {"username", n.username},
              {"ssh_key", n.ssh_key},
              {"password", n.password.empty() ? "" : "<hidden>"},
              {"ssh_port", n.ssh_port},
              {"strict_host_keys", n.strict_host_keys},
              {"known_hosts", n.known_hosts},
              {"cluster_file", n.cluster_file}};
}

Status NodesFromJson(const json& j, NodeOptions* n) {
  if (!j.is_object()) return Status::Error("\"nodes\" must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    auto str = [&](std::string* out) -> Status {
      if (!v.is_string()) return Status::Error("\"nodes\": \"" + k + "\" must be a string");
      *out = v.get<std::string>();
      return Status::Ok();
    };
    Status st;
    if (k == "nodes") {
      n->nodes.clear();
      if (v.is_string()) {
        n->nodes.push_back(v.get<std::string>());
      } else if (v.is_array()) {
        for (const auto& e : v) {
          if (!e.is_string()) return Status::Error("\"nodes\": \"nodes\" must list names");
          n->nodes.push_back(e.get<std::string>());
        }
      } else {
        st = Status::Error("\"nodes\": \"nodes\" must be a list of names");
      }
    } else if (k == "nodes_file") st = str(&n->nodes_file);
    else if (k == "nodes_from") st = str(&n->nodes_from);
    else if (k == "username") st = str(&n->username);
    else if (k == "ssh_key") st = str(&n->ssh_key);
    else if (k == "password") {
      st = str(&n->password);
      if (n->password == "<hidden>") n->password.clear();
    } else if (k == "ssh_port") {
      if (!v.is_number_integer()) st = Status::Error("\"nodes\": \"ssh_port\" must be an integer");
      else n->ssh_port = v.get<int>();
    } else if (k == "strict_host_keys") {
      if (!v.is_boolean()) st = Status::Error("\"nodes\": \"strict_host_keys\" must be true or false");
      else n->strict_host_keys = v.get<bool>();
    } else if (k == "known_hosts") st = str(&n->known_hosts);
    else if (k == "cluster_file") st = str(&n->cluster_file);
    else st = Status::Error("\"nodes\": unknown setting \"" + k + "\"");
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

json SpecToJson(const TestSpec& s) {
  return json{{"name", s.name},
              {"target", s.target},
              {"target_spec", s.target_spec},
              {"target_opts", MapToJson(s.target_opts)},
              {"workload", s.workload},
              {"workload_opts", MapToJson(s.workload_opts)},
              {"time_limit", s.time_limit_s},
              {"concurrency", s.concurrency},
              {"rate", s.rate},
              {"seed", s.seed},
              {"nemesis", s.nemeses},
              {"nemesis_interval", s.nemesis_interval_s},
              {"nemesis_schedule", s.nemesis_schedule},
              {"nemesis_opts", MapToJson(s.nemesis_opts)},
              {"leave_db_running", s.leave_db_running},
              {"test_count", s.test_count},
              {"store", s.store},
              {"op_timeout", s.op_timeout_s},
              {"recovery_time", s.recovery_s},
              {"final_time_limit", s.final_time_limit_s},
              {"min_availability", s.min_availability},
              {"nodes", NodesToJson(s.nodes)}};
}

Result<TestSpec> SpecFromJson(const json& j) {
  if (!j.is_object()) return Status::Error("a test spec must be a JSON object");
  TestSpec s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    auto str = [&](std::string* out) -> Status {
      if (!v.is_string()) return Status::Error("\"" + k + "\" must be a string");
      *out = v.get<std::string>();
      return Status::Ok();
    };
    auto num = [&](double* out) -> Status {
      if (!v.is_number()) return Status::Error("\"" + k + "\" must be a number");
      *out = v.get<double>();
      return Status::Ok();
    };
    auto integer = [&](int64_t* out) -> Status {
      if (!v.is_number_integer()) return Status::Error("\"" + k + "\" must be an integer");
      *out = v.get<int64_t>();
      return Status::Ok();
    };
    auto boolean = [&](bool* out) -> Status {
      if (!v.is_boolean()) return Status::Error("\"" + k + "\" must be true or false");
      *out = v.get<bool>();
      return Status::Ok();
    };
    Status st;
    if (k == "name") st = str(&s.name);
    else if (k == "target") st = str(&s.target);
    else if (k == "target_spec") st = str(&s.target_spec);
    else if (k == "target_opts") st = ReadMap(k, v, &s.target_opts);
    else if (k == "workload") st = str(&s.workload);
    else if (k == "workload_opts") st = ReadMap(k, v, &s.workload_opts);
    else if (k == "time_limit") st = num(&s.time_limit_s);
    else if (k == "concurrency") st = integer(&s.concurrency);
    else if (k == "rate") st = num(&s.rate);
    else if (k == "seed") {
      if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
        st = Status::Error("\"seed\" must be a non-negative integer");
      } else {
        s.seed = v.get<uint64_t>();
        s.seed_set = true;
      }
    } else if (k == "nemesis") {
      s.nemeses.clear();
      if (v.is_string()) {
        s.nemeses = SplitCommas(v.get<std::string>());
      } else if (v.is_array()) {
        for (const auto& e : v) {
          if (!e.is_string()) {
            st = Status::Error("\"nemesis\" must be a list of names");
            break;
          }
          s.nemeses.push_back(e.get<std::string>());
        }
      } else {
        st = Status::Error("\"nemesis\" must be a list of names or a comma-separated string");
      }
    } else if (k == "nemesis_interval") st = num(&s.nemesis_interval_s);
    else if (k == "nemesis_schedule") {
      st = str(&s.nemesis_schedule);
      if (st.ok() && s.nemesis_schedule.empty()) {
        st = Status::Error("\"nemesis_schedule\" must be overlap, alternate or a schedule file");
      }
    }
    else if (k == "nemesis_opts") st = ReadMap(k, v, &s.nemesis_opts);
    else if (k == "leave_db_running") st = boolean(&s.leave_db_running);
    else if (k == "test_count") st = integer(&s.test_count);
    else if (k == "store") st = str(&s.store);
    else if (k == "op_timeout") st = num(&s.op_timeout_s);
    else if (k == "recovery_time") st = num(&s.recovery_s);
    else if (k == "final_time_limit") st = num(&s.final_time_limit_s);
    else if (k == "min_availability") st = num(&s.min_availability);
    else if (k == "nodes") st = NodesFromJson(v, &s.nodes);
    else if (k == "faultline_version") {
      // Written into test.json by the run (which build made it); not a setting,
      // so a stored test.json still works as a --spec file.
      if (!v.is_string()) st = Status::Error("\"faultline_version\" must be a string");
    } else {
      st = Status::Error("unknown setting \"" + k + "\"");
    }
    if (!st.ok()) return st;
  }
  // "none" and "all" are spellings, resolved here / in ResolveSpec.
  if (s.nemeses.size() == 1 && s.nemeses[0] == "none") s.nemeses.clear();
  return s;
}

Result<std::pair<std::string, std::string>> ParseKeyValue(const std::string& flag,
                                                           const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::Error(flag + ": expected key=value, got \"" + text + "\"");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

void AddTestFlags(Flags& f, TestFlagValues* v) {
  f.String("spec", &v->spec_file, "JSON test spec file (same settings as these flags; flags win)");
  f.String("name", &v->name, "test name (default <target>-<workload>; for an external target <spec name>-<workload>); runs go to store/<name>/");
  f.String("target", &v->target, "what to test (faultline list; default ringstore)");
  f.String("target-spec", &v->target_spec,
           "target spec JSON file for --target external (implies it when --target is not given)");
  f.Strings("target-opt", &v->target_opts, "target option key=value (repeatable)");
  f.String("workload", &v->workload, "workload (faultline list; default register)");
  f.Strings("workload-opt", &v->workload_opts, "workload option key=value (repeatable)");
  f.Bool("linearizable", &v->linearizable, "set workload: also check linearizability (stale reads)");
  f.String("consistency-models", &v->consistency_models,
           "list-append/rw-register: models to check, a,b (default strict-serializable)", "LIST");
  f.Double("time-limit", &v->time_limit, "seconds of main phase (default 60)");
  f.Int("concurrency", &v->concurrency, "client workers (default 5)");
  f.Double("rate", &v->rate, "total client ops/s (default 100; 0 = as fast as possible)", "OPS");
  f.Int("seed", &v->seed, "seed for every random choice (default: random, printed)");
  f.String("nemesis", &v->nemesis, "faults: partition,clock,kill,pause,packet | all | none", "LIST");
  f.Double("nemesis-interval", &v->nemesis_interval, "seconds between fault changes (default 10)");
  f.String("nemesis-schedule", &v->nemesis_schedule,
           "overlap (default: each fault on its own schedule) | alternate (one at a time) | a schedule FILE",
           "MODE|FILE");
  f.String("partition", &v->partition, "partition kind (nemesis option \"partition\")", "KIND");
  f.Double("clock-max-skew-ms", &v->clock_max_skew_ms, "largest clock offset (nemesis option)");
  f.String("clock-strategy", &v->clock_strategy, "faketime|system (nemesis option)");
  f.Double("packet-loss", &v->packet_loss, "fraction of packets dropped (nemesis option)");
  f.String("fault-targets", &v->fault_targets, "one|minority|majority|all (nemesis option \"targets\")", "WHICH");
  f.Strings("nemesis-opt", &v->nemesis_opts, "nemesis option key=value (repeatable)");
  f.Bool("leave-db-running", &v->leave_db_running, "skip the final Db teardown");
  f.Int("test-count", &v->test_count, "run the test N times (default 1)");
  f.String("store", &v->store, "results directory (default store)");
  f.Double("op-timeout", &v->op_timeout, "seconds before an op is recorded as info (default 10)");
  f.Double("recovery-time", &v->recovery_time, "seconds to wait after healing (default 5)");
  f.Double("final-time-limit", &v->final_time_limit, "bound on the final reads (default 30 s)");
  f.Double("min-availability", &v->min_availability,
           "fail the test when the ok fraction is below this (0..1)");
  AddNodeFlags(f, &v->nodes);
}

Result<json> ParseSpecText(std::string_view text, const std::string& name) {
  auto parsed = ParseBoundedJson(text, JsonLimits{kMaxNesting, kMaxSpecBytes});
  if (!parsed.ok()) return Status::Error(name + ": not a valid spec: " + parsed.status().message());
  if (!parsed->is_object()) return Status::Error(name + ": a test spec must be a JSON object");
  return std::move(*parsed);
}

Result<TestSpec> SpecFromFlags(const Flags& flags, const TestFlagValues& v) {
  json j = json::object();
  if (!v.spec_file.empty()) {
    std::ifstream in(v.spec_file, std::ios::binary);
    if (!in) return Status::Error(v.spec_file + ": cannot read the spec file");
    // Read at most one byte past the limit, so a huge file is refused unread.
    std::string text(kMaxSpecBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    auto parsed = ParseSpecText(text, v.spec_file);
    if (!parsed.ok()) return parsed.status();
    j = std::move(*parsed);
  }
  auto set = [&](const char* flag, const char* key, json value) {
    if (flags.WasSet(flag)) j[key] = std::move(value);
  };
  set("name", "name", v.name);
  set("target", "target", v.target);
  if (flags.WasSet("target-spec")) {
    // Absolute, so test.json names the same file from anywhere.
    std::error_code ec;
    auto abs = std::filesystem::absolute(v.target_spec, ec);
    j["target_spec"] = ec ? v.target_spec : abs.lexically_normal().string();
    if (!flags.WasSet("target") && !j.contains("target")) j["target"] = "external";
  }
  set("workload", "workload", v.workload);
  set("time-limit", "time_limit", v.time_limit);
  set("concurrency", "concurrency", v.concurrency);
  set("rate", "rate", v.rate);
  if (flags.WasSet("seed")) {
    if (v.seed < 0) return Status::Error("--seed must be a non-negative integer");
    j["seed"] = static_cast<uint64_t>(v.seed);
  }
  set("nemesis", "nemesis", v.nemesis);
  set("nemesis-interval", "nemesis_interval", v.nemesis_interval);
  if (flags.WasSet("nemesis-schedule")) {
    // A file's path absolute, so test.json names the same file from anywhere.
    std::error_code ec;
    auto abs = std::filesystem::absolute(v.nemesis_schedule, ec);
    j["nemesis_schedule"] = IsScheduleMode(v.nemesis_schedule) || v.nemesis_schedule.empty() || ec
                                ? v.nemesis_schedule
                                : abs.lexically_normal().string();
  }
  set("leave-db-running", "leave_db_running", v.leave_db_running);
  set("test-count", "test_count", v.test_count);
  set("store", "store", v.store);
  set("op-timeout", "op_timeout", v.op_timeout);
  set("recovery-time", "recovery_time", v.recovery_time);
  set("final-time-limit", "final_time_limit", v.final_time_limit);
  set("min-availability", "min_availability", v.min_availability);
  auto add_pairs = [&](const char* flag, const char* key,
                       const std::vector<std::string>& items) -> Status {
    for (const auto& item : items) {
      auto kv = ParseKeyValue(std::string("--") + flag, item);
      if (!kv.ok()) return kv.status();
      if (!j.contains(key) || !j[key].is_object()) j[key] = json::object();
      j[key][kv->first] = kv->second;
    }
    return Status::Ok();
  };
  Status st = add_pairs("target-opt", "target_opts", v.target_opts);
  if (st.ok()) st = add_pairs("workload-opt", "workload_opts", v.workload_opts);
  if (st.ok()) st = add_pairs("nemesis-opt", "nemesis_opts", v.nemesis_opts);
  if (!st.ok()) return st;
  auto nemesis_opt = [&](const char* flag, const char* key, json value) {
    if (!flags.WasSet(flag)) return;
    if (!j.contains("nemesis_opts") || !j["nemesis_opts"].is_object()) {
      j["nemesis_opts"] = json::object();
    }
    j["nemesis_opts"][key] = value.is_string() ? value.get<std::string>() : value.dump();
  };
  nemesis_opt("partition", "partition", v.partition);
  nemesis_opt("clock-max-skew-ms", "clock-max-skew-ms", v.clock_max_skew_ms);
  nemesis_opt("clock-strategy", "clock-strategy", v.clock_strategy);
  nemesis_opt("packet-loss", "packet-loss", v.packet_loss);
  nemesis_opt("fault-targets", "targets", v.fault_targets);
  auto node = [&](const char* flag, const char* key, json value) {
    if (!flags.WasSet(flag)) return;
    if (!j.contains("nodes") || !j["nodes"].is_object()) j["nodes"] = json::object();
    j["nodes"][key] = std::move(value);
  };
  node("nodes", "nodes", v.nodes.nodes);
  node("nodes-file", "nodes_file", v.nodes.nodes_file);
  node("nodes-from", "nodes_from", v.nodes.nodes_from);
  node("username", "username", v.nodes.username);
  node("ssh-key", "ssh_key", v.nodes.ssh_key);
  node("password", "password", v.nodes.password);
  node("ssh-port", "ssh_port", v.nodes.ssh_port);
  node("strict-host-keys", "strict_host_keys", v.nodes.strict_host_keys);
  node("known-hosts", "known_hosts", v.nodes.known_hosts);
  node("cluster-file", "cluster_file", v.nodes.cluster_file);
  auto workload_opt = [&](const char* key, const std::string& value) {
    if (!j.contains("workload_opts") || !j["workload_opts"].is_object()) {
      j["workload_opts"] = json::object();
    }
    j["workload_opts"][key] = value;
  };
  if (v.linearizable) workload_opt("linearizable", "true");
  if (flags.WasSet("consistency-models")) workload_opt("consistency-models", v.consistency_models);
  auto spec = SpecFromJson(j);
  if (!spec.ok() && !v.spec_file.empty()) return spec.status().Prefixed(v.spec_file);
  return spec;
}

Result<ResolvedSpec> ResolveSpec(const TestSpec& in) {
  ResolvedSpec r;
  r.spec = in;
  TestSpec& s = r.spec;
  if (!(s.time_limit_s > 0)) {
    return Status::Error("time limit must be positive, got " + json(s.time_limit_s).dump());
  }
  if (s.concurrency < 1 || s.concurrency > 100000) {
    return Status::Error("concurrency must be between 1 and 100000, got " +
                         std::to_string(s.concurrency));
  }
  if (s.rate < 0) return Status::Error("rate must be >= 0 (0 = unthrottled), got " + json(s.rate).dump());
  if (!(s.nemesis_interval_s > 0)) return Status::Error("nemesis interval must be positive");
  if (s.test_count < 1) return Status::Error("test count must be at least 1");
  if (!(s.op_timeout_s > 0)) return Status::Error("op timeout must be positive");
  if (s.recovery_s < 0) return Status::Error("recovery time must be >= 0");
  if (!(s.final_time_limit_s > 0)) return Status::Error("final time limit must be positive");
  if (s.min_availability > 1) return Status::Error("min availability must be between 0 and 1");
  if (s.store.empty()) return Status::Error("store directory must not be empty");

  const auto* target = TargetRegistry::Get().Find(s.target);
  if (!target) {
    return Status::Error("unknown target \"" + s.target + "\" (known: " +
                         TargetRegistry::Get().NamesJoined() + ")");
  }
  if (!s.target_spec.empty() && s.target != "external") {
    return Status::Error("--target-spec is for --target external, not " + s.target);
  }
  // The external target is made from its spec file; the others from options.
  auto t = s.target == "external" ? MakeExternalTarget(s.target_spec, s.target_opts)
                                  : target->factory(s.target_opts);
  if (!t.ok()) return t.status();
  r.target = std::move(*t);

  const auto* workload = WorkloadRegistry::Get().Find(s.workload);
  if (!workload) {
    return Status::Error("unknown workload \"" + s.workload + "\" (known: " +
                         WorkloadRegistry::Get().NamesJoined() + ")");
  }
  WorkloadOptions wo;
  wo.concurrency = static_cast<int>(s.concurrency);
  wo.opts = s.workload_opts;
  auto w = workload->factory(wo);
  if (!w.ok()) return w.status();
  r.workload = std::move(*w);
  std::string missing;
  for (const auto& f : r.workload->RequiredFs()) {
    if (!r.target.fs.count(f)) missing += (missing.empty() ? "" : ", ") + f;
  }
  if (missing == "txn" && r.target.fs.count("txn-single")) {
    // The one refusal users meet most: a store without multi-key transactions.
    return Status::Error("workload " + s.workload + ": target " + s.target +
                         " runs transactions of one micro-op only (its ops have \"txn-single\", not "
                         "\"txn\"); use --workload-opt max-txn-length=1");
  }
  if (!missing.empty()) {
    return Status::Error("workload " + s.workload + " needs ops the target " + s.target +
                         " does not support: " + missing);
  }

  std::vector<std::string> names = s.nemeses;
  if (names.size() == 1 && names[0] == "all") {
    names.clear();
    for (const auto* e : NemesisRegistry::Get().All()) names.push_back(e->name);
  }
  if (!IsScheduleMode(s.nemesis_schedule)) {
    std::set<std::string> known;
    for (const auto* e : NemesisRegistry::Get().All()) known.insert(e->name);
    auto steps = LoadScheduleFile(s.nemesis_schedule, known, s.time_limit_s);
    if (!steps.ok()) return steps.status().Prefixed("--nemesis-schedule");
    r.schedule = std::move(*steps);
    // The kinds the file names run even when --nemesis does not list them.
    for (const auto& f : ScheduleFaults(r.schedule)) {
      if (std::find(names.begin(), names.end(), f) == names.end()) names.push_back(f);
    }
  }
  for (const auto& name : names) {
    const auto* e = NemesisRegistry::Get().Find(name);
    if (!e) {
      std::string known = NemesisRegistry::Get().NamesJoined();
      return Status::Error("unknown nemesis \"" + name + "\" (known: " +
                           (known.empty() ? "none registered" : known) + ", or all/none)");
    }
    auto n = e->factory(s.nemesis_opts);
    if (!n.ok()) return n.status();
    if (r.target.needs_nodes) {
      Status fits = (*n)->CheckTarget(r.target.db.get());
      if (!fits.ok()) return fits.Prefixed("target " + s.target);
    }
    r.nemeses.push_back(std::move(*n));
  }
  s.nemeses = names;
  // Storage faults mount FUSE inside the node: a container cluster made
  // without --storage-faults cannot, so say it now rather than mid-run.
  if (!HasExplicitNodes(s.nodes) && std::find(names.begin(), names.end(), "disk") != names.end()) {
    auto cluster = LoadClusterFile(s.nodes.cluster_file.empty() ? ClusterFilePath() : s.nodes.cluster_file);
    if (cluster.ok() && cluster->transport != "ssh" && !cluster->storage_faults) {
      return Status::Error("nemesis disk: the " + cluster->transport + " containers of cluster " + cluster->name +
                           " lack SYS_ADMIN and /dev/fuse (bring it up with `cluster up --storage-faults`)");
    }
  }
  if (HasExplicitNodes(s.nodes)) {
    auto list = ExplicitNodeList(s.nodes);
    if (!list.ok()) return list.status();
    if (!r.target.needs_nodes) {
      return Status::Error("target " + s.target + " " + r.target.without_nodes + " and takes no --nodes");
    }
  }
  if (!r.nemeses.empty() && !r.target.needs_nodes) {
    return Status::Error("target " + s.target + " " + r.target.without_nodes + "; nemeses need nodes");
  }
  if (s.name.empty()) s.name = (r.target.store_name.empty() ? s.target : r.target.store_name) + "-" + s.workload;
  for (char c : s.name) {
    if (c == '/' || c == '\0') return Status::Error("test name must not contain '/'");
  }
  if (s.name == "campaigns") return Status::Error("test name \"campaigns\" is taken (the store's campaigns/ folder)");
  return r;
}

}  // namespace faultline
