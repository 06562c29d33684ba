#ifndef BACKPROP_TINY_ATTR_H
#define BACKPROP_TINY_ATTR_H

/* How the tiny paths (tiny.c, tiny_calls.h) are compiled. Not installed. */

/* Scalar code only: the previous step stored each weight one double at a
   time, and a vector load of two of them cannot take them from the store
   buffer (it waits until the stores reach the cache, 20 ns a step at -O3).
   GCC vectorises at -O2 since version 12. */
#if defined(__GNUC__) && !defined(__clang__)
#define TINY_ATTR __attribute__((optimize("no-tree-vectorize")))
#else
#define TINY_ATTR
#endif

/* The bodies are inlined into callers that pass constant bounds (the units
   of a layer, the top layer's index for one hidden layer), so that their
   loops unroll completely. */
#if defined(__GNUC__)
#define TINY_INLINE inline __attribute__((always_inline))
#else
#define TINY_INLINE inline
#endif

/* The public calls that run a tiny path carry TINY_ATTR themselves (a call
   level costs as much as a check there); their paths for larger networks
   are kept out of line, so that they keep the vectorised loops. */
#if defined(__GNUC__)
#define TINY_OUT_OF_LINE __attribute__((noinline))
#else
#define TINY_OUT_OF_LINE
#endif

/* Unrolls the loops over layers when their count is a constant. */
#if defined(__GNUC__) && !defined(__clang__)
#define TINY_UNROLL _Pragma("GCC unroll 4")
#else
#define TINY_UNROLL
#endif

#endif
