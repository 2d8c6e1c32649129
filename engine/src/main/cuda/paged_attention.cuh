// Paged attention of single query rows (flash-decoding). Grid (tokens, kvHeads, splits): each block takes one query
// token, the G query heads that share one KV head (GQA: each K/V element is read once for all of them), and one
// contiguous share of the token's context, which is split across blocks so that short batches still fill the GPU.
// A token at position p attends to keys 0..p of its sequence through the block table, so this kernel is also the
// exact fallback for prefill rows. Blocks of one (token, kvHead) combine their partial results themselves: the last
// to finish (an atomic ticket) merges all splits, so no second launch is needed.
//
// Inside a block, each warp walks keys in steps; a key is covered by LPK = D/8 lanes holding 8 dims each, so a warp
// holds KPW = 32/LPK keys per step and issues STEPS steps of K and V loads before using them. Every lane keeps an
// online-softmax state (max, sum, 8 dims of the output per head) for the keys of its lane group; groups, then
// warps, are merged at the end.
#pragma once
#include "common.cuh"

#define PA_WARPS 4

template <int D, int GM>
__device__ __forceinline__ void paged_attention_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ seqOfToken, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, float* __restrict__ partO, float* __restrict__ partLse,
        int* __restrict__ tickets, int qHeads, int kvHeads, int blockSize, float scaleLog2) {
    pdl_enter();
    constexpr int LPK = D / 8;
    constexpr int KPW = 32 / LPK;
    constexpr int STEPS = GM >= 8 ? 2 : 4;
    __shared__ float smM[PA_WARPS][GM], smL[PA_WARPS][GM];
    __shared__ float smO[PA_WARPS][GM][D];
    __shared__ int lastFlag;

    const int t = blockIdx.x, kvh = blockIdx.y, split = blockIdx.z, S = gridDim.z;
    const int G = qHeads / kvHeads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kg = lane / LPK, dl = lane % LPK;
    const int len = positions[t] + 1;  // padding rows carry position -1: nothing to attend
    const int chunk = (max(len, 0) + S - 1) / S;
    const int start = split * chunk, end = min(len, start + chunk);
    const int* table = blockTables + (size_t) (len > 0 ? seqOfToken[t] : 0) * btStride;

    float q[GM][8];
#pragma unroll
    for (int g = 0; g < GM; g++) {
        if (g < G) {
            const float* qp = qkv + (size_t) t * cols + (size_t) (kvh * G + g) * D + dl * 8;
            const float4 a = reinterpret_cast<const float4*>(qp)[0], b = reinterpret_cast<const float4*>(qp)[1];
            q[g][0] = a.x * scaleLog2; q[g][1] = a.y * scaleLog2; q[g][2] = a.z * scaleLog2; q[g][3] = a.w * scaleLog2;
            q[g][4] = b.x * scaleLog2; q[g][5] = b.y * scaleLog2; q[g][6] = b.z * scaleLog2; q[g][7] = b.w * scaleLog2;
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) q[g][i] = 0.f;
        }
    }
    float m[GM], l[GM], acc[GM][8];
#pragma unroll
    for (int g = 0; g < GM; g++) {
        m[g] = -INFINITY;
        l[g] = 0.f;
#pragma unroll
        for (int i = 0; i < 8; i++) acc[g][i] = 0.f;
    }

    for (int base = start + warp * STEPS * KPW; base < end; base += PA_WARPS * STEPS * KPW) {
        uint4 kr[STEPS], vr[STEPS];
#pragma unroll
        for (int s = 0; s < STEPS; s++) {
            const int j = base + s * KPW + kg;
            if (j < end) {
                const size_t off = (((size_t) table[j / blockSize] * kvHeads + kvh) * blockSize + j % blockSize) * D + dl * 8;
                kr[s] = *reinterpret_cast<const uint4*>(kc + off);
                vr[s] = *reinterpret_cast<const uint4*>(vc + off);
            } else {
                kr[s] = make_uint4(0, 0, 0, 0);
                vr[s] = make_uint4(0, 0, 0, 0);
            }
        }
        float sc[STEPS][GM];
#pragma unroll
        for (int s = 0; s < STEPS; s++) {
            float kf[8];
            unpack8(kr[s], kf);
            const bool valid = base + s * KPW + kg < end;
#pragma unroll
            for (int g = 0; g < GM; g++) {
                float p = 0.f;
#pragma unroll
                for (int i = 0; i < 8; i++) p = fmaf(q[g][i], kf[i], p);
#pragma unroll
                for (int o = LPK / 2; o > 0; o >>= 1) p += __shfl_xor_sync(0xffffffffu, p, o);
                sc[s][g] = valid ? p : -INFINITY;
            }
        }
#pragma unroll
        for (int g = 0; g < GM; g++) {
            float mx = m[g];
#pragma unroll
            for (int s = 0; s < STEPS; s++) mx = fmaxf(mx, sc[s][g]);
            if (mx == -INFINITY) continue;  // nothing valid yet for this lane group
            const float corr = rescale(m[g], mx);
            l[g] *= corr;
#pragma unroll
            for (int i = 0; i < 8; i++) acc[g][i] *= corr;
#pragma unroll
            for (int s = 0; s < STEPS; s++) {
                const float p = safe_exp2(sc[s][g] - mx);
                l[g] += p;
                float vf[8];
                unpack8(vr[s], vf);
#pragma unroll
                for (int i = 0; i < 8; i++) acc[g][i] = fmaf(p, vf[i], acc[g][i]);
            }
            m[g] = mx;
        }
    }

    // Merge the lane groups of this warp (same dims, different keys).
#pragma unroll
    for (int o = LPK; o < 32; o <<= 1) {
#pragma unroll
        for (int g = 0; g < GM; g++) {
            const float mo = __shfl_xor_sync(0xffffffffu, m[g], o);
            const float lo = __shfl_xor_sync(0xffffffffu, l[g], o);
            const float mx = fmaxf(m[g], mo);
            const float a = rescale(m[g], mx), b = rescale(mo, mx);
            l[g] = l[g] * a + lo * b;
#pragma unroll
            for (int i = 0; i < 8; i++) {
                const float ao = __shfl_xor_sync(0xffffffffu, acc[g][i], o);
                acc[g][i] = acc[g][i] * a + ao * b;
            }
            m[g] = mx;
        }
    }
    if (kg == 0) {
#pragma unroll
        for (int g = 0; g < GM; g++) {
            if (dl == 0) { smM[warp][g] = m[g]; smL[warp][g] = l[g]; }
#pragma unroll
            for (int i = 0; i < 8; i++) smO[warp][g][dl * 8 + i] = acc[g][i];
        }
    }
    __syncthreads();

    // Merge the warps; one thread per (head in group, dim).
    const size_t outRow = (size_t) t * qHeads * D;
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        if (g >= GM) break;
        float mx = -INFINITY;
#pragma unroll
        for (int w = 0; w < PA_WARPS; w++) mx = fmaxf(mx, smM[w][g]);
        float L = 0.f, O = 0.f;
#pragma unroll
        for (int w = 0; w < PA_WARPS; w++) {
            const float a = rescale(smM[w][g], mx);
            L += smL[w][g] * a;
            O += smO[w][g][d] * a;
        }
        const int h = kvh * G + g;
        if (S == 1) {
            out[outRow + (size_t) h * D + d] = __float2bfloat16_rn(L > 0.f ? O / L : 0.f);
        } else {
            const size_t ps = ((size_t) t * qHeads + h) * S + split;
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
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        const int h = kvh * G + g;
        const size_t p0 = ((size_t) t * qHeads + h) * S;
        float mx = -INFINITY;
        for (int s = 0; s < S; s++) mx = fmaxf(mx, __ldcg(partLse + p0 + s));
        float W = 0.f, O = 0.f;
        if (mx != -INFINITY) {
            for (int s = 0; s < S; s++) {
                const float a = rescale(__ldcg(partLse + p0 + s), mx);
                W += a;
                O += a * __ldcg(partO + (p0 + s) * D + d);
            }
        }
        out[outRow + (size_t) h * D + d] = __float2bfloat16_rn(W > 0.f ? O / W : 0.f);
    }
    if (threadIdx.x == 0) tickets[t * kvHeads + kvh] = 0;  // ready for the next launch (and graph replay)
}

#define PAGED_ATTENTION_KERNEL(D, GM)                                                                               \
    extern "C" __global__ void __launch_bounds__(PA_WARPS * 32) paged_attention_d##D##_g##GM(                        \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* seqOfToken, \
            const int* blockTables, int btStride, bf16* out, float* partO, float* partLse, int* tickets,            \
            int qHeads, int kvHeads, int blockSize, float scaleLog2) {                                               \
        paged_attention_body<D, GM>(qkv, cols, kc, vc, positions, seqOfToken, blockTables, btStride, out, partO,     \
                                    partLse, tickets, qHeads, kvHeads, blockSize, scaleLog2);                        \
    }

#define PAGED_ATTENTION_FOR_D(D) \
    PAGED_ATTENTION_KERNEL(D, 1) PAGED_ATTENTION_KERNEL(D, 2) PAGED_ATTENTION_KERNEL(D, 4) PAGED_ATTENTION_KERNEL(D, 8)

PAGED_ATTENTION_FOR_D(8)
PAGED_ATTENTION_FOR_D(16)
PAGED_ATTENTION_FOR_D(32)
PAGED_ATTENTION_FOR_D(64)
PAGED_ATTENTION_FOR_D(128)
PAGED_ATTENTION_FOR_D(256)
