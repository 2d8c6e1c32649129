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
