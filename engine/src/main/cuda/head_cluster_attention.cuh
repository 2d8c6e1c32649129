// A one-token decode layer's whole attention block as one kernel, with a thread-block cluster per query head (Hopper
// and newer): input RMSNorm, the q/k/v products, q/k norm, RoPE, the K/V cache write, decode attention and the o
// product added into the residual.
//
// Op by op this is three kernels (norm + qkv GEMV, decode_rope_attention, o GEMV + residual), and at batch 1 each
// hand-over between them is grid-wide: every block waits for the whole previous kernel to finish and reads its output
// back through L2. But q, k and v of one head depend only on that head's weight rows, and the o product is linear in
// each head's output. So here cluster qh (HCA_SPLITS blocks along x, grid (HCA_SPLITS, qHeads)) owns query head qh of
// KV head h = qh / G, and block j of it:
//   - before the PDL wait, loads into shared memory its 3 * D / 8 weight rows (dims [j*D/8, (j+1)*D/8) of q head qh
//     and of k and v of head h), into L2 its share of o's columns of head qh (rows [j*H/8, (j+1)*H/8) of
//     W_o[:, qh*D..+D)), and into registers the cached keys of its context split, as decode_rope_attention does;
//   - after it: normalises the residual X, computes its q/k/v dims, and takes the rest of the head's q/k/v from the
//     other blocks of its cluster through distributed shared memory (no grid-wide hand-over);
//   - runs the attention of split j (q/k norm, RoPE, online softmax as in decode_rope_attention.cuh); the cluster
//     merges the splits, every block getting the whole head output, rounded to bf16 as the o GEMV would read it;
//   - multiplies it by its o share and adds the H/8 sums atomically into Y.
// Y must hold a copy of X when the kernel starts: blocks of other clusters may still be reading X for the norm when
// one adds (the down GEMV before writes both, HeadClusterDecode.java). The G clusters of a KV head each compute its
// k and v (the rows are read G times, mostly from L2); the one with qh % G == 0 writes the new key and value.
// Results are not bitwise reproducible run to run: the heads' o sums are added in whatever order they arrive.
#pragma once
#include "common.cuh"
#include "decode_attention.cuh"
#include "decode_rope_attention.cuh"
#include "gemv.cuh"
#include "prefill_attention.cuh"  // cp_async16, cp_async_commit, cp_async_wait

#define HCA_SPLITS 8
#define HCA_WARPS 8
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define HCA_CLUSTER __cluster_dims__(HCA_SPLITS, 1, 1)
#else
#define HCA_CLUSTER
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
template <int D>
__device__ __forceinline__ void head_cluster_attention_body(
        const bf16* __restrict__ Wqkv, const float* __restrict__ qkvBias, const float* __restrict__ normW, float eps,
        const float* __restrict__ X, float* __restrict__ Y, const bf16* __restrict__ Wo, int H,
        const float* __restrict__ qNormW, const float* __restrict__ kNormW, const float* __restrict__ invFreq,
        const int* __restrict__ positions, const int* __restrict__ slots, const int* __restrict__ seqOfToken,
        const int* __restrict__ blockTables, int btStride, bf16* __restrict__ kc, bf16* __restrict__ vc, int qHeads,
        int kvHeads, int blockSize, float scaleLog2) {
    namespace cg = cooperative_groups;
    constexpr int S = HCA_SPLITS, DPB = D / S, ROWS = 3 * DPB, RPW = ROWS / HCA_WARPS;
    static_assert(ROWS % HCA_WARPS == 0, "every warp takes the same number of q/k/v rows");
    constexpr int LPK = D / 8, KPW = 32 / LPK, STEPS = 4;
    constexpr int KEYS_PER_PASS = HCA_WARPS * STEPS * KPW;
    // Dynamic shared memory: the q/k/v rows [ROWS][H], later the o share [H/S][D] in their place (it is smaller),
    // then the normalised input [H] (all bf16). At most ~100 KB for qwen3-0.6b, so two blocks fit on an SM.
    extern __shared__ uint4 hca_smem[];
    bf16* sW = reinterpret_cast<bf16*>(hca_smem);
    bf16* sWo = sW;
    bf16* sx = sW + (size_t) ROWS * H;
    __shared__ __align__(16) float sQkv[ROWS];  // this block's q, k and v dims, read by the whole cluster
    __shared__ float smM[HCA_WARPS][1], smL[HCA_WARPS][1];
    __shared__ float smO[HCA_WARPS][1][D];
    __shared__ float smOut[D];
    __shared__ float smLse;
    __shared__ __align__(16) bf16 sO[D];      // the merged head output
    __shared__ float red[32];

    cg::cluster_group cluster = cg::this_cluster();
    const int split = (int) cluster.block_rank();
    const int qh = blockIdx.y, G = qHeads / kvHeads, kvh = qh / G;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kg = lane / LPK, dl = lane % LPK, d0 = dl * 8;
    const int oRows = H / S;

    // Weights never depend on earlier kernels: all of this block's go out before the wait.
    const size_t oCols = (size_t) qHeads * D;
    const bf16* oShare = Wo + (size_t) split * oRows * oCols + (size_t) qh * D;
    auto qkvRow = [&](int r) {
        const int part = r / DPB, i = split * DPB + r % DPB;  // part 0: q of head qh; 1: k, 2: v of head kvh
        return part == 0 ? qh * D + i : (qHeads + (part - 1) * kvHeads + kvh) * D + i;
    };
    {
        const int cpr = H / 8;
        for (int c = threadIdx.x; c < ROWS * cpr; c += blockDim.x) {
            const int r = c / cpr, ch = c - r * cpr;
            cp_async16(sW + (size_t) r * H + ch * 8, Wqkv + (size_t) qkvRow(r) * H + ch * 8, true);
        }
        cp_async_commit();
        // The o share only goes to L2 for now: it is copied into shared memory over the q/k/v rows once they are used.
        constexpr int LINES = D / 64;  // 128-byte lines per row of the share
        for (int c = threadIdx.x; c < oRows * LINES; c += blockDim.x) {
            const int r = c / LINES, ln = c % LINES;
            asm volatile("prefetch.global.L2 [%0];" ::"l"(oShare + (size_t) r * oCols + ln * 64));
        }
    }
    // The cached keys of this split, as decode_rope_attention.cuh loads them.
    const int pos = positions[0];
    const int len = pos + 1;  // a padding row carries position -1: nothing to attend, nothing to store
    const int newKey = len - 1;
    const int chunk = (max(len, 0) + S - 1) / S;
    const int start = min(max(len, 0), split * chunk), end = min(max(len, 0), start + chunk);
    const int* table = blockTables + (size_t) (len > 0 ? seqOfToken[0] : 0) * btStride;
    uint4 kr[STEPS], vr[STEPS];
    auto loadKv = [&](int base) {
        load_kv_steps<D, STEPS, true>(kc, vc, table, blockSize, kvHeads, kvh, base, end, newKey, kg, d0, kr, vr);
    };
    const int base0 = start + warp * STEPS * KPW;
    if (base0 < end) loadKv(base0);
    constexpr int NW = 2;
    float4 gw4[NW];
    const bool normEarly = preload_norm_weights<NW>(normW, H, gw4);
    const bool firstHalf = dl < LPK / 2;
    float cs[8], sn[8];
#pragma unroll
    for (int e = 0; e < 8; e++) sincosf((float) pos * invFreq[firstHalf ? d0 + e : d0 + e - D / 2], &sn[e], &cs[e]);
    pdl_wait();
    pdl_launch();

    // This block's q/k/v dims: the input norm, then ROWS dot products over the shared rows.
    norm_rows_to_shared<NW>(X, normW, eps, H, 1, sx, normEarly ? gw4 : nullptr, red);
    cp_async_wait<0>();
    __syncthreads();
    {
        float acc[RPW];
#pragma unroll
        for (int i = 0; i < RPW; i++) acc[i] = 0.f;
        for (int k = lane * 8; k < H; k += 256) {
            float xf[8];
            unpack8(*reinterpret_cast<const uint4*>(sx + k), xf);
#pragma unroll
            for (int i = 0; i < RPW; i++) {
                float wf[8];
                unpack8(*reinterpret_cast<const uint4*>(sW + (size_t) (warp + i * HCA_WARPS) * H + k), wf);
#pragma unroll
                for (int e = 0; e < 8; e++) acc[i] = fmaf(wf[e], xf[e], acc[i]);
            }
        }
#pragma unroll
        for (int i = 0; i < RPW; i++) {
            const float v = warp_sum(acc[i]);
            const int r = warp + i * HCA_WARPS;
            if (lane == 0) sQkv[r] = v + (qkvBias != nullptr ? qkvBias[qkvRow(r)] : 0.f);
        }
    }
    cluster.sync();
    // The q/k/v rows are used: their space takes the o share, which arrives while attention runs.
    {
        constexpr int OCPR = D / 8;
        for (int c = threadIdx.x; c < oRows * OCPR; c += blockDim.x) {
            const int r = c / OCPR, ch = c % OCPR;
            cp_async16(sWo + (size_t) r * D + ch * 8, oShare + (size_t) r * oCols + ch * 8, true);
        }
        cp_async_commit();
    }

    // This lane's 8 dims of q (and, where this split holds the newest key, of k and v) from the block that has them.
    const float* rq = cluster.map_shared_rank(sQkv, d0 / DPB) + d0 % DPB;
    float q[1][8];
    float qn[8], kn[8];
#pragma unroll
    for (int e = 0; e < 8; e++) {
        qn[e] = qNormW != nullptr ? qNormW[d0 + e] : 1.f;
        kn[e] = kNormW != nullptr ? kNormW[d0 + e] : 1.f;
    }
    dra_load8(rq, q[0]);
    dra_norm_rope<D>(q[0], qNormW != nullptr, qn, eps, cs, sn, firstHalf);
#pragma unroll
    for (int e = 0; e < 8; e++) q[0][e] *= scaleLog2;
    uint4 kNew = make_uint4(0, 0, 0, 0), vNew = make_uint4(0, 0, 0, 0);
    const bool holdsNew = newKey >= start && newKey < end;
    if (holdsNew) {
        float k[8], v[8];
        dra_load8(rq + DPB, k);
        dra_load8(rq + 2 * DPB, v);
        dra_norm_rope<D>(k, kNormW != nullptr, kn, eps, cs, sn, firstHalf);
        kNew = make_uint4(pack2(k[0], k[1]), pack2(k[2], k[3]), pack2(k[4], k[5]), pack2(k[6], k[7]));
        vNew = make_uint4(pack2(v[0], v[1]), pack2(v[2], v[3]), pack2(v[4], v[5]), pack2(v[6], v[7]));
        const int slot = slots[0];
        if (slot >= 0 && qh % G == 0 && warp == 0 && kg == 0) {
            const size_t off = (((size_t) (slot / blockSize) * kvHeads + kvh) * blockSize + slot % blockSize) * D + d0;
            *reinterpret_cast<uint4*>(kc + off) = kNew;
            *reinterpret_cast<uint4*>(vc + off) = vNew;
        }
    }

    float m[1], l[1], acc[1][8];
    dra_attend<D, 1, STEPS, KEYS_PER_PASS>(loadKv, kr, vr, q, base0, end, holdsNew, newKey, kNew, vNew, kg, m, l, acc);
    attention_warp_to_shared(m, l, acc, warp, smM, smL, smO);
    __syncthreads();
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float mx, L, O;
        attention_combine_warps<HCA_WARPS, 1, D>(smM, smL, smO, 0, d, mx, L, O);
        smOut[d] = L > 0.f ? O / L : 0.f;
        if (d == 0) smLse = L > 0.f ? mx + log2f(L) : -INFINITY;
    }
    cluster.sync();
    // The splits merged; every block needs the whole head output for its o rows.
    for (int d = threadIdx.x; d < D; d += blockDim.x) sO[d] = __float2bfloat16_rn(dra_merge_splits<S>(cluster, &smLse, &smOut[d]));
    // Done reading the other blocks' shared memory; none may leave before all are (the wait at the end).
    asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
    cp_async_wait<0>();
    __syncthreads();

    // o share: LPR lanes per row, one 16-byte chunk of the head's D columns each.
    {
        constexpr int LPR = D / 8, RPI = 32 / LPR;
        const int c = lane % LPR;
        float of[8];
        unpack8(*reinterpret_cast<const uint4*>(sO + c * 8), of);
        for (int r0 = warp * RPI; r0 < oRows; r0 += HCA_WARPS * RPI) {
            const int r = r0 + lane / LPR;
            float p = 0.f;
            if (r < oRows) {
                float wf[8];
                unpack8(*reinterpret_cast<const uint4*>(sWo + (size_t) r * D + c * 8), wf);
#pragma unroll
                for (int e = 0; e < 8; e++) p = fmaf(wf[e], of[e], p);
            }
#pragma unroll
            for (int o = LPR / 2; o > 0; o >>= 1) p += __shfl_xor_sync(0xffffffffu, p, o);
            if (c == 0 && r < oRows) atomicAdd(Y + split * oRows + r, p);
        }
    }
    asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define HCA_BODY(D)                                                                                                  \
    head_cluster_attention_body<D>(Wqkv, qkvBias, normW, eps, X, Y, Wo, H, qNormW, kNormW, invFreq, positions, slots, \
                                   seqOfToken, blockTables, btStride, kc, vc, qHeads, kvHeads, blockSize, scaleLog2);
#else
#define HCA_BODY(D)
#endif

// head_cluster_attention_d<D>: grid (HCA_SPLITS, qHeads), 256 threads, dynamic shared memory
// 2 * (3 * D / 8 * H + H) bytes (HeadClusterDecode.java).
#define HEAD_CLUSTER_ATTENTION_KERNEL(D)                                                                             \
    extern "C" __global__ void __launch_bounds__(HCA_WARPS * 32, 2) HCA_CLUSTER head_cluster_attention_d##D(          \
            const bf16* Wqkv, const float* qkvBias, const float* normW, float eps, const float* X, float* Y,          \
            const bf16* Wo, int H, const float* qNormW, const float* kNormW, const float* invFreq,                   \
            const int* positions, const int* slots, const int* seqOfToken, const int* blockTables, int btStride,     \
            bf16* kc, bf16* vc, int qHeads, int kvHeads, int blockSize, float scaleLog2) {                           \
        HCA_BODY(D)                                                                                                  \
    }

HEAD_CLUSTER_ATTENTION_KERNEL(64)
HEAD_CLUSTER_ATTENTION_KERNEL(128)

// y = x for n floats (the residual's copy that head_cluster_attention adds into, before the first layer).
extern "C" __global__ void copy_f32(const float* __restrict__ x, float* __restrict__ y, int n) {
    pdl_enter();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = x[i];
}
