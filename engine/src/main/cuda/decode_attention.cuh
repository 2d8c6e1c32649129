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
