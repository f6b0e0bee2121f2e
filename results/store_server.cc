#include "results/store_server.h"

#include <httplib.h>

#include <ctime>
#include <filesystem>
#include <thread>

#include "results/store_pages.h"
#include "results/store_paths.h"

namespace faultline {
namespace fs = std::filesystem;

namespace {

double Now() { return static_cast<double>(std::time(nullptr)); }

std::string ContentType(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".jsonl" || ext == ".log" || ext == ".txt" || ext == ".edn" || ext == ".args" || ext.empty()) {
    return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

void NotFound(httplib::Response& res) {
  res.status = 404;
  res.set_content("not found\n", "text/plain");
}

// The run key "<test>/<stamp>" of a /run/ or /status/ path, when it names a
// run directory of the store.
bool RunKeyOf(const std::string& store, const std::string& rest, std::string* key) {
  std::string k = rest;
  while (!k.empty() && k.back() == '/') k.pop_back();
  if (std::count(k.begin(), k.end(), '/') != 1) return false;
  auto real = ResolveStorePath(store, k);
  std::error_code ec;
  if (!real.ok() || !fs::is_directory(*real, ec)) return false;
  *key = k;
  return true;
}

json EntryFor(const std::string& store, const std::string& key) {
  for (const json& e : ListRuns(store)) {
    if (e["run"] == key) return e;
  }
  return nullptr;
}

}  // namespace

struct StoreServer::Impl {
  ServeOptions options;
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

StoreServer::StoreServer(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

StoreServer::~StoreServer() { Stop(); }

int StoreServer::port() const { return impl_->port; }

Status StoreServer::Start() {
  Impl& im = *impl_;
  std::error_code ec;
  if (!fs::is_directory(im.options.store, ec)) {
    return Status::Error(im.options.store + ": not a directory (no runs yet? `faultline test` makes it)");
  }
  const std::string store = fs::canonical(im.options.store, ec).string();
  httplib::Server& s = im.server;
  s.Get("/", [store](const httplib::Request& req, httplib::Response& res) {
    std::string test = req.has_param("test") ? req.get_param_value("test") : "";
    std::string verdict = req.has_param("verdict") ? req.get_param_value("verdict") : "";
    res.set_content(HomePage(store, ListRuns(store), test, verdict, Now()), "text/html; charset=utf-8");
  });
  s.Get(R"(/run/(.*))", [store](const httplib::Request& req, httplib::Response& res) {
    std::string key;
    if (!RunKeyOf(store, req.matches[1], &key)) return NotFound(res);
    res.set_content(RunPage(store, key, EntryFor(store, key), Now()), "text/html; charset=utf-8");
  });
  s.Get(R"(/status/(.*))", [store](const httplib::Request& req, httplib::Response& res) {
    std::string key;
    if (!RunKeyOf(store, req.matches[1], &key)) return NotFound(res);
    res.set_header("Cache-Control", "no-store");
    res.set_content(RunLiveState(store, key, EntryFor(store, key), Now()).dump(), "application/json");
  });
  s.Get(R"(/files/(.*))", [store](const httplib::Request& req, httplib::Response& res) {
    auto real = ResolveStorePath(store, req.matches[1]);
    std::error_code ec;
    if (!real.ok() || !fs::is_regular_file(*real, ec)) return NotFound(res);
    // Streamed from disk in chunks: a 1M-op report or history is tens of MB.
    auto file = std::make_shared<std::ifstream>(*real, std::ios::binary);
    uintmax_t size = fs::file_size(*real, ec);
    if (!*file || ec) return NotFound(res);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content_provider(
        static_cast<size_t>(size), ContentType(*real),
        [file](size_t offset, size_t length, httplib::DataSink& sink) {
          char buf[65536];
          file->seekg(static_cast<std::streamoff>(offset));
          file->read(buf, static_cast<std::streamsize>(std::min(length, sizeof buf)));
          std::streamsize n = file->gcount();
          if (n <= 0) return false;
          sink.write(buf, static_cast<size_t>(n));
          return true;
        });
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) res.set_content("not found\n", "text/plain");
  });
  if (im.options.port == 0) {
    im.port = s.bind_to_any_port(im.options.bind);
    if (im.port <= 0) return Status::Error("cannot bind " + im.options.bind + " (any port)");
  } else {
    if (!s.bind_to_port(im.options.bind, im.options.port)) {
      return Status::Error("cannot bind " + im.options.bind + ":" + std::to_string(im.options.port) +
                           " (in use? pick another with --port)");
    }
    im.port = im.options.port;
  }
  im.thread = std::thread([&s] { s.listen_after_bind(); });
  return Status::Ok();
}

void StoreServer::Stop() {
  if (!impl_) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace faultline
