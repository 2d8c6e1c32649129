// RMSNorm over rows of the fp32 residual stream, alone or fused with the residual add; output is bf16 because
// its only consumer is a matrix product. Math follows HF: w * (x * rsqrt(mean(x^2) + eps)).
#pragma once
#include "common.cuh"

extern "C" __global__ void rms_norm(const float* __restrict__ x, const float* __restrict__ w, bf16* __restrict__ out,
                                    int n, float eps) {
    pdl_enter();
    __shared__ float red[32];
    const float* xr = x + (size_t) blockIdx.x * n;
    bf16* orow = out + (size_t) blockIdx.x * n;
    float ss = 0.f;
    if ((n & 3) == 0) {  // float4 loads, as add_rms_norm
        for (int i = threadIdx.x * 4; i < n; i += blockDim.x * 4) {
            const float4 a = *reinterpret_cast<const float4*>(xr + i);
            ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w;
        }
        ss = block_sum(ss, red);
        const float inv = 1.0f / sqrtf(ss / n + eps);
        for (int i = threadIdx.x * 4; i < n; i += blockDim.x * 4) {
            const float4 a = *reinterpret_cast<const float4*>(xr + i), g = *reinterpret_cast<const float4*>(w + i);
            *reinterpret_cast<uint2*>(orow + i) =
                    make_uint2(pack2(g.x * (a.x * inv), g.y * (a.y * inv)), pack2(g.z * (a.z * inv), g.w * (a.w * inv)));
        }
        return;
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, red);
    const float inv = 1.0f / sqrtf(ss / n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) orow[i] = __float2bfloat16_rn(w[i] * (xr[i] * inv));
}

// residual += x; out = rmsNorm(residual). Each thread re-reads only what it wrote itself. x is fp32 or bf16 (a
// projection written in bf16 by cuBLAS, as a bf16 model has it; half the bytes of fp32 to write and read back).
template <typename X>
__device__ __forceinline__ void add_rms_norm_body(const X* __restrict__ x, float* __restrict__ residual,
                                                  const float* __restrict__ w, bf16* __restrict__ out, int n, float eps) {
    pdl_enter();
    __shared__ float red[32];
    const X* xr = x + (size_t) blockIdx.x * n;
    float* rr = residual + (size_t) blockIdx.x * n;
    bf16* orow = out + (size_t) blockIdx.x * n;
    float ss = 0.f;
    if ((n & 3) == 0) {
        for (int i = threadIdx.x * 4; i < n; i += blockDim.x * 4) {
            float4 a = load4<X>(xr + i), r = *reinterpret_cast<float4*>(rr + i);
            r.x += a.x; r.y += a.y; r.z += a.z; r.w += a.w;
            *reinterpret_cast<float4*>(rr + i) = r;
            ss += r.x * r.x + r.y * r.y + r.z * r.z + r.w * r.w;
        }
        ss = block_sum(ss, red);
        const float inv = 1.0f / sqrtf(ss / n + eps);
        for (int i = threadIdx.x * 4; i < n; i += blockDim.x * 4) {
            float4 r = *reinterpret_cast<float4*>(rr + i), g = *reinterpret_cast<const float4*>(w + i);
            uint2 packed = make_uint2(pack2(g.x * (r.x * inv), g.y * (r.y * inv)), pack2(g.z * (r.z * inv), g.w * (r.w * inv)));
            *reinterpret_cast<uint2*>(orow + i) = packed;
        }
    } else {
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            float r = rr[i] + (float) xr[i];
            rr[i] = r;
            ss += r * r;
        }
        ss = block_sum(ss, red);
        const float inv = 1.0f / sqrtf(ss / n + eps);
        for (int i = threadIdx.x; i < n; i += blockDim.x) orow[i] = __float2bfloat16_rn(w[i] * (rr[i] * inv));
    }
}

extern "C" __global__ void add_rms_norm(const float* __restrict__ x, float* __restrict__ residual,
                                        const float* __restrict__ w, bf16* __restrict__ out, int n, float eps) {
    add_rms_norm_body<float>(x, residual, w, out, n, eps);
}

extern "C" __global__ void add_rms_norm_bf16x(const bf16* __restrict__ x, float* __restrict__ residual,
                                             const float* __restrict__ w, bf16* __restrict__ out, int n, float eps) {
    add_rms_norm_body<bf16>(x, residual, w, out, n, eps);
}
