// Hand-made histories for each model (valid and invalid), limits that give
// unknown, partitioning, and the checker's error for unsupported ops.
#include <gtest/gtest.h>

#include "checkers/linearizable.h"
#include "checkers/model.h"

namespace faultline {
namespace {

// {process, type, f, value[, key]}
struct E {
  int64_t p;
  const char* type;
  const char* f;
  json value;
  json key = nullptr;
};

History H(std::initializer_list<E> events) {
  History h;
  for (const E& e : events) {
    Op op;
    op.index = static_cast<int64_t>(h.size());
    op.time = 1000 * op.index;
    op.process = e.p;
    op.type = *ParseOpType(e.type);
    op.f = e.f;
    op.value = e.value;
    op.key = e.key;
    h.push_back(op);
  }
  return h;
}

Validity Check(const History& h, const std::string& model, json initial = nullptr, bool strict = false) {
  LinearizableOptions o;
  o.model = model;
  o.initial = std::move(initial);
  o.strict_reads = strict;
  auto r = CheckLinearizable(h, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->valid : Validity::kUnknown;
}

TEST(ModelsTest, EveryModelIsRegistered) {
  for (const char* m : {"register", "cas-register", "multi-register", "kv", "set", "counter", "mutex", "fifo-queue",
                        "unordered-queue"}) {
    EXPECT_TRUE(MakeModel(m).ok()) << m;
  }
  LinearizableOptions nope;
  nope.model = "nope";
  auto bad = MakeLinearizableChecker(nope);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown model \"nope\""), std::string::npos);
  EXPECT_EQ((*MakeLinearizableChecker(LinearizableOptions{}))->name(), "linearizable");
}

TEST(ModelsTest, RegisterReadsSeeConcurrentWrites) {
  auto ok = H({{0, "invoke", "write", 1}, {1, "invoke", "read", nullptr}, {1, "ok", "read", 1}, {0, "ok", "write", 1}});
  EXPECT_EQ(Check(ok, "register", 0), Validity::kValid);
  auto stale = H({{0, "invoke", "write", 1}, {0, "ok", "write", 1}, {1, "invoke", "read", nullptr}, {1, "ok", "read", 0}});
  EXPECT_EQ(Check(stale, "register", 0), Validity::kInvalid);
  // A crashed write may take effect later, even after other ops.
  auto late = H({{0, "invoke", "write", 1}, {0, "info", "write", 1}, {1, "invoke", "read", nullptr},
                 {1, "ok", "read", 0}, {2, "invoke", "read", nullptr}, {2, "ok", "read", 1}});
  EXPECT_EQ(Check(late, "register", 0), Validity::kValid);
  // A failed write never took effect.
  auto failed = H({{0, "invoke", "write", 1}, {0, "fail", "write", 1}, {1, "invoke", "read", nullptr},
                   {1, "ok", "read", 1}});
  EXPECT_EQ(Check(failed, "register", 0), Validity::kInvalid);
  // Nil reads match anything unless strict.
  auto nil = H({{1, "invoke", "read", nullptr}, {1, "ok", "read", nullptr}});
  EXPECT_EQ(Check(nil, "register", 0), Validity::kValid);
  EXPECT_EQ(Check(nil, "register", 0, true), Validity::kInvalid);
}

TEST(ModelsTest, CasAndKvAppendPerKey) {
  auto cas = H({{0, "invoke", "cas", {0, 2}}, {0, "ok", "cas", {0, 2}}, {1, "invoke", "cas", {0, 3}},
                {1, "ok", "cas", {0, 3}}});
  EXPECT_EQ(Check(cas, "cas-register", 0), Validity::kInvalid);
  auto kv = H({{0, "invoke", "append", "a", "x"}, {0, "ok", "append", "a", "x"}, {1, "invoke", "put", "z", "y"},
               {1, "ok", "put", "z", "y"}, {0, "invoke", "append", "b", "x"}, {0, "ok", "append", "b", "x"},
               {2, "invoke", "get", nullptr, "x"}, {2, "ok", "get", "ab", "x"}, {2, "invoke", "get", nullptr, "y"},
               {2, "ok", "get", "z", "y"}});
  EXPECT_EQ(Check(kv, "kv"), Validity::kValid);
  auto kv_bad = H({{0, "invoke", "append", "a", "x"}, {0, "ok", "append", "a", "x"}, {0, "invoke", "append", "b", "x"},
                   {0, "ok", "append", "b", "x"}, {2, "invoke", "get", nullptr, "x"}, {2, "ok", "get", "ba", "x"}});
  EXPECT_EQ(Check(kv_bad, "kv"), Validity::kInvalid);
  LinearizableOptions o;
  o.model = "kv";
  auto r = CheckLinearizable(kv_bad, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->details["failure"]["key"], "x");
  // The explanation replays appended strings exactly.
  EXPECT_EQ(r->details["failure"]["linearized"].back()["state"], "ab");
  // The same verdicts as one search (--no-partition).
  o.partition = false;
  EXPECT_EQ(CheckLinearizable(kv_bad, o)->valid, Validity::kInvalid);
  EXPECT_EQ(CheckLinearizable(kv, o)->valid, Validity::kValid);
  // register does not know cas: bad input naming the op.
  LinearizableOptions reg;
  reg.model = "register";
  auto unsupported = CheckLinearizable(cas, reg);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_NE(unsupported.status().message().find("process 0 :cas [0,2] (event 0): model register has no operation :cas"),
            std::string::npos)
      << unsupported.status().message();
}

TEST(ModelsTest, SetCounterMutexQueues) {
  auto set = H({{0, "invoke", "add", 1}, {0, "ok", "add", 1}, {1, "invoke", "add", 2}, {2, "invoke", "read", nullptr},
                {2, "ok", "read", {1}}, {1, "ok", "add", 2}, {2, "invoke", "read", nullptr}, {2, "ok", "read", {2, 1}}});
  EXPECT_EQ(Check(set, "set"), Validity::kValid);
  auto set_bad = H({{0, "invoke", "set-add", 1}, {0, "ok", "set-add", 1}, {2, "invoke", "set-read", nullptr},
                    {2, "ok", "set-read", json::array()}});
  EXPECT_EQ(Check(set_bad, "set"), Validity::kInvalid);

  auto counter = H({{0, "invoke", "add", 2}, {1, "invoke", "read", nullptr}, {1, "ok", "read", 2}, {0, "ok", "add", 2},
                    {1, "invoke", "counter-read", nullptr}, {1, "ok", "counter-read", 2}});
  EXPECT_EQ(Check(counter, "counter"), Validity::kValid);
  auto counter_bad = H({{0, "invoke", "add", 2}, {0, "ok", "add", 2}, {1, "invoke", "read", nullptr},
                        {1, "ok", "read", 3}});
  EXPECT_EQ(Check(counter_bad, "counter"), Validity::kInvalid);

  auto mutex = H({{0, "invoke", "acquire", nullptr}, {0, "ok", "acquire", nullptr}, {1, "invoke", "acquire", nullptr},
                  {0, "invoke", "release", nullptr}, {0, "ok", "release", nullptr}, {1, "ok", "acquire", nullptr}});
  EXPECT_EQ(Check(mutex, "mutex"), Validity::kValid);
  auto mutex_bad = H({{0, "invoke", "acquire", nullptr}, {0, "ok", "acquire", nullptr},
                      {1, "invoke", "acquire", nullptr}, {1, "ok", "acquire", nullptr}});
  EXPECT_EQ(Check(mutex_bad, "mutex"), Validity::kInvalid);

  auto fifo = H({{0, "invoke", "enqueue", 1}, {0, "ok", "enqueue", 1}, {0, "invoke", "enqueue", 2},
                 {0, "ok", "enqueue", 2}, {1, "invoke", "dequeue", nullptr}, {1, "ok", "dequeue", 2}});
  EXPECT_EQ(Check(fifo, "fifo-queue"), Validity::kInvalid);
  EXPECT_EQ(Check(fifo, "unordered-queue"), Validity::kValid);
  // A crashed dequeue may have removed the head.
  auto crashed = H({{0, "invoke", "enqueue", 1}, {0, "ok", "enqueue", 1}, {0, "invoke", "enqueue", 2},
                    {0, "ok", "enqueue", 2}, {2, "invoke", "dequeue", nullptr}, {2, "info", "dequeue", nullptr},
                    {1, "invoke", "dequeue", nullptr}, {1, "ok", "dequeue", 2}});
  EXPECT_EQ(Check(crashed, "fifo-queue"), Validity::kValid);
  auto twice = H({{0, "invoke", "enqueue", 1}, {0, "ok", "enqueue", 1}, {1, "invoke", "dequeue", nullptr},
                  {1, "ok", "dequeue", 1}, {1, "invoke", "dequeue", nullptr}, {1, "ok", "dequeue", 1}});
  EXPECT_EQ(Check(twice, "unordered-queue"), Validity::kInvalid);
}

// 24 writes of distinct values that never complete, then reads that walk
// through them and finally a value nobody wrote: the search must try ~2^24
// subsets of the pending writes before it can say invalid.
History Explosive(int writers) {
  History h;
  auto add = [&](int64_t p, OpType t, const char* f, json v) {
    Op op;
    op.index = static_cast<int64_t>(h.size());
    op.process = p;
    op.type = t;
    op.f = f;
    op.value = std::move(v);
    h.push_back(op);
  };
  for (int i = 0; i < writers; ++i) add(i, OpType::kInvoke, "write", i);
  for (int i = 0; i < writers; ++i) {
    add(1000, OpType::kInvoke, "read", nullptr);
    add(1000, OpType::kOk, "read", i);
  }
  add(1000, OpType::kInvoke, "read", nullptr);
  add(1000, OpType::kOk, "read", -1);
  return h;
}

TEST(ModelsTest, LimitsGiveUnknownNeverValid) {
  // Small enough to finish: invalid.
  LinearizableOptions small;
  small.model = "register";
  small.initial = -2;
  auto r = CheckLinearizable(Explosive(8), small);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->valid, Validity::kInvalid);

  LinearizableOptions timed = small;
  timed.time_limit_s = 0.2;
  auto t = CheckLinearizable(Explosive(26), timed);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->valid, Validity::kUnknown);
  EXPECT_NE(t->details["reason"].get<std::string>().find("time limit"), std::string::npos) << t->details.dump();
  EXPECT_LT(t->details["elapsed_s"].get<double>(), 2.0);

  LinearizableOptions mem = small;
  mem.memory_limit_mb = 16;
  auto m = CheckLinearizable(Explosive(26), mem);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->valid, Validity::kUnknown);
  EXPECT_NE(m->details["reason"].get<std::string>().find("memory limit"), std::string::npos) << m->details.dump();
}

TEST(ModelsTest, NemesisOpsAreIgnoredAndFailuresCancelOtherKeys) {
  History h = H({{kNemesisProcess, "info", "start-partition", nullptr}});
  EXPECT_EQ(Check(h, "kv"), Validity::kValid);
  // One bad key among many: invalid, and the failure names that key.
  History many;
  for (int k = 0; k < 200; ++k) {
    for (int rep = 0; rep < 3; ++rep) {
      Op w;
      w.process = k;
      w.f = "write";
      w.key = "k" + std::to_string(k);
      w.value = rep;
      many.push_back(w);
      w.type = OpType::kOk;
      many.push_back(w);
    }
  }
  Op r;
  r.process = 9999;
  r.f = "read";
  r.key = "k77";
  many.push_back(r);
  r.type = OpType::kOk;
  r.value = 0;
  many.push_back(r);
  LinearizableOptions o;
  auto res = CheckLinearizable(many, o);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->valid, Validity::kInvalid);
  EXPECT_EQ(res->details["failure"]["key"], "k77");
  EXPECT_EQ(res->details["partitions"], 200);
}

}  // namespace
}  // namespace faultline
