package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// clickUA is the User-Agent the load clients send: KakaoTalk's in-app browser
// on an iPhone, what most clicks on an AlimTalk button come from.
const clickUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 KAKAOTALK 10.8.5"

// RedirectsAt loads tracking links at base: concurrency closed-loop clients,
// each on its own keep-alive HTTP/1.1 connection, fetch random tokens for d,
// without following redirects. Every answer must be a 302.
//
// A client writes the request and reads the answer's status line and headers
// itself, like wrk: on a two-core machine the load generator shares the cores
// with the server and its database, and net/http's client (two goroutines per
// connection, a hand-off per request) took about a third of them, so every
// target was measured partly by how much CPU the client left it.
func RedirectsAt(ctx context.Context, base string, tokens []string, concurrency int, d time.Duration) Latency {
	u, err := url.Parse(base)
	if err != nil {
		return Latency{Name: "GET /t/{token}", Failures: 1}
	}
	var (
		mu       sync.Mutex
		all      []time.Duration
		failures atomic.Int64
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	cpu0 := ProcessCPU(os.Getpid()) // this process is the load generator
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			local := make([]time.Duration, 0, 4096)
			var c *loadConn
			defer func() {
				if c != nil {
					c.close()
				}
			}()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if c == nil {
					if c, err = dialLoad(ctx, u.Host); err != nil {
						failures.Add(1)
						time.Sleep(10 * time.Millisecond)
						continue
					}
				}
				t0 := time.Now()
				status, keep, err := c.get(u.Host, "/t/"+tokens[rng.IntN(len(tokens))])
				if err != nil || !keep {
					c.close()
					c = nil
				}
				if err != nil || status != 302 {
					failures.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	l := summarise("GET /t/{token}", all)
	l.PerSecond = float64(len(all)) / elapsed.Seconds()
	l.Failures = failures.Load()
	l.ClientCPU = ProcessCPU(os.Getpid()) - cpu0
	return l
}

// loadConn is one client's keep-alive connection.
type loadConn struct {
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

func dialLoad(ctx context.Context, host string) (*loadConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	return &loadConn{conn: conn, r: bufio.NewReaderSize(conn, 4096)}, nil
}

func (c *loadConn) close() { _ = c.conn.Close() }

// get sends GET path and reads the whole answer; keep is false when the
// server asked to close the connection.
func (c *loadConn) get(host, path string) (status int, keep bool, err error) {
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, host...)
	c.req = append(c.req, "\r\nUser-Agent: "+clickUA+"\r\n\r\n"...)
	if err := c.conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return 0, false, err
	}
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, false, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 302 Found"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("not an HTTP answer: %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("status line %q", line)
	}
	length, keep := 0, true
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return status, false, fmt.Errorf("Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return status, false, errors.New("a chunked answer: not expected from a redirect")
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keep = false
		}
	}
	if _, err := c.r.Discard(length); err != nil {
		return status, false, err
	}
	return status, keep, nil
}
