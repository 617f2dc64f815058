//go:build !(wasm || rsafasthalves)

package rsafast

const useHalves = false
