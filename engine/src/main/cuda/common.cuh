// Shared helpers for Baton's kernels: bf16 packing, warp/block reductions, cache-hinted loads.
#pragma once
#include <cuda_bf16.h>
#include <stdint.h>

typedef __nv_bfloat16 bf16;

#define BATON_LOG2E 1.4426950408889634f

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the whole block; every thread gets the total. `red` holds 32 floats of shared memory.
__device__ __forceinline__ float block_sum(float v, float* red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();  // red may still be read by a previous call
    if (lane == 0) red[w] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : 0.f;
    return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) red[w] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : -INFINITY;
    return warp_max(v);
}

// Two bf16 packed in a 32-bit word (element 0 in the low half) widened to fp32: a shift, no conversion instruction.
__device__ __forceinline__ float bf_lo(uint32_t u) { return __uint_as_float(u << 16); }
__device__ __forceinline__ float bf_hi(uint32_t u) { return __uint_as_float(u & 0xffff0000u); }

__device__ __forceinline__ void unpack8(const uint4 u, float* f) {
    f[0] = bf_lo(u.x); f[1] = bf_hi(u.x); f[2] = bf_lo(u.y); f[3] = bf_hi(u.y);
    f[4] = bf_lo(u.z); f[5] = bf_hi(u.z); f[6] = bf_lo(u.w); f[7] = bf_hi(u.w);
}

// Four consecutive elements widened to fp32 (16-byte fp32 or 8-byte bf16 load).
template <typename X> __device__ __forceinline__ float4 load4(const X* p);
template <> __device__ __forceinline__ float4 load4<float>(const float* p) { return *reinterpret_cast<const float4*>(p); }
template <> __device__ __forceinline__ float4 load4<bf16>(const bf16* p) {
    const uint2 u = *reinterpret_cast<const uint2*>(p);
    return make_float4(bf_lo(u.x), bf_hi(u.x), bf_lo(u.y), bf_hi(u.y));
}

__device__ __forceinline__ uint32_t pack2(float a, float b) {
    __nv_bfloat162 h = __floats2bfloat162_rn(a, b);
    return *reinterpret_cast<uint32_t*>(&h);
}

// Weights are read once per step: stream them past L1 so activations that are re-read stay cached.
__device__ __forceinline__ uint4 ld_stream(const void* p) {
    uint4 r;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
    return r;
}

// Programmatic dependent launch (sm_90+): a kernel launched with the programmatic-serialization attribute may start
// while the previous kernel in the stream is still running. pdl_wait() blocks until that kernel has finished and its
// writes are visible; every kernel calls it before touching activations (reads and writes alike), and before any
// early exit, so completion stays transitive along the chain. pdl_launch() lets the next kernel start being
// scheduled. Both are no-ops for a normal launch and on older GPUs.
//
// Decode timeline (diagnostics: EngineBench --timeline): while baton_timeline points at a buffer, the first thread of
// block 0 of every kernel appends when it reached pdl_wait and when the wait returned ([0] counts the entries).
// Otherwise it costs one thread one load, issued before the wait.
__device__ unsigned long long* baton_timeline;
__device__ __forceinline__ unsigned long long global_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}
__device__ __forceinline__ void pdl_wait() {
    const bool first = threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0;
    unsigned long long* tl = first ? baton_timeline : nullptr;
    const unsigned long long t0 = tl != nullptr ? global_ns() : 0ull;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
    if (tl != nullptr) {
        const unsigned long long t1 = global_ns();
        const unsigned long long i = atomicAdd(tl, 1ull);
        if (i < 8192) {
            tl[1 + 2 * i] = t0;
            tl[2 + 2 * i] = t1;
        }
    }
}
__device__ __forceinline__ void pdl_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_enter() { pdl_wait(); pdl_launch(); }

// Tensor-core product c += a . b of a 16x16 bf16 tile (row-major a, 4 registers) and a 16x8 one (b0, b1), fp32
// accumulators (sm_80+; prefill attention and the small-batch GEMV).
__device__ __forceinline__ void mma_bf16_16816(float* c, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// exp2 that maps -inf to 0.
__device__ __forceinline__ float safe_exp2(float x) { return x == -INFINITY ? 0.f : exp2f(x); }

// Weight of a partial softmax state with running max m when merged under the common max mx: 0 for an empty state
// (m = -inf), also when every state is empty (mx = -inf, where m - mx would be NaN).
__device__ __forceinline__ float rescale(float m, float mx) { return m == -INFINITY ? 0.f : exp2f(m - mx); }
