// Prefill attention, flash-attention style: causal, over keys read from the paged KV cache (so a cached prefix and
// chunked prefill need nothing special). Grid (query tiles, qHeads); a tile is up to 64 consecutive query rows of
// one sequence, 16 per warp. Q stays in registers as bf16 mma fragments; 64-key tiles of K and V are copied
// page by page into shared memory with cp.async, double-buffered so the next tile loads while this one computes.
// S = Q K^T and O += P V run on tensor cores (mma.sync m16n8k16, bf16 in, fp32 accumulate); the softmax is online,
// with P handed from the S accumulators to the A operand in registers. Shared tiles are XOR-swizzled in 16-byte
// chunks so that ldmatrix reads are free of bank conflicts.
#pragma once
#include "common.cuh"

#define FP_BM 64
#define FP_BN 64
#define FP_THREADS 128

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool pred) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(smem);
    const int n = pred ? 16 : 0;  // 0: fill the 16 bytes with zeros, read nothing
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldsm_x4(uint32_t* r, const void* p) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
}
__device__ __forceinline__ void ldsm_x4_trans(uint32_t* r, const void* p) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
}
__device__ __forceinline__ void mma_bf16_16816(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Element offset of 16-byte chunk `chunk` of row `row` in a [rows][D] bf16 tile.
template <int D>
__device__ __forceinline__ int swz(int row, int chunk) { return row * D + ((chunk ^ (row & 7)) << 3); }

template <int D>
__device__ __forceinline__ void flash_prefill_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ tiles, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, int qHeads, int kvHeads, int blockSize, float scaleLog2, int numTiles) {
    constexpr int CH = D / 8;  // 16-byte chunks per row
    // Two stages of K and V tiles. Q passes through stage 1's K tile on its way to registers, which keeps shared
    // memory at 4 tiles (64 KiB for D = 128), so three blocks fit on an SM instead of two.
    extern __shared__ uint4 smem_raw[];
    bf16* sK = reinterpret_cast<bf16*>(smem_raw);  // [stage][FP_BN][D]
    bf16* sV = sK + 2 * FP_BN * D;                 // [stage][FP_BN][D]
    bf16* sQ = sK + FP_BN * D;                     // = stage 1's K tile, free until the loop's first prefetch

    const int tile = numTiles - 1 - blockIdx.x;  // later (longer) tiles first: better tail balance
    const int h = blockIdx.y, kvh = h / (qHeads / kvHeads);
    const int t0 = tiles[tile * 3], nrows = tiles[tile * 3 + 1], seq = tiles[tile * 3 + 2];
    const int pos0 = positions[t0];
    const int kvLen = pos0 + nrows;
    const int* table = blockTables + (size_t) seq * btStride;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;

    // Q tile -> bf16, swizzled.
    for (int c = tid; c < FP_BM * CH; c += FP_THREADS) {
        const int row = c / CH, ch = c % CH;
        uint4 v = make_uint4(0, 0, 0, 0);
        if (row < nrows) {
            const float* src = qkv + (size_t) (t0 + row) * cols + (size_t) h * D + ch * 8;
            const float4 a = reinterpret_cast<const float4*>(src)[0], b = reinterpret_cast<const float4*>(src)[1];
            v = make_uint4(pack2(a.x, a.y), pack2(a.z, a.w), pack2(b.x, b.y), pack2(b.z, b.w));
        }
        *reinterpret_cast<uint4*>(sQ + swz<D>(row, ch)) = v;
    }

    auto loadKv = [&](int kt, int stage) {
        bf16* dk = sK + stage * FP_BN * D;
        bf16* dv = sV + stage * FP_BN * D;
        for (int c = tid; c < FP_BN * CH; c += FP_THREADS) {
            const int row = c / CH, ch = c % CH;
            const int j = kt * FP_BN + row;
            const bool ok = j < kvLen;
            size_t off = 0;
            if (ok) off = (((size_t) table[j / blockSize] * kvHeads + kvh) * blockSize + j % blockSize) * D + ch * 8;
            cp_async16(dk + swz<D>(row, ch), kc + off, ok);
            cp_async16(dv + swz<D>(row, ch), vc + off, ok);
        }
    };

    const int nkt = (kvLen + FP_BN - 1) / FP_BN;
    loadKv(0, 0);
    cp_async_commit();
    __syncthreads();  // sQ complete

    uint32_t qa[D / 16][4];
    const int m0 = warp * 16;
#pragma unroll
    for (int ks = 0; ks < D / 16; ks++) ldsm_x4(qa[ks], sQ + swz<D>(m0 + (lane & 15), ks * 2 + (lane >> 4)));
    __syncthreads();  // every warp has its Q fragments before stage 1 is overwritten

    float o[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; i++) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
    float mrow[2] = {-INFINITY, -INFINITY}, lrow[2] = {0.f, 0.f};
    const int qpos0 = pos0 + m0 + (lane >> 2), qpos1 = qpos0 + 8;

    for (int kt = 0; kt < nkt; kt++) {
        const int stage = kt & 1;
        if (kt + 1 < nkt) {
            loadKv(kt + 1, stage ^ 1);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
        const bf16* k = sK + stage * FP_BN * D;
        const bf16* v = sV + stage * FP_BN * D;

        float s[FP_BN / 8][4];
#pragma unroll
        for (int i = 0; i < FP_BN / 8; i++) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll
        for (int ks = 0; ks < D / 16; ks++) {
#pragma unroll
            for (int np = 0; np < FP_BN / 16; np++) {
                uint32_t b[4];
                ldsm_x4(b, k + swz<D>(np * 16 + (lane & 7) + ((lane >> 4) << 3), ks * 2 + ((lane >> 3) & 1)));
                mma_bf16_16816(s[np * 2], qa[ks], b[0], b[1]);
                mma_bf16_16816(s[np * 2 + 1], qa[ks], b[2], b[3]);
            }
        }
        // Scale, causal mask, online softmax (rows qpos0 and qpos1 of this thread; a quad shares a row).
        float mx0 = -INFINITY, mx1 = -INFINITY;
        if (kt * FP_BN + FP_BN - 1 <= pos0 + m0) {  // the whole tile is visible to this warp's rows: no mask
#pragma unroll
            for (int nt = 0; nt < FP_BN / 8; nt++) {
#pragma unroll
                for (int e = 0; e < 4; e++) s[nt][e] *= scaleLog2;
                mx0 = fmaxf(mx0, fmaxf(s[nt][0], s[nt][1]));
                mx1 = fmaxf(mx1, fmaxf(s[nt][2], s[nt][3]));
            }
        } else {
#pragma unroll
            for (int nt = 0; nt < FP_BN / 8; nt++) {
                const int key = kt * FP_BN + nt * 8 + (lane & 3) * 2;
                s[nt][0] = key <= qpos0 ? s[nt][0] * scaleLog2 : -INFINITY;
                s[nt][1] = key + 1 <= qpos0 ? s[nt][1] * scaleLog2 : -INFINITY;
                s[nt][2] = key <= qpos1 ? s[nt][2] * scaleLog2 : -INFINITY;
                s[nt][3] = key + 1 <= qpos1 ? s[nt][3] * scaleLog2 : -INFINITY;
                mx0 = fmaxf(mx0, fmaxf(s[nt][0], s[nt][1]));
                mx1 = fmaxf(mx1, fmaxf(s[nt][2], s[nt][3]));
            }
        }
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
        mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
        mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
        const float mn0 = fmaxf(mrow[0], mx0), mn1 = fmaxf(mrow[1], mx1);
        const float c0 = rescale(mrow[0], mn0), c1 = rescale(mrow[1], mn1);
        mrow[0] = mn0;
        mrow[1] = mn1;
        lrow[0] *= c0;
        lrow[1] *= c1;
#pragma unroll
        for (int i = 0; i < D / 8; i++) {
            o[i][0] *= c0; o[i][1] *= c0;
            o[i][2] *= c1; o[i][3] *= c1;
        }
#pragma unroll
        for (int nt = 0; nt < FP_BN / 8; nt++) {
            s[nt][0] = safe_exp2(s[nt][0] - mn0);
            s[nt][1] = safe_exp2(s[nt][1] - mn0);
            s[nt][2] = safe_exp2(s[nt][2] - mn1);
            s[nt][3] = safe_exp2(s[nt][3] - mn1);
            lrow[0] += s[nt][0] + s[nt][1];
            lrow[1] += s[nt][2] + s[nt][3];
        }
        // O += P V.
#pragma unroll
        for (int ks = 0; ks < FP_BN / 16; ks++) {
            uint32_t a[4];
            a[0] = pack2(s[2 * ks][0], s[2 * ks][1]);
            a[1] = pack2(s[2 * ks][2], s[2 * ks][3]);
            a[2] = pack2(s[2 * ks + 1][0], s[2 * ks + 1][1]);
            a[3] = pack2(s[2 * ks + 1][2], s[2 * ks + 1][3]);
#pragma unroll
            for (int dp = 0; dp < D / 16; dp++) {
                uint32_t b[4];
                ldsm_x4_trans(b, v + swz<D>(ks * 16 + (lane & 7) + ((lane >> 3) & 1) * 8, dp * 2 + (lane >> 4)));
                mma_bf16_16816(o[dp * 2], a, b[0], b[1]);
                mma_bf16_16816(o[dp * 2 + 1], a, b[2], b[3]);
            }
        }
        __syncthreads();  // this stage is reloaded two iterations on
    }

    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 1);
    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 2);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 1);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 2);
    const float inv0 = lrow[0] > 0.f ? 1.f / lrow[0] : 0.f, inv1 = lrow[1] > 0.f ? 1.f / lrow[1] : 0.f;
    const int r0 = m0 + (lane >> 2), r1 = r0 + 8;
    const size_t stride = (size_t) qHeads * D;
#pragma unroll
    for (int nt = 0; nt < D / 8; nt++) {
        const int d = h * D + nt * 8 + (lane & 3) * 2;
        if (r0 < nrows) *reinterpret_cast<uint32_t*>(out + (size_t) (t0 + r0) * stride + d) = pack2(o[nt][0] * inv0, o[nt][1] * inv0);
        if (r1 < nrows) *reinterpret_cast<uint32_t*>(out + (size_t) (t0 + r1) * stride + d) = pack2(o[nt][2] * inv1, o[nt][3] * inv1);
    }
}

#define FLASH_PREFILL_KERNEL(D)                                                                                      \
    extern "C" __global__ void __launch_bounds__(FP_THREADS, 3) flash_prefill_d##D(                                      \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,     \
            const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockSize,                \
            float scaleLog2, int numTiles) {                                                                         \
        flash_prefill_body<D>(qkv, cols, kc, vc, positions, tiles, blockTables, btStride, out, qHeads, kvHeads,      \
                              blockSize, scaleLog2, numTiles);                                                       \
    }

FLASH_PREFILL_KERNEL(64)
FLASH_PREFILL_KERNEL(128)
