// SiLU-and-mul: out = silu(gate) * up over the fused [gate | up] rows.
#pragma once
#include "common.cuh"

__device__ __forceinline__ float silu(float x) { return x / (1.0f + expf(-x)); }

// Grid (column blocks, rows): no division per element, float4 loads where the width allows.
extern "C" __global__ void silu_mul(const float* __restrict__ gu, bf16* __restrict__ out, int rows, int ff) {
    pdl_enter();
    const float* g = gu + (size_t) blockIdx.y * 2 * ff;
    bf16* o = out + (size_t) blockIdx.y * ff;
    if ((ff & 3) == 0) {
        for (int c = (blockIdx.x * blockDim.x + threadIdx.x) * 4; c < ff; c += gridDim.x * blockDim.x * 4) {
            const float4 a = *reinterpret_cast<const float4*>(g + c), u = *reinterpret_cast<const float4*>(g + ff + c);
            *reinterpret_cast<uint2*>(o + c) = make_uint2(pack2(silu(a.x) * u.x, silu(a.y) * u.y), pack2(silu(a.z) * u.z, silu(a.w) * u.w));
        }
    } else {
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < ff; c += gridDim.x * blockDim.x)
            o[c] = __float2bfloat16_rn(silu(g[c]) * g[ff + c]);
    }
}

// The same over a bf16 [gate | up] product (4 columns per thread where the width allows).
extern "C" __global__ void silu_mul_bf16(const bf16* __restrict__ gu, bf16* __restrict__ out, int rows, int ff) {
    pdl_enter();
    const bf16* g = gu + (size_t) blockIdx.y * 2 * ff;
    bf16* o = out + (size_t) blockIdx.y * ff;
    if ((ff & 3) == 0) {
        for (int c = (blockIdx.x * blockDim.x + threadIdx.x) * 4; c < ff; c += gridDim.x * blockDim.x * 4) {
            const uint2 a = *reinterpret_cast<const uint2*>(g + c), u = *reinterpret_cast<const uint2*>(g + ff + c);
            *reinterpret_cast<uint2*>(o + c) =
                    make_uint2(pack2(silu(bf_lo(a.x)) * bf_lo(u.x), silu(bf_hi(a.x)) * bf_hi(u.x)),
                               pack2(silu(bf_lo(a.y)) * bf_lo(u.y), silu(bf_hi(a.y)) * bf_hi(u.y)));
        }
    } else {
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < ff; c += gridDim.x * blockDim.x)
            o[c] = __float2bfloat16_rn(silu(__bfloat162float(g[c])) * __bfloat162float(g[ff + c]));
    }
}
