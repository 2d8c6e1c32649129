// Small-batch linear layer on tensor cores: y[t][n] = sum_k x[t][k] * W[n][k] for up to 16 tokens (decode batches).
//
// At a few tokens a product is still bound by reading W once, but applying each weight to every token on CUDA cores
// costs more instructions than the loads hide (gemv.cuh loses to cuBLAS from four tokens on). Here every weight chunk
// goes through mma.sync m16n8k16 instead: the tokens are the 16 rows of A (the _m8 kernels fill only 8), a tile of 8
// weight rows is B, so one 16-byte chunk of weights meets all tokens in two instructions. Measured on an H100
// (decode step, graphs on): qwen3-0.6b 1.05 vs 1.16 ms at batch 2 (the two-token gemv_prefetch kernel), 1.29 vs
// 1.66 at 8 (cuBLAS), 1.59 vs 1.87 at 16.
//
// Fragment layout. In m16n8k16 the lane (g = lane / 4, t = lane % 4) holds B's column g at k = 2t, 2t+1, 2t+8, 2t+9
// and A's rows g and g+8 at the same k. A dot product does not care in which order k is summed, so instead of
// those k we give each lane whole 16-byte chunks: lane (g, t) loads chunk 4q + t of weight row g (8 consecutive
// elements) and the same chunk of tokens g and g+8, and the two halves of the chunk feed two mma's. Weights are loaded
// 16 bytes per lane, 64 contiguous bytes per row and quad, without shuffles or shared memory.
//
// Work split. A tile is 8 weight rows (SILU: gate and up rows of 4 units, interleaved, so that one tile yields 4
// outputs); S warps share a tile's K (S = 1, 2, 4, 8, chosen by the host so that each lane holds at most 8 chunks per
// batch and the grid still fits on the GPU at once), 8 / S tiles per block. Each warp's first batch of weights is
// loaded before griddepcontrol.wait (see gemv_prefetch.cuh); the S partial tiles are summed in shared memory, then the
// forms of gemv.cuh apply: NORM input prologue (the normalised rows in shared memory), F32, RESID or SILU output.
// Blocks stride over tile groups, so a matrix larger than one wave (an LM head) pays the norm prologue once per block.
#pragma once
#include "common.cuh"
#include "activation.cuh"
#include "gemv.cuh"

#define GEMVT_WARPS 8
// 16-byte weight chunks each lane holds per batch: 32 registers. At 12 the refilling loop spills, and an H100 measured
// it 5-13% slower per decode step.
#define GEMVT_CHUNKS 8

// The NORM prologue, one warp per row: sx[t] = bf16(rmsNorm(X[t]) * normW). Rows are normalised in parallel, so
// that 8-16 tokens cost one round trip to L2, not one block-wide reduction each. Ends with a block barrier.
__device__ __forceinline__ void gemvt_norm_rows(const float* __restrict__ X, const float* __restrict__ normW, float eps,
                                                int K, int m, bf16* __restrict__ sx) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int t = warp; t < m; t += GEMVT_WARPS) {
        const float* xr = X + (size_t) t * K;
        float ss = 0.f;
#pragma unroll 8
        for (int i = lane * 4; i < K; i += 128) {
            const float4 a = *reinterpret_cast<const float4*>(xr + i);
            ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
        }
        const float inv = 1.0f / sqrtf(warp_sum(ss) / K + eps);
#pragma unroll 8
        for (int i = lane * 4; i < K; i += 128) {
            const float4 a = *reinterpret_cast<const float4*>(xr + i);
            const float4 g = *reinterpret_cast<const float4*>(normW + i);
            *reinterpret_cast<uint2*>(sx + (size_t) t * K + i) =
                    make_uint2(pack2(g.x * (a.x * inv), g.y * (a.y * inv)), pack2(g.z * (a.z * inv), g.w * (a.w * inv)));
        }
    }
    __syncthreads();
}

// MT: most tokens (8 or 16); S: warps per tile (1, 2, 4 or 8).
template <int IN, int OUT, int MT>
__device__ __forceinline__ void gemvt_body(const bf16* __restrict__ W, const void* __restrict__ X,
                                           const float* __restrict__ normW, float eps, const float* __restrict__ bias,
                                           void* __restrict__ Y, int N, int K, int m, int S) {
    extern __shared__ uint4 gemv_smem[];       // NORM: the normalised input rows, bf16 [m][K]
    __shared__ float part[GEMVT_WARPS][MT][8];  // each warp's partial tile: [token][tile row]
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    const int TB = GEMVT_WARPS / S;                        // tiles per block
    const int tileRows = OUT == GOUT_SILU ? 4 : 8;         // outputs per tile
    const int tiles = (N + tileRows - 1) / tileRows;
    const int groups = (tiles + TB - 1) / TB;              // tile groups (one block's work at a time)
    const int slice = warp % S;
    const int KC = K >> 3, KQ = (KC + 3) >> 2, QS = (KQ + S - 1) / S;  // chunks, quads of chunks, quads per slice
    const int q0 = slice * QS, q1 = min(KQ, q0 + QS);

    // This lane's weight row in tile group grp, or -1 past the matrix.
    auto rowOf = [&](int grp) {
        const int tile = grp * TB + warp / S;
        if (grp >= groups || tile >= tiles) return -1;
        if (OUT == GOUT_SILU) {
            const int p = tile * 4 + (g >> 1);
            return p < N ? ((g & 1) ? N + p : p) : -1;
        }
        const int n = tile * 8 + g;
        return n < N ? n : -1;
    };
    auto chunk = [&](int row, int q) {
        const int c = 4 * q + t;
        return row >= 0 && q < q1 && c < KC ? ld_stream(W + (size_t) row * K + (size_t) c * 8) : make_uint4(0, 0, 0, 0);
    };
    uint4 buf[GEMVT_CHUNKS];
    int grp = blockIdx.x, qb = q0, row = rowOf(grp);
#pragma unroll
    for (int u = 0; u < GEMVT_CHUNKS; u++) buf[u] = chunk(row, qb + u);
    pdl_wait();
    pdl_launch();
    if (grp >= groups) return;

    const bf16* xb;
    if (IN == GIN_NORM) {
        bf16* sx = reinterpret_cast<bf16*>(gemv_smem);
        gemvt_norm_rows(reinterpret_cast<const float*>(X), normW, eps, K, m, sx);
        xb = sx;
    } else {
        xb = reinterpret_cast<const bf16*>(X);
    }
    const bool lo = g < m, hi = MT > 8 && g + 8 < m;  // tokens g and g + 8 exist
    const bf16* xlo = xb + (size_t) g * K;
    const bf16* xhi = xb + (size_t) (MT > 8 ? g + 8 : g) * K;
    const uint4 zero = make_uint4(0, 0, 0, 0);

    // One batch of up to GEMVT_CHUNKS quads per pass; each register is refilled with the next batch (of this tile or of
    // the block's next tile group) as soon as its mma's have read it, so the stream of weights never waits for the
    // reduction and the stores.
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    while (grp < groups) {
        int nqb = qb + GEMVT_CHUNKS, ngrp = grp, nrow = row;
        if (nqb >= q1) {
            nqb = q0;
            ngrp = grp + gridDim.x;
            nrow = rowOf(ngrp);
        }
#pragma unroll
        for (int u = 0; u < GEMVT_CHUNKS; u++) {
            // predicated, not a break: the activation loads of a batch can all be in flight at once
            const int q = qb + u, c = 4 * q + t;
            const bool in = q < q1 && c < KC;
            const uint4 a = lo && in ? *reinterpret_cast<const uint4*>(xlo + (size_t) c * 8) : zero;
            const uint4 b = hi && in ? *reinterpret_cast<const uint4*>(xhi + (size_t) c * 8) : zero;
            const uint32_t a0[4] = {a.x, b.x, a.y, b.y}, a1[4] = {a.z, b.z, a.w, b.w};
            mma_bf16_16816(acc, a0, buf[u].x, buf[u].y);
            mma_bf16_16816(acc, a1, buf[u].z, buf[u].w);
            buf[u] = chunk(nrow, nqb + u);
        }
        if (nqb == q0) {
            // The tile group is complete. acc: tokens g (0, 1) and g + 8 (2, 3), tile rows 2t and 2t + 1.
            part[warp][g][2 * t] = acc[0];
            part[warp][g][2 * t + 1] = acc[1];
            if (MT > 8) {
                part[warp][(g + 8) % MT][2 * t] = acc[2];
                part[warp][(g + 8) % MT][2 * t + 1] = acc[3];
            }
            acc[0] = acc[1] = acc[2] = acc[3] = 0.f;
            __syncthreads();
            const int outs = TB * MT * tileRows;
            for (int i = threadIdx.x; i < outs; i += blockDim.x) {
                const int tl = i / (MT * tileRows), tok = i / tileRows % MT, j = i % tileRows;
                const int w0 = tl * S;
                if (OUT == GOUT_SILU) {
                    float gate = 0.f, up = 0.f;
                    for (int s = 0; s < S; s++) {
                        gate += part[w0 + s][tok][2 * j];
                        up += part[w0 + s][tok][2 * j + 1];
                    }
                    const int p = (grp * TB + tl) * 4 + j;
                    if (tok < m && p < N) reinterpret_cast<bf16*>(Y)[(size_t) tok * N + p] = __float2bfloat16_rn(silu(gate) * up);
                } else {
                    float v = 0.f;
                    for (int s = 0; s < S; s++) v += part[w0 + s][tok][j];
                    const int n = (grp * TB + tl) * 8 + j;
                    if (tok < m && n < N) {
                        float* y = reinterpret_cast<float*>(Y) + (size_t) tok * N + n;
                        if (OUT == GOUT_F32) *y = v + (bias != nullptr ? bias[n] : 0.f);
                        else *y += v;
                    }
                }
            }
            __syncthreads();  // part is rewritten by the next tile group
        }
        grp = ngrp;
        qb = nqb;
        row = nrow;
    }
}

// gemvt_<form>_m<MT>(W, X, normW, eps, bias, Y, N, K, m, S): 1 to MT tokens.
#define GEMVT_VARIANT(NAME, IN, OUT, MT)                                                                             \
    extern "C" __global__ void __launch_bounds__(GEMVT_WARPS * 32, 2) NAME##_m##MT(                                   \
        const bf16* W, const void* X, const float* normW, float eps, const float* bias, void* Y, int N, int K, int m, \
        int S) {                                                                                                     \
        gemvt_body<IN, OUT, MT>(W, X, normW, eps, bias, Y, N, K, m, S);                                              \
    }
#define GEMVT_FORMS(MT)                                                                                              \
    GEMVT_VARIANT(gemvt, GIN_BF16, GOUT_F32, MT)                                                                     \
    GEMVT_VARIANT(gemvt_norm, GIN_NORM, GOUT_F32, MT)                                                                \
    GEMVT_VARIANT(gemvt_resid, GIN_BF16, GOUT_RESID, MT)                                                             \
    GEMVT_VARIANT(gemvt_norm_gateup, GIN_NORM, GOUT_SILU, MT)

GEMVT_FORMS(8)
GEMVT_FORMS(16)
