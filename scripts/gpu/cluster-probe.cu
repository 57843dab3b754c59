// cluster-probe: what a phase boundary costs on this GPU, to size the
// thread-block-cluster fill (docs/gpu.md). Built and run on the GPU machine:
//   nvcc -O3 -arch=sm_90 -o /tmp/probe scripts/gpu/cluster-probe.cu && /tmp/probe
// Prints ns per iteration (CUDA events over 2000 iterations, median of 5
// launches) for: __syncthreads; a cluster barrier; a "broadcast phase" (every
// thread stores W floats into every block of its cluster, then a cluster
// barrier), for cluster sizes 1..16 and 256 / 1024 threads per block.
#include <cooperative_groups.h>
#include <cstdio>
#include <algorithm>
#include <vector>
namespace cg = cooperative_groups;

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); exit(1); } } while (0)

__global__ void syncBlock(int iters, float* sink) {
	__shared__ float s[1024];
	float a = threadIdx.x;
	for (int i = 0; i < iters; i++) {
		s[threadIdx.x] = a;
		__syncthreads();
		a += s[(threadIdx.x + 1) & (blockDim.x - 1)];
	}
	if (a == -1.f) sink[0] = a;
}

// mode 0: cluster barrier only; mode 1: W remote stores per thread to every rank, then barrier
__global__ void syncCluster(int iters, int mode, int W, float* sink) {
	extern __shared__ float s[];
	cg::cluster_group cl = cg::this_cluster();
	const int n = cl.num_blocks(), me = cl.block_rank();
	float a = threadIdx.x;
	for (int i = 0; i < iters; i++) {
		if (mode == 1) {
			for (int r = 0; r < n; r++) {
				float* rs = cl.map_shared_rank(s, r);
				for (int w = 0; w < W; w++) rs[(me * blockDim.x + threadIdx.x) * W % 8192 + w] = a + w;
			}
		}
		cl.sync();
		a += s[(threadIdx.x * 7) & 8191];
	}
	if (a == -1.f) sink[0] = a;
}

static float median(std::vector<float> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; }

int main() {
	float* sink;
	CK(cudaMalloc(&sink, 4));
	cudaEvent_t e0, e1;
	CK(cudaEventCreate(&e0));
	CK(cudaEventCreate(&e1));
	const int iters = 2000;
	CK(cudaFuncSetAttribute(syncCluster, cudaFuncAttributeNonPortableClusterSizeAllowed, 1));
	CK(cudaFuncSetAttribute(syncCluster, cudaFuncAttributeMaxDynamicSharedMemorySize, 8192 * 4));
	for (int th : {256, 1024}) {
		std::vector<float> t;
		for (int rep = 0; rep < 6; rep++) {
			CK(cudaEventRecord(e0));
			syncBlock<<<1, th>>>(iters, sink);
			CK(cudaEventRecord(e1));
			CK(cudaEventSynchronize(e1));
			CK(cudaGetLastError());
			float ms;
			CK(cudaEventElapsedTime(&ms, e0, e1));
			if (rep) t.push_back(ms * 1e6f / iters);
		}
		printf("syncthreads threads=%d: %.1f ns\n", th, median(t));
	}
	for (int th : {256, 1024})
		for (int cs : {1, 2, 4, 8, 16})
			for (int mode = 0; mode < 2; mode++)
				for (int W : {1, 4}) {
					if (mode == 0 && W > 1) continue;
					cudaLaunchConfig_t cfg = {};
					cfg.gridDim = dim3(cs);
					cfg.blockDim = dim3(th);
					cfg.dynamicSmemBytes = 8192 * 4;
					cudaLaunchAttribute at[1];
					at[0].id = cudaLaunchAttributeClusterDimension;
					at[0].val.clusterDim.x = cs;
					at[0].val.clusterDim.y = 1;
					at[0].val.clusterDim.z = 1;
					cfg.attrs = at;
					cfg.numAttrs = 1;
					std::vector<float> t;
					bool ok = true;
					for (int rep = 0; rep < 6 && ok; rep++) {
						CK(cudaEventRecord(e0));
						cudaError_t err = cudaLaunchKernelEx(&cfg, syncCluster, iters, mode, W, sink);
						CK(cudaEventRecord(e1));
						CK(cudaEventSynchronize(e1));
						if (err != cudaSuccess || cudaGetLastError() != cudaSuccess) {
							printf("cluster=%d threads=%d: launch failed: %s\n", cs, th, cudaGetErrorString(err));
							ok = false;
							break;
						}
						float ms;
						CK(cudaEventElapsedTime(&ms, e0, e1));
						if (rep) t.push_back(ms * 1e6f / iters);
					}
					if (ok)
						printf("cluster=%2d threads=%4d %-22s: %.1f ns\n", cs, th,
						       mode == 0 ? "barrier" : (W == 1 ? "1 store/rank+barrier" : "4 stores/rank+barrier"), median(t));
				}
	return 0;
}
