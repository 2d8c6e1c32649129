// Paged attention of single query rows (flash-decoding). Grid (tokens, kvHeads, splits): each block takes one query
// token, the G query heads that share one KV head (GQA: each K/V element is read once for all of them), and one
// contiguous share of the token's context, which is split across blocks so that short batches still fill the GPU.
// A token at position p attends to keys 0..p of its sequence through the block table, so this kernel is also the
// exact fallback for prefill rows. The grid's split count is an upper bound (a decode graph is captured once for any
// context): the kernel uses only as many splits as give each at least one pass of the block over keys, and the other
// blocks leave at once. Blocks of one (token, kvHead) combine their partial results themselves: the last to finish
// (an atomic ticket) merges all splits, so no second launch is needed.
//
// Inside a block, each warp walks keys in steps; a key is covered by LPK = D/8 lanes holding 8 dims each, so a warp
// holds KPW = 32/LPK keys per step and issues STEPS steps of K and V loads before using them. Every lane keeps an
// online-softmax state (max, sum, 8 dims of the output per head) for the keys of its lane group; groups, then
// warps, are merged at the end.

#pragma once
#include "common.cuh"
#include "decode_attention.cuh"

#define PA_WARPS 4

template <int D, int GM>
__device__ __forceinline__ void paged_attention_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ seqOfToken, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, float* __restrict__ partO, float* __restrict__ partLse,
        int* __restrict__ tickets, int qHeads, int kvHeads, int blockSize, float scaleLog2, int decode) {
    constexpr int LPK = D / 8;
    constexpr int KPW = 32 / LPK;
    constexpr int STEPS = GM >= 8 ? 2 : 4;
    constexpr int KEYS_PER_PASS = PA_WARPS * STEPS * KPW;
    __shared__ float smM[PA_WARPS][GM], smL[PA_WARPS][GM];
    __shared__ float smO[PA_WARPS][GM][D];
    __shared__ float smW[GM][32];
    __shared__ int lastFlag;

    const int t = blockIdx.x, kvh = blockIdx.y, split = blockIdx.z;
    const int G = qHeads / kvHeads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kg = lane / LPK, dl = lane % LPK;
    const int len = positions[t] + 1;  // padding rows carry position -1: nothing to attend
    // Splits actually used: at least one full pass of the block's warps over keys each, at most the grid's.
    const int S = min((int) gridDim.z, max(1, (len + KEYS_PER_PASS - 1) / KEYS_PER_PASS));
    if (split >= S) {
        pdl_enter();
        return;
    }
    const int chunk = (max(len, 0) + S - 1) / S;
    const int start = split * chunk, end = min(len, start + chunk);
    const int* table = blockTables + (size_t) (len > 0 ? seqOfToken[t] : 0) * btStride;
    const float* row = qkv + (size_t) t * cols;

    // In a decode batch the keys before the token's own were written by earlier steps, and the batch metadata by the
    // host before this step: the first pass of K/V loads goes out before waiting on the previous kernel. Only the
    // token's own key (written by rope_store) waits. Prefill rows read keys that rope_store wrote just before, so they
    // load after the wait.
    uint4 kr[STEPS], vr[STEPS];
    auto loadKv = [&](int base, bool early) {
        if (early) load_kv_steps<D, STEPS, true>(kc, vc, table, blockSize, kvHeads, kvh, base, end, len - 1, kg, dl * 8, kr, vr);
        else load_kv_steps<D, STEPS, false>(kc, vc, table, blockSize, kvHeads, kvh, base, end, -1, kg, dl * 8, kr, vr);
    };
    const int base0 = start + warp * STEPS * KPW;
    if (decode && base0 < end) loadKv(base0, true);
    pdl_enter();
    // The first pass's keys after the wait: all of them for prefill rows, the token's own one in a decode batch.
    if (!decode && base0 < end) loadKv(base0, false);
    if (decode && base0 < end) {
#pragma unroll
        for (int s = 0; s < STEPS; s++) {
            const int j = base0 + s * KPW + kg;
            if (j == len - 1 && j < end) {
                const size_t off = (((size_t) table[j / blockSize] * kvHeads + kvh) * blockSize + j % blockSize) * D + dl * 8;
                kr[s] = *reinterpret_cast<const uint4*>(kc + off);
                vr[s] = *reinterpret_cast<const uint4*>(vc + off);
            }
        }
    }

    float q[GM][8];
#pragma unroll
    for (int g = 0; g < GM; g++) {
        if (g < G) {
            const float* qp = row + (size_t) (kvh * G + g) * D + dl * 8;
            const float4 a = reinterpret_cast<const float4*>(qp)[0], b = reinterpret_cast<const float4*>(qp)[1];
            q[g][0] = a.x; q[g][1] = a.y; q[g][2] = a.z; q[g][3] = a.w;
            q[g][4] = b.x; q[g][5] = b.y; q[g][6] = b.z; q[g][7] = b.w;
#pragma unroll
            for (int i = 0; i < 8; i++) q[g][i] *= scaleLog2;
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) q[g][i] = 0.f;
        }
    }
    float m[GM], l[GM], acc[GM][8];
    attention_state_init<GM>(m, l, acc);
    for (int base = base0; base < end; base += PA_WARPS * STEPS * KPW) {
        if (base != base0) loadKv(base, false);
        attention_steps<D, GM, STEPS>(kr, vr, q, base, end, kg, m, l, acc);
    }
    attention_warp_to_shared(m, l, acc, warp, smM, smL, smO);
    __syncthreads();

    // Merge the warps; one thread per (head in group, dim).
    const size_t outRow = (size_t) t * qHeads * D;
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        if (g >= GM) break;
        float mx, L, O;
        attention_combine_warps<PA_WARPS, GM, D>(smM, smL, smO, g, d, mx, L, O);
        const int h = kvh * G + g;
        if (S == 1) {
            out[outRow + (size_t) h * D + d] = __float2bfloat16_rn(L > 0.f ? O / L : 0.f);
        } else {
            const size_t ps = ((size_t) t * qHeads + h) * gridDim.z + split;
            partO[ps * D + d] = L > 0.f ? O / L : 0.f;
            if (d == 0) partLse[ps] = L > 0.f ? mx + log2f(L) : -INFINITY;
        }
    }
    if (S == 1) return;

    // Split combine by the last block to finish this (token, kvHead).
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        const int ticket = atomicAdd(&tickets[t * kvHeads + kvh], 1);
        lastFlag = ticket == S - 1;
    }
    __syncthreads();
    if (!lastFlag) return;
    __threadfence();
    // Weights of the splits (S <= 32): one warp per head, one lane per split.
    for (int g = warp; g < G && g < GM; g += PA_WARPS) {
        const size_t p0 = ((size_t) t * qHeads + kvh * G + g) * gridDim.z;
        const float lse = lane < S ? __ldcg(partLse + p0 + lane) : -INFINITY;
        const float mx = warp_max(lse);
        const float a = rescale(lse, mx);
        const float W = warp_sum(a);
        smW[g][lane] = W > 0.f ? a / W : 0.f;
    }
    __syncthreads();
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        if (g >= GM) break;
        const int h = kvh * G + g;
        const float* po = partO + ((size_t) t * qHeads + h) * gridDim.z * D + d;
        float O = 0.f;
#pragma unroll 8
        for (int s = 0; s < S; s++) O = fmaf(smW[g][s], __ldcg(po + (size_t) s * D), O);
        out[outRow + (size_t) h * D + d] = __float2bfloat16_rn(O);
    }
    if (threadIdx.x == 0) tickets[t * kvHeads + kvh] = 0;  // ready for the next launch (and graph replay)
}

#define PAGED_ATTENTION_KERNEL(D, GM)                                                                               \
    extern "C" __global__ void __launch_bounds__(PA_WARPS * 32) paged_attention_d##D##_g##GM(                        \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* seqOfToken, \
            const int* blockTables, int btStride, bf16* out, float* partO, float* partLse, int* tickets,            \
            int qHeads, int kvHeads, int blockSize, float scaleLog2, int decode) {                                   \
        paged_attention_body<D, GM>(qkv, cols, kc, vc, positions, seqOfToken, blockTables, btStride, out, partO,     \
                                    partLse, tickets, qHeads, kvHeads, blockSize, scaleLog2, decode);                \
    }

#define PAGED_ATTENTION_FOR_D(D) \
    PAGED_ATTENTION_KERNEL(D, 1) PAGED_ATTENTION_KERNEL(D, 2) PAGED_ATTENTION_KERNEL(D, 4) PAGED_ATTENTION_KERNEL(D, 8)

PAGED_ATTENTION_FOR_D(8)
PAGED_ATTENTION_FOR_D(16)
PAGED_ATTENTION_FOR_D(32)
PAGED_ATTENTION_FOR_D(64)
PAGED_ATTENTION_FOR_D(128)
PAGED_ATTENTION_FOR_D(256)
