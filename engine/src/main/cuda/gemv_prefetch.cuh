// One-token GEMV that loads its weights before the previous kernel has finished (decode at batch 1).
//
// A decode step is a chain of small dependent kernels; each one's weight bytes are few enough that DRAM latency, not
// bandwidth, sets its time. Here every warp of the grid takes whole rows (row units: one row, or the gate and up rows
// n and N + n) and holds up to 16 16-byte chunks of them in registers. The first batch of chunks is loaded before
// griddepcontrol.wait: weights never depend on earlier kernels, so with programmatic dependent launch they are in
// flight while the kernel before still finishes; what is left after the wait is the short dependent part: read the
// input, multiply, reduce across the warp, write. Blocks are 256 threads with at most 128 registers (two per SM by
// default, Linear.java); later batches of a larger matrix stream the same way.
// Used when the matrix is small enough for one or two batches of loads (see Linear.java); the strided gemv_* kernels
// stream larger ones. Forms are those of gemv.cuh (NORM input prologue; F32, RESID and SILU outputs), for one token.
#pragma once
#include "common.cuh"
#include "activation.cuh"
#include "gemv.cuh"

#define GEMVP_WARPS 8
#define GEMVP_CHUNKS 16  // 16-byte weight chunks each lane holds: 64 registers

// CPR: chunks of one row per lane (K <= CPR * 256); R: rows per unit (2 for gate/up); M: most tokens (m <= M), each
// weight chunk applied to all of them once it is in registers.
template <int IN, int OUT, int CPR, int R, int M = 1>
__device__ __forceinline__ void gemvp_body(const bf16* __restrict__ W, const void* __restrict__ X,
                                           const float* __restrict__ normW, float eps, const float* __restrict__ bias,
                                           void* __restrict__ Y, int N, int K, int m) {
    constexpr int CU = R * CPR;                 // chunks per unit
    constexpr int UB = GEMVP_CHUNKS / CU;       // units per batch
    static_assert(UB >= 1, "a row unit must fit in the register batch");
    extern __shared__ uint4 gemv_smem[];        // NORM: the normalised input rows, bf16 [m][K]
    __shared__ float red[32];
    bf16* sx = reinterpret_cast<bf16*>(gemv_smem);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warps = gridDim.x * GEMVP_WARPS;
    const int gw = blockIdx.x * GEMVP_WARPS + warp;

    uint4 buf[UB * CU];
    auto loadBatch = [&](int first) {
#pragma unroll
        for (int b = 0; b < UB; b++) {
            const int n = first + b * warps;
#pragma unroll
            for (int r = 0; r < R; r++)
#pragma unroll
                for (int u = 0; u < CPR; u++) {
                    const int k = (lane + 32 * u) * 8;
                    buf[b * CU + r * CPR + u] = n < N && k < K ? ld_stream(W + ((size_t) n + (size_t) r * N) * K + k)
                                                               : make_uint4(0, 0, 0, 0);
                }
        }
    };
    loadBatch(gw);
    // Also before the wait (see gemv.cuh): the norm's weights, and the residual of this warp's first rows.
    constexpr int NW = 2;
    float4 gw4[NW];
    const bool normEarly = IN == GIN_NORM && preload_norm_weights<NW>(normW, K, gw4);
    float yEarly[UB];
    if (OUT == GOUT_RESID && M == 1 && lane == 0) {
#pragma unroll
        for (int b = 0; b < UB; b++) {
            const int n = gw + b * warps;
            yEarly[b] = n < N ? reinterpret_cast<const float*>(Y)[n] : 0.f;
        }
    }
    pdl_wait();
    pdl_launch();

    if (IN == GIN_NORM) norm_rows_to_shared<NW>(reinterpret_cast<const float*>(X), normW, eps, K, m, sx, normEarly ? gw4 : nullptr, red);

    for (int first = gw; first < N; first += UB * warps) {
        if (first != gw) loadBatch(first);
#pragma unroll
        for (int b = 0; b < UB; b++) {
            const int n = first + b * warps;
            if (n >= N) break;  // warp-uniform
            float acc[M][R];
#pragma unroll
            for (int t = 0; t < M; t++)
#pragma unroll
                for (int r = 0; r < R; r++) acc[t][r] = 0.f;
#pragma unroll
            for (int u = 0; u < CPR; u++) {
                const int k = (lane + 32 * u) * 8;
                if (k >= K) break;
                float wf[R][8];
#pragma unroll
                for (int r = 0; r < R; r++) unpack8(buf[b * CU + r * CPR + u], wf[r]);
#pragma unroll
                for (int t = 0; t < M; t++) {
                    if (t >= m) break;  // uniform
                    float xf[8];
                    unpack8(IN == GIN_NORM ? *reinterpret_cast<const uint4*>(sx + (size_t) t * K + k)
                                           : *reinterpret_cast<const uint4*>(reinterpret_cast<const bf16*>(X) + (size_t) t * K + k), xf);
#pragma unroll
                    for (int r = 0; r < R; r++)
#pragma unroll
                        for (int i = 0; i < 8; i++) acc[t][r] = fmaf(wf[r][i], xf[i], acc[t][r]);
                }
            }
#pragma unroll
            for (int t = 0; t < M; t++) {
                if (t >= m) break;
#pragma unroll
                for (int r = 0; r < R; r++) acc[t][r] = warp_sum(acc[t][r]);
                if (lane == 0) {
                    const size_t o = (size_t) t * N + n;
                    if (OUT == GOUT_F32) {
                        reinterpret_cast<float*>(Y)[o] = acc[t][0] + (bias != nullptr ? bias[n] : 0.f);
                    } else if (OUT == GOUT_RESID) {
                        float* y = reinterpret_cast<float*>(Y) + o;
                        const float v = (M == 1 && first == gw ? yEarly[b] : *y) + acc[t][0];
                        *y = v;
                        if (bias != nullptr) const_cast<float*>(bias)[o] = v;  // the residual's copy (gemv.cuh)
                    } else {
                        reinterpret_cast<bf16*>(Y)[o] = __float2bfloat16_rn(silu(acc[t][0]) * acc[t][R - 1]);
                    }
                }
            }
        }
    }
}

// gemvp_<form>_c<CPR>(W, X, normW, eps, bias, Y, N, K, m): one token. (M > 1 built two-token kernels, which
// gemv_mma.cuh's tensor-core GEMV replaced: 1-7% faster at batch 2 on an H100.)
#define GEMVP_VARIANT(NAME, IN, OUT, R, CPR)                                                                         \
    extern "C" __global__ void __launch_bounds__(GEMVP_WARPS * 32, 2) NAME##_c##CPR(                                  \
        const bf16* W, const void* X, const float* normW, float eps, const float* bias, void* Y, int N, int K,       \
        int m) {                                                                                                     \
        gemvp_body<IN, OUT, CPR, R>(W, X, normW, eps, bias, Y, N, K, m);                                              \
    }
#define GEMVP_ALL_CPR(NAME, IN, OUT, R)                                                                              \
    GEMVP_VARIANT(NAME, IN, OUT, R, 1) GEMVP_VARIANT(NAME, IN, OUT, R, 2) GEMVP_VARIANT(NAME, IN, OUT, R, 4)         \
    GEMVP_VARIANT(NAME, IN, OUT, R, 8)
#define GEMVP_WIDE_CPR(NAME, IN, OUT) GEMVP_VARIANT(NAME, IN, OUT, 1, 12) GEMVP_VARIANT(NAME, IN, OUT, 1, 16)

GEMVP_ALL_CPR(gemvp, GIN_BF16, GOUT_F32, 1)
GEMVP_WIDE_CPR(gemvp, GIN_BF16, GOUT_F32)
GEMVP_ALL_CPR(gemvp_norm, GIN_NORM, GOUT_F32, 1)
GEMVP_WIDE_CPR(gemvp_norm, GIN_NORM, GOUT_F32)
GEMVP_ALL_CPR(gemvp_resid, GIN_BF16, GOUT_RESID, 1)
GEMVP_WIDE_CPR(gemvp_resid, GIN_BF16, GOUT_RESID)
GEMVP_ALL_CPR(gemvp_norm_gateup, GIN_NORM, GOUT_SILU, 2)
