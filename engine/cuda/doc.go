// Package cuda is the GPU backend of the filler model (docs/model.md, docs/gpu.md):
// the whole K-step fill — encoder, candidate projections, decoder steps and the
// reference sampler with its pair constraints — as one CUDA kernel per fill,
// recorded once per batch size as a CUDA graph and replayed, with the weights
// resident on the device and the batch moved through pinned host buffers.
//
// The backend needs the build tag `cuda` (cgo, the NVIDIA driver's libcuda at run
// time). Built with it, importing this package registers the "cuda" backend with
// engine/model. Without the tag the package holds only the pure-Go parts (weight
// layout, batch packing) and OpenAuto, which then always picks the CPU.
package cuda

//go:generate nvcc -ptx -arch=compute_52 -O3 -o fill.ptx kernels/fill.cu
//go:generate nvcc -ptx -arch=compute_80 -O3 -o fill80.ptx kernels/fill.cu
//go:generate sh -c "cd kernels && sha256sum fill.cu fill.h > ../fill.ptx.sum"
