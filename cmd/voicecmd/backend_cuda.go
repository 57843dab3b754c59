//go:build cuda

package main

// Built with -tags cuda, the CLI links the GPU backend: importing engine/cuda
// registers "cuda" with engine/model, so --backend cuda and auto can use it.
import _ "github.com/voicecmd/voicecmd/engine/cuda"
