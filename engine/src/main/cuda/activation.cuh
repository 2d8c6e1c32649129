// SiLU-and-mul: out = silu(gate) * up over the fused [gate | up] rows.
#pragma once
#include "common.cuh"

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

extern "C" __global__ void silu_mul(const float* __restrict__ gu, bf16* __restrict__ out, int rows, int ff) {
    const size_t total = (size_t) rows * ff;
    for (size_t i = (size_t) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (size_t) gridDim.x * blockDim.x) {
        const size_t t = i / ff, c = i - t * ff;
        const float* row = gu + t * 2 * ff;
        out[i] = __float2bfloat16_rn(silu(row[c]) * row[ff + c]);
    }
}
