package rsafast

import "math/bits"

// addMulVVW is the inner loop of all the arithmetic: z += x*y, returning the
// carry; len(x) >= len(z). Natively bits.Mul64 is one instruction. wasm has
// 64-bit integers but no 64x64->128 multiply, so there each limb product is
// built from four 32x32->64 products (measured: 64-bit limbs this way beat
// bits.Mul64 and 32-bit limbs inside wasm, see README.md).
func addMulVVW(z, x []limb, y limb) limb {
	if useHalves {
		return addMulVVWHalves(z, x, y)
	}
	return addMulVVWFull(z, x, y)
}

// The loops are not inlined: inside their callers they would run out of
// registers (measured natively).

//go:noinline
func addMulVVWFull(z, x []limb, y limb) (c limb) {
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

// addMulVVWHalves splits x[i], y, z[i] and c into 32-bit halves. Each
// partial sum is at most (2^32-1)² + 2(2^32-1) = 2^64-1, so none overflows.
//
//go:noinline
func addMulVVWHalves(z, x []limb, y limb) (c limb) {
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
