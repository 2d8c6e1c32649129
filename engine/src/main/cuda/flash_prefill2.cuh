// Prefill attention for Hopper (sm_90a): the contract of flash_prefill_d* (prefill_attention.cuh: tiles of up to 128
// query rows of one sequence, keys gathered from the paged KV cache, causal, bf16 out), with both products on wgmma.
// A block of 256 threads is two warpgroups; warpgroup g owns query rows 64g..64g+63 of the tile. Per BN-key tile:
// S = Q K^T is wgmma m64nBNk16 with Q and K read from shared memory by descriptor, the online softmax runs on the
// S accumulators, and O += P V is wgmma m64nDk16 with P taken straight from registers (the accumulator layout is the
// A-fragment layout) and V read transposed from shared memory. K/V tiles are gathered page by page with cp.async.
// Shared tiles use the 128-byte swizzle wgmma expects: rows of 64 bf16 (128 bytes), 16-byte chunk c of row r stored
// at chunk c ^ (r & 7), a head_dim of 128 split into two 64-column halves stored one after the other. The running
// max only moves when a row's max grows by more than 2^8 (exp2 domain), so O is rarely rescaled; P <= 256 stays
// exact enough in bf16 and the result is the same softmax.
// Three bodies:
//  - flash_prefill2_body: S, softmax, P V in sequence per tile, K/V double-buffered. Two blocks per SM overlap one
//    block's softmax with the other's tensor-core work. flash_prefill2_d64 launches it (128-key tiles).
//  - (a software-pipelined variant of the plain body, S(j) and P(j-1)V(j-1) in flight together within a warpgroup,
//    measured slower on an H100, 265-293 vs 344 TFLOP/s at head_dim 128, and was removed)
//  - flash_prefill2_ws_body: warp-specialised (producer warpgroup + two consumer warpgroups taking turns on the
//    tensor cores, mbarrier ring of K/V stages); see its comment. flash_prefill2_d128 launches it.
// Launch: grid (numTiles, qHeads), FLASH_PREFILL2_THREADS(D) threads, FLASH_PREFILL2_SMEM(D) bytes of dynamic
// shared memory (above 48 KiB: set the max-dynamic-shared-memory attribute). wgmma exists only in sm_90a code:
// other builds of these kernels trap.
#pragma once
#include <cstdio>
#include "common.cuh"
#include "prefill_attention.cuh"  // cp_async16, cp_async_commit/wait, ex2
#include "barriers.cuh"

#define FP2_BM 128
#define FP2_THREADS 256
// Which body the engine's flash_prefill2_d64/_d128 use, chosen per head dim by the harness's H100 measurements:
// head_dim 64 the plain body (256 threads, two blocks per SM, 128-key tiles); head_dim 128 the warp-specialised body
// (flash_prefill2_ws_body: 384 threads, one block per SM) with 128-key tiles in 3 stages, Q in registers (no Q tile:
// 197680 bytes of shared memory), asynchronous cp.async arrivals and the page table read one entry per lane
// (QREG, ASYNC, TBL; producer 40 / consumers 232 registers, no spills). H100 harness, qwen3-0.6b shape (16 q / 8 kv
// heads), TFLOP/s before (64-key tiles, 4 stages, Q tile in shared memory, one table load per row) -> after:
// n8192 353 -> 487 (0.780 -> 0.564 ms), n2048 258 -> 330, prefix1000+1500 247 -> 317, 2seq700+1300 168 -> 199,
// n512 48 -> 59, at the same errors. Nearly all of it came from the page table: the producer's dependent table load
// per row before its copies kept the consumers waiting for K/V (TBL alone: 366 -> 463 at n8192). The engine
// (Attention.java) must pass FLASH_PREFILL2_THREADS(D) threads and FLASH_PREFILL2_SMEM(D) bytes as defined here.
#define FP2_WS_BN 128
#define FP2_WS_ST 3
#define FP2_WS_QREG 1
#define FP2_WS_PREG 40
#define FLASH_PREFILL2_THREADS(D) ((D) == 128 ? FP3_THREADS : FP2_THREADS)
#define FLASH_PREFILL2_SMEM(D) \
    ((D) == 128 ? FP3_SMEM_Q(D, FP2_WS_BN, FP2_WS_ST, FP2_WS_QREG) : FP2_SMEM(D, FP2_DEFAULT_BN(D)))
// Keys per tile of the plain body: 128 at head_dim 64 (81 KiB, two blocks per SM, the engine's kernel), 64 at
// head_dim 128 (99 KiB, two blocks per SM; a harness alternative).
#define FP2_DEFAULT_BN(D) ((D) == 64 ? 128 : 64)
// Q tile, two stages of K and V, and 1 KiB to align the tiles to the 1024-byte swizzle pattern.
#define FP2_SMEM(D, BN) (1024 + FP2_BM * (D) * 2 + 4 * (BN) * (D) * 2)
// = 1024 + 256 * D + 65536: 82944 bytes at head_dim 64, 99328 at head_dim 128.

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define FP2_WGMMA 1
#endif

#ifdef FP2_WGMMA
// D[64 x 64] (+)= A[64 x 16] B[16 x 64]; A and B from shared memory, both K-major.
__device__ __forceinline__ void wgmma_ss_n64(float* d, uint64_t da, uint64_t db, int accumulate) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, %32, %33, p, 1, 1, 0, 0;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
        : "l"(da), "l"(db), "r"(accumulate));
}
// D[64 x 64] += A[64 x 16] B[16 x 64]; A from registers, B from shared memory, MN-major (transposed).
__device__ __forceinline__ void wgmma_rs_n64(float* d, const uint32_t* a, uint64_t db) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(1));
}

// D[64 x 128] (+)= A[64 x 16] B[16 x 128]; A and B from shared memory, both K-major.
__device__ __forceinline__ void wgmma_ss_n128(float* d, uint64_t da, uint64_t db, int accumulate) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 0;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "l"(da), "l"(db), "r"(accumulate));
}
// D[64 x 128] += A[64 x 16] B[16 x 128]; A from registers, B from shared memory, MN-major (transposed).
__device__ __forceinline__ void wgmma_rs_n128(float* d, const uint32_t* a, uint64_t db) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(1));
}

// D[64 x 64] (+)= A[64 x 16] B[16 x 64]; A from registers, B from shared memory, K-major.
__device__ __forceinline__ void wgmma_rs_k_n64(float* d, const uint32_t* a, uint64_t db, int accumulate) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, {%32, %33, %34, %35}, %36, p, 1, 1, 0;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(accumulate));
}
// D[64 x 128] (+)= A[64 x 16] B[16 x 128]; A from registers, B from shared memory, K-major.
__device__ __forceinline__ void wgmma_rs_k_n128(float* d, const uint32_t* a, uint64_t db, int accumulate) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, {%64, %65, %66, %67}, %68, p, 1, 1, 0;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(accumulate));
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait0() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
// Accumulators are written asynchronously: keep the compiler from touching them across issue and wait.
template <int N>
__device__ __forceinline__ void fence_regs(float* d) {
#pragma unroll
    for (int i = 0; i < N; i++) asm volatile("" : "+f"(d[i])::"memory");
}
// cp.async and st.shared writes are generic-proxy; wgmma reads through the async proxy.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// Shared-memory matrix descriptor, 128-byte swizzle. Addresses and offsets in bytes (16-byte units in the encoding).
__device__ __forceinline__ uint64_t smem_desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
    return (uint64_t) ((addr & 0x3FFFF) >> 4) | ((uint64_t) ((lbo & 0x3FFFF) >> 4) << 16) |
           ((uint64_t) ((sbo & 0x3FFFF) >> 4) << 32) | (1ull << 62);
}

// Element offset of 16-byte chunk `c` of row `row` in a swizzled [D/64][rows][64] bf16 tile.
template <int ROWS>
__device__ __forceinline__ int swz2(int row, int c) { return ((c >> 3) * ROWS + row) * 64 + (((c & 7) ^ (row & 7)) << 3); }

#endif  // FP2_WGMMA

#ifdef FP2_WGMMA
template <int N>
__device__ __forceinline__ void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }

// Causal mask and online-softmax step on one warpgroup's S accumulators (m64 x BN; this thread holds rows qp and
// qp + 8). Leaves P = exp2(S * scaleLog2 - m) in s, updates the running max and sum, and returns in corr the factor
// by which O (accumulated under the old max) must be scaled.
template <int BN>
__device__ __forceinline__ void fp2_softmax(float* s, int key0, int qp, int lane, bool mask, float* mrow, float* lrow,
                                            float scaleLog2, float* corr) {
    if (mask) {
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
            const int key = key0 + nt * 8 + (lane & 3) * 2;
            if (key > qp) s[nt * 4 + 0] = -INFINITY;
            if (key + 1 > qp) s[nt * 4 + 1] = -INFINITY;
            if (key > qp + 8) s[nt * 4 + 2] = -INFINITY;
            if (key + 1 > qp + 8) s[nt * 4 + 3] = -INFINITY;
        }
    }
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        float mx = -INFINITY;
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) mx = fmaxf(mx, fmaxf(s[nt * 4 + 2 * hh], s[nt * 4 + 2 * hh + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float mxs = mx * scaleLog2;
        float c = 1.f;
        if (mxs > mrow[hh] + 8.f) {  // -inf running max (first tile): always taken
            c = ex2(mrow[hh] - mxs);
            mrow[hh] = mxs;
        }
        corr[hh] = c;
        const float ms = mrow[hh];
        float l = 0.f;
#pragma unroll
        for (int nt = 0; nt < BN / 8; nt++) {
            s[nt * 4 + 2 * hh] = ex2(fmaf(s[nt * 4 + 2 * hh], scaleLog2, -ms));
            s[nt * 4 + 2 * hh + 1] = ex2(fmaf(s[nt * 4 + 2 * hh + 1], scaleLog2, -ms));
            l += s[nt * 4 + 2 * hh] + s[nt * 4 + 2 * hh + 1];
        }
        lrow[hh] = lrow[hh] * c + l;
    }
}

template <int NO>
__device__ __forceinline__ void fp2_rescale(float* o, const float* corr) {
    if (__any_sync(0xffffffffu, corr[0] != 1.f || corr[1] != 1.f)) {  // warp-uniform branch
#pragma unroll
        for (int i = 0; i < NO / 4; i++) {
            o[i * 4 + 0] *= corr[0];
            o[i * 4 + 1] *= corr[0];
            o[i * 4 + 2] *= corr[1];
            o[i * 4 + 3] *= corr[1];
        }
    }
}

// Normalise and store this thread's rows of O (bf16).
template <int D>
__device__ __forceinline__ void fp2_store(const float* o, const float* lrow, bf16* out, int t0, int nrows, int m0,
                                          int wq, int lane, int h, int qHeads) {
    const size_t stride = (size_t) qHeads * D;
#pragma unroll
    for (int hh = 0; hh < 2; hh++) {
        float l = lrow[hh];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        const float inv = l > 0.f ? 1.f / l : 0.f;
        const int r = m0 + wq * 16 + hh * 8 + (lane >> 2);
        if (r >= nrows) continue;
        bf16* dst = out + (size_t) (t0 + r) * stride + h * D + (lane & 3) * 2;
#pragma unroll
        for (int nt = 0; nt < D / 8; nt++)
            *reinterpret_cast<uint32_t*>(dst + nt * 8) = pack2(o[nt * 4 + 2 * hh] * inv, o[nt * 4 + 2 * hh + 1] * inv);
    }
}
#endif  // FP2_WGMMA

template <int D, int BN>
__device__ __forceinline__ void flash_prefill2_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ tiles, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, int qHeads, int kvHeads, int blockShift, float scaleLog2, int numTiles) {
#ifdef FP2_WGMMA
    constexpr int CH = D / 8;                      // 16-byte chunks per row
    constexpr int ROWS_PER_PASS = FP2_THREADS / CH;
    constexpr int NS = BN / 2;                     // S accumulators per thread (m64 x BN over 128 threads)
    constexpr int NO = D / 2;                      // O accumulators per thread
    constexpr int KV_TILE = BN * D;                // elements of one K or V stage
    extern __shared__ uint8_t fp2_smem_raw[];
    const uint32_t rawAddr = (uint32_t) __cvta_generic_to_shared(fp2_smem_raw);
    bf16* sQ = reinterpret_cast<bf16*>(fp2_smem_raw + ((1024u - (rawAddr & 1023u)) & 1023u));  // [D/64][BM][64]
    bf16* sK = sQ + FP2_BM * D;                                                             // [stage][D/64][BN][64]
    bf16* sV = sK + 2 * KV_TILE;                                                            // [stage][D/64][BN][64]
    const uint32_t aQ = (uint32_t) __cvta_generic_to_shared(sQ);
    const uint32_t aK = (uint32_t) __cvta_generic_to_shared(sK);
    const uint32_t aV = (uint32_t) __cvta_generic_to_shared(sV);
    pdl_enter();

    const int tile = numTiles - 1 - blockIdx.x;  // later (longer) tiles first: better tail balance
    const int h = blockIdx.y, kvh = h / (qHeads / kvHeads);
    const int t0 = tiles[tile * 3], nrows = tiles[tile * 3 + 1], seq = tiles[tile * 3 + 2];
    const int pos0 = positions[t0];
    const int kvLen = pos0 + nrows;
    const int* table = blockTables + (size_t) seq * btStride;
    const int tid = threadIdx.x, lane = tid & 31, wg = tid >> 7, wq = (tid >> 5) & 3;
    const int blockMask = (1 << blockShift) - 1;

    const int myCh = tid % CH, myRow = tid / CH;
    auto loadKv = [&](int kt, int stage) {
        bf16* dk = sK + stage * KV_TILE;
        bf16* dv = sV + stage * KV_TILE;
#pragma unroll
        for (int row = myRow; row < BN; row += ROWS_PER_PASS) {
            const int j = kt * BN + row;
            const bool ok = j < kvLen;
            size_t off = 0;
            if (ok) off = paged_kv_chunk<D>(table, j, blockShift, blockMask, kvHeads, kvh, myCh);
            cp_async16(dk + swz2<BN>(row, myCh), kc + off, ok);
            cp_async16(dv + swz2<BN>(row, myCh), vc + off, ok);
        }
    };

    const int nkt = (kvLen + BN - 1) / BN;
    loadKv(0, 0);
    cp_async_commit();

    for (int c = tid; c < FP2_BM * CH; c += FP2_THREADS) {
        const int row = c / CH, ch = c % CH;
        const uint4 v = prefill_q_chunk<D>(qkv, cols, t0, row, nrows, h, ch);
        *reinterpret_cast<uint4*>(sQ + swz2<FP2_BM>(row, ch)) = v;
    }

    float o[NO];
#pragma unroll
    for (int i = 0; i < NO; i++) o[i] = 0.f;
    float mrow[2] = {-INFINITY, -INFINITY};  // running max, already multiplied by scaleLog2
    float lrow[2] = {0.f, 0.f};
    const int m0 = wg * 64;
    const int wgFirst = pos0 + m0, wgLast = wgFirst + 63;
    const int qp = wgFirst + wq * 16 + (lane >> 2);  // position of this thread's first row; +8 for the second
    // Descriptors: K-major Q and K (SBO 1024 = one 8-row swizzle atom; LBO unused), MN-major V (LBO = the stride
    // between 64-column halves of head_dim, SBO = 1024 between groups of 8 keys).
    const uint64_t dQ = smem_desc(aQ + m0 * 128, 16, 1024);

    for (int kt = 0; kt < nkt; kt++) {
        const int stage = kt & 1;
        if (kt + 1 < nkt) {
            loadKv(kt + 1, stage ^ 1);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        fence_proxy_async();
        __syncthreads();
        const int key0 = kt * BN;
        if (key0 <= wgLast) {  // warpgroup-uniform: else every key of this tile lies after every row of this group
            float s[NS];
            const uint64_t dK = smem_desc(aK + stage * KV_TILE * 2, 16, 1024);
            wgmma_fence();
#pragma unroll
            for (int ks = 0; ks < D / 16; ks++) {
                // k-step ks: half ks/4 of head_dim, 32 bytes per k-step inside the 128-byte swizzled row.
                const uint32_t qo = (ks >> 2) * FP2_BM * 128 + (ks & 3) * 32;
                const uint32_t ko = (ks >> 2) * BN * 128 + (ks & 3) * 32;
                if constexpr (BN == 128) wgmma_ss_n128(s, dQ + (qo >> 4), dK + (ko >> 4), ks > 0);
                else wgmma_ss_n64(s, dQ + (qo >> 4), dK + (ko >> 4), ks > 0);
            }
            wgmma_commit();
            wgmma_wait0();
            fence_regs<NS>(s);

            // The tile crossing this group's diagonal masks keys after each row. Online softmax: tile 0 holds key 0,
            // visible to every row, so the running max is finite from then on.
            float corr[2];
            fp2_softmax<BN>(s, key0, qp, lane, key0 + BN - 1 > wgFirst, mrow, lrow, scaleLog2, corr);
            fp2_rescale<NO>(o, corr);
            // O += P V: P's A fragment for keys 16kk..16kk+15 is S accumulator blocks 2kk and 2kk+1.
            uint32_t p[BN / 16][4];
#pragma unroll
            for (int kk = 0; kk < BN / 16; kk++) {
                p[kk][0] = pack2(s[kk * 8 + 0], s[kk * 8 + 1]);
                p[kk][1] = pack2(s[kk * 8 + 2], s[kk * 8 + 3]);
                p[kk][2] = pack2(s[kk * 8 + 4], s[kk * 8 + 5]);
                p[kk][3] = pack2(s[kk * 8 + 6], s[kk * 8 + 7]);
            }
            const uint64_t dV = smem_desc(aV + stage * KV_TILE * 2, BN * 128, 1024);
            wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < BN / 16; kk++) {
                const uint64_t d = dV + ((kk * 2048) >> 4);  // 16 keys = two 8-row swizzle atoms
                if constexpr (D == 128) wgmma_rs_n128(o, p[kk], d);
                else wgmma_rs_n64(o, p[kk], d);
            }
            wgmma_commit();
            wgmma_wait0();
            fence_regs<NO>(o);
#pragma unroll
            for (int kk = 0; kk < BN / 16; kk++)  // P must stay live until the wgmma reading it has completed
                asm volatile("" ::"r"(p[kk][0]), "r"(p[kk][1]), "r"(p[kk][2]), "r"(p[kk][3]));
        }
        __syncthreads();  // this stage is reloaded on the next iteration
    }

    fp2_store<D>(o, lrow, out, t0, nrows, m0, wq, lane, h, qHeads);
#else
    // Not sm_90a code (sm_80/sm_89/plain sm_90, or PTX JIT-compiled for another GPU): no wgmma, so fail loudly.
    if (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0)
        printf("flash_prefill2_d%d: built without sm_90a code; use flash_prefill_d%d\n", D, D);
    __trap();
#endif
}

// Warp-specialised body (FA3-like structure, own code): 384 threads = three warpgroups, one block per SM.
//  - warpgroup 0 is the producer: it gathers K/V tiles into an ST-stage ring with cp.async, and per stage either
//    (ASYNC = 0) waits for its own copies, fences them into the async proxy and arrives on that stage's "full"
//    mbarrier (128 arrivals), or (ASYNC = 1) lets cp.async.mbarrier.arrive.noinc arrive once its copies have landed
//    and goes on (the consumers fence after their wait). With TBL it reads a tile's page-table entries coalesced, one
//    per lane, a tile ahead, and shuffles them to the rows' threads. It gives registers away (setmaxnreg.dec) since
//    it holds no accumulators.
//  - warpgroups 1 and 2 consume: each owns 64 query rows of the 128-row tile (Q loaded by itself into shared memory,
//    or with QREG as wgmma A fragments in registers), and per key tile
//    j issues S(j) = Q K(j)^T and O += P(j-1) V(j-1) together, runs the softmax of S(j) while P(j-1) V(j-1) is on the
//    tensor cores, then rescales O and packs P(j). One warp-leader arrival per consumer warp on the stage's "empty"
//    mbarrier (8 arrivals) hands the stage back once P(j-1) V(j-1) has completed.
//  - the two consumers take turns issuing wgmma (named barriers 1 and 2, 256 threads: own 128 sync + the other's
//    128 arrive), so one warpgroup's softmax runs while the other's GEMMs occupy the tensor cores, instead of both
//    doing softmax at the same time as in the lockstep bodies above.
// Both consumers run the same number of issue events (nkt + 1) so the turn-taking barriers stay balanced; a
// warpgroup whose rows all precede a key tile skips its wgmma but still takes its turn and releases the stage.
// Blocks are ordered longest tile first across all heads (one block per SM: the tail matters).
// Launch: FP3_THREADS (384) threads, FP3_SMEM_Q(D, BN, ST, QREG) bytes of dynamic shared memory, 1 block per SM.
// Measured on an H100 (harness, head_dim 128, n8192, TFLOP/s) and not taken: split K and V "full" barriers with
// warps 0-1 copying K and 2-3 V (327 vs 493: K arrived late), a softmax with 4-way partial max/sum chains (485 vs
// 493), no proxy fence after the consumers' wait (+1.5%, not safe), 64-key tiles with Q in registers and TBL in 6
// stages (417), no turn-taking (484 vs 487), producer 56 / consumers 224 registers (488), the L2::256B prefetch
// hint on the copies (494 vs 487, within run-to-run noise).
#define FP3_THREADS 384
// Q tile (none with Q in registers), ST stages of K and V, 2 * ST mbarriers, 1 KiB of alignment slack.
#define FP3_SMEM_Q(D, BN, ST, QREG) (1024 + ((QREG) ? 0 : FP2_BM * (D) * 2) + (ST) * 2 * (BN) * (D) * 2 + 16 * (ST))
#define FP3_SMEM(D, BN, ST) FP3_SMEM_Q(D, BN, ST, 0)
// Registers after the hand-over: 128 * PREG + 256 * CREG = 64512 = 384 * 168, the launch-bounds allocation
// (56/224 or 24/240).
#define FP3_PRODUCER_REGS 56
#define FP3_CONSUMER_REGS_FOR(PREG) ((64512 - 128 * (PREG)) / 256)
#define FP3_CONSUMER_REGS FP3_CONSUMER_REGS_FOR(FP3_PRODUCER_REGS)

#ifdef FP2_WGMMA
// Arrives (without a pending-count increment) once all of this thread's earlier cp.async copies have landed.
__device__ __forceinline__ void cp_async_arrive_noinc(uint32_t bar) {
    asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(bar) : "memory");
}
// cp_async16 with an L2 prefetch of the whole 256-byte line around the source.
__device__ __forceinline__ void cp_async16_l2(void* smem, const void* gmem, bool pred) {
    const unsigned sa = (unsigned) __cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16, %2;\n" ::"r"(sa), "l"(gmem), "r"(pred ? 16 : 0));
}
#endif

// PP = 0 drops the turn-taking (both consumers issue whenever ready): a diagnostic of what the ping-pong buys.
// QREG = 1: each consumer keeps its Q rows as wgmma A fragments in registers (read straight from qkv), so S = Q K^T
// reads only K from shared memory, and the Q tile takes no shared memory.
// ASYNC = 1: producer threads arrive on a stage's "full" mbarrier with cp.async.mbarrier.arrive.noinc (the arrival
// happens when the thread's copies have landed) and never wait for their own copies; consumers fence into the async
// proxy after their wait. ASYNC = 0: the producer waits for tile kt - 1's copies after issuing tile kt.
// PREG: producer registers after setmaxnreg.dec; consumers get FP3_CONSUMER_REGS_FOR(PREG).
// TBL = 1: the producer reads a tile's page-table entries one per lane and row (coalesced, prefetched a tile ahead) and
// hands them out with shuffles, instead of one dependent table load per row before its copies.
// DIAG (diagnostics only, wrong results): bit 0 skips the softmax, bit 1 skips the K/V copies.
// L2PF = 1 (with TBL): the K/V copies ask L2 to fetch the whole 256-byte row (cp.async ... L2::256B).
template <int D, int BN, int ST, int PP = 1, int QREG = 0, int ASYNC = 0, int PREG = FP3_PRODUCER_REGS, int TBL = 0,
          int DIAG = 0, int L2PF = 0>
__device__ __forceinline__ void flash_prefill2_ws_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ tiles, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, int qHeads, int kvHeads, int blockShift, float scaleLog2, int numTiles) {
#ifdef FP2_WGMMA
    static_assert(ST >= (ASYNC ? 2 : 3), "the producer signals stage j-1 after issuing j: fewer stages deadlock");
    constexpr int CREG = FP3_CONSUMER_REGS_FOR(PREG);
    static_assert(PREG >= 24 && PREG % 8 == 0 && CREG % 8 == 0 && CREG <= 256, "setmaxnreg counts");
    constexpr int CH = D / 8;
    constexpr int NS = BN / 2;
    constexpr int NO = D / 2;
    constexpr int KV_TILE = BN * D;
    extern __shared__ uint8_t fp2_smem_raw[];
    const uint32_t rawAddr = (uint32_t) __cvta_generic_to_shared(fp2_smem_raw);
    bf16* sQ = reinterpret_cast<bf16*>(fp2_smem_raw + ((1024u - (rawAddr & 1023u)) & 1023u));  // [D/64][BM][64]
    bf16* sK = sQ + (QREG ? 0 : FP2_BM * D);                                               // [ST][D/64][BN][64]
    bf16* sV = sK + ST * KV_TILE;                                                           // [ST][D/64][BN][64]
    const uint32_t aQ = (uint32_t) __cvta_generic_to_shared(sQ);
    const uint32_t aK = (uint32_t) __cvta_generic_to_shared(sK);
    const uint32_t aV = (uint32_t) __cvta_generic_to_shared(sV);
    const uint32_t aFull = aV + ST * KV_TILE * 2;  // ST mbarriers, then ST more for "empty"
    const uint32_t aEmpty = aFull + 8 * ST;
    const int tid = threadIdx.x, lane = tid & 31, wg = tid >> 7, wq = (tid >> 5) & 3;
    if (tid == 0) {
        for (int i = 0; i < ST; i++) {
            mbar_init(aFull + 8 * i, 128);
            mbar_init(aEmpty + 8 * i, 8);
        }
    }
    pdl_enter();
    __syncthreads();  // barriers initialised (the last block-wide barrier: roles split below)

    const int lin = blockIdx.y * gridDim.x + blockIdx.x;  // grid (numTiles, qHeads); longest tiles of all heads first
    const int tile = numTiles - 1 - lin / qHeads;
    const int h = lin % qHeads, kvh = h / (qHeads / kvHeads);
    const int t0 = tiles[tile * 3], nrows = tiles[tile * 3 + 1], seq = tiles[tile * 3 + 2];
    const int pos0 = positions[t0];
    const int kvLen = pos0 + nrows;
    const int nkt = (kvLen + BN - 1) / BN;

    if (wg == 0) {
        // Producer.
        asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(PREG));
        const int* table = blockTables + (size_t) seq * btStride;
        const int blockMask = (1 << blockShift) - 1;
        constexpr int ROWS_PER_PASS = 128 / CH;
        const int myCh = tid % CH, myRow = tid / CH;
        static_assert(32 % ROWS_PER_PASS == 0 && BN % 32 == 0, "row -> lane mapping of the page entries");
        constexpr int NPG = BN / 32;  // page-table entries per lane per tile (row lane + 32 i)
        int pgNext[NPG];
        auto loadPages = [&](int kt) {
#pragma unroll
            for (int i = 0; i < NPG; i++) {
                const int j = kt * BN + lane + 32 * i;
                pgNext[i] = j < kvLen ? __ldg(table + (j >> blockShift)) : 0;
            }
        };
        const size_t pageStride = (size_t) kvHeads * (blockMask + 1) * D;
        const bf16* kBase = kc + (size_t) kvh * (blockMask + 1) * D + myCh * 8;
        const bf16* vBase = vc + (size_t) kvh * (blockMask + 1) * D + myCh * 8;
        if constexpr (TBL && !(DIAG & 2)) loadPages(0);
        for (int kt = 0; kt < nkt; kt++) {
            const int st = kt % ST;
            int pg[NPG];
            if constexpr (TBL && !(DIAG & 2)) {
#pragma unroll
                for (int i = 0; i < NPG; i++) pg[i] = pgNext[i];
                if (kt + 1 < nkt) loadPages(kt + 1);  // lands while this tile waits and issues
            }
            if (kt >= ST) mbar_wait(aEmpty + 8 * st, ((kt / ST) - 1) & 1);  // consumers done with tile kt - ST
            bf16* dk = sK + st * KV_TILE;
            bf16* dv = sV + st * KV_TILE;
            if constexpr (DIAG & 2) {
            } else if constexpr (TBL) {
#pragma unroll 1
                for (int k = 0; k < NPG; k++) {  // rows 32k..32k+31: their page entries sit in pg[k] of lane row % 32
                    int pgk = pg[0];
#pragma unroll
                    for (int q = 1; q < NPG; q++)
                        if (k == q) pgk = pg[q];
#pragma unroll
                    for (int i = 0; i < 32 / ROWS_PER_PASS; i++) {
                        const int row = 32 * k + myRow + i * ROWS_PER_PASS;
                        const int page = __shfl_sync(0xffffffffu, pgk, row & 31);
                        const int j = kt * BN + row;
                        const bool ok = j < kvLen;
                        const size_t off = ok ? (size_t) page * pageStride + (size_t) (j & blockMask) * D : 0;
                        if constexpr (L2PF) {
                            cp_async16_l2(dk + swz2<BN>(row, myCh), kBase + off, ok);
                            cp_async16_l2(dv + swz2<BN>(row, myCh), vBase + off, ok);
                        } else {
                            cp_async16(dk + swz2<BN>(row, myCh), kBase + off, ok);
                            cp_async16(dv + swz2<BN>(row, myCh), vBase + off, ok);
                        }
                    }
                }
            } else {
#pragma unroll 4
                for (int row = myRow; row < BN; row += ROWS_PER_PASS) {
                    const int j = kt * BN + row;
                    const bool ok = j < kvLen;
                    size_t off = 0;
                    if (ok) off = paged_kv_chunk<D>(table, j, blockShift, blockMask, kvHeads, kvh, myCh);
                    cp_async16(dk + swz2<BN>(row, myCh), kc + off, ok);
                    cp_async16(dv + swz2<BN>(row, myCh), vc + off, ok);
                }
            }
            if constexpr (ASYNC) {
                cp_async_arrive_noinc(aFull + 8 * st);
            } else {
                cp_async_commit();
                if (kt >= 1) {  // tile kt - 1 has landed (its group is the older of the two in flight)
                    cp_async_wait<1>();
                    fence_proxy_async();
                    mbar_arrive(aFull + 8 * ((kt - 1) % ST));
                }
            }
        }
        if constexpr (ASYNC) {
            asm volatile("cp.async.wait_all;\n" ::: "memory");  // nothing left in flight when the warp exits
        } else {
            cp_async_wait<0>();
            fence_proxy_async();
            mbar_arrive(aFull + 8 * ((nkt - 1) % ST));
        }
        return;
    }

    // Consumers.
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(CREG));
    const int cw = wg - 1;  // 0 or 1
    const int m0 = cw * 64;
    // QREG: A fragments of this thread's Q rows (m0 + 16 wq + lane / 4, and + 8), k-step ks: {row, k 2t..2t+1},
    // {row + 8, same k}, {row, k + 8}, {row + 8, k + 8} with t = lane % 4 (the layout P takes from S below).
    uint32_t qf[QREG ? D / 16 : 1][4];
    if constexpr (QREG) {
#pragma unroll
        for (int hh = 0; hh < 2; hh++) {
            const int r = m0 + wq * 16 + hh * 8 + (lane >> 2);
            if (r < nrows) {
                const float* src = qkv + (size_t) (t0 + r) * cols + (size_t) h * D + (lane & 3) * 2;
#pragma unroll
                for (int ks = 0; ks < D / 16; ks++) {
                    const float2 a = *reinterpret_cast<const float2*>(src + ks * 16);
                    const float2 b = *reinterpret_cast<const float2*>(src + ks * 16 + 8);
                    qf[ks][hh] = pack2(a.x, a.y);
                    qf[ks][2 + hh] = pack2(b.x, b.y);
                }
            } else {
#pragma unroll
                for (int ks = 0; ks < D / 16; ks++) qf[ks][hh] = qf[ks][2 + hh] = 0u;
            }
        }
    } else {
        for (int c = tid & 127; c < 64 * CH; c += 128) {
            const int row = m0 + c / CH, ch = c % CH;
            const uint4 v = prefill_q_chunk<D>(qkv, cols, t0, row, nrows, h, ch);
            *reinterpret_cast<uint4*>(sQ + swz2<FP2_BM>(row, ch)) = v;
        }
        fence_proxy_async();
        named_sync(3 + cw, 128);  // this warpgroup's Q rows written and visible to its wgmma
    }

    float o[NO];
#pragma unroll
    for (int i = 0; i < NO; i++) o[i] = 0.f;
    float mrow[2] = {-INFINITY, -INFINITY};
    float lrow[2] = {0.f, 0.f};
    float s[NS];
    uint32_t p[BN / 16][4];
#pragma unroll
    for (int kk = 0; kk < BN / 16; kk++) p[kk][0] = p[kk][1] = p[kk][2] = p[kk][3] = 0u;
    // Last position among this warpgroup's real rows (rows past nrows are never stored: no keys beyond kvLen).
    const int wgFirst = pos0 + m0, wgLast = min(wgFirst + 63, kvLen - 1);
    const int qp = wgFirst + wq * 16 + (lane >> 2);
    const int jEnd = min(nkt, wgLast / BN + 1);  // tiles 0..jEnd-1 hold keys this warpgroup sees; jEnd >= 1
    const uint64_t dQ = smem_desc(aQ + m0 * 128, 16, 1024);
    const int myTurn = 1 + cw, otherTurn = 2 - cw;

    auto issueS = [&](int j) {
        const uint64_t dK = smem_desc(aK + (j % ST) * KV_TILE * 2, 16, 1024);
#pragma unroll
        for (int ks = 0; ks < D / 16; ks++) {
            const uint32_t qo = (ks >> 2) * FP2_BM * 128 + (ks & 3) * 32;
            const uint32_t ko = (ks >> 2) * BN * 128 + (ks & 3) * 32;
            if constexpr (QREG) {
                if constexpr (BN == 128) wgmma_rs_k_n128(s, qf[ks], dK + (ko >> 4), ks > 0);
                else wgmma_rs_k_n64(s, qf[ks], dK + (ko >> 4), ks > 0);
            } else {
                if constexpr (BN == 128) wgmma_ss_n128(s, dQ + (qo >> 4), dK + (ko >> 4), ks > 0);
                else wgmma_ss_n64(s, dQ + (qo >> 4), dK + (ko >> 4), ks > 0);
            }
        }
        wgmma_commit();
    };
    auto issuePV = [&](int j) {
        const uint64_t dV = smem_desc(aV + (j % ST) * KV_TILE * 2, BN * 128, 1024);
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {
            const uint64_t d = dV + ((kk * 2048) >> 4);
            if constexpr (D == 128) wgmma_rs_n128(o, p[kk], d);
            else wgmma_rs_n64(o, p[kk], d);
        }
        wgmma_commit();
    };
    auto keepP = [&]() {
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++)
            asm volatile("" ::"r"(p[kk][0]), "r"(p[kk][1]), "r"(p[kk][2]), "r"(p[kk][3]));
    };
    auto packP = [&]() {
#pragma unroll
        for (int kk = 0; kk < BN / 16; kk++) {
            p[kk][0] = pack2(s[kk * 8 + 0], s[kk * 8 + 1]);
            p[kk][1] = pack2(s[kk * 8 + 2], s[kk * 8 + 3]);
            p[kk][2] = pack2(s[kk * 8 + 4], s[kk * 8 + 5]);
            p[kk][3] = pack2(s[kk * 8 + 6], s[kk * 8 + 7]);
        }
    };

    if (PP && cw == 1) named_arrive(1, 256);  // consumer 0 takes the first turn
    // Event j issues S(j) (j < jEnd) and P(j-1) V(j-1) (1 <= j <= jEnd); events 0..nkt for both consumers.
    for (int j = 0; j <= nkt; j++) {
        const bool doS = j < jEnd, doPV = j >= 1 && j <= jEnd;
        if (j < nkt) mbar_wait(aFull + 8 * (j % ST), (j / ST) & 1);
        if constexpr (ASYNC) fence_proxy_async();  // the copies landed through the generic proxy
        // Consumer 1's last event hands no turn back: consumer 0 has no event left to take it (barrier 1 stays balanced).
        const bool passTurn = PP && !(cw == 1 && j == nkt);
        if (PP) named_sync(myTurn, 256);
        // Warpgroup-uniform cases, each retiring its own wgmma groups (nothing in flight across a branch join).
        if (doS && doPV) {
            wgmma_fence();
            issueS(j);
            issuePV(j - 1);
            if (passTurn) named_arrive(otherTurn, 256);
            wgmma_wait<1>();  // S(j) done; P(j-1) V(j-1) may still run
            fence_regs<NS>(s);
            float corr[2];
            if constexpr (DIAG & 1) corr[0] = corr[1] = 1.f;
            else fp2_softmax<BN>(s, j * BN, qp, lane, j * BN + BN - 1 > wgFirst, mrow, lrow, scaleLog2, corr);
            wgmma_wait<0>();
            fence_regs<NO>(o);
            keepP();
            fp2_rescale<NO>(o, corr);
            packP();
        } else if (doS) {  // j == 0
            wgmma_fence();
            issueS(j);
            if (passTurn) named_arrive(otherTurn, 256);
            wgmma_wait<0>();
            fence_regs<NS>(s);
            float corr[2];
            if constexpr (DIAG & 1) corr[0] = corr[1] = 1.f;
            else fp2_softmax<BN>(s, j * BN, qp, lane, j * BN + BN - 1 > wgFirst, mrow, lrow, scaleLog2, corr);
            packP();  // O is still zero: nothing to rescale
        } else if (doPV) {  // this warpgroup's last P
            wgmma_fence();
            issuePV(j - 1);
            if (passTurn) named_arrive(otherTurn, 256);
            wgmma_wait<0>();
            fence_regs<NO>(o);
            keepP();
        } else {
            if (passTurn) named_arrive(otherTurn, 256);
        }
        if (j >= 1) {  // this warp is done with tile j - 1 (its P V, or nothing)
            __syncwarp();
            if (lane == 0) mbar_arrive(aEmpty + 8 * ((j - 1) % ST));
        }
    }
    fp2_store<D>(o, lrow, out, t0, nrows, m0, wq, lane, h, qHeads);
#else
    if (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0)
        printf("flash_prefill2 (warp-specialised) d%d: built without sm_90a code\n", D);
    __trap();
#endif
}

// The engine's kernels: head_dim 64, the plain body at FP2_DEFAULT_BN(D) keys per tile, two blocks per SM (registers
// <= 128, 81 KiB of shared memory), so one block's softmax overlaps the other's tensor-core work; head_dim 128, the
// warp-specialised body as configured by FP2_WS_* (ASYNC and TBL on).
#define FLASH_PREFILL2_KERNEL(D, MINB)                                                                               \
    extern "C" __global__ void __launch_bounds__(FP2_THREADS, MINB) flash_prefill2_d##D(                                \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,     \
            const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockShift,               \
            float scaleLog2, int numTiles) {                                                                         \
        flash_prefill2_body<D, FP2_DEFAULT_BN(D)>(qkv, cols, kc, vc, positions, tiles, blockTables, btStride, out,   \
                                                  qHeads, kvHeads, blockShift, scaleLog2, numTiles);                 \
    }

#define FLASH_PREFILL2_WS_KERNEL(D, BN, ST, QREG, PREG)                                                              \
    extern "C" __global__ void __launch_bounds__(FP3_THREADS, 1) flash_prefill2_d##D(                                   \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,     \
            const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockShift,               \
            float scaleLog2, int numTiles) {                                                                         \
        flash_prefill2_ws_body<D, BN, ST, 1, QREG, 1, PREG, 1>(qkv, cols, kc, vc, positions, tiles, blockTables,     \
                                                               btStride, out, qHeads, kvHeads, blockShift,          \
                                                               scaleLog2, numTiles);                                \
    }

FLASH_PREFILL2_KERNEL(64, 2)
FLASH_PREFILL2_WS_KERNEL(128, FP2_WS_BN, FP2_WS_ST, FP2_WS_QREG, FP2_WS_PREG)
