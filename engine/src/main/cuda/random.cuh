// Synthetic weights generated on the device: a counter-based hash of (seed, row, col) gives the same value for an
// element however the tensor is sliced or fused, with no host-side generation or upload.
#pragma once
#include "common.cuh"

__device__ __forceinline__ uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// out[r][c] for r < rows, c < cols = uniform(-1, 1) * scale * sqrt(3) (std = scale) of source element
// (rowBase + r, colBase + c) in a source of srcCols columns.
extern "C" __global__ void fill_uniform_bf16(bf16* __restrict__ out, long long rows, int cols, long long rowBase,
                                             int colBase, long long srcCols, unsigned long long seed, float scale) {
    const long long total = rows * cols;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long) gridDim.x * blockDim.x) {
        const long long r = i / cols, c = i - r * cols;
        const uint64_t idx = (uint64_t) (rowBase + r) * (uint64_t) srcCols + (uint64_t) (colBase + c);
        const uint64_t h = mix64(seed * 0x9e3779b97f4a7c15ull + mix64(idx + 0x632be59bd9b4e019ull));
        const float u = (float) (h >> 40) * (1.0f / 16777216.0f);  // [0, 1)
        out[i] = __float2bfloat16_rn((2.f * u - 1.f) * scale * 1.7320508f);
    }
}

extern "C" __global__ void fill_const_f32(float* __restrict__ out, long long n, float value) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        out[i] = value;
}
