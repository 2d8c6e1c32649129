// Decode attention fused with the step's own RoPE and KV-cache write, its context split over a thread-block cluster
// (Hopper and newer; one decode row whose qkv the GEMV wrote in fp32, GQA groups of up to 2: the larger groups'
// instantiations needed 167-255 registers and were slower than the unfused pair on an H100).
//
// Unfused, a decode layer runs rope_store (q/k norm, RoPE, K/V into the cache) and then paged_attention, whose
// splits are merged by the last block to finish (a fence, an atomic ticket and partial results through L2). At
// batch 1 both are chains of a few dependent memory round trips, and the hand-over between the two kernels is one
// more. Here grid (tokens, kvHeads, DRA_SPLITS) with clusters of DRA_SPLITS blocks along z: each block loads its
// share of the cached keys before waiting on the qkv GEMV, then normalises and rotates the token's q heads of its
// GQA group and its new key itself (the block holding the newest key writes it and its value into the cache and
// uses them from registers), runs the online softmax of paged_attention.cuh over its keys, and the cluster merges
// the splits through distributed shared memory. The math and rounding are those of rope_store + paged_attention
// (fp32 q scaled after the rotation, the new key and value rounded to bf16 as the cache holds them), except that the
// splits' weights divide their weighted sum once rather than each split's output.
#pragma once
#include "common.cuh"
#include "decode_attention.cuh"
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#include <cooperative_groups.h>
#define DRA_CLUSTER __cluster_dims__(1, 1, DRA_SPLITS)
#else
#define DRA_CLUSTER
#endif

#define DRA_WARPS 8
#define DRA_SPLITS 8

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
// One head's 8 dims per lane (lane group of LPK lanes per head): optional RMSNorm over the head (weights w of these
// dims), then rotate-half RoPE with this lane's angles; dims i and i + D/2 sit in lanes dl and dl + LPK/2.
template <int D>
__device__ __forceinline__ void dra_norm_rope(float (&x)[8], bool norm, const float (&w)[8], float eps, const float (&cs)[8],
                                              const float (&sn)[8], bool firstHalf) {
    constexpr int LPK = D / 8;
    if (norm) {
        float ss = 0.f;
#pragma unroll
        for (int e = 0; e < 8; e++) ss += x[e] * x[e];
#pragma unroll
        for (int o = LPK / 2; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
        const float inv = 1.0f / sqrtf(ss / D + eps);
#pragma unroll
        for (int e = 0; e < 8; e++) x[e] = w[e] * (x[e] * inv);
    }
#pragma unroll
    for (int e = 0; e < 8; e++) {
        const float p = __shfl_xor_sync(0xffffffffu, x[e], LPK / 2);
        x[e] = firstHalf ? x[e] * cs[e] - p * sn[e] : x[e] * cs[e] + p * sn[e];
    }
}

__device__ __forceinline__ void dra_load8(const float* __restrict__ p, float (&x)[8]) {
    const float4 a = reinterpret_cast<const float4*>(p)[0], b = reinterpret_cast<const float4*>(p)[1];
    x[0] = a.x; x[1] = a.y; x[2] = a.z; x[3] = a.w; x[4] = b.x; x[5] = b.y; x[6] = b.z; x[7] = b.w;
}

// Folds the keys [base0, end) of this warp's passes into the online-softmax state: loadKv(base) loads a pass into kr/vr
// (the first pass, base0, was loaded by the caller before its PDL wait), and the newest key, not yet in the cache,
// is taken from kNew/vNew where this split holds it.
template <int D, int GM, int STEPS, int KEYS_PER_PASS, typename LoadKv>
__device__ __forceinline__ void dra_attend(LoadKv loadKv, uint4 (&kr)[STEPS], uint4 (&vr)[STEPS], const float (&q)[GM][8],
                                           int base0, int end, bool holdsNew, int newKey, uint4 kNew, uint4 vNew, int kg,
                                           float (&m)[GM], float (&l)[GM], float (&acc)[GM][8]) {
    constexpr int KPW = 32 / (D / 8);
    attention_state_init<GM>(m, l, acc);
    for (int base = base0; base < end; base += KEYS_PER_PASS) {
        if (base != base0) loadKv(base);
        if (holdsNew) {
#pragma unroll
            for (int s = 0; s < STEPS; s++)
                if (base + s * KPW + kg == newKey) {
                    kr[s] = kNew;
                    vr[s] = vNew;
                }
        }
        attention_steps<D, GM, STEPS>(kr, vr, q, base, end, kg, m, l, acc);
    }
}

// One output value merged over the cluster's S splits: each block's normalised output at `out` and its log-sum-exp
// at `lse` (the same shared-memory addresses in every block), weighted by the splits' shares of the softmax.
template <int S>
__device__ __forceinline__ float dra_merge_splits(cooperative_groups::cluster_group& cluster, float* lse, float* out) {
    float ls[S];
    float mx = -INFINITY;
#pragma unroll
    for (int r = 0; r < S; r++) {
        ls[r] = *cluster.map_shared_rank(lse, r);
        mx = fmaxf(mx, ls[r]);
    }
    float W = 0.f, O = 0.f;
#pragma unroll
    for (int r = 0; r < S; r++) {
        const float a = rescale(ls[r], mx);
        W += a;
        O = fmaf(a, *cluster.map_shared_rank(out, r), O);
    }
    return W > 0.f ? O / W : 0.f;
}

template <int D, int GM>
__device__ __forceinline__ void decode_rope_attention_body(
        const float* __restrict__ qkv, int cols, const int* __restrict__ positions, const int* __restrict__ slots,
        const int* __restrict__ seqOfToken, const int* __restrict__ blockTables, int btStride,
        const float* __restrict__ invFreq, const float* __restrict__ qNormW, const float* __restrict__ kNormW, float eps,
        bf16* __restrict__ kc, bf16* __restrict__ vc, bf16* __restrict__ out, int qHeads, int kvHeads, int blockSize,
        float scaleLog2) {
    namespace cg = cooperative_groups;
    constexpr int LPK = D / 8, KPW = 32 / LPK;
    static_assert(LPK >= 2, "rotate-half pairs must sit in different lanes");
    constexpr int STEPS = GM >= 8 ? 2 : 4;
    constexpr int KEYS_PER_PASS = DRA_WARPS * STEPS * KPW;
    constexpr int S = DRA_SPLITS;
    __shared__ float smM[DRA_WARPS][GM], smL[DRA_WARPS][GM];
    __shared__ float smO[DRA_WARPS][GM][D];
    __shared__ float smLse[GM];
    __shared__ float smOut[GM][D];

    cg::cluster_group cluster = cg::this_cluster();
    const int split = (int) cluster.block_rank();
    const int t = blockIdx.x, kvh = blockIdx.y;
    const int G = qHeads / kvHeads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kg = lane / LPK, dl = lane % LPK, d0 = dl * 8;
    const int pos = positions[t];
    const int len = pos + 1;  // padding rows carry position -1: nothing to attend, nothing to store
    const int newKey = len - 1;
    const int chunk = (max(len, 0) + S - 1) / S;
    const int start = min(max(len, 0), split * chunk), end = min(max(len, 0), start + chunk);
    const int* table = blockTables + (size_t) (len > 0 ? seqOfToken[t] : 0) * btStride;
    const float* row = qkv + (size_t) t * cols;

    // Cached keys depend on nothing in this step: the first pass goes out before the wait. The newest key is not
    // in the cache yet; it comes from this block's own RoPE below.
    uint4 kr[STEPS], vr[STEPS];
    auto loadKv = [&](int base) {
        load_kv_steps<D, STEPS, true>(kc, vc, table, blockSize, kvHeads, kvh, base, end, newKey, kg, d0, kr, vr);
    };
    const int base0 = start + warp * STEPS * KPW;
    if (base0 < end) loadKv(base0);
    // This lane's rotary angles (dims d0..d0+7 and their partners share them) and norm weights, also before the wait.
    const bool firstHalf = dl < LPK / 2;
    float cs[8], sn[8], qn[8], kn[8];
#pragma unroll
    for (int e = 0; e < 8; e++) {
        const int i = d0 + e;
        sincosf((float) pos * invFreq[firstHalf ? i : i - D / 2], &sn[e], &cs[e]);
        qn[e] = qNormW != nullptr ? qNormW[i] : 1.f;
        kn[e] = kNormW != nullptr ? kNormW[i] : 1.f;
    }
    pdl_enter();

    float q[GM][8];
#pragma unroll
    for (int g = 0; g < GM; g++) {
        if (g < G) {
            dra_load8(row + (size_t) (kvh * G + g) * D + d0, q[g]);
            dra_norm_rope<D>(q[g], qNormW != nullptr, qn, eps, cs, sn, firstHalf);
#pragma unroll
            for (int e = 0; e < 8; e++) q[g][e] *= scaleLog2;
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) q[g][e] = 0.f;
        }
    }
    // The newest key and value, rounded to bf16 as the cache holds them; the block whose share holds the key
    // stores them for later steps.
    uint4 kNew = make_uint4(0, 0, 0, 0), vNew = make_uint4(0, 0, 0, 0);
    const bool holdsNew = newKey >= start && newKey < end;
    if (holdsNew) {
        float k[8], v[8];
        dra_load8(row + (size_t) (qHeads + kvh) * D + d0, k);
        dra_load8(row + (size_t) (qHeads + kvHeads + kvh) * D + d0, v);
        dra_norm_rope<D>(k, kNormW != nullptr, kn, eps, cs, sn, firstHalf);
        kNew = make_uint4(pack2(k[0], k[1]), pack2(k[2], k[3]), pack2(k[4], k[5]), pack2(k[6], k[7]));
        vNew = make_uint4(pack2(v[0], v[1]), pack2(v[2], v[3]), pack2(v[4], v[5]), pack2(v[6], v[7]));
        const int slot = slots[t];
        if (slot >= 0 && warp == 0 && kg == 0) {
            const size_t off = (((size_t) (slot / blockSize) * kvHeads + kvh) * blockSize + slot % blockSize) * D + d0;
            *reinterpret_cast<uint4*>(kc + off) = kNew;
            *reinterpret_cast<uint4*>(vc + off) = vNew;
        }
    }

    float m[GM], l[GM], acc[GM][8];
    dra_attend<D, GM, STEPS, KEYS_PER_PASS>(loadKv, kr, vr, q, base0, end, holdsNew, newKey, kNew, vNew, kg, m, l, acc);
    attention_warp_to_shared(m, l, acc, warp, smM, smL, smO);
    __syncthreads();
    // This split's result: normalised output and log-sum-exp per head of the group.
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        float mx, L, O;
        attention_combine_warps<DRA_WARPS, GM, D>(smM, smL, smO, g, d, mx, L, O);
        smOut[g][d] = L > 0.f ? O / L : 0.f;
        if (d == 0) smLse[g] = L > 0.f ? mx + log2f(L) : -INFINITY;
    }
    cluster.sync();
    // The splits merged: each block of the cluster writes a share of the group's outputs.
    for (int idx = split * blockDim.x + threadIdx.x; idx < G * D; idx += S * blockDim.x) {
        const int g = idx / D, d = idx % D;
        out[((size_t) t * qHeads + kvh * G + g) * D + d] = __float2bfloat16_rn(dra_merge_splits<S>(cluster, &smLse[g], &smOut[g][d]));
    }
    cluster.sync();  // no block leaves while another still reads its shared memory
}
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define DRA_BODY(D, GM)                                                                                              \
    decode_rope_attention_body<D, GM>(qkv, cols, positions, slots, seqOfToken, blockTables, btStride, invFreq,      \
                                      qNormW, kNormW, eps, kc, vc, out, qHeads, kvHeads, blockSize, scaleLog2);
#else
#define DRA_BODY(D, GM)
#endif

// decode_rope_attention_d<D>_g<GM>: GQA groups up to GM.
#define DECODE_ROPE_ATTENTION_KERNEL(D, GM)                                                                          \
    extern "C" __global__ void __launch_bounds__(DRA_WARPS * 32) DRA_CLUSTER decode_rope_attention_d##D##_g##GM(      \
            const float* qkv, int cols, const int* positions, const int* slots, const int* seqOfToken,               \
            const int* blockTables, int btStride, const float* invFreq, const float* qNormW, const float* kNormW,    \
            float eps, bf16* kc, bf16* vc, bf16* out, int qHeads, int kvHeads, int blockSize, float scaleLog2) {     \
        DRA_BODY(D, GM)                                                                                              \
    }

DECODE_ROPE_ATTENTION_KERNEL(16, 1)
DECODE_ROPE_ATTENTION_KERNEL(16, 2)
DECODE_ROPE_ATTENTION_KERNEL(32, 1)
DECODE_ROPE_ATTENTION_KERNEL(32, 2)
DECODE_ROPE_ATTENTION_KERNEL(64, 1)
DECODE_ROPE_ATTENTION_KERNEL(64, 2)
DECODE_ROPE_ATTENTION_KERNEL(128, 1)
DECODE_ROPE_ATTENTION_KERNEL(128, 2)
DECODE_ROPE_ATTENTION_KERNEL(256, 1)
DECODE_ROPE_ATTENTION_KERNEL(256, 2)
