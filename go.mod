module github.com/voicecmd/voicecmd

go 1.26.8
