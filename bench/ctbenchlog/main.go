// ctbenchlog: a CT log written for caguard's monitor benchmarks, independent
// of caguard and of caguard-testlog (its own DER reading, TLS encoding,
// Merkle tree, signatures and JSON; Go's standard library only).
//
//	ctbenchlog build -dir D -ca CAS.pem ENTRIES.pem...   make a log directory
//	ctbenchlog serve -dir D [-delay 50ms] [-align] ...   serve it
//
// Built by bench/monitor_vs_peers.sh with GO111MODULE=off go build (Debian's
// golang-go); not part of the CMake build. See build.go and serve.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ctbenchlog build|serve [options] (-h for each)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = cmdBuild(os.Args[2:])
	case "serve":
		err = cmdServe(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: ctbenchlog build|serve [options] (-h for each)")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctbenchlog:", err)
		os.Exit(1)
	}
}
