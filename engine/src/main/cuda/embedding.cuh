// Embedding gather: token ids -> rows of the bf16 table, widened into the fp32 residual stream.
#pragma once
#include "common.cuh"

extern "C" __global__ void embedding_gather(const bf16* __restrict__ table, const int* __restrict__ tokens,
                                            float* __restrict__ out, int vocab, int hidden) {
    pdl_enter();
    const int t = blockIdx.x;
    const int id = tokens[t];
    float* o = out + (size_t) t * hidden;
    if (id < 0 || id >= vocab) {  // padding rows of a graph batch, or a bad id: zeros, never a wild read
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) o[i] = 0.f;
        return;
    }
    const bf16* row = table + (size_t) id * hidden;
    if ((hidden & 7) == 0) {
        for (int i = threadIdx.x * 8; i < hidden; i += blockDim.x * 8) {
            float f[8];
            unpack8(*reinterpret_cast<const uint4*>(row + i), f);
            reinterpret_cast<float4*>(o + i)[0] = make_float4(f[0], f[1], f[2], f[3]);
            reinterpret_cast<float4*>(o + i)[1] = make_float4(f[4], f[5], f[6], f[7]);
        }
    } else {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) o[i] = __bfloat162float(row[i]);
    }
}
