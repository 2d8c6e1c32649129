// Batched KV copy: one launch moves a whole write (many scattered KV blocks) from this GPU to memory that is local
// or peer-mapped (CUDA IPC + peer access), instead of one cuMemcpyPeerAsync per block at ~2 us of driver overhead
// each. The host packs the segments (see KvCopyDescriptors.java) and splits long ones, so blocks balance.
#include <stdint.h>

// Must match KvCopyDescriptors.SEGMENT_BYTES: three little-endian u64s.
struct KvSegment {
  unsigned long long src;
  unsigned long long dst;
  unsigned long long bytes;
};

// Four 16-byte loads in flight per thread before their stores: remote (NVLink) stores are posted, so what limits
// one thread is the latency of its local loads.
#define KV_UNROLL 4

extern "C" __global__ void __launch_bounds__(256) baton_kv_copy(const KvSegment* __restrict__ segs, int n) {
  for (int s = blockIdx.x; s < n; s += gridDim.x) {
    const KvSegment g = segs[s];
    const unsigned char* src = reinterpret_cast<const unsigned char*>(g.src);
    unsigned char* dst = reinterpret_cast<unsigned char*>(g.dst);
    unsigned long long len = g.bytes;
    unsigned long long done = 0;
    if (((g.src ^ g.dst) & 15) == 0) {
      // Same misalignment on both sides: bytes up to the 16-byte boundary, then whole 16-byte chunks.
      unsigned long long head = (16 - (g.src & 15)) & 15;
      if (head > len) head = len;
      if (threadIdx.x < head) dst[threadIdx.x] = src[threadIdx.x];
      done = head;
      const uint4* s4 = reinterpret_cast<const uint4*>(src + head);
      uint4* d4 = reinterpret_cast<uint4*>(dst + head);
      const unsigned long long n16 = (len - head) >> 4;
      const unsigned long long step = blockDim.x;
      unsigned long long i = threadIdx.x;
      for (; i + (KV_UNROLL - 1) * step < n16; i += KV_UNROLL * step) {
        uint4 v[KV_UNROLL];
#pragma unroll
        for (int u = 0; u < KV_UNROLL; u++) v[u] = s4[i + u * step];
#pragma unroll
        for (int u = 0; u < KV_UNROLL; u++) d4[i + u * step] = v[u];
      }
      for (; i < n16; i += step) d4[i] = s4[i];
      done = head + (n16 << 4);
    }
    // Scalar tail (or the whole segment when src and dst are misaligned differently).
    for (unsigned long long j = done + threadIdx.x; j < len; j += blockDim.x) dst[j] = src[j];
  }
}
