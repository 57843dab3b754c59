// Package cuda is the GPU backend of the filler model (docs/model.md, docs/gpu.md):
// the whole K-step fill — encoder, candidate projections, decoder steps and the
// reference sampler with its pair constraints — as one CUDA kernel per fill,
// recorded once per batch size as a CUDA graph and replayed, with the weights
// resident on the device and the batch moved through pinned host buffers.
//
// The backend needs the build tag `cuda` (cgo, the NVIDIA driver's libcuda at run
// time). Built with it, importing this package registers the "cuda" backend with
// internal/model. Without the tag the package holds only the pure-Go parts (weight
// layout, batch packing); model.OpenAuto then always picks the CPU.
package cuda

import "os"

//go:generate nvcc -ptx -arch=compute_52 -O3 -o fill.ptx kernels/fill.cu
//go:generate nvcc -ptx -arch=compute_80 -O3 -o fill80.ptx kernels/fill.cu
//go:generate sh -c "cd kernels && sha256sum fill.cu fill.h > ../fill.ptx.sum"

// KernelEnv names the environment variable that picks the kernel build of the
// GPU backend: "" / "auto" (the default: the tensor-core build on compute
// capability 8.0 and later, else the CUDA-core one), "cores" (compute_52 PTX)
// or "tensor" (compute_80 PTX, tensor-core products; Open fails on GPUs older
// than compute capability 8.0). See docs/gpu.md.
const KernelEnv = "VOICECMD_CUDA_KERNEL"

// KernelBuild names the build that KernelEnv asks for, for reports: "auto",
// "cores" or "tensor" (or the unrecognized value, which Open rejects).
// Backend.Kernel says which build a backend actually loaded.
func KernelBuild() string {
	if k := os.Getenv(KernelEnv); k != "" {
		return k
	}
	return "auto"
}
