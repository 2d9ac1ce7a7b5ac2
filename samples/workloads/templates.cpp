// A C++ workload with templates, std::function, lambdas and inlining, for perf.
#include <cstdio>
#include <functional>
#include <map>
#include <vector>
namespace {
template <typename T, int N> struct Accumulator {
  T total{};
  inline void add(T v) { for (int i = 0; i < N; i++) total += v * i; }
};
}  // namespace
template <typename K, typename V> V sum_map(const std::map<K, std::vector<V>> &m) {
  Accumulator<V, 64> acc;
  for (const auto &kv : m) for (V v : kv.second) acc.add(v);
  return acc.total;
}
__attribute__((noinline)) double run(std::function<double(int)> f, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += f(i);
  return s;
}
int main() {
  std::map<int, std::vector<double>> m;
  for (int i = 0; i < 200; i++) m[i] = std::vector<double>(50, i * 0.5);
  double s = run([&](int i) { return sum_map(m) + i; }, 1500);
  std::printf("%f\n", s);
  return 0;
}
