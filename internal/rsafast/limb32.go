//go:build (wasm && !rsafast64) || rsafast32

package rsafast

import "math/bits"

// 32-bit limbs: wasm has 64-bit integers but no 64x64->128 multiply, so
// bits.Mul64 costs four multiplications; a 32x32->64 product plus two 32-bit
// additions always fits in a uint64. Build with -tags rsafast64 to measure
// the 64-bit variant in wasm.

type limb = uint32

const limbBits = 32

func mulWW(x, y limb) (hi, lo limb)       { return bits.Mul32(x, y) }
func addWW(x, y, c limb) (sum, out limb)  { return bits.Add32(x, y, c) }
func subWW(x, y, b limb) (diff, out limb) { return bits.Sub32(x, y, b) }

// addMulVVW sets z += x*y and returns the carry; len(x) >= len(z).
// Not inlined: inside the callers its loop would run out of registers.
//
//go:noinline
func addMulVVW(z, x []limb, y limb) (c limb) {
	x = x[:len(z)]
	var acc uint64
	for i := range z {
		acc += uint64(x[i])*uint64(y) + uint64(z[i]) // < 2^64: (2^32-1)² + 2(2^32-1)
		z[i] = uint32(acc)
		acc >>= 32
	}
	return uint32(acc)
}
