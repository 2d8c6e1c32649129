// The per-lane online softmax of split-context decode attention, shared by paged_attention.cuh and fused_decode.cuh:
// LPK = D / 8 lanes hold 8 dims of one key each, so a warp step covers KPW = 32 / LPK keys (key base + s * KPW + kg
// for lane group kg); each lane keeps, per query head of the GQA group (GM at most), a running max, a sum and 8 dims of
// the output.
#pragma once
#include "common.cuh"

template <int GM>
__device__ __forceinline__ void attention_state_init(float (&m)[GM], float (&l)[GM], float (&acc)[GM][8]) {
#pragma unroll
    for (int g = 0; g < GM; g++) {
        m[g] = -INFINITY;
        l[g] = 0.f;
#pragma unroll
        for (int i = 0; i < 8; i++) acc[g][i] = 0.f;
    }
}

// Folds STEPS warp steps of keys (K in kr, V in vr, loaded by the caller; keys at or past `end` ignored) into the state.
// q is pre-scaled by log2(e) / sqrt(D).
template <int D, int GM, int STEPS>
__device__ __forceinline__ void attention_steps(const uint4 (&kr)[STEPS], const uint4 (&vr)[STEPS], const float (&q)[GM][8],
                                                int base, int end, int kg, float (&m)[GM], float (&l)[GM],
                                                float (&acc)[GM][8]) {
    constexpr int LPK = D / 8, KPW = 32 / LPK;
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

// Loads STEPS warp steps of cached K and V (bf16, paged [block][kvHead][slot][D]) for keys base + s * KPW + kg below
// `end`, except the key `skip` where SKIP, through the sequence's block table; zeros elsewhere. d0: this lane's dims.
template <int D, int STEPS, bool SKIP>
__device__ __forceinline__ void load_kv_steps(const bf16* __restrict__ kc, const bf16* __restrict__ vc,
                                              const int* __restrict__ table, int blockSize, int kvHeads, int kvh, int base,
                                              int end, int skip, int kg, int d0, uint4 (&kr)[STEPS], uint4 (&vr)[STEPS]) {
    constexpr int KPW = 32 / (D / 8);
#pragma unroll
    for (int s = 0; s < STEPS; s++) {
        const int j = base + s * KPW + kg;
        if (j < end && !(SKIP && j == skip)) {
            const size_t off = (((size_t) table[j / blockSize] * kvHeads + kvh) * blockSize + j % blockSize) * D + d0;
            kr[s] = *reinterpret_cast<const uint4*>(kc + off);
            vr[s] = *reinterpret_cast<const uint4*>(vc + off);
        } else {
            kr[s] = make_uint4(0, 0, 0, 0);
            vr[s] = make_uint4(0, 0, 0, 0);
        }
    }
}

// Combines W warps' states (running max smM, sum smL, unnormalised output smO, in shared memory) for head g of the
// group and dim d: the common max mx, the sum L and the output O under it.
template <int W, int GM, int D>
__device__ __forceinline__ void attention_combine_warps(const float (&smM)[W][GM], const float (&smL)[W][GM],
                                                        const float (&smO)[W][GM][D], int g, int d, float& mx, float& L,
                                                        float& O) {
    mx = -INFINITY;
#pragma unroll
    for (int w = 0; w < W; w++) mx = fmaxf(mx, smM[w][g]);
    L = 0.f;
    O = 0.f;
#pragma unroll
    for (int w = 0; w < W; w++) {
        const float a = rescale(smM[w][g], mx);
        L += smL[w][g] * a;
        O += smO[w][g][d] * a;
    }
}

// Merges the lane groups of a warp (same dims, different keys); afterwards every group holds the warp's state.
template <int D, int GM>
__device__ __forceinline__ void attention_merge_lane_groups(float (&m)[GM], float (&l)[GM], float (&acc)[GM][8]) {
    constexpr int LPK = D / 8;
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
}

// Merges the warp's lane groups, then stores the warp's state as row `warp` of the block's smM, smL and smO (for
// attention_combine_warps after a block barrier).
template <int W, int GM, int D>
__device__ __forceinline__ void attention_warp_to_shared(float (&m)[GM], float (&l)[GM], float (&acc)[GM][8], int warp,
                                                         float (&smM)[W][GM], float (&smL)[W][GM], float (&smO)[W][GM][D]) {
    constexpr int LPK = D / 8;
    const int lane = threadIdx.x & 31, kg = lane / LPK, dl = lane % LPK;
    attention_merge_lane_groups<D, GM>(m, l, acc);
    if (kg == 0) {
#pragma unroll
        for (int g = 0; g < GM; g++) {
            if (dl == 0) { smM[warp][g] = m[g]; smL[warp][g] = l[g]; }
#pragma unroll
            for (int i = 0; i < 8; i++) smO[warp][g][dl * 8 + i] = acc[g][i];
        }
    }
}
