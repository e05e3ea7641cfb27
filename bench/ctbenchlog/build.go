package main

// ctbenchlog build: a log directory from certificates and precertificates.
//
// The directory holds everything serve needs, precomputed so that serving
// costs the server next to nothing (the benchmark measures the clients):
//
//	entries.json   each entry as the JSON object get-entries returns,
//	               {"leaf_input":"…","extra_data":"…"}, followed by a comma
//	entries.idx    N+1 little-endian uint64 offsets into entries.json
//	leaves.hash    the N leaf hashes, 32 bytes each
//	sth.json       the signed tree head (get-sth's answer)
//	checkpoint     the same tree head as a static-ct-api checkpoint
//	tile/…         static-ct-api data tiles (gzip) and hash tiles
//	issuer/<hex>   the chains' certificates by SHA-256
//	log.key        the log's P-256 key (PKCS #8 PEM), log.pub its SPKI
//	meta.json      size, origin, timestamp
//
// Every TimestampedEntry carries the static-ct-api leaf_index extension, so
// the one tree is served through both APIs (as a static-ct-api log with an
// RFC 6962 front would).

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

var oidPoison = []byte{0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x03}

// ---- a minimal DER reader (the benchmark's own, not caguard's) ----

// derElem splits the first element of b: its full encoding, its contents
// and the rest of b.
func derElem(b []byte) (tag byte, full, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, nil, errors.New("truncated DER")
	}
	tag = b[0]
	l := int(b[1])
	hdr := 2
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < 2+n {
			return 0, nil, nil, nil, errors.New("bad DER length")
		}
		l = 0
		for i := 0; i < n; i++ {
			l = l<<8 | int(b[2+i])
		}
		hdr += n
	}
	if len(b)-hdr < l {
		return 0, nil, nil, nil, errors.New("DER length beyond the input")
	}
	return tag, b[:hdr+l], b[hdr : hdr+l], b[hdr+l:], nil
}

func derWrap(tag byte, content []byte) []byte {
	n := len(content)
	var hdr []byte
	switch {
	case n < 0x80:
		hdr = []byte{tag, byte(n)}
	case n < 0x100:
		hdr = []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		hdr = []byte{tag, 0x82, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(hdr, content...)
}

// certView: the parts of a certificate the log needs.
type certView struct {
	der         []byte
	tbs         []byte // full TBSCertificate element
	issuer      []byte // full Name element
	subject     []byte
	spki        []byte
	precert     bool
	tbsNoPoison []byte
}

func parseCert(der []byte) (*certView, error) {
	_, _, cert, _, err := derElem(der)
	if err != nil {
		return nil, err
	}
	_, tbs, tbsc, _, err := derElem(cert)
	if err != nil {
		return nil, err
	}
	v := &certView{der: der, tbs: tbs}
	// version? serial, signature, issuer, validity, subject, spki, [1], [2], [3]
	var elems [][]byte
	for rest := tbsc; len(rest) > 0; {
		var full []byte
		_, full, _, rest, err = derElem(rest)
		if err != nil {
			return nil, err
		}
		elems = append(elems, full)
	}
	i := 0
	if len(elems) > 0 && elems[0][0] == 0xa0 {
		i = 1
	}
	if len(elems) < i+6 {
		return nil, errors.New("short TBSCertificate")
	}
	v.issuer, v.subject, v.spki = elems[i+2], elems[i+4], elems[i+5]
	last := elems[len(elems)-1]
	if last[0] != 0xa3 {
		return v, nil
	}
	_, _, extsWrap, _, err := derElem(last)
	if err != nil {
		return nil, err
	}
	_, _, exts, _, err := derElem(extsWrap)
	if err != nil {
		return nil, err
	}
	var kept []byte
	for rest := exts; len(rest) > 0; {
		var full, ext []byte
		_, full, ext, rest, err = derElem(rest)
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(ext, oidPoison) {
			v.precert = true
			continue
		}
		kept = append(kept, full...)
	}
	if !v.precert {
		return v, nil
	}
	// RFC 6962 §3.2: the TBS with the poison extension removed
	var body []byte
	for _, e := range elems[:len(elems)-1] {
		body = append(body, e...)
	}
	if len(kept) > 0 {
		body = append(body, derWrap(0xa3, derWrap(0x30, kept))...)
	}
	v.tbsNoPoison = derWrap(0x30, body)
	return v, nil
}

func readPEMCerts(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no CERTIFICATE block", path)
	}
	return out, nil
}

// ---- TLS encoding ----

func u16(b []byte, v int) []byte    { return append(b, byte(v>>8), byte(v)) }
func u24(b []byte, v int) []byte    { return append(b, byte(v>>16), byte(v>>8), byte(v)) }
func u64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// timestampedEntry: RFC 6962 §3.4 with the static-ct-api leaf_index extension.
func timestampedEntry(ts uint64, v *certView, ikh []byte, index uint64) []byte {
	b := u64(nil, ts)
	if v.precert {
		b = u16(b, 1)
		b = append(b, ikh...)
		b = u24(b, len(v.tbsNoPoison))
		b = append(b, v.tbsNoPoison...)
	} else {
		b = u16(b, 0)
		b = u24(b, len(v.der))
		b = append(b, v.der...)
	}
	b = u16(b, 8)
	b = append(b, 0) // leaf_index
	b = u16(b, 5)
	return append(b, byte(index>>32), byte(index>>24), byte(index>>16), byte(index>>8), byte(index))
}

func signTreeHead(key *ecdsa.PrivateKey, ts, size uint64, root [32]byte) ([]byte, error) {
	in := []byte{0, 1} // v1, tree_hash
	in = u64(in, ts)
	in = u64(in, size)
	in = append(in, root[:]...)
	d := sha256.Sum256(in)
	sig, err := ecdsa.SignASN1(rand.Reader, key, d[:])
	if err != nil {
		return nil, err
	}
	out := []byte{4, 3} // sha256, ecdsa
	out = u16(out, len(sig))
	return append(out, sig...), nil
}

// tilePath: N in 3-digit elements, all but the last prefixed x.
func tilePath(n uint64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

type meta struct {
	Size      uint64 `json:"size"`
	Origin    string `json:"origin"`
	Timestamp uint64 `json:"timestamp"`
}

func cmdBuild(args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	dir := fs.String("dir", "", "the log directory to make (must not exist)")
	var cas multiFlag
	fs.Var(&cas, "ca", "PEM file of CA certificates the chains are built from (repeatable)")
	origin := fs.String("origin", "bench.ctlog.invalid/log", "checkpoint origin")
	tsFlag := fs.Uint64("timestamp", 0, "entry and tree head timestamp, ms (default: now)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: ctbenchlog build -dir D -ca CAS.pem [-origin O] ENTRIES.pem...\n")
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if *dir == "" || len(cas) == 0 || fs.NArg() == 0 {
		fs.Usage()
		os.Exit(2)
	}
	if err := os.Mkdir(*dir, 0o755); err != nil {
		return err
	}
	ts := *tsFlag
	if ts == 0 {
		ts = uint64(time.Now().UnixMilli())
	}
	bySubject := map[string]*certView{}
	for _, f := range cas {
		ders, err := readPEMCerts(f)
		if err != nil {
			return err
		}
		for _, d := range ders {
			v, err := parseCert(d)
			if err != nil {
				return fmt.Errorf("%s: %v", f, err)
			}
			bySubject[string(v.subject)] = v
		}
	}
	chainOf := func(v *certView) ([]*certView, error) {
		var chain []*certView
		for cur := v; ; {
			iss := bySubject[string(cur.issuer)]
			if iss == nil {
				return nil, errors.New("no CA of the issuer's name among -ca")
			}
			chain = append(chain, iss)
			if bytes.Equal(iss.issuer, iss.subject) || len(chain) > 8 {
				return chain, nil
			}
			cur = iss
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err := writeFile(*dir, "log.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return err
	}
	if err := writeFile(*dir, "log.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})); err != nil {
		return err
	}
	logID := sha256.Sum256(spki)

	ej, err := os.Create(filepath.Join(*dir, "entries.json"))
	if err != nil {
		return err
	}
	defer ej.Close()
	var idx []byte
	var off uint64
	var leaves [][32]byte
	var tile []byte
	issuers := map[[32]byte][]byte{}
	idx = binary.LittleEndian.AppendUint64(idx, 0)
	var index uint64
	b64 := base64.StdEncoding
	flushTile := func(partial bool) error {
		if len(tile) == 0 {
			return nil
		}
		n := (index - 1) / 256
		name := "tile/data/" + tilePath(n)
		if partial {
			name += fmt.Sprintf(".p/%d", index%256)
		}
		err := writeFile(*dir, name, gz(tile))
		tile = tile[:0]
		return err
	}
	for _, f := range fs.Args() {
		ders, err := readPEMCerts(f)
		if err != nil {
			return err
		}
		for k, d := range ders {
			v, err := parseCert(d)
			if err != nil {
				return fmt.Errorf("%s #%d: %v", f, k, err)
			}
			chain, err := chainOf(v)
			if err != nil {
				return fmt.Errorf("%s #%d: %v", f, k, err)
			}
			ikh := sha256.Sum256(chain[0].spki)
			te := timestampedEntry(ts, v, ikh[:], index)
			leaf := append([]byte{0, 0}, te...) // v1, timestamped_entry
			var certs []byte
			for _, c := range chain {
				certs = u24(certs, len(c.der))
				certs = append(certs, c.der...)
			}
			var extra []byte
			if v.precert {
				extra = u24(extra, len(v.der))
				extra = append(extra, v.der...)
			}
			extra = u24(extra, len(certs))
			extra = append(extra, certs...)
			rec := `{"leaf_input":"` + b64.EncodeToString(leaf) + `","extra_data":"` +
				b64.EncodeToString(extra) + `"},`
			if _, err := ej.WriteString(rec); err != nil {
				return err
			}
			off += uint64(len(rec))
			idx = binary.LittleEndian.AppendUint64(idx, off)
			leaves = append(leaves, leafHash(leaf))
			// the TileLeaf (static-ct-api)
			tile = append(tile, te...)
			if v.precert {
				tile = u24(tile, len(v.der))
				tile = append(tile, v.der...)
			}
			tile = u16(tile, 32*len(chain))
			for _, c := range chain {
				fp := sha256.Sum256(c.der)
				tile = append(tile, fp[:]...)
				issuers[fp] = c.der
			}
			index++
			if index%256 == 0 {
				if err := flushTile(false); err != nil {
					return err
				}
			}
		}
	}
	if err := flushTile(true); err != nil {
		return err
	}
	if index == 0 {
		return errors.New("no entries")
	}
	if err := writeFile(*dir, "entries.idx", idx); err != nil {
		return err
	}
	lh := make([]byte, 0, 32*len(leaves))
	for _, h := range leaves {
		lh = append(lh, h[:]...)
	}
	if err := writeFile(*dir, "leaves.hash", lh); err != nil {
		return err
	}
	for fp, d := range issuers {
		if err := writeFile(*dir, "issuer/"+hex.EncodeToString(fp[:]), d); err != nil {
			return err
		}
	}
	t := newTree(leaves)
	if err := writeHashTiles(*dir, t, index); err != nil {
		return err
	}
	root := t.mth(0, index)
	sig, err := signTreeHead(key, ts, index, root)
	if err != nil {
		return err
	}
	sth := fmt.Sprintf(`{"tree_size":%d,"timestamp":%d,"sha256_root_hash":"%s","tree_head_signature":"%s"}`,
		index, ts, b64.EncodeToString(root[:]), b64.EncodeToString(sig))
	if err := writeFile(*dir, "sth.json", []byte(sth)); err != nil {
		return err
	}
	// c2sp.org/static-ct-api: the key ID, then the RFC6962NoteSignature
	kid := sha256.Sum256(append(append([]byte(*origin), '\n', 5), logID[:]...))
	body := append(append([]byte{}, kid[:4]...), u64(nil, ts)...)
	body = append(body, sig...)
	cp := fmt.Sprintf("%s\n%d\n%s\n\n\u2014 %s %s\n", *origin, index, b64.EncodeToString(root[:]),
		*origin, b64.EncodeToString(body))
	if err := writeFile(*dir, "checkpoint", []byte(cp)); err != nil {
		return err
	}
	m, _ := json.Marshal(meta{Size: index, Origin: *origin, Timestamp: ts})
	if err := writeFile(*dir, "meta.json", m); err != nil {
		return err
	}
	fmt.Printf("%d entries in %s, root %x\n", index, *dir, root)
	return nil
}

// writeHashTiles writes tile/L/N (and the partial tiles) of a tree of size
// entries: at level L, hash i of tile N is the subtree of 256^L leaves at
// N*256+i.
func writeHashTiles(dir string, t *tree, size uint64) error {
	for l := 0; ; l++ {
		h := 8 * l
		if h >= len(t.lv) {
			return nil
		}
		hashes := t.lv[h] // complete subtrees of 2^h leaves
		count := size >> uint(h)
		if count == 0 {
			return nil
		}
		for n := uint64(0); n*256 < count; n++ {
			end := n*256 + 256
			name := fmt.Sprintf("tile/%d/%s", l, tilePath(n))
			if end > count {
				end = count
				name += fmt.Sprintf(".p/%d", count%256)
			}
			var b []byte
			for i := n * 256; i < end; i++ {
				b = append(b, hashes[i][:]...)
			}
			if err := writeFile(dir, name, b); err != nil {
				return err
			}
		}
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
