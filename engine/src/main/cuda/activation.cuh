// SiLU-and-mul: out = silu(gate) * up over the fused [gate | up] rows.
#pragma once
#include "common.cuh"

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

// Grid (column blocks, rows): no division per element, 4 columns per thread where the width allows. The [gate | up]
// product is fp32 or bf16 (as cuBLAS writes it for a bf16 model).
template <typename X>
__device__ __forceinline__ void silu_mul_body(const X* __restrict__ gu, bf16* __restrict__ out, int ff) {
    pdl_enter();
    const X* g = gu + (size_t) blockIdx.y * 2 * ff;
    bf16* o = out + (size_t) blockIdx.y * ff;
    if ((ff & 3) == 0) {
        for (int c = (blockIdx.x * blockDim.x + threadIdx.x) * 4; c < ff; c += gridDim.x * blockDim.x * 4) {
            const float4 a = load4<X>(g + c), u = load4<X>(g + ff + c);
            *reinterpret_cast<uint2*>(o + c) = make_uint2(pack2(silu(a.x) * u.x, silu(a.y) * u.y), pack2(silu(a.z) * u.z, silu(a.w) * u.w));
        }
    } else {
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < ff; c += gridDim.x * blockDim.x)
            o[c] = __float2bfloat16_rn(silu((float) g[c]) * (float) g[ff + c]);
    }
}

extern "C" __global__ void silu_mul(const float* __restrict__ gu, bf16* __restrict__ out, int rows, int ff) {
    silu_mul_body<float>(gu, out, ff);
}

extern "C" __global__ void silu_mul_bf16(const bf16* __restrict__ gu, bf16* __restrict__ out, int rows, int ff) {
    silu_mul_body<bf16>(gu, out, ff);
}
