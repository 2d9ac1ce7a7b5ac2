/* A C workload whose time sits on known source lines, for perf's srcline. */
#include <stdio.h>

static volatile double sink;

static inline double scale(double x, int i)
{
	return x * 1.0000001 + (i & 7);
}

__attribute__((noinline)) static double sum_loop(int n)
{
	double x = 0;
	for (int i = 0; i < n; i++)
		x += i * 0.5;
	for (int i = 0; i < n; i++)
		x = scale(x, i);
	return x;
}

__attribute__((noinline)) static unsigned hash_loop(int n)
{
	unsigned h = 2166136261u;
	for (int i = 0; i < n; i++)
		h = (h ^ i) * 16777619u;
	return h;
}

__attribute__((noinline)) static double descend(int depth, int n)
{
	if (depth == 0)
		return sum_loop(n);
	return descend(depth - 1, n) + 1;
}

__attribute__((noinline)) static double work(int round)
{
	double a = descend(round % 4, 20000);
	unsigned b = hash_loop(10000 + round % 3);
	return a + b;
}

int main(void)
{
	for (int r = 0; r < 12000; r++)
		sink = work(r);
	printf("%f\n", sink);
	return 0;
}
