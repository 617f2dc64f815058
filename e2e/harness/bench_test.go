package harness

import (
	"sync"
	"testing"
)

// BenchmarkDo is one whole request (context create, headers, upstream, response headers, log,
// done, delete) through the basic test module.
func BenchmarkDo(b *testing.B) {
	h := Start(b, Options{Wasm: module(b, "basic"), Workers: 2})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if resp, err := h.Do(Request{Path: "/", Worker: -1}); err != nil || resp.Status != 200 {
			b.Fatal(err, resp)
		}
	}
}

func TestDo_ConcurrentAcrossWorkers(t *testing.T) {
	idp := idpServer(t, 0)
	h := Start(t, Options{Wasm: module(t, "basic"), Workers: 3, Clusters: map[string]string{"idp": idp.URL}})

	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				path := "/headers"
				if i%4 == 0 {
					path = "/callout"
				}
				resp, err := h.Do(Request{Path: path, Worker: -1})
				if err != nil || resp.Status != 200 {
					t.Errorf("%s: %v %+v", path, err, resp)
					return
				}
			}
		}()
	}
	wg.Wait()

	if n, _ := h.Metric("requests_total"); n != 120 {
		t.Errorf("requests_total = %d, want 120", n)
	}
	for i := 0; i < 3; i++ {
		if h.VMFailed(i) {
			t.Errorf("VM %d failed", i)
		}
	}
}
