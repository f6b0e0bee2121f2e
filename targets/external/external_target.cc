#include "targets/external/external_target.h"

#include <memory>

#include "targets/external/external_client.h"
#include "targets/external/external_db.h"
#include "targets/external/external_spec.h"

namespace faultline {

Result<Target> MakeExternalTarget(const std::string& spec_file, const TargetOptions& options) {
  if (spec_file.empty()) {
    return Status::Error(
        "target external needs --target-spec FILE (a JSON file describing the store: "
        "README \"Testing a third-party store\")");
  }
  auto spec = LoadExternalSpec(spec_file);
  if (!spec.ok()) return spec.status();
  auto stats = std::make_shared<ExternalClientStats>();
  Target t;
  t.name = "external";
  t.db = MakeExternalDb(*spec, options);
  t.new_client = [s = *spec, options, stats] { return std::make_unique<ExternalClient>(s, options, stats); };
  t.fs = spec->fs;
  t.needs_nodes = !spec->no_nodes;
  t.store_name = spec->name;  // runs go to store/<spec name>-<workload>/, not external-<workload>
  t.without_nodes = "runs its store on the controller (the spec says \"nodes\": \"none\")";
  t.stats = [stats, name = spec->name] {
    json j = stats->ToJson();
    j["spec_name"] = name;
    return j;
  };
  return t;
}

namespace {

// The registry entry lists the target; the spec file comes from
// --target-spec, which ResolveSpec hands to MakeExternalTarget.
Result<Target> NeedsSpecFile(const TargetOptions& options) { return MakeExternalTarget("", options); }

Registrar<TargetFactory> kExternalTarget("external",
                             "any store from a target spec (--target-spec FILE): shell commands on the "
                             "nodes + an adapter program speaking JSON lines",
                             &NeedsSpecFile);

}  // namespace
}  // namespace faultline
