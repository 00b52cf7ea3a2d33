package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRotatedKeyFileIsPickedUpWithoutSignal runs the real `corfed serve`,
// rotates its key with `corfed keygen --rotate` while it runs, and sends no
// signal: the node sees keys.json change, reloads it, refuses the token of
// the retired key (401) and accepts one of the new key.
func TestRotatedKeyFileIsPickedUpWithoutSignal(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "keygen", "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--jurisdiction", "CA-MB", "--addr", "127.0.0.1:0", "--data", dir, "--seed", "--testdata", testdata,
			"--log-level", "error", "--key-watch", "50ms"}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(line, "node CA-MB "))
	if !strings.HasPrefix(url, "http://") {
		t.Fatalf("serve printed %q", line)
	}
	token := func() string {
		code, tok, errs := run(t, "token", "--data", dir, "--jurisdiction", "CA-MB")
		if code != 0 {
			t.Fatal(errs)
		}
		return strings.TrimSpace(tok)
	}
	write := func(tok string) int {
		req, _ := http.NewRequest("PUT", url+"/v1/employers/123456782", strings.NewReader(`{"bn":"123456782","legal_name":"Watch Test Ltd."}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	old := token()
	if st := write(old); st != 200 && st != 201 {
		t.Fatalf("write with the first key's token: %d", st)
	}
	if code, _, errs := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("rotate: %s", errs)
	}
	// Wait for the node to see the file (no sleep decides the outcome:
	// the ceiling only fails a node that never reloads).
	deadline := time.Now().Add(time.Minute)
	for write(old) != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("a minute after keygen --rotate, the retired key's token still writes: keys.json was not reloaded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := write(token()); st != 200 && st != 201 {
		t.Errorf("write with the new key's token: %d, want 200", st)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d", code)
	}
}

// TestFreshNodeReportsNoKeyChange: a node started on an empty directory
// creates keys.json and loads it; its key watch then reports a reload only
// for a real rotation, not for the file the node itself created.
func TestFreshNodeReportsNoKeyChange(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var logs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--jurisdiction", "CA-MB", "--addr", "127.0.0.1:0", "--data", dir, "--seed", "--testdata", testdata,
			"--key-watch", "20ms"}, nil, pw, &logs)
		pw.Close()
	}()
	if line, _ := bufio.NewReader(pr).ReadString('\n'); !strings.HasPrefix(line, "node CA-MB http://") {
		t.Fatalf("serve printed %q", line)
	}
	go io.Copy(io.Discard, pr)
	time.Sleep(200 * time.Millisecond) // ten looks at keys.json, unchanged since the node wrote it
	if code, _, errs := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("rotate: %s", errs)
	}
	created := regexp.MustCompile(`msg="created signing key" kid=(\S+)`).FindStringSubmatch(logs.String())
	if created == nil {
		t.Fatalf("no key created:\n%s", logs.String())
	}
	rotated := regexp.MustCompile(`keys reloaded" active_kid=(\S+)`)
	deadline := time.Now().Add(time.Minute)
	for {
		if m := rotated.FindAllStringSubmatch(logs.String(), -1); len(m) > 0 && m[len(m)-1][1] != created[1] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after keygen --rotate, no reload of the new key was logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if n := strings.Count(logs.String(), "keys reloaded"); n != 1 {
		t.Errorf("%d reloads logged for one rotation:\n%s", n, logs.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
