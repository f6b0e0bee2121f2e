#include "targets/faketime_preload.h"

namespace faultline {

std::string FaketimePairId(const std::string& owner, const std::string& node_name,
                           const std::string& node_address) {
  std::string id = "faultline_" + owner + "_" + node_name + "_" + node_address;
  for (char& c : id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '.' || c == '-';
    if (!plain) c = '_';
  }
  return id;
}

std::string FaketimeLibFindScript() {
  return "lib=\n"
         "for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1; do\n"
         "  if [ -f \"$f\" ]; then lib=$f; break; fi\n"
         "done\n";
}

std::string FaketimePairScript(const std::string& id) {
  const std::string sem = "/dev/shm/sem." + id + "_sem";
  const std::string shm = "/dev/shm/" + id + "_shm";
  return "if ! [ -e '" + sem + "' ] || ! [ -e '" + shm + "' ]; then\n"
         // Each try is a new pid; a pid whose pid-named pair some SIGKILLed
         // process of any namespace left behind makes that try fail.
         "  pair=\n"
         "  for i in $(seq 1 100); do\n"
         "    pair=$(unset FAKETIME_SHARED; LD_PRELOAD=\"$lib\" bash -c 'echo \"$FAKETIME_SHARED\"; kill -KILL $$' "
         "2>/dev/null)\n"
         "    case \"$pair\" in /*\" \"/*) break;; esac\n"
         "  done\n"
         "  case \"$pair\" in /*\" \"/*) ;; *) echo \"libfaketime made no FAKETIME_SHARED (100 tries; "
         "/dev/shm full of faketime_sem_* leftovers?)\" >&2; exit 1;; esac\n"
         "  s=${pair%% *}; m=${pair#* }\n"
         "  mv -f \"/dev/shm/sem.${s#/}\" '" + sem + "' || exit 1\n"
         "  mv -f \"/dev/shm/${m#/}\" '" + shm + "' || exit 1\n"
         "fi\n"
         "export FAKETIME_SHARED='/" + id + "_sem /" + id + "_shm' FAKETIME_DISABLE_SHM=1\n";
}

std::string FaketimePairRemoveCommand(const std::string& id) {
  return "rm -f '/dev/shm/sem." + id + "_sem' '/dev/shm/" + id + "_shm'; true";
}

}  // namespace faultline
