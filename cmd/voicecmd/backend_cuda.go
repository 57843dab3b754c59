//go:build cuda

package main

// Built with -tags cuda, the CLI links the GPU backend: importing internal/cuda
// registers "cuda" with internal/model, so --backend cuda and auto can use it.
import _ "github.com/voicecmd/voicecmd/internal/cuda"
