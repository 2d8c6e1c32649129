// The whole MLP of one decode token in one kernel: residual += down(silu(gate(x̂)) · up(x̂)), x̂ = rmsNorm(residual).
//
// At batch 1 a small model's MLP is two dependent GEMVs whose weights are a few MB each: the cost is the kernel
// boundary between them, not the bytes. Here each block owns a slice of the intermediate features: it loads its
// gate and up rows and the matching columns of the down matrix into shared memory before waiting on the previous
// kernel (cp.async, so every byte is in flight at once), then computes its features' silu(gate)·up and their share
// of the down product, and adds that share into the residual with atomics. Every block also reads the residual for
// the norm, so no block may add before all have read it: a grid barrier (one counter, arrival right after the read,
// the wait only before the first add) orders the two. All blocks must be resident at once: at most one block per SM
// (Java sizes the grid and checks the shared memory). The counter only grows (64 bits), so graphs replay it as is.
#pragma once
#include "common.cuh"
#include "activation.cuh"
#include "gemv.cuh"

#define FMLP_THREADS 256

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
    const unsigned s = (unsigned) __cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem) : "memory");
}

// Grid barrier on a counter that only grows: arrive returns the count at which every block has arrived.
__device__ __forceinline__ unsigned long long grid_arrive(unsigned long long* counter) {
    const unsigned long long old = atomicAdd(counter, 1ull);
    return (old / gridDim.x + 1) * gridDim.x;
}
__device__ __forceinline__ void grid_wait(const unsigned long long* counter, unsigned long long target) {
    unsigned long long v;
    do {
        asm volatile("ld.acquire.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(counter) : "memory");
    } while (v < target);
}

// Wgu: [2I][H] (gate rows then up rows), Wd: [H][I], resid: fp32 [H] updated in place; fpb features per block
// (a multiple of 8), H <= 2048. Dynamic shared memory: (3 fpb H + H) bf16 + 3 fpb floats.
extern "C" __global__ void __launch_bounds__(FMLP_THREADS, 1)
fused_mlp(const bf16* __restrict__ Wgu, const bf16* __restrict__ Wd, float* __restrict__ resid,
          const float* __restrict__ normW, float eps, int H, int I, int fpb, unsigned long long* barrier,
          const void* pf, long long pfBytes) {
    extern __shared__ uint4 fmlp_smem[];
    __shared__ float red[32];
    bf16* sGU = reinterpret_cast<bf16*>(fmlp_smem);          // [2 fpb][H]
    bf16* sD = sGU + (size_t) 2 * fpb * H;                   // [H][fpb]
    bf16* sx = sD + (size_t) H * fpb;                        // [H]
    float* sh = reinterpret_cast<float*>(sx + H);            // [3 fpb]: gate, up, then silu(gate)·up
    const int f0 = blockIdx.x * fpb;
    const int nf = min(fpb, I - f0);                         // a multiple of 8 (I is)
    const int cpr = H / 8;                                   // 16-byte chunks per weight row

    // Weights first: they depend on nothing earlier in the step.
    for (int c = threadIdx.x; c < 2 * nf * cpr; c += FMLP_THREADS) {
        const int r = c / cpr, k = (c % cpr) * 8;
        const int row = r < nf ? f0 + r : I + f0 + (r - nf);
        cp_async16(sGU + (size_t) r * H + k, Wgu + (size_t) row * H + k);
    }
    const int dc = nf / 8;
    for (int c = threadIdx.x; c < H * dc; c += FMLP_THREADS) {
        const int n = c / dc, j = (c % dc) * 8;
        cp_async16(sD + (size_t) n * fpb + j, Wd + (size_t) n * I + f0 + j);
    }
    asm volatile("cp.async.commit_group;" ::: "memory");
    l2_prefetch_hint(pf, pfBytes);
    constexpr int NW = 2;
    float4 gw4[NW];
    const bool normEarly = preload_norm_weights<NW>(normW, H, gw4);
    pdl_launch_early();
    pdl_wait();
    pdl_launch();

    // x̂ = rmsNorm(residual) in bf16, as the unfused gate/up GEMV computes it.
    float ss = 0.f;
    for (int i = threadIdx.x * 4; i < H; i += FMLP_THREADS * 4) {
        const float4 a = *reinterpret_cast<const float4*>(resid + i);
        ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
    }
    ss = block_sum(ss, red);
    const float inv = 1.0f / sqrtf(ss / H + eps);
    for (int r = 0, i = threadIdx.x * 4; i < H; r++, i += FMLP_THREADS * 4) {
        const float4 a = *reinterpret_cast<const float4*>(resid + i);
        const float4 g = normEarly && r < NW ? gw4[r] : *reinterpret_cast<const float4*>(normW + i);
        *reinterpret_cast<uint2*>(sx + i) =
                make_uint2(pack2(g.x * (a.x * inv), g.y * (a.y * inv)), pack2(g.z * (a.z * inv), g.w * (a.w * inv)));
    }
    __syncthreads();  // this block's reads of the residual are done
    __shared__ unsigned long long target;
    if (threadIdx.x == 0) target = grid_arrive(barrier);
    asm volatile("cp.async.wait_all;" ::: "memory");
    __syncthreads();

    // gate and up rows: one warp per row, lanes across H.
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int r = warp; r < 2 * nf; r += FMLP_THREADS / 32) {
        float acc = 0.f;
        for (int k = lane * 8; k < H; k += 256) {
            float w[8], x[8];
            unpack8(*reinterpret_cast<const uint4*>(sGU + (size_t) r * H + k), w);
            unpack8(*reinterpret_cast<const uint4*>(sx + k), x);
#pragma unroll
            for (int i = 0; i < 8; i++) acc = fmaf(w[i], x[i], acc);
        }
        acc = warp_sum(acc);
        if (lane == 0) sh[r < nf ? r : fpb + (r - nf)] = acc;  // gate at [0, nf), up at [fpb, fpb + nf)
    }
    __syncthreads();
    // The product is rounded to bf16, as the unfused path stores it for the down GEMV.
    float* sp = sh + 2 * fpb;
    for (int f = threadIdx.x; f < fpb; f += FMLP_THREADS)
        sp[f] = f < nf ? __bfloat162float(__float2bfloat16_rn(silu(sh[f]) * sh[fpb + f])) : 0.f;
    __syncthreads();

    // This block's share of the down product for every output row (at most 8 per thread: H <= 2048); added once
    // all blocks have read the residual.
    float out[8];
#pragma unroll
    for (int q = 0; q < 8; q++) {
        const int n = threadIdx.x + q * FMLP_THREADS;
        float acc = 0.f;
        if (n < H) {
            for (int j = 0; j < nf; j += 8) {
                float w[8];
                unpack8(*reinterpret_cast<const uint4*>(sD + (size_t) n * fpb + j), w);
#pragma unroll
                for (int i = 0; i < 8; i++) acc = fmaf(w[i], sp[j + i], acc);
            }
        }
        out[q] = acc;
    }
    if (threadIdx.x == 0) grid_wait(barrier, target);
    __syncthreads();
#pragma unroll
    for (int q = 0; q < 8; q++) {
        const int n = threadIdx.x + q * FMLP_THREADS;
        if (n < H) atomicAdd(resid + n, out[q]);
    }
}
