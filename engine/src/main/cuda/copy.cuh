// Row gathers and dtype conversion.
#pragma once
#include "common.cuh"

// out[i] = x[rows[i]] for rows of `cols` 16-bit (bf16) elements.
extern "C" __global__ void gather_rows_u16(const unsigned short* __restrict__ x, int cols, const int* __restrict__ rows,
                                           unsigned short* __restrict__ out) {
    pdl_enter();
    const unsigned short* src = x + (size_t) rows[blockIdx.x] * cols;
    unsigned short* dst = out + (size_t) blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) dst[i] = src[i];
}

extern "C" __global__ void gather_rows_f32(const float* __restrict__ x, int cols, const int* __restrict__ rows,
                                           float* __restrict__ out) {
    pdl_enter();
    const float* src = x + (size_t) rows[blockIdx.x] * cols;
    float* dst = out + (size_t) blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) dst[i] = src[i];
}

extern "C" __global__ void f32_to_bf16(const float* __restrict__ x, bf16* __restrict__ out, long long n) {
    pdl_enter();
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        out[i] = __float2bfloat16_rn(x[i]);
}

// Whole KV blocks between the paged cache and the host offload tier (pinned host memory mapped into the device's
// address space, so the copies cross PCIe inside the kernel: one launch for any number of blocks). Grid (copies,
// 2 * layers): block c copies layer l's K (y = 2l) or V (y = 2l + 1) block of pool block blocks[c] to or from tier
// slot slots[c], whose image is every layer's K then V block in turn. layerBases[y] is that region's device address.
// It only waits on its predecessor and never lets the next kernel start early, since that one may read these blocks.
extern "C" __global__ void kv_block_copy(const unsigned long long* __restrict__ layerBases, uint4* __restrict__ host,
                                         const int* __restrict__ blocks, const int* __restrict__ slots,
                                         long long blockBytes, int toHost) {
    pdl_wait();
    const long long n = blockBytes / 16;
    uint4* dev = reinterpret_cast<uint4*>(layerBases[blockIdx.y]) + (size_t) blocks[blockIdx.x] * n;
    uint4* hst = host + ((size_t) slots[blockIdx.x] * gridDim.y + blockIdx.y) * n;
    const uint4* src = toHost ? dev : hst;
    uint4* dst = toHost ? hst : dev;
    // Four loads in flight per thread before any store: a read across PCIe takes microseconds.
    for (long long i = threadIdx.x; i < n; i += 4LL * blockDim.x) {
        uint4 v[4];
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const long long j = i + (long long) u * blockDim.x;
            if (j < n) v[u] = src[j];
        }
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const long long j = i + (long long) u * blockDim.x;
            if (j < n) dst[j] = v[u];
        }
    }
}
