//go:build wasm || rsafasthalves

package rsafast

// useHalves selects mulAddHalves. The rsafasthalves tag runs the wasm
// arithmetic natively, for the tests and the fuzzers.
const useHalves = true
