// Every decoder layer of a one-token decode step in one persistent kernel (Hopper and newer).
//
// At batch 1 a step is memory-bound in theory and latency-bound in practice: as separate kernels, each layer is a
// chain of six small dependent launches, and each pays its ramp-up, its tail and the hand-over to the next (3-8 us
// each on an H100, against 1-4 us of weight bytes). Here one block per SM runs the whole step. Weights never depend
// on activations, so a producer warp per block streams the block's share of every weight matrix of every layer, in
// the order they are used, into a ring of shared-memory slots (bulk copies completing on mbarriers), limited only by
// the ring's size; the eight consumer warps meanwhile do the dependent part. Phases of a layer are separated by a
// grid-wide barrier (an atomic counter in global memory), and while consumers wait there the producer keeps loading.
//
// Per layer, each block (b of nb) owns a contiguous share of the rows of every matrix:
//   A  x = rmsNorm(residual) (every block, into shared memory); qkv rows = x . Wqkvᵀ (+ bias)        | barrier
//   B  attention: units (KV head, context split), one per block; q/k norm and RoPE of the unit's heads, the new
//      token's K and V written to the paged cache by the unit holding the last key. The unit's first pass of cached
//      K/V was loaded before the barrier (it depends on nothing in this step). Each unit writes its partial output
//      and log-sum-exp                                                                                 | barrier
//   C  attn = the splits merged (every block, into shared memory); residual rows += attn . Woᵀ       | barrier
//   D  x = rmsNorm(residual); act = silu(x . Wgateᵀ) * (x . Wupᵀ) for the block's gate/up row pairs | barrier
//   E  residual rows += act . Wdownᵀ                                                                 | barrier
// The math and rounding are those of the unfused decode path (gemv_prefetch.cuh, rope_kv.cuh, paged_attention.cuh):
// fp32 accumulation and residual, bf16 normalised inputs, attention output and activation.
//
// Activations that other blocks wrote are read with ld.global.cg (L2): L1 is not coherent across SMs. The barrier
// counter and the exit counter return to zero at the end of every launch (the last block out resets them), so the
// kernel can be replayed from a CUDA graph. All blocks must be resident at once: the
// host launches exactly one block per SM, which the kernel's shared memory enforces.
#pragma once
#include "common.cuh"
#include "activation.cuh"
#include "barriers.cuh"
#include "decode_attention.cuh"

#define FD_CONSUMER_WARPS 8
#define FD_CONSUMERS (FD_CONSUMER_WARPS * 32)
#define FD_THREADS (FD_CONSUMERS + 32)
#define FD_SLOT_BYTES 16384
#define FD_MAX_SLOTS 16
#define FD_MAX_ROWS 512   // row accumulators of one matrix share (gate and up together)
#define FD_NORM_REGS 4
#define FD_MAX_SPLITS 16  // context splits of phase B at most (FusedDecode.MAX_SPLITS)
// diag (diagnostics, wrong results): time a step without the grid barriers, or without the weight stream.
#define FD_DIAG_NO_BARRIER 1
#define FD_DIAG_NO_STREAM 2
#define FD_SEG (FD_SLOT_BYTES / 16 / FD_CONSUMER_WARPS)  // 16-byte chunks of a slot per consumer warp
// Shared memory before the activation region: mbarriers (full, empty), row accumulators, reduction scratch.
#define FD_FIXED_BYTES (2 * FD_MAX_SLOTS * 8 + FD_MAX_ROWS * 4 + 64 * 4)
// The activation region: the larger of a bf16 input vector and the attention scratch of GM heads of D dims.
#define FD_ATTN_BYTES(D, GM) (4 * ((GM) * (D) + 2 * FD_CONSUMER_WARPS * (GM) + 32 * (GM) + FD_CONSUMER_WARPS * (GM) * (D)))

// One layer's device pointers, as FusedDecode.java writes them (11 x 8 bytes; null where the model has none).
struct FdLayer {
    const bf16* wqkv;
    const float* bqkv;
    const float* qNorm;
    const float* kNorm;
    const bf16* wo;
    const float* inNorm;
    const float* postNorm;
    const bf16* wgu;
    const bf16* wd;
    bf16* kCache;
    bf16* vCache;
};

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900

__device__ __forceinline__ void fd_share(int n, int b, int nb, int& r0, int& r1) {
    r0 = (int) ((long long) n * b / nb);
    r1 = (int) ((long long) n * (b + 1) / nb);
}

// Sum over the consumer warps (named barrier 1); every consumer gets the total.
__device__ __forceinline__ float fd_sum(float v, float* red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    v = warp_sum(v);
    named_sync(1, FD_CONSUMERS);
    if (lane == 0) red[w] = v;
    named_sync(1, FD_CONSUMERS);
    v = lane < FD_CONSUMER_WARPS ? red[lane] : 0.f;
    return warp_sum(v);
}

// The rotary angles of the step's position (the same in every layer) and one layer's q/k norm weights, per lane:
// pairs i = lane + 32 r of a head. Angles are computed once per launch, norm weights loaded before the barrier that
// phase B waits on, so that RoPE after it only waits for qkv.
template <int D>
struct FdRope {
    static constexpr int HALF = D / 2;
    static constexpr int PAIRS = (HALF + 31) / 32;
    float cs[PAIRS], sn[PAIRS];
    float qn1[PAIRS], qn2[PAIRS], kn1[PAIRS], kn2[PAIRS];

    __device__ __forceinline__ void angles(float pos, const float* __restrict__ invFreq) {
        const int lane = threadIdx.x & 31;
#pragma unroll
        for (int r = 0; r < PAIRS; r++) {
            const int i = lane + 32 * r;
            if (i < HALF) sincosf(pos * invFreq[i], &sn[r], &cs[r]);
        }
    }

    __device__ __forceinline__ void normWeights(const float* __restrict__ qn, const float* __restrict__ kn) {
        const int lane = threadIdx.x & 31;
#pragma unroll
        for (int r = 0; r < PAIRS; r++) {
            const int i = lane + 32 * r;
            const bool in = i < HALF;
            qn1[r] = qn != nullptr && in ? qn[i] : 1.f;
            qn2[r] = qn != nullptr && in ? qn[i + HALF] : 1.f;
            kn1[r] = kn != nullptr && in ? kn[i] : 1.f;
            kn2[r] = kn != nullptr && in ? kn[i + HALF] : 1.f;
        }
    }
};

// One head of D values of qkv: optional RMSNorm over the head (Qwen3's q_norm/k_norm, weights n1/n2), then
// rotate-half RoPE; the result goes to outF (fp32, times `scale`) and/or outB (bf16). One warp.
template <int D>
__device__ __forceinline__ void fd_rope_head(const float* __restrict__ x, bool norm, const float* n1, const float* n2,
                                             float eps, const FdRope<D>& rope, float scale, float* __restrict__ outF,
                                             bf16* __restrict__ outB) {
    constexpr int HALF = FdRope<D>::HALF, PAIRS = FdRope<D>::PAIRS;
    const int lane = threadIdx.x & 31;
    float x1[PAIRS], x2[PAIRS];
#pragma unroll
    for (int r = 0; r < PAIRS; r++) {
        const int i = lane + 32 * r;
        x1[r] = i < HALF ? __ldcg(x + i) : 0.f;
        x2[r] = i < HALF ? __ldcg(x + i + HALF) : 0.f;
    }
    float inv = 1.f;
    if (norm) {
        float ss = 0.f;
#pragma unroll
        for (int r = 0; r < PAIRS; r++) ss += x1[r] * x1[r] + x2[r] * x2[r];
        inv = 1.0f / sqrtf(warp_sum(ss) / D + eps);
    }
#pragma unroll
    for (int r = 0; r < PAIRS; r++) {
        const int i = lane + 32 * r;
        if (i >= HALF) break;
        float a = x1[r], b = x2[r];
        if (norm) {
            a = n1[r] * (a * inv);
            b = n2[r] * (b * inv);
        }
        const float y1 = a * rope.cs[r] - b * rope.sn[r], y2 = b * rope.cs[r] + a * rope.sn[r];
        if (outF != nullptr) {
            outF[i] = y1 * scale;
            outF[i + HALF] = y2 * scale;
        }
        if (outB != nullptr) {
            outB[i] = __float2bfloat16_rn(y1);
            outB[i + HALF] = __float2bfloat16_rn(y2);
        }
    }
}

// Phase B's lane layout (as paged_attention.cuh): LPK lanes of 8 dims per key, KPW keys per warp step, STEPS steps
// of K/V loads in flight per warp, so one pass of the block covers FD_KEYS_PER_PASS keys.
template <int D, int GM>
struct FdAttn {
    static constexpr int LPK = D / 8;
    static constexpr int KPW = 32 / LPK;
    static constexpr int STEPS = GM >= 8 ? 2 : 4;
    static constexpr int KEYS_PER_PASS = FD_CONSUMER_WARPS * STEPS * KPW;
};

// The cache offset of key j of KV head g (HND pages through the block table), at this lane's 8 dims.
template <int D>
__device__ __forceinline__ size_t fd_kv_offset(const int* __restrict__ table, int j, int g, int kvHeads, int blockSize, int dl) {
    return (((size_t) table[j / blockSize] * kvHeads + g) * blockSize + j % blockSize) * D + dl * 8;
}

// Loads this warp's keys of the pass starting at `base` into kr/vr: key base + st * KPW + kg for each step st, zero
// at or past `limit`.
template <int D, int GM>
__device__ __forceinline__ void fd_load_keys(int base, int limit, int g, const FdLayer& L, int kvHeads,
                                             const int* __restrict__ table, int blockSize,
                                             uint4 (&kr)[FdAttn<D, GM>::STEPS], uint4 (&vr)[FdAttn<D, GM>::STEPS]) {
    using A = FdAttn<D, GM>;
    const int lane = threadIdx.x & 31;
    const int kg = lane / A::LPK, dl = lane % A::LPK;
#pragma unroll
    for (int st = 0; st < A::STEPS; st++) {
        const int j = base + st * A::KPW + kg;
        if (j < limit) {
            const size_t off = fd_kv_offset<D>(table, j, g, kvHeads, blockSize, dl);
            kr[st] = __ldcg(reinterpret_cast<const uint4*>(L.kCache + off));
            vr[st] = __ldcg(reinterpret_cast<const uint4*>(L.vCache + off));
        } else {
            kr[st] = make_uint4(0, 0, 0, 0);
            vr[st] = make_uint4(0, 0, 0, 0);
        }
    }
}

// Loads this warp's keys of the unit's first pass, except the newest (written in phase B): the cache of earlier steps
// depends on nothing in this step, so these loads go out before the barrier that phase B waits on.
template <int D, int GM>
__device__ __forceinline__ void fd_attention_prefetch(int g, int start, int end, int len, const FdLayer& L, int kvHeads,
                                                      const int* __restrict__ table, int blockSize,
                                                      uint4 (&kr)[FdAttn<D, GM>::STEPS], uint4 (&vr)[FdAttn<D, GM>::STEPS]) {
    using A = FdAttn<D, GM>;
    const int base = start + (threadIdx.x >> 5) * A::STEPS * A::KPW;
    fd_load_keys<D, GM>(base, min(end, len - 1), g, L, kvHeads, table, blockSize, kr, vr);
}

// Phase B for one unit: KV head g, keys [start, end) of the token's context (len keys), the first pass's keys already
// in kr/vr. Writes the unit's normalised partial output and its log-sum-exp (base 2) for each query head of the group;
// phase C merges the splits.
template <int D, int GM>
__device__ __forceinline__ void fd_attention_unit(
        int g, int s, int start, int end, int len, const FdLayer& L, const float* __restrict__ qkv, int qHeads,
        int kvHeads, float eps, float scaleLog2, int slot, const int* __restrict__ table, int blockSize,
        float* __restrict__ partO, float* __restrict__ partLse, int maxSplits, float* region,
        uint4 (&kr)[FdAttn<D, GM>::STEPS], uint4 (&vr)[FdAttn<D, GM>::STEPS],
        const FdRope<D>& rope) {
    using A = FdAttn<D, GM>;
    constexpr int LPK = A::LPK, KPW = A::KPW, STEPS = A::STEPS;
    constexpr int W = FD_CONSUMER_WARPS;
    float* sq = region;                     // [GM][D], q * scaleLog2
    float* smM = sq + GM * D;               // [W][GM]
    float* smL = smM + W * GM;              // [W][GM]
    float* smO = smL + W * GM + 32 * GM;    // [W][GM][D]
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int G = qHeads / kvHeads;
    const bool holdsNew = end == len && slot >= 0;

    // q of the group's heads into shared memory; the new token's K and V into the cache (the unit that reads it).
    const int tasks = G + (holdsNew ? 2 : 0);
    for (int task = warp; task < tasks; task += W) {
        if (task < G) {
            const int h = g * G + task;
            fd_rope_head<D>(qkv + (size_t) h * D, L.qNorm != nullptr, rope.qn1, rope.qn2, eps, rope, scaleLog2, sq + task * D, nullptr);
        } else {
            const size_t off = (((size_t) (slot / blockSize) * kvHeads + g) * blockSize + slot % blockSize) * D;
            if (task == G) {
                fd_rope_head<D>(qkv + (size_t) (qHeads + g) * D, L.kNorm != nullptr, rope.kn1, rope.kn2, eps, rope, 1.f, nullptr, L.kCache + off);
            } else {
                const float* v = qkv + (size_t) (qHeads + kvHeads + g) * D;
                for (int i = lane; i < D; i += 32) L.vCache[off + i] = __float2bfloat16_rn(__ldcg(v + i));
            }
        }
    }
    named_sync(1, FD_CONSUMERS);

    const int kg = lane / LPK, dl = lane % LPK;
    const int base0 = start + warp * STEPS * KPW;
#pragma unroll
    for (int st = 0; st < STEPS; st++) {  // the newest key, if in this warp's first pass
        const int j = base0 + st * KPW + kg;
        if (j == len - 1 && j < end) {
            const size_t off = fd_kv_offset<D>(table, j, g, kvHeads, blockSize, dl);
            kr[st] = __ldcg(reinterpret_cast<const uint4*>(L.kCache + off));
            vr[st] = __ldcg(reinterpret_cast<const uint4*>(L.vCache + off));
        }
    }
    float q[GM][8];
#pragma unroll
    for (int gi = 0; gi < GM; gi++)
#pragma unroll
        for (int i = 0; i < 8; i++) q[gi][i] = gi < G ? sq[gi * D + dl * 8 + i] : 0.f;
    float m[GM], l[GM], acc[GM][8];
    attention_state_init<GM>(m, l, acc);
    for (int base = base0; base < end; base += W * STEPS * KPW) {
        if (base != base0) fd_load_keys<D, GM>(base, end, g, L, kvHeads, table, blockSize, kr, vr);
        attention_steps<D, GM, STEPS>(kr, vr, q, base, end, kg, m, l, acc);
    }
    attention_merge_lane_groups<D, GM>(m, l, acc);
    if (kg == 0) {
#pragma unroll
        for (int gi = 0; gi < GM; gi++) {
            if (dl == 0) {
                smM[warp * GM + gi] = m[gi];
                smL[warp * GM + gi] = l[gi];
            }
#pragma unroll
            for (int i = 0; i < 8; i++) smO[(warp * GM + gi) * D + dl * 8 + i] = acc[gi][i];
        }
    }
    named_sync(1, FD_CONSUMERS);
    for (int idx = threadIdx.x; idx < G * D; idx += FD_CONSUMERS) {
        const int gi = idx / D, d = idx % D;
        float mx = -INFINITY;
#pragma unroll
        for (int w = 0; w < W; w++) mx = fmaxf(mx, smM[w * GM + gi]);
        float Lsum = 0.f, O = 0.f;
#pragma unroll
        for (int w = 0; w < W; w++) {
            const float a = rescale(smM[w * GM + gi], mx);
            Lsum += smL[w * GM + gi] * a;
            O += smO[(w * GM + gi) * D + d] * a;
        }
        const size_t ps = (size_t) (g * G + gi) * maxSplits + s;
        partO[ps * D + d] = Lsum > 0.f ? O / Lsum : 0.f;
        if (d == 0) partLse[ps] = Lsum > 0.f ? mx + log2f(Lsum) : -INFINITY;
    }
}

template <int D, int GM>
__device__ __forceinline__ void fused_decode_body(
        const FdLayer* __restrict__ layers, int numLayers, int H, int qHeads, int kvHeads, int FF, float eps,
        float scaleLog2, float* residual, const int* __restrict__ positions, const int* __restrict__ slots,
        const int* __restrict__ blockTable, int blockSize, const float* __restrict__ invFreq, float* qkv, bf16* act,
        float* partO, float* partLse, int maxSplits, unsigned* sync, int nslots, int diag) {
    extern __shared__ __align__(128) unsigned char fd_smem[];
    const uint32_t ringAddr = (uint32_t) __cvta_generic_to_shared(fd_smem);
    const uint4* ring = reinterpret_cast<const uint4*>(fd_smem);
    unsigned char* after = fd_smem + (size_t) nslots * FD_SLOT_BYTES;
    const uint32_t fullBar = (uint32_t) __cvta_generic_to_shared(after);
    const uint32_t emptyBar = fullBar + FD_MAX_SLOTS * 8;
    float* acc = reinterpret_cast<float*>(after + 2 * FD_MAX_SLOTS * 8);
    float* red = acc + FD_MAX_ROWS;
    bf16* xs = reinterpret_cast<bf16*>(after + FD_FIXED_BYTES);  // the activation region
    float* region = reinterpret_cast<float*>(xs);

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int b = blockIdx.x, nb = gridDim.x;
    const int Q = qHeads * D, KV = kvHeads * D, N = Q + 2 * KV;
    int q0, q1, o0, o1, f0, f1, d0, d1;
    fd_share(N, b, nb, q0, q1);
    fd_share(H, b, nb, o0, o1);
    fd_share(FF, b, nb, f0, f1);
    fd_share(H, b, nb, d0, d1);
    constexpr int SLOT_CHUNKS = FD_SLOT_BYTES / 16;

    if (threadIdx.x == 0) {
        for (int i = 0; i < nslots; i++) {
            mbar_init(fullBar + 8 * i, 1);
            mbar_init(emptyBar + 8 * i, FD_CONSUMER_WARPS);
        }
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();

    if (warp == FD_CONSUMER_WARPS) {
        // The producer: every weight share of every layer, in the order the consumers use them.
        if (lane != 0 || (diag & FD_DIAG_NO_STREAM)) return;
        uint32_t piece = 0;
        auto produce = [&](const bf16* src, long long elems) {
            const char* p = reinterpret_cast<const char*>(src);
            const long long bytes = elems * 2;
            for (long long off = 0; off < bytes; off += FD_SLOT_BYTES, piece++) {
                const uint32_t n = (uint32_t) min((long long) FD_SLOT_BYTES, bytes - off);
                const int slot = piece % nslots;
                const uint32_t use = piece / nslots;
                if (use > 0) mbar_wait(emptyBar + 8 * slot, (use - 1) & 1);
                mbar_arrive_expect_tx(fullBar + 8 * slot, n);
                bulk_copy_to_shared(ringAddr + slot * FD_SLOT_BYTES, p + off, n, fullBar + 8 * slot);
            }
        };
        for (int l = 0; l < numLayers; l++) {
            const FdLayer& L = layers[l];
            produce(L.wqkv + (size_t) q0 * H, (long long) (q1 - q0) * H);
            produce(L.wo + (size_t) o0 * Q, (long long) (o1 - o0) * Q);
            produce(L.wgu + (size_t) f0 * H, (long long) (f1 - f0) * H);
            produce(L.wgu + (size_t) (FF + f0) * H, (long long) (f1 - f0) * H);
            produce(L.wd + (size_t) d0 * FF, (long long) (d1 - d0) * FF);
        }
        return;
    }

    // ---- consumers (threads 0..255)
    const int ctid = threadIdx.x;
    uint32_t piece = 0;
    unsigned target = 0;
    auto gridSync = [&]() {
        if (diag & FD_DIAG_NO_BARRIER) {
            named_sync(1, FD_CONSUMERS);
            return;
        }
        target += nb;
        named_sync(1, FD_CONSUMERS);
        if (ctid == 0) {
            // Diagnostics (EngineBench --timeline): block 0 records each barrier as a timeline entry.
            unsigned long long* tl = b == 0 ? baton_timeline : nullptr;
            const unsigned long long t0 = tl != nullptr ? global_ns() : 0ull;
            // A fence, then the increment. (red.release.gpu instead, as CUTLASS's grid barrier does, was measured
            // slower on an H100: qwen3-0.6b 1.30 vs 1.00 ms per step, llama-3.1-8b 6.13 vs 5.72.)
            __threadfence();
            atomicAdd(sync, 1u);
            unsigned v;
            do {
                asm volatile("ld.acquire.gpu.global.u32 %0, [%1];\n" : "=r"(v) : "l"(sync) : "memory");
            } while (v < target);
            if (tl != nullptr) {
                const unsigned long long i = atomicAdd(tl, 1ull);
                if (i < 8192) {
                    tl[1 + 2 * i] = t0;
                    tl[2 + 2 * i] = global_ns();
                }
            }
        }
        named_sync(1, FD_CONSUMERS);
    };
    auto zeroAcc = [&](int n) {
        for (int i = ctid; i < n; i += FD_CONSUMERS) acc[i] = 0.f;
    };
    // The norm weights the next normInput applies, loaded before the barrier it waits on (constant): the first
    // FD_NORM_REGS float4s of this thread's share (hidden sizes to 4096), the rest read at use.
    float4 gw[FD_NORM_REGS];
    auto preloadNorm = [&](const float* __restrict__ w) {
#pragma unroll
        for (int r = 0; r < FD_NORM_REGS; r++) {
            const int i = (ctid + r * FD_CONSUMERS) * 4;
            gw[r] = i < H ? *reinterpret_cast<const float4*>(w + i) : make_float4(0.f, 0.f, 0.f, 0.f);
        }
    };
    // xs = bf16(rmsNorm(residual) * w), then the accumulators of n rows zeroed. The residual is read once (held in
    // registers) up to FD_NORM_REGS float4s per thread.
    auto normInput = [&](const float* __restrict__ w, int n) {
        constexpr int R = FD_NORM_REGS;
        float4 a[R];
        float ss = 0.f;
#pragma unroll
        for (int r = 0; r < R; r++) {
            const int i = (ctid + r * FD_CONSUMERS) * 4;
            a[r] = i < H ? __ldcg(reinterpret_cast<const float4*>(residual + i)) : make_float4(0.f, 0.f, 0.f, 0.f);
            ss += a[r].x * a[r].x + a[r].y * a[r].y + a[r].z * a[r].z + a[r].w * a[r].w;
        }
        for (int i = (ctid + R * FD_CONSUMERS) * 4; i < H; i += FD_CONSUMERS * 4) {
            const float4 b = __ldcg(reinterpret_cast<const float4*>(residual + i));
            ss += b.x * b.x + b.y * b.y + b.z * b.z + b.w * b.w;
        }
        const float inv = 1.0f / sqrtf(fd_sum(ss, red) / H + eps);
#pragma unroll
        for (int r = 0; r < R; r++) {
            const int i = (ctid + r * FD_CONSUMERS) * 4;
            if (i >= H) break;
            const float4 b = a[r], g = gw[r];
            *reinterpret_cast<uint2*>(xs + i) =
                    make_uint2(pack2(g.x * (b.x * inv), g.y * (b.y * inv)), pack2(g.z * (b.z * inv), g.w * (b.w * inv)));
        }
        for (int i = (ctid + R * FD_CONSUMERS) * 4; i < H; i += FD_CONSUMERS * 4) {
            const float4 b = __ldcg(reinterpret_cast<const float4*>(residual + i));
            const float4 g = *reinterpret_cast<const float4*>(w + i);
            *reinterpret_cast<uint2*>(xs + i) =
                    make_uint2(pack2(g.x * (b.x * inv), g.y * (b.y * inv)), pack2(g.z * (b.z * inv), g.w * (b.w * inv)));
        }
        zeroAcc(n);
        named_sync(1, FD_CONSUMERS);
    };
    // xs = the bf16 vector src[0..n), then the accumulators of rows zeroed.
    auto loadInput = [&](const bf16* src, int n, int rows) {
        for (int i = ctid * 8; i < n; i += FD_CONSUMERS * 8)
            *reinterpret_cast<uint4*>(xs + i) = __ldcg(reinterpret_cast<const uint4*>(src + i));
        zeroAcc(rows);
        named_sync(1, FD_CONSUMERS);
    };
    // acc[accBase + r] += the dot of row r of this block's share (rows of `cols`) with xs, from the ring. Each warp
    // takes a contiguous eighth of a slot (FD_SEG chunks of 16 bytes, FD_SEG / 32 per lane, all loaded first). Where
    // that segment lies in one row (whenever the row length is a multiple of FD_SEG chunks, as in every model here),
    // lanes accumulate in registers and the warp reduces once; otherwise each lane adds its chunks to their rows.
    auto consume = [&](int rows, int cols, int accBase) {
        constexpr int PER_LANE = FD_SEG / 32;
        const int chunks = rows * (cols / 8);
        const int cpr = cols / 8;
        for (int c0 = 0; c0 < chunks; c0 += SLOT_CHUNKS, piece++) {
            const int n = min(SLOT_CHUNKS, chunks - c0);
            const int slot = piece % nslots;
            const int seg0 = warp * FD_SEG;
            // Every warp waits for and releases every slot, its share empty or not: an early release would count
            // towards the slot's previous use.
            if (!(diag & FD_DIAG_NO_STREAM)) mbar_wait(fullBar + 8 * slot, (piece / nslots) & 1);
            if (seg0 < n) {
                const uint4* w = ring + (size_t) slot * SLOT_CHUNKS + seg0;
                const int first = c0 + seg0, last = c0 + min(n, seg0 + FD_SEG) - 1;
                const int row = first / cpr;
                if (row == last / cpr) {
                    const int colChunk = first - row * cpr;
                    uint4 wv[PER_LANE], xv[PER_LANE];
#pragma unroll
                    for (int k = 0; k < PER_LANE; k++) {
                        const int i = k * 32 + lane;
                        const bool in = seg0 + i < n;
                        wv[k] = in ? w[i] : make_uint4(0, 0, 0, 0);
                        xv[k] = in ? *reinterpret_cast<const uint4*>(xs + (colChunk + i) * 8) : make_uint4(0, 0, 0, 0);
                    }
                    float p0 = 0.f, p1 = 0.f;
#pragma unroll
                    for (int k = 0; k < PER_LANE; k++) {
                        float wf[8], xf[8];
                        unpack8(wv[k], wf);
                        unpack8(xv[k], xf);
#pragma unroll
                        for (int j = 0; j < 8; j += 2) {
                            p0 = fmaf(wf[j], xf[j], p0);
                            p1 = fmaf(wf[j + 1], xf[j + 1], p1);
                        }
                    }
                    const float part = warp_sum(p0 + p1);
                    if (lane == 0) atomicAdd(&acc[accBase + row], part);
                } else {
                    for (int i = lane; i < FD_SEG && seg0 + i < n; i += 32) {
                        const int c = first + i;
                        const int r = c / cpr;
                        float wf[8], xf[8];
                        unpack8(w[i], wf);
                        unpack8(*reinterpret_cast<const uint4*>(xs + (c - r * cpr) * 8), xf);
                        float part = 0.f;
#pragma unroll
                        for (int j = 0; j < 8; j++) part = fmaf(wf[j], xf[j], part);
                        atomicAdd(&acc[accBase + r], part);
                    }
                }
            }
            __syncwarp();
            if (lane == 0 && !(diag & FD_DIAG_NO_STREAM)) mbar_arrive(emptyBar + 8 * slot);
        }
        named_sync(1, FD_CONSUMERS);
    };

    const int len = positions[0] + 1;
    const int slotOfToken = slots[0];
    // Context splits: one pass of the block's warps each where the context allows (all its K/V loads issued before
    // the barrier), at most maxSplits; this block's unit, if any (units <= blocks: maxSplits <= nb / kvHeads).
    const int S = min(maxSplits, max(1, (len + FdAttn<D, GM>::KEYS_PER_PASS - 1) / FdAttn<D, GM>::KEYS_PER_PASS));
    const int chunk = (len + S - 1) / S;
    const bool hasUnit = b < kvHeads * S;
    const int ug = b / S, us = b % S;
    const int uStart = min(len, us * chunk), uEnd = min(len, uStart + chunk);
    uint4 kr[FdAttn<D, GM>::STEPS], vr[FdAttn<D, GM>::STEPS];
    // Phase C's input: xs = bf16(attention output), merging the splits' partial outputs by their log-sum-exps. Each
    // thread merges 4 dims of one head at a time, loading that head's log-sum-exps and the 4 dims of every split at
    // once (one round trip to L2; S <= FD_MAX_SPLITS).
    auto mergeAttention = [&](int rows) {
        constexpr int MS = FD_MAX_SPLITS;
        for (int i = ctid * 4; i < Q; i += FD_CONSUMERS * 4) {
            const int h = i / D;
            const float* pl = partLse + h * maxSplits;
            const float* po = partO + (size_t) h * maxSplits * D + (i - h * D);
            float lse[MS];
            float4 o[MS];
#pragma unroll
            for (int sp = 0; sp < MS; sp++) {
                lse[sp] = sp < S ? __ldcg(pl + sp) : -INFINITY;
                o[sp] = sp < S ? __ldcg(reinterpret_cast<const float4*>(po + (size_t) sp * D)) : make_float4(0.f, 0.f, 0.f, 0.f);
            }
            float mx = -INFINITY;
#pragma unroll
            for (int sp = 0; sp < MS; sp++) mx = fmaxf(mx, lse[sp]);
            float tot = 0.f;
            float4 r = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
            for (int sp = 0; sp < MS; sp++) {
                const float a = rescale(lse[sp], mx);
                tot += a;
                r.x = fmaf(a, o[sp].x, r.x);
                r.y = fmaf(a, o[sp].y, r.y);
                r.z = fmaf(a, o[sp].z, r.z);
                r.w = fmaf(a, o[sp].w, r.w);
            }
            const float invTot = tot > 0.f ? 1.f / tot : 0.f;
            *reinterpret_cast<uint2*>(xs + i) = make_uint2(pack2(r.x * invTot, r.y * invTot), pack2(r.z * invTot, r.w * invTot));
        }
        zeroAcc(rows);
        named_sync(1, FD_CONSUMERS);
    };
    FdRope<D> rope;
    rope.angles((float) (len - 1), invFreq);
    preloadNorm(layers[0].inNorm);
    pdl_wait();

    for (int l = 0; l < numLayers; l++) {
        const FdLayer& L = layers[l];
        // A: qkv = norm(residual) . Wqkvᵀ
        normInput(L.inNorm, q1 - q0);
        consume(q1 - q0, H, 0);
        for (int r = ctid; r < q1 - q0; r += FD_CONSUMERS)
            qkv[q0 + r] = acc[r] + (L.bqkv != nullptr ? L.bqkv[q0 + r] : 0.f);
        if (hasUnit) {
            fd_attention_prefetch<D, GM>(ug, uStart, uEnd, len, L, kvHeads, blockTable, blockSize, kr, vr);
            rope.normWeights(L.qNorm, L.kNorm);
        }
        gridSync();
        // B: attention, one unit per block
        if (hasUnit)
            fd_attention_unit<D, GM>(ug, us, uStart, uEnd, len, L, qkv, qHeads, kvHeads, eps, scaleLog2, slotOfToken,
                                     blockTable, blockSize, partO, partLse, maxSplits, region, kr, vr, rope);
        gridSync();
        // C: residual += attn . Woᵀ
        mergeAttention(o1 - o0);
        consume(o1 - o0, Q, 0);
        for (int r = ctid; r < o1 - o0; r += FD_CONSUMERS) residual[o0 + r] = __ldcg(residual + o0 + r) + acc[r];
        preloadNorm(L.postNorm);
        gridSync();
        // D: act = silu(norm(residual) . Wgateᵀ) * (norm(residual) . Wupᵀ)
        const int nf = f1 - f0;
        normInput(L.postNorm, 2 * nf);
        consume(nf, H, 0);
        consume(nf, H, nf);
        for (int r = ctid; r < nf; r += FD_CONSUMERS) act[f0 + r] = __float2bfloat16_rn(silu(acc[r]) * acc[nf + r]);
        gridSync();
        // E: residual += act . Wdownᵀ
        loadInput(act, FF, d1 - d0);
        consume(d1 - d0, FF, 0);
        for (int r = ctid; r < d1 - d0; r += FD_CONSUMERS) residual[d0 + r] = __ldcg(residual + d0 + r) + acc[r];
        if (l + 1 < numLayers) {
            preloadNorm(layers[l + 1].inNorm);
            gridSync();
        }
    }
    // The last block out resets the counters for the next launch: every block has passed every barrier by then.
    named_sync(1, FD_CONSUMERS);
    if (ctid == 0) {
        __threadfence();
        if (atomicAdd(sync + 1, 1u) == (unsigned) nb - 1) {
            sync[0] = 0;
            sync[1] = 0;
        }
    }
}
#endif

// fused_decode_d<D>_g<GM>: one block of FD_THREADS per SM, dynamic shared memory as FusedDecode.java computes it.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define FD_BODY(D, GM)                                                                                               \
    fused_decode_body<D, GM>(layers, numLayers, H, qHeads, kvHeads, FF, eps, scaleLog2, residual, positions, slots,  \
                             blockTable, blockSize, invFreq, qkv, act, partO, partLse, maxSplits, sync, nslots, diag);
#else
#define FD_BODY(D, GM) __trap();
#endif
#define FUSED_DECODE_KERNEL(D, GM)                                                                                   \
    extern "C" __global__ void __launch_bounds__(FD_THREADS, 1) fused_decode_d##D##_g##GM(                          \
            const FdLayer* layers, int numLayers, int H, int qHeads, int kvHeads, int FF, float eps, float scaleLog2, \
            float* residual, const int* positions, const int* slots, const int* blockTable, int blockSize,          \
            const float* invFreq, float* qkv, bf16* act, float* partO, float* partLse, int maxSplits, unsigned* sync, \
            int nslots, int diag) {                                                                                            \
        FD_BODY(D, GM)                                                                                               \
    }
#define FUSED_DECODE_FOR_D(D) \
    FUSED_DECODE_KERNEL(D, 1) FUSED_DECODE_KERNEL(D, 2) FUSED_DECODE_KERNEL(D, 4) FUSED_DECODE_KERNEL(D, 8)

FUSED_DECODE_FOR_D(16)
FUSED_DECODE_FOR_D(32)
FUSED_DECODE_FOR_D(64)
FUSED_DECODE_FOR_D(128)
