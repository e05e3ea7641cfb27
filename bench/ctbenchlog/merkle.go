package main

// RFC 6962 §2.1 Merkle trees over the log's leaf hashes, kept as complete
// subtree hashes by height: lv[h][i] is MTH(D[i*2^h : (i+1)*2^h]) for every
// complete subtree, so any MTH, consistency proof or audit path of a tree of
// up to len(lv[0]) leaves is a few lookups and hashes.

import "crypto/sha256"

type tree struct {
	lv [][][32]byte
}

func newTree(leaves [][32]byte) *tree {
	t := &tree{lv: [][][32]byte{leaves}}
	for cur := leaves; len(cur) > 1; {
		next := make([][32]byte, len(cur)/2)
		for i := range next {
			next[i] = nodeHash(cur[2*i], cur[2*i+1])
		}
		t.lv = append(t.lv, next)
		cur = next
	}
	return t
}

func leafHash(leaf []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func nodeHash(l, r [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// largest power of two smaller than n (n > 1)
func split(n uint64) uint64 {
	k := uint64(1)
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// mth is MTH(D[a:b]); a is a multiple of the largest power of two not above
// b-a, as every subtree the RFC's recursions visit is.
func (t *tree) mth(a, b uint64) [32]byte {
	n := b - a
	if n == 0 {
		return sha256.Sum256(nil)
	}
	if n&(n-1) == 0 {
		h := 0
		for uint64(1)<<h < n {
			h++
		}
		return t.lv[h][a>>h]
	}
	k := split(n)
	return nodeHash(t.mth(a, a+k), t.mth(a+k, b))
}

// consistency is PROOF(m, D[0:n]) (RFC 6962 §2.1.2), 0 < m <= n.
func (t *tree) consistency(m, n uint64) [][32]byte {
	var sub func(m, a, n uint64, whole bool) [][32]byte
	sub = func(m, a, n uint64, whole bool) [][32]byte {
		if m == n {
			if whole {
				return nil
			}
			return [][32]byte{t.mth(a, a+n)}
		}
		k := split(n)
		if m <= k {
			return append(sub(m, a, k, whole), t.mth(a+k, a+n))
		}
		return append(sub(m-k, a+k, n-k, false), t.mth(a, a+k))
	}
	return sub(m, 0, n, true)
}

// path is PATH(m, D[0:n]) (RFC 6962 §2.1.1), m < n.
func (t *tree) path(m, n uint64) [][32]byte {
	var sub func(m, a, n uint64) [][32]byte
	sub = func(m, a, n uint64) [][32]byte {
		if n <= 1 {
			return nil
		}
		k := split(n)
		if m < k {
			return append(sub(m, a, k), t.mth(a+k, a+n))
		}
		return append(sub(m-k, a+k, n-k), t.mth(a, a+k))
	}
	return sub(m, 0, n)
}
