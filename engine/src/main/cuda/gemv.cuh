// Small-batch linear layer for decode: y[t][n] = sum_k x[t][k] * W[n][k] (+ bias[n]) for M <= 8 tokens.
// Decode is bound by reading W once, so every warp streams 16-byte chunks of its weight row with several loads in
// flight, applies them to all M tokens (x stays in L1), and reduces across lanes. A row may be split over KS warps
// so that narrow layers still put enough loads in flight across the GPU.
// With SILU the input is the fused fp32 [gate | up] activation and x = silu(gate) * up is formed on the fly, which
// saves the separate SiLU-and-mul kernel (and its launch) in decode.
#pragma once
#include "common.cuh"
#include "activation.cuh"

#define GEMV_WARPS 4
#define GEMV_UNROLL 4

template <int M, bool SILU>
__device__ __forceinline__ void gemv_body(const bf16* __restrict__ W, const void* __restrict__ X,
                                          const float* __restrict__ bias, float* __restrict__ Y,
                                          int N, int K, int m, int KS) {
    __shared__ float part[GEMV_WARPS][M];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int rowsPerBlock = GEMV_WARPS / KS;
    const int n = blockIdx.x * rowsPerBlock + warp / KS;
    const int kpart = warp % KS;
    float acc[M];
#pragma unroll
    for (int t = 0; t < M; t++) acc[t] = 0.f;
    if (n < N) {
        const bf16* wrow = W + (size_t) n * K;
        const int step = KS * 32 * 8;
        for (int k0 = (kpart * 32 + lane) * 8; k0 < K; k0 += step * GEMV_UNROLL) {
            uint4 wv[GEMV_UNROLL];
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++) {
                const int k = k0 + u * step;
                wv[u] = k < K ? ld_stream(wrow + k) : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
            for (int u = 0; u < GEMV_UNROLL; u++) {
                const int k = k0 + u * step;
                if (k >= K) break;
                float wf[8];
                unpack8(wv[u], wf);
#pragma unroll
                for (int t = 0; t < M; t++) {
                    if (t >= m) break;
                    float xf[8];
                    if (SILU) {
                        const float* g = reinterpret_cast<const float*>(X) + (size_t) t * 2 * K + k;
                        const float4 g0 = reinterpret_cast<const float4*>(g)[0], g1 = reinterpret_cast<const float4*>(g)[1];
                        const float4 u0 = reinterpret_cast<const float4*>(g + K)[0], u1 = reinterpret_cast<const float4*>(g + K)[1];
                        xf[0] = silu(g0.x) * u0.x; xf[1] = silu(g0.y) * u0.y; xf[2] = silu(g0.z) * u0.z; xf[3] = silu(g0.w) * u0.w;
                        xf[4] = silu(g1.x) * u1.x; xf[5] = silu(g1.y) * u1.y; xf[6] = silu(g1.z) * u1.z; xf[7] = silu(g1.w) * u1.w;
                    } else {
                        unpack8(*reinterpret_cast<const uint4*>(reinterpret_cast<const bf16*>(X) + (size_t) t * K + k), xf);
                    }
#pragma unroll
                    for (int i = 0; i < 8; i++) acc[t] = fmaf(wf[i], xf[i], acc[t]);
                }
            }
        }
    }
#pragma unroll
    for (int t = 0; t < M; t++) acc[t] = warp_sum(acc[t]);
    if (KS > 1) {
        if (lane == 0) {
#pragma unroll
            for (int t = 0; t < M; t++) part[warp][t] = acc[t];
        }
        __syncthreads();
        if (kpart != 0) return;
#pragma unroll
        for (int t = 0; t < M; t++) {
            float s = 0.f;
            for (int p = 0; p < KS; p++) s += part[warp + p][t];
            acc[t] = s;
        }
    }
    if (lane == 0 && n < N) {
        const float b = bias != nullptr ? bias[n] : 0.f;
#pragma unroll
        for (int t = 0; t < M; t++)
            if (t < m) Y[(size_t) t * N + n] = acc[t] + b;
    }
}

#define GEMV_KERNEL(M)                                                                                               \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_m##M(                                          \
        const bf16* W, const bf16* X, const float* bias, float* Y, int N, int K, int m, int KS) {                    \
        gemv_body<M, false>(W, X, bias, Y, N, K, m, KS);                                                              \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32) gemv_silu_m##M(                                     \
        const bf16* W, const float* GU, const float* bias, float* Y, int N, int K, int m, int KS) {                  \
        gemv_body<M, true>(W, GU, bias, Y, N, K, m, KS);                                                              \
    }

GEMV_KERNEL(1)
GEMV_KERNEL(2)
GEMV_KERNEL(4)
GEMV_KERNEL(8)

// Bias for the cuBLAS path: y[t][n] += bias[n].
extern "C" __global__ void add_bias(float* __restrict__ y, const float* __restrict__ bias, int rows, int n) {
    const size_t total = (size_t) rows * n;
    for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t) gridDim.x * blockDim.x)
        y[i] += bias[i % n];
}
