package rsafast

import "math/bits"

// Multi-precision arithmetic on little-endian slices of 64-bit limbs, just
// enough for x^65537 mod n in the Montgomery domain.

// limb is one 64-bit digit; all products go through addMulVVW (arith.go).
type limb = uint64

const limbBits = 64

// setBytes sets z to the big-endian bytes b; len(b) <= len(z)*limbBits/8.
func setBytes(z []limb, b []byte) {
	clear(z)
	for i, j := len(b)-1, 0; i >= 0; i, j = i-1, j+1 {
		z[j/(limbBits/8)] |= limb(b[i]) << (8 * (j % (limbBits / 8)))
	}
}

// fillBytes writes x as big-endian into b, dropping limbs beyond len(b).
func fillBytes(b []byte, x []limb) {
	for i, j := len(b)-1, 0; i >= 0; i, j = i-1, j+1 {
		b[i] = byte(x[j/(limbBits/8)] >> (8 * (j % (limbBits / 8))))
	}
}

// less reports whether x < y; len(x) == len(y).
func less(x, y []limb) bool {
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}

// sub sets z = z - y and returns the borrow; len(z) == len(y).
func sub(z, y []limb) (b limb) {
	y = y[:len(z)]
	for i := range z {
		z[i], b = bits.Sub64(z[i], y[i], b)
	}
	return b
}

// double sets x = 2x mod n for x < n.
func (m *modulus) double(x []limb) {
	var c limb
	for i, xi := range x {
		x[i], c = xi<<1|c, xi>>(limbBits-1)
	}
	if c != 0 || !less(x, m.n) {
		sub(x, m.n) // 2x < 2n: once is enough; a carry out cancels the borrow
	}
}

// redc sets z = t * R⁻¹ mod n for t < n*R (Montgomery reduction). t has
// 2k limbs and is overwritten; z has k limbs.
func (m *modulus) redc(z, t []limb) {
	n, k := m.n, len(m.n)
	t = t[:2*k]
	var top limb // carry out of t[i+k], at most 1
	for i := range k {
		c := addMulVVW(t[i:i+k], n, t[i]*m.n0) // makes t[i] zero
		t[i+k], top = bits.Add64(t[i+k], c, top)
	}
	// Now t[k:] + top*R < 2n: one conditional subtraction.
	copy(z, t[k:])
	if top != 0 || !less(z, n) {
		sub(z, n)
	}
}

// mul sets z = x*y*R⁻¹ mod n using the 2k-limb scratch t.
func (m *modulus) mul(z, x, y, t []limb) {
	k := len(m.n)
	t = t[:2*k]
	clear(t)
	for i, yi := range y[:k] {
		t[i+k] = addMulVVW(t[i:i+k], x, yi)
	}
	m.redc(z, t)
}

// sqr sets z = x*x*R⁻¹ mod n using the 2k-limb scratch t. Each cross product
// x[i]*x[j] (i < j) is computed once and doubled, so a squaring costs about
// three quarters of a multiplication.
func (m *modulus) sqr(z, x, t []limb) {
	k := len(m.n)
	x, t = x[:k], t[:2*k]
	clear(t)
	for i := 0; i < k-1; i++ {
		t[i+k] = addMulVVW(t[2*i+1:i+k], x[i+1:], x[i])
	}
	// t = 2*t + the squares x[i]² on the diagonal.
	var shifted, c limb
	for i, xi := range x {
		hi, lo := bits.Mul64(xi, xi)
		a, b := t[2*i], t[2*i+1]
		a2 := a<<1 | shifted
		b2 := b<<1 | a>>(limbBits-1)
		shifted = b >> (limbBits - 1)
		t[2*i], c = bits.Add64(a2, lo, c)
		t[2*i+1], c = bits.Add64(b2, hi, c)
	}
	m.redc(z, t)
}

// exp65537 sets z = x^65537 mod n for x < n; z and x do not alias.
func (m *modulus) exp65537(z, x []limb) {
	k := len(m.n)
	buf := make([]limb, 3*k)
	acc, t := buf[:k], buf[k:]
	m.mul(acc, x, m.rr, t) // x*R, the Montgomery form of x
	for range 16 {
		m.sqr(acc, acc, t) // x^(2^i)*R
	}
	m.mul(z, acc, x, t) // x^(2^16)*R * x * R⁻¹ = x^65537
}
