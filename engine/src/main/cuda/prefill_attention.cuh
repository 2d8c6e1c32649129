// Prefill attention, flash-attention style: causal, over keys read from the paged KV cache (so a cached prefix and
// chunked prefill need nothing special). Grid (query tiles, qHeads); a tile is up to 128 consecutive query rows of
// one sequence, 32 per warp (two m16 row blocks, so every K and V fragment read from shared memory feeds four
// tensor-core ops: shared-memory bandwidth, not the tensor cores, bounded the 16-rows-per-warp version). Q sits in
// shared memory as bf16; 64-key tiles of K and V are copied page by page into shared memory with cp.async,
// double-buffered so the next tile loads while this one computes. S = Q K^T and O += P V run on tensor cores
// (mma.sync m16n8k16, bf16 in, fp32 accumulate); the softmax is online, with P handed from the S accumulators to
// the A operand in registers, and the scale folded into one FMA before exp2. Causal: a block stops at its last
// row's key tile, a warp skips key tiles that lie wholly after its rows, and only tiles crossing the diagonal are
// masked. Shared tiles are XOR-swizzled in 16-byte chunks so that ldmatrix reads are free of bank conflicts.
#pragma once
#include "common.cuh"

#define FP_BM 128
#define FP_BN 64
#define FP_THREADS 128
#define FP_WARP_ROWS 32

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

__device__ __forceinline__ float ex2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// Element offset of 16-byte chunk `chunk` of row `row` in a [rows][D] bf16 tile.
template <int D>
__device__ __forceinline__ int swz(int row, int chunk) { return row * D + ((chunk ^ (row & 7)) << 3); }

// Element offset, in the paged K or V cache, of 16-byte chunk `ch` of key j of KV head kvh (pages of
// blockMask + 1 = 1 << blockShift keys).
template <int D>
__device__ __forceinline__ size_t paged_kv_chunk(const int* table, int j, int blockShift, int blockMask, int kvHeads,
                                                 int kvh, int ch) {
    return (((size_t) table[j >> blockShift] * kvHeads + kvh) * (blockMask + 1) + (j & blockMask)) * D + ch * 8;
}

// 16-byte chunk `ch` of head h of query row `row` of a tile starting at token t0, fp32 qkv -> bf16; zeros for rows
// past the tile's nrows.
template <int D>
__device__ __forceinline__ uint4 prefill_q_chunk(const float* qkv, int cols, int t0, int row, int nrows, int h, int ch) {
    if (row >= nrows) return make_uint4(0, 0, 0, 0);
    const float* src = qkv + (size_t) (t0 + row) * cols + (size_t) h * D + ch * 8;
    const float4 a = reinterpret_cast<const float4*>(src)[0], b = reinterpret_cast<const float4*>(src)[1];
    return make_uint4(pack2(a.x, a.y), pack2(a.z, a.w), pack2(b.x, b.y), pack2(b.z, b.w));
}

template <int D>
__device__ __forceinline__ void flash_prefill_body(
        const float* __restrict__ qkv, int cols, const bf16* __restrict__ kc, const bf16* __restrict__ vc,
        const int* __restrict__ positions, const int* __restrict__ tiles, const int* __restrict__ blockTables,
        int btStride, bf16* __restrict__ out, int qHeads, int kvHeads, int blockShift, float scaleLog2, int numTiles) {
    constexpr int CH = D / 8;                  // 16-byte chunks per row
    constexpr int DT = D / 8;                  // n8 tiles of the output
    constexpr int NT = FP_BN / 8;              // n8 tiles of S
    constexpr int KV_ROWS_PER_PASS = FP_THREADS / CH;
    extern __shared__ uint4 smem_raw[];
    bf16* sQ = reinterpret_cast<bf16*>(smem_raw);  // [FP_BM][D]
    bf16* sK = sQ + FP_BM * D;                     // [stage][FP_BN][D]
    bf16* sV = sK + 2 * FP_BN * D;                 // [stage][FP_BN][D]
    pdl_enter();

    const int tile = numTiles - 1 - blockIdx.x;  // later (longer) tiles first: better tail balance
    const int h = blockIdx.y, kvh = h / (qHeads / kvHeads);
    const int t0 = tiles[tile * 3], nrows = tiles[tile * 3 + 1], seq = tiles[tile * 3 + 2];
    const int pos0 = positions[t0];
    const int kvLen = pos0 + nrows;
    const int* table = blockTables + (size_t) seq * btStride;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int blockMask = (1 << blockShift) - 1;

    // K/V: each thread copies one 16-byte chunk column of every KV_ROWS_PER_PASS-th row.
    const int myCh = tid % CH, myRow = tid / CH;
    auto loadKv = [&](int kt, int stage) {
        bf16* dk = sK + stage * FP_BN * D;
        bf16* dv = sV + stage * FP_BN * D;
#pragma unroll
        for (int row = myRow; row < FP_BN; row += KV_ROWS_PER_PASS) {
            const int j = kt * FP_BN + row;
            const bool ok = j < kvLen;
            size_t off = 0;
            if (ok) off = paged_kv_chunk<D>(table, j, blockShift, blockMask, kvHeads, kvh, myCh);
            cp_async16(dk + swz<D>(row, myCh), kc + off, ok);
            cp_async16(dv + swz<D>(row, myCh), vc + off, ok);
        }
    };

    const int nkt = (kvLen + FP_BN - 1) / FP_BN;
    loadKv(0, 0);
    cp_async_commit();

    // Q tile -> bf16, swizzled (rows past the tile are zeros).
    for (int c = tid; c < FP_BM * CH; c += FP_THREADS) {
        const int row = c / CH, ch = c % CH;
        const uint4 v = prefill_q_chunk<D>(qkv, cols, t0, row, nrows, h, ch);
        *reinterpret_cast<uint4*>(sQ + swz<D>(row, ch)) = v;
    }

    float o[2][DT][4];
#pragma unroll
    for (int mi = 0; mi < 2; mi++)
#pragma unroll
        for (int i = 0; i < DT; i++) o[mi][i][0] = o[mi][i][1] = o[mi][i][2] = o[mi][i][3] = 0.f;
    float mrow[2][2] = {{-INFINITY, -INFINITY}, {-INFINITY, -INFINITY}}, lrow[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
    const int m0 = warp * FP_WARP_ROWS;
    const int warpFirst = pos0 + m0, warpLast = warpFirst + FP_WARP_ROWS - 1;
    const int qp = pos0 + m0 + (lane >> 2);  // query position of this thread's first row; +8, +16, +24 for the others

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
        const int key0 = kt * FP_BN;
        if (key0 <= warpLast) {  // else every key of this tile lies after every row of this warp
            const bf16* k = sK + stage * FP_BN * D;
            const bf16* v = sV + stage * FP_BN * D;
            float s[2][NT][4];
#pragma unroll
            for (int mi = 0; mi < 2; mi++)
#pragma unroll
                for (int i = 0; i < NT; i++) s[mi][i][0] = s[mi][i][1] = s[mi][i][2] = s[mi][i][3] = 0.f;
#pragma unroll
            for (int ks = 0; ks < D / 16; ks++) {
                uint32_t qa[2][4];
#pragma unroll
                for (int mi = 0; mi < 2; mi++)
                    ldsm_x4(qa[mi], sQ + swz<D>(m0 + mi * 16 + (lane & 15), ks * 2 + (lane >> 4)));
#pragma unroll
                for (int np = 0; np < NT / 2; np++) {
                    uint32_t b[4];
                    ldsm_x4(b, k + swz<D>(np * 16 + (lane & 7) + ((lane >> 4) << 3), ks * 2 + ((lane >> 3) & 1)));
#pragma unroll
                    for (int mi = 0; mi < 2; mi++) {
                        mma_bf16_16816(s[mi][np * 2], qa[mi], b[0], b[1]);
                        mma_bf16_16816(s[mi][np * 2 + 1], qa[mi], b[2], b[3]);
                    }
                }
            }
            if (key0 + FP_BN - 1 > warpFirst) {  // the tile crosses this warp's diagonal: mask keys after each row
#pragma unroll
                for (int mi = 0; mi < 2; mi++)
#pragma unroll
                    for (int nt = 0; nt < NT; nt++) {
                        const int key = key0 + nt * 8 + (lane & 3) * 2;
                        const int r0 = qp + mi * 16, r1 = r0 + 8;
                        if (key > r0) s[mi][nt][0] = -INFINITY;
                        if (key + 1 > r0) s[mi][nt][1] = -INFINITY;
                        if (key > r1) s[mi][nt][2] = -INFINITY;
                        if (key + 1 > r1) s[mi][nt][3] = -INFINITY;
                    }
            }
            // Online softmax on raw scores (the scale is positive, so the max commutes with it). Tile 0 holds key 0,
            // visible to every row, so a row's running max is finite from then on and exp2 never sees inf - inf.
#pragma unroll
            for (int mi = 0; mi < 2; mi++) {
#pragma unroll
                for (int hh = 0; hh < 2; hh++) {
                    float mx = -INFINITY;
#pragma unroll
                    for (int nt = 0; nt < NT; nt++) mx = fmaxf(mx, fmaxf(s[mi][nt][2 * hh], s[mi][nt][2 * hh + 1]));
                    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
                    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
                    const float mn = fmaxf(mrow[mi][hh], mx);
                    const float c = ex2((mrow[mi][hh] - mn) * scaleLog2);  // 0 on the first tile (-inf)
                    mrow[mi][hh] = mn;
                    const float ms = mn * scaleLog2;
                    float l = 0.f;
#pragma unroll
                    for (int nt = 0; nt < NT; nt++) {
                        s[mi][nt][2 * hh] = ex2(fmaf(s[mi][nt][2 * hh], scaleLog2, -ms));
                        s[mi][nt][2 * hh + 1] = ex2(fmaf(s[mi][nt][2 * hh + 1], scaleLog2, -ms));
                        l += s[mi][nt][2 * hh] + s[mi][nt][2 * hh + 1];
                    }
                    lrow[mi][hh] = lrow[mi][hh] * c + l;
#pragma unroll
                    for (int i = 0; i < DT; i++) {
                        o[mi][i][2 * hh] *= c;
                        o[mi][i][2 * hh + 1] *= c;
                    }
                }
            }
            // O += P V.
#pragma unroll
            for (int ks = 0; ks < FP_BN / 16; ks++) {
                uint32_t a[2][4];
#pragma unroll
                for (int mi = 0; mi < 2; mi++) {
                    a[mi][0] = pack2(s[mi][2 * ks][0], s[mi][2 * ks][1]);
                    a[mi][1] = pack2(s[mi][2 * ks][2], s[mi][2 * ks][3]);
                    a[mi][2] = pack2(s[mi][2 * ks + 1][0], s[mi][2 * ks + 1][1]);
                    a[mi][3] = pack2(s[mi][2 * ks + 1][2], s[mi][2 * ks + 1][3]);
                }
#pragma unroll
                for (int dp = 0; dp < D / 16; dp++) {
                    uint32_t b[4];
                    ldsm_x4_trans(b, v + swz<D>(ks * 16 + (lane & 7) + ((lane >> 3) & 1) * 8, dp * 2 + (lane >> 4)));
#pragma unroll
                    for (int mi = 0; mi < 2; mi++) {
                        mma_bf16_16816(o[mi][dp * 2], a[mi], b[0], b[1]);
                        mma_bf16_16816(o[mi][dp * 2 + 1], a[mi], b[2], b[3]);
                    }
                }
            }
        }
        __syncthreads();  // this stage is reloaded two iterations on
    }

    const size_t stride = (size_t) qHeads * D;
#pragma unroll
    for (int mi = 0; mi < 2; mi++) {
#pragma unroll
        for (int hh = 0; hh < 2; hh++) {
            float l = lrow[mi][hh];
            l += __shfl_xor_sync(0xffffffffu, l, 1);
            l += __shfl_xor_sync(0xffffffffu, l, 2);
            const float inv = l > 0.f ? 1.f / l : 0.f;
            const int r = m0 + mi * 16 + hh * 8 + (lane >> 2);
            if (r >= nrows) continue;
            bf16* dst = out + (size_t) (t0 + r) * stride + h * D + (lane & 3) * 2;
#pragma unroll
            for (int nt = 0; nt < DT; nt++)
                *reinterpret_cast<uint32_t*>(dst + nt * 8) = pack2(o[mi][nt][2 * hh] * inv, o[mi][nt][2 * hh + 1] * inv);
        }
    }
}

#define FLASH_PREFILL_KERNEL(D)                                                                                      \
    extern "C" __global__ void __launch_bounds__(FP_THREADS, 2) flash_prefill_d##D(                                      \
            const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,     \
            const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockShift,               \
            float scaleLog2, int numTiles) {                                                                         \
        flash_prefill_body<D>(qkv, cols, kc, vc, positions, tiles, blockTables, btStride, out, qHeads, kvHeads,      \
                              blockShift, scaleLog2, numTiles);                                                      \
    }

FLASH_PREFILL_KERNEL(64)
FLASH_PREFILL_KERNEL(128)
