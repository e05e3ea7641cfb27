package main

// ctbenchlog serve: a log directory over HTTP, RFC 6962 and static-ct-api,
// shaped like a distant production log: every answer waits -delay plus up
// to -jitter (and, with -slow-frac, some wait -slow more), get-entries
// answers at most -max-batch entries, ending at a multiple of it with
// -align (Trillian's CTFE --align_getentries, Let's Encrypt's CTile), and
// entry requests (get-entries and data tiles) are refused with 429 and a
// Retry-After at a rate (-rate429) or above a request rate (-rps).
// On SIGINT or SIGTERM it writes what it served (-stats: counts, and how
// often hash tiles were asked for, per path) and exits; -log writes a line
// a request (start and end, ms from the server's start, and the path).

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type server struct {
	dir      string
	size     uint64
	idx      []uint64
	entries  *os.File
	sth      []byte
	cp       []byte
	t        *tree
	byHash   map[[32]byte]uint64
	hashOnce sync.Once

	delay, jitter, slow time.Duration
	slowFrac, rate429   float64
	retryAfter          int
	maxBatch            uint64
	align               bool

	rpsMu     sync.Mutex
	rps       float64
	tokens    float64
	lastToken time.Time

	rndMu sync.Mutex
	rnd   *rand.Rand

	// what was served
	nReq, nEntriesReq, n429, nEntries, nBytes, nTiles, inFlight, maxInFlight int64
	nProof                                                                   int64

	// requests per path of the hash tiles (tile/<level>/...), and, with
	// -log, one line a request: start and end (ms from the first), path
	pathMu    sync.Mutex
	hashTiles map[string]int64
	logFile   *os.File
	t0        time.Time
}

// note counts a hash tile's request by its path.
func (s *server) note(p string) {
	if !strings.HasPrefix(p, "tile/") || strings.HasPrefix(p, "tile/data/") {
		return
	}
	s.pathMu.Lock()
	s.hashTiles[p]++
	s.pathMu.Unlock()
}

func (s *server) logRequest(start time.Time, r *http.Request) {
	if s.logFile == nil {
		return
	}
	line := fmt.Sprintf("%.1f %.1f %s\n", float64(start.Sub(s.t0).Microseconds())/1000,
		float64(time.Since(s.t0).Microseconds())/1000, r.URL.RequestURI())
	s.pathMu.Lock()
	s.logFile.WriteString(line)
	s.pathMu.Unlock()
}

func (s *server) random() float64 {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return s.rnd.Float64()
}

func (s *server) wait() {
	d := s.delay
	if s.jitter > 0 {
		d += time.Duration(s.random() * float64(s.jitter))
	}
	if s.slowFrac > 0 && s.random() < s.slowFrac {
		d += s.slow
	}
	if d > 0 {
		time.Sleep(d)
	}
}

// refuse: whether this entry request gets a 429 (by rate, or over -rps).
func (s *server) refuse() bool {
	if s.rate429 > 0 && s.random() < s.rate429 {
		return true
	}
	if s.rps <= 0 {
		return false
	}
	s.rpsMu.Lock()
	defer s.rpsMu.Unlock()
	now := time.Now()
	s.tokens += now.Sub(s.lastToken).Seconds() * s.rps
	if s.tokens > s.rps {
		s.tokens = s.rps // a burst of one second's worth
	}
	s.lastToken = now
	if s.tokens < 1 {
		return true
	}
	s.tokens--
	return false
}

func (s *server) tooMany(w http.ResponseWriter) {
	atomic.AddInt64(&s.n429, 1)
	w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
	http.Error(w, "too many requests", http.StatusTooManyRequests)
}

func (s *server) enter() {
	n := atomic.AddInt64(&s.inFlight, 1)
	for {
		m := atomic.LoadInt64(&s.maxInFlight)
		if n <= m || atomic.CompareAndSwapInt64(&s.maxInFlight, m, n) {
			break
		}
	}
}

func (s *server) leave() { atomic.AddInt64(&s.inFlight, -1) }

func badRequest(w http.ResponseWriter, msg string) {
	http.Error(w, msg, http.StatusBadRequest)
}

func param(r *http.Request, name string) (uint64, bool) {
	v, err := strconv.ParseUint(r.URL.Query().Get(name), 10, 64)
	return v, err == nil
}

func (s *server) getEntries(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.nEntriesReq, 1)
	s.enter()
	defer s.leave()
	start, ok1 := param(r, "start")
	end, ok2 := param(r, "end")
	if !ok1 || !ok2 || end < start || start >= s.size {
		s.wait()
		badRequest(w, "start and end: 0 <= start <= end, start < tree size")
		return
	}
	if s.refuse() {
		s.wait()
		s.tooMany(w)
		return
	}
	if end >= s.size {
		end = s.size - 1
	}
	last := start + s.maxBatch - 1
	if s.align {
		last = (start/s.maxBatch+1)*s.maxBatch - 1
	}
	if end > last {
		end = last
	}
	a, b := s.idx[start], s.idx[end+1]
	const head = `{"entries":[`
	buf := make([]byte, len(head)+int(b-a)+1)
	copy(buf, head)
	if _, err := s.entries.ReadAt(buf[len(head):len(buf)-1], int64(a)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	buf[len(buf)-2] = ']' // the last record's comma
	buf[len(buf)-1] = '}'
	s.wait()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.Write(buf)
	atomic.AddInt64(&s.nEntries, int64(end-start+1))
	atomic.AddInt64(&s.nBytes, int64(len(buf)))
}

func b64list(hs [][32]byte) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = `"` + base64.StdEncoding.EncodeToString(h[:]) + `"`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func (s *server) writeJSON(w http.ResponseWriter, body string) {
	s.wait()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(body))
}

func (s *server) consistency(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.nProof, 1)
	first, ok1 := param(r, "first")
	second, ok2 := param(r, "second")
	if !ok1 || !ok2 || first == 0 || first > second || second > s.size {
		s.wait()
		badRequest(w, "first and second: 0 < first <= second <= tree size")
		return
	}
	var proof [][32]byte
	if first < second {
		proof = s.t.consistency(first, second)
	}
	s.writeJSON(w, `{"consistency":`+b64list(proof)+`}`)
}

func (s *server) entryAndProof(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.nProof, 1)
	i, ok1 := param(r, "leaf_index")
	n, ok2 := param(r, "tree_size")
	if !ok1 || !ok2 || i >= n || n > s.size {
		s.wait()
		badRequest(w, "leaf_index < tree_size <= the log's size")
		return
	}
	rec := make([]byte, s.idx[i+1]-s.idx[i]-1)
	s.entries.ReadAt(rec, int64(s.idx[i]))
	var e struct {
		Leaf  string `json:"leaf_input"`
		Extra string `json:"extra_data"`
	}
	json.Unmarshal(rec, &e)
	s.writeJSON(w, fmt.Sprintf(`{"leaf_input":"%s","extra_data":"%s","audit_path":%s}`,
		e.Leaf, e.Extra, b64list(s.t.path(i, n))))
}

func (s *server) proofByHash(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.nProof, 1)
	s.hashOnce.Do(func() {
		s.byHash = make(map[[32]byte]uint64, s.size)
		for i, h := range s.t.lv[0] {
			if _, dup := s.byHash[h]; !dup {
				s.byHash[h] = uint64(i)
			}
		}
	})
	h, err := base64.StdEncoding.DecodeString(r.URL.Query().Get("hash"))
	n, ok := param(r, "tree_size")
	var k [32]byte
	if err != nil || len(h) != 32 || !ok || n > s.size {
		s.wait()
		badRequest(w, "hash: base64 SHA-256, tree_size <= the log's size")
		return
	}
	copy(k[:], h)
	i, found := s.byHash[k]
	if !found || i >= n {
		s.wait()
		http.Error(w, "no such leaf", http.StatusNotFound)
		return
	}
	s.writeJSON(w, fmt.Sprintf(`{"leaf_index":%d,"audit_path":%s}`, i, b64list(s.t.path(i, n))))
}

func (s *server) static(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	data := strings.HasPrefix(p, "tile/data/")
	if data {
		atomic.AddInt64(&s.nEntriesReq, 1)
		s.enter()
		defer s.leave()
		if s.refuse() {
			s.wait()
			s.tooMany(w)
			return
		}
	}
	if strings.Contains(p, "..") || !(strings.HasPrefix(p, "tile/") || strings.HasPrefix(p, "issuer/")) {
		s.wait()
		http.NotFound(w, r)
		return
	}
	body, err := os.ReadFile(filepath.Join(s.dir, p))
	s.wait()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	atomic.AddInt64(&s.nTiles, 1)
	s.note(p)
	switch {
	case data:
		w.Header().Set("Content-Encoding", "gzip") // stored compressed, as Sunlight serves them
		w.Header().Set("Content-Type", "application/octet-stream")
		// the entries of a data tile: its width
		width := uint64(256)
		if i := strings.Index(p, ".p/"); i >= 0 {
			width, _ = strconv.ParseUint(p[i+3:], 10, 64)
		}
		atomic.AddInt64(&s.nEntries, int64(width))
	case strings.HasPrefix(p, "issuer/"):
		w.Header().Set("Content-Type", "application/pkix-cert")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
	atomic.AddInt64(&s.nBytes, int64(len(body)))
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&s.nReq, 1)
	defer s.logRequest(time.Now(), r)
	switch r.URL.Path {
	case "/ct/v1/get-sth":
		s.wait()
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.sth)
	case "/ct/v1/get-entries":
		s.getEntries(w, r)
	case "/ct/v1/get-sth-consistency":
		s.consistency(w, r)
	case "/ct/v1/get-entry-and-proof":
		s.entryAndProof(w, r)
	case "/ct/v1/get-proof-by-hash":
		s.proofByHash(w, r)
	case "/checkpoint":
		s.wait()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(s.cp)
	default:
		s.static(w, r)
	}
}

func writeLogList(path, dir, url string, tiled bool) error {
	pub, err := os.ReadFile(filepath.Join(dir, "log.pub"))
	if err != nil {
		return err
	}
	b, _ := pem.Decode(pub)
	if b == nil {
		return fmt.Errorf("%s/log.pub: not PEM", dir)
	}
	if _, err := x509.ParsePKIXPublicKey(b.Bytes); err != nil {
		return err
	}
	id := sha256.Sum256(b.Bytes)
	enc := base64.StdEncoding
	where := fmt.Sprintf(`"url": %q`, url)
	logs, tiledLogs := "[{LOG}]", "[]"
	if tiled {
		where = fmt.Sprintf(`"submission_url": %q, "monitoring_url": %q`, url, url)
		logs, tiledLogs = "[]", "[{LOG}]"
	}
	entry := fmt.Sprintf(`"description": "ctbenchlog", "log_id": %q, "key": %q, %s, "mmd": 86400,
      "state": {"usable": {"timestamp": "2020-01-01T00:00:00Z"}}`,
		enc.EncodeToString(id[:]), enc.EncodeToString(b.Bytes), where)
	logs = strings.Replace(logs, "LOG", entry, 1)
	tiledLogs = strings.Replace(tiledLogs, "LOG", entry, 1)
	list := fmt.Sprintf(`{"version": "1.0", "log_list_timestamp": "2020-01-01T00:00:00Z",
  "operators": [{"name": "ctbenchlog", "email": ["bench@ctlog.invalid"],
    "logs": %s, "tiled_logs": %s}]}
`, logs, tiledLogs)
	return os.WriteFile(path, []byte(list), 0o644)
}

func cmdServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", "", "the log directory (ctbenchlog build)")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	delay := fs.Duration("delay", 0, "wait before every answer (one-way latency stand-in)")
	jitter := fs.Duration("jitter", 0, "plus a uniform random wait up to this")
	slowFrac := fs.Float64("slow-frac", 0, "fraction of answers that wait -slow more")
	slow := fs.Duration("slow", time.Second, "the extra wait of a slow answer")
	maxBatch := fs.Uint64("max-batch", 256, "most entries in a get-entries answer")
	align := fs.Bool("align", false, "end get-entries answers at multiples of -max-batch")
	rate429 := fs.Float64("rate429", 0, "fraction of entry requests answered 429")
	rps := fs.Float64("rps", 0, "entry requests per second served; more get 429 (0: no limit)")
	retryAfter := fs.Int("retry-after", 1, "Retry-After of a 429, seconds")
	loglist := fs.String("loglist-out", "", "write a Chrome v3 log list naming this log")
	loglistStatic := fs.Bool("loglist-static", false, "list it under tiled_logs")
	stats := fs.String("stats", "", "write what was served to this file at exit")
	seed := fs.Int64("seed", 1, "random seed (jitter, 429s)")
	reqLog := fs.String("log", "", "write a line a request: start and end ms, path")
	fs.Parse(args)
	if *dir == "" || *maxBatch == 0 {
		fmt.Fprintln(os.Stderr, "usage: ctbenchlog serve -dir D [options]")
		fs.PrintDefaults()
		os.Exit(2)
	}
	s := &server{dir: *dir, delay: *delay, jitter: *jitter, slowFrac: *slowFrac, slow: *slow,
		maxBatch: *maxBatch, align: *align, rate429: *rate429, rps: *rps, tokens: *rps,
		lastToken: time.Now(), retryAfter: *retryAfter, rnd: rand.New(rand.NewSource(*seed)),
		hashTiles: map[string]int64{}, t0: time.Now()}
	var err error
	if *reqLog != "" {
		if s.logFile, err = os.Create(*reqLog); err != nil {
			return err
		}
	}
	if s.sth, err = os.ReadFile(filepath.Join(*dir, "sth.json")); err != nil {
		return err
	}
	if s.cp, err = os.ReadFile(filepath.Join(*dir, "checkpoint")); err != nil {
		return err
	}
	idx, err := os.ReadFile(filepath.Join(*dir, "entries.idx"))
	if err != nil {
		return err
	}
	for i := 0; i+8 <= len(idx); i += 8 {
		s.idx = append(s.idx, binary.LittleEndian.Uint64(idx[i:]))
	}
	s.size = uint64(len(s.idx) - 1)
	lh, err := os.ReadFile(filepath.Join(*dir, "leaves.hash"))
	if err != nil || uint64(len(lh)) != 32*s.size {
		return fmt.Errorf("%s/leaves.hash: missing or not %d hashes", *dir, s.size)
	}
	leaves := make([][32]byte, s.size)
	for i := range leaves {
		copy(leaves[i][:], lh[32*i:])
	}
	s.t = newTree(leaves)
	if s.entries, err = os.Open(filepath.Join(*dir, "entries.json")); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	url := "http://" + addr + "/"
	if *loglist != "" {
		if err := writeLogList(*loglist, *dir, url, *loglistStatic); err != nil {
			return err
		}
	}
	fmt.Printf("listening on %s\n", addr)
	os.Stdout.Sync()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	<-sig
	ln.Close()
	if *stats != "" {
		s.pathMu.Lock()
		var hashReq, hashMax int64
		for _, c := range s.hashTiles {
			hashReq += c
			if c > hashMax {
				hashMax = c
			}
		}
		s.pathMu.Unlock()
		out := fmt.Sprintf("requests %d\nentry_requests %d\nrefused_429 %d\nentries_served %d\n"+
			"bytes_served %d\ntiles_served %d\nproofs %d\nmax_in_flight %d\ntree_size %d\n"+
			"hash_tile_requests %d\nhash_tiles_distinct %d\nhash_tile_most_asked %d\n",
			atomic.LoadInt64(&s.nReq), atomic.LoadInt64(&s.nEntriesReq),
			atomic.LoadInt64(&s.n429), atomic.LoadInt64(&s.nEntries),
			atomic.LoadInt64(&s.nBytes), atomic.LoadInt64(&s.nTiles),
			atomic.LoadInt64(&s.nProof), atomic.LoadInt64(&s.maxInFlight), s.size,
			hashReq, int64(len(s.hashTiles)), hashMax)
		if err := os.WriteFile(*stats, []byte(out), 0o644); err != nil {
			return err
		}
	}
	return nil
}
