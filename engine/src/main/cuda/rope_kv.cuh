// Rotary embedding (rotate-half, as HF Llama/Qwen) fused with the write of K and V into the paged bf16 cache, and
// optionally with Qwen3's per-head RMSNorm of q and k (applied before the rotation, as in HF). One warp per head.
// The angle is pos * inv_freq in fp32, as HF computes it; llama3 scaling lives in inv_freq, computed on the host.
// Cache layout per layer: [block][kvHead][slotInBlock][headDim] (HND). The rotated q is kept for attention; the
// rotated k only goes to the cache.
#pragma once
#include "common.cuh"

// X: the qkv row type. fp32 rows are rotated in place (q = qkv, qCols = cols); bf16 rows (a projection cuBLAS wrote
// in bf16, half the bytes to write and read) leave the rotated q in fp32 at q, a buffer of qCols = qHeads * D per row.
template <typename X>
__device__ __forceinline__ void rope_store_body(const X* __restrict__ qkv, int cols, float* __restrict__ q, int qCols,
                                                const int* __restrict__ positions, const int* __restrict__ slots,
                                                const float* __restrict__ invFreq, const float* __restrict__ qNormW,
                                                const float* __restrict__ kNormW, float eps, bf16* __restrict__ kCache,
                                                bf16* __restrict__ vCache, int qHeads, int kvHeads, int D, int blockSize,
                                                int earlyTrigger) {
    constexpr int MAX_PAIRS = 4;  // rotary pairs per lane: D <= 256
    const int t = blockIdx.x;
    const int lane = threadIdx.x & 31;
    const int head = blockIdx.y * (blockDim.x >> 5) + (threadIdx.x >> 5);
    // The batch metadata and the angles depend on nothing the previous kernel writes: ready before waiting on it.
    const int slot = slots[t];
    const float pos = (float) positions[t];
    const int half = D / 2;
    float cs[MAX_PAIRS], sn[MAX_PAIRS];
#pragma unroll
    for (int r = 0; r < MAX_PAIRS; r++) {
        const int i = lane + 32 * r;
        if (i < half) sincosf(pos * invFreq[i], &sn[r], &cs[r]);
    }
    // earlyTrigger: let attention (next) be scheduled before this kernel's own wait, so that its K/V loads, which
    // depend on nothing here, go out while the qkv GEMV still runs. Attention still waits for this kernel to complete.
    if (earlyTrigger) pdl_launch();
    pdl_wait();
    if (!earlyTrigger) pdl_launch();
    if (head >= qHeads + 2 * kvHeads) return;
    const X* x = qkv + (size_t) t * cols + (size_t) head * D;
    if (head >= qHeads + kvHeads) {  // a V head: copy into the cache
        if (slot < 0) return;
        const int vh = head - qHeads - kvHeads;
        bf16* dst = vCache + (((size_t) (slot / blockSize) * kvHeads + vh) * blockSize + slot % blockSize) * D;
        for (int i = lane; i < D; i += 32) dst[i] = __float2bfloat16_rn((float) x[i]);
        return;
    }
    const bool isK = head >= qHeads;
    const float* nw = isK ? kNormW : qNormW;
    float x1[MAX_PAIRS], x2[MAX_PAIRS];
#pragma unroll
    for (int r = 0; r < MAX_PAIRS; r++) {
        const int i = lane + 32 * r;
        x1[r] = i < half ? (float) x[i] : 0.f;
        x2[r] = i < half ? (float) x[i + half] : 0.f;
    }
    float inv = 1.f;
    if (nw != nullptr) {
        float ss = 0.f;
#pragma unroll
        for (int r = 0; r < MAX_PAIRS; r++) ss += x1[r] * x1[r] + x2[r] * x2[r];
        ss = warp_sum(ss);
        inv = 1.0f / sqrtf(ss / D + eps);
    }
    bf16* dst = nullptr;
    if (isK && slot >= 0)
        dst = kCache + (((size_t) (slot / blockSize) * kvHeads + (head - qHeads)) * blockSize + slot % blockSize) * D;
    float* qo = isK ? nullptr : q + (size_t) t * qCols + (size_t) head * D;  // attention reads K from the cache only
#pragma unroll
    for (int r = 0; r < MAX_PAIRS; r++) {
        const int i = lane + 32 * r;
        if (i >= half) break;
        float a = x1[r], b = x2[r];
        if (nw != nullptr) {
            a = nw[i] * (a * inv);
            b = nw[i + half] * (b * inv);
        }
        const float y1 = a * cs[r] - b * sn[r], y2 = b * cs[r] + a * sn[r];
        if (qo != nullptr) {
            qo[i] = y1;
            qo[i + half] = y2;
        }
        if (dst != nullptr) {
            dst[i] = __float2bfloat16_rn(y1);
            dst[i + half] = __float2bfloat16_rn(y2);
        }
    }
}

extern "C" __global__ void rope_store(float* __restrict__ qkv, int cols, const int* __restrict__ positions,
                                      const int* __restrict__ slots, const float* __restrict__ invFreq,
                                      const float* __restrict__ qNormW, const float* __restrict__ kNormW, float eps,
                                      bf16* __restrict__ kCache, bf16* __restrict__ vCache,
                                      int qHeads, int kvHeads, int D, int blockSize, int earlyTrigger) {
    rope_store_body<float>(qkv, cols, qkv, cols, positions, slots, invFreq, qNormW, kNormW, eps, kCache, vCache, qHeads,
                           kvHeads, D, blockSize, earlyTrigger);
}

extern "C" __global__ void rope_store_bf16(const bf16* __restrict__ qkv, int cols, float* __restrict__ q, int qCols,
                                           const int* __restrict__ positions, const int* __restrict__ slots,
                                           const float* __restrict__ invFreq, const float* __restrict__ qNormW,
                                           const float* __restrict__ kNormW, float eps, bf16* __restrict__ kCache,
                                           bf16* __restrict__ vCache, int qHeads, int kvHeads, int D, int blockSize,
                                           int earlyTrigger) {
    rope_store_body<bf16>(qkv, cols, q, qCols, positions, slots, invFreq, qNormW, kNormW, eps, kCache, vCache, qHeads,
                          kvHeads, D, blockSize, earlyTrigger);
}

// Standalone Q/K norm (in place), for when the norm cannot be folded into rope_store.
extern "C" __global__ void qk_norm(float* __restrict__ qkv, int cols, const float* __restrict__ qNormW,
                                   const float* __restrict__ kNormW, float eps, int qHeads, int kvHeads, int D) {
    pdl_enter();
    const int t = blockIdx.x;
    const int lane = threadIdx.x & 31;
    const int head = blockIdx.y * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (head >= qHeads + kvHeads) return;
    float* x = qkv + (size_t) t * cols + (size_t) head * D;
    const float* nw = head >= qHeads ? kNormW : qNormW;
    float ss = 0.f;
    for (int i = lane; i < D; i += 32) ss += x[i] * x[i];
    ss = warp_sum(ss);
    const float inv = 1.0f / sqrtf(ss / D + eps);
    for (int i = lane; i < D; i += 32) x[i] = nw[i] * (x[i] * inv);
}
