//go:build !((wasm && !rsafast64) || rsafast32)

package rsafast

import (
	"math/bits"
	"runtime"
)

// 64-bit limbs: bits.Mul64 is one instruction on 64-bit CPUs. Build with
// -tags rsafast32 to test the wasm variant natively.

type limb = uint64

const limbBits = 64

func mulWW(x, y limb) (hi, lo limb)       { return bits.Mul64(x, y) }
func addWW(x, y, c limb) (sum, out limb)  { return bits.Add64(x, y, c) }
func subWW(x, y, b limb) (diff, out limb) { return bits.Sub64(x, y, b) }

// addMulVVW sets z += x*y and returns the carry; len(x) >= len(z).
// Not inlined: inside the callers its loop would run out of registers.
//
//go:noinline
func addMulVVW(z, x []limb, y limb) (c limb) {
	if runtime.GOARCH == "wasmX" {
		return addMulHalves(z, x, y)
	}
	x = x[:len(z)]
	for i := range z {
		hi, lo := bits.Mul64(x[i], y)
		lo, cc := bits.Add64(lo, z[i], 0)
		hi += cc
		lo, cc = bits.Add64(lo, c, 0)
		z[i], c = lo, hi+cc
	}
	return c
}

// addMulHalves is addMulVVW built from 32x32->64 products, for wasm, which
// has 64-bit integers but no 64x64->128 multiply (bits.Mul64 there costs
// four multiplications plus carry emulation). Every partial sum fits in 64
// bits: (2^32-1)² + 2(2^32-1) = 2^64-1.
//
//go:noinline
func addMulHalves(z, x []uint64, y uint64) (c uint64) {
	const mask = 1<<32 - 1
	y0, y1 := y&mask, y>>32
	x = x[:len(z)]
	for i := range z {
		x0, x1 := x[i]&mask, x[i]>>32
		w00 := x0*y0 + z[i]&mask + c&mask
		w01 := x0*y1 + z[i]>>32 + w00>>32
		w10 := x1*y0 + c>>32 + w01&mask
		c = x1*y1 + w10>>32 + w01>>32
		z[i] = w10<<32 | w00&mask
	}
	return c
}
