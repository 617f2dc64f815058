package harness

import (
	"context"
	"crypto/rand"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// WASI errno values used by cpp-host (wasi-libc api.h).
const (
	errnoSuccess = 0
	errnoBadf    = 8
	errnoFault   = 21
	errnoInval   = 28
	errnoNoent   = 44
	errnoNosys   = 52
	errnoNotdir  = 20
	errnoNotsup  = 58
)

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// wasiFunc is one function of the emulated wasi_snapshot_preview1, with cpp-host's signature
// (a module whose import differs in signature fails to link, as in Envoy).
type wasiFunc struct {
	name   string
	params []api.ValueType
	names  []string
	fn     func(v *vm, s []uint64) // writes the errno to s[0] (void functions write nothing)
	void   bool
}

// wasiProfile is one Envoy generation's WASI: the functions it links and the allowlists of
// cpp-host's restricted phases (VM start, guest malloc).
type wasiProfile struct {
	name        string
	funcs       map[string]*wasiFunc
	startAllow  map[string]bool
	mallocAllow map[string]bool
}

var wasiProfiles = map[string]*wasiProfile{
	ProfileEnvoy133:    envoy133Profile(),
	ProfileEnvoyLatest: envoyLatestProfile(),
}

func profileNames() []string {
	var n []string
	for k := range wasiProfiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func newProfile(name string, funcs []*wasiFunc, start, malloc []string) *wasiProfile {
	p := &wasiProfile{name: name, funcs: map[string]*wasiFunc{}, startAllow: map[string]bool{}, mallocAllow: map[string]bool{}}
	for _, f := range funcs {
		p.funcs[f.name] = f
	}
	for _, s := range start {
		p.startAllow[qualify(s)] = true
	}
	for _, s := range malloc {
		p.mallocAllow[qualify(s)] = true
	}
	return p
}

// qualify turns "fd_write" into "wasi_snapshot_preview1.fd_write"; "env.x" stays.
func qualify(s string) string {
	if strings.Contains(s, ".") {
		return s
	}
	return "wasi_snapshot_preview1." + s
}

// instantiateWASI registers the profile's functions as the runtime's wasi_snapshot_preview1.
func instantiateWASI(ctx context.Context, rt wazero.Runtime, p *wasiProfile) error {
	b := rt.NewHostModuleBuilder("wasi_snapshot_preview1")
	for _, f := range p.funcs {
		full := "wasi_snapshot_preview1." + f.name
		fn := f.fn
		var results []api.ValueType
		if !f.void {
			results = []api.ValueType{i32}
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
				v := vmOf(ctx)
				v.check(full)
				fn(v, s)
			}), f.params, results).
			WithParameterNames(f.names...).
			Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func u32(x uint64) uint32 { return uint32(x) }

func w(name string, names []string, fn func(v *vm, s []uint64)) *wasiFunc {
	params := make([]api.ValueType, len(names))
	for i, n := range names {
		params[i] = i32
		if strings.HasPrefix(n, "i64:") {
			params[i] = i64
			names[i] = n[4:]
		}
	}
	return &wasiFunc{name: name, params: params, names: names, fn: fn}
}

func ret(code uint64) func(v *vm, s []uint64) { return func(_ *vm, s []uint64) { s[0] = code } }

// The functions below follow cpp-host src/exports.cc (function by function, same errno).

// fdWrite: stdout -> info log, stderr -> error log, trailing newline dropped; other fds EBADF.
func fdWrite(v *vm, s []uint64) {
	n, code := writev(v, u32(s[0]), u32(s[1]), u32(s[2]))
	if code == errnoSuccess && !v.putU32(u32(s[3]), n) {
		code = errnoFault
	}
	s[0] = code
}

func writev(v *vm, fd, iovs, iovsLen uint32) (uint32, uint64) {
	level := 2
	switch fd {
	case 1:
	case 2:
		level = 4
	default:
		return 0, errnoBadf
	}
	var sb strings.Builder
	for i := uint32(0); i < iovsLen; i++ {
		ptr, ok1 := v.mem.ReadUint32Le(iovs + 8*i)
		l, ok2 := v.mem.ReadUint32Le(iovs + 8*i + 4)
		if !ok1 || !ok2 {
			return 0, errnoFault
		}
		b, ok := v.read(ptr, l)
		if !ok {
			return 0, errnoFault
		}
		sb.Write(b)
	}
	msg := sb.String()
	if len(msg) > 0 {
		v.h.addLog(v.id, level, strings.TrimSuffix(msg, "\n"))
	}
	return uint32(len(msg)), errnoSuccess
}

// fdFdstatGet: only stdout/stderr, filetype 0, flags 0, rights_base FD_WRITE (64).
func fdFdstatGet(v *vm, s []uint64) {
	fd, out := u32(s[0]), u32(s[1])
	if fd != 1 && fd != 2 {
		s[0] = errnoBadf
		return
	}
	if !v.putU64(out, 0) || !v.putU64(out+8, 64) || !v.putU64(out+16, 0) {
		s[0] = errnoFault
		return
	}
	s[0] = errnoSuccess
}

// sizesZero: args_sizes_get and environ_sizes_get (Envoy passes no args; no envs configured).
func sizesZero(v *vm, s []uint64) {
	if !v.putU32(u32(s[0]), 0) || !v.putU32(u32(s[1]), 0) {
		s[0] = errnoFault
		return
	}
	s[0] = errnoSuccess
}

// clockTimeGet: realtime and monotonic from the host clock; others ENOTSUP.
func clockTimeGet(v *vm, s []uint64) {
	var t uint64
	switch u32(s[0]) {
	case 0:
		t = uint64(v.h.now().UnixNano())
	case 1:
		t = uint64(v.h.monotonic())
	default:
		s[0] = errnoNotsup
		return
	}
	if !v.putU64(u32(s[2]), t) {
		s[0] = errnoFault
		return
	}
	s[0] = errnoSuccess
}

// randomGet refuses more than PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES (64 KiB).
func randomGet(v *vm, s []uint64) {
	ptr, n := u32(s[0]), u32(s[1])
	if n > 64*1024 {
		s[0] = errnoInval
		return
	}
	if n == 0 {
		s[0] = errnoSuccess
		return
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	if !v.mem.Write(ptr, b) {
		s[0] = errnoFault
		return
	}
	s[0] = errnoSuccess
}

// failVM: fd_seek and fd_close call context->error(), which fails the VM; the call returns 0.
func failVM(what string) func(v *vm, s []uint64) {
	return func(v *vm, s []uint64) {
		v.fail("wasi_unstable " + what)
		s[0] = errnoSuccess
	}
}

// procExit fails the VM; the guest does not continue.
func procExit(v *vm, _ []uint64) {
	v.fail("wasi_unstable proc_exit")
	panic(trap{"wasi_unstable proc_exit"})
}

// baseWASI is the set of cpp-host #427 (Envoy 1.33 onward), shared by both profiles.
func baseWASI() []*wasiFunc {
	pe := w("proc_exit", []string{"rval"}, procExit)
	pe.void = true
	return []*wasiFunc{
		w("fd_write", []string{"fd", "iovs", "iovs_len", "result.nwritten"}, fdWrite),
		w("fd_read", []string{"fd", "iovs", "iovs_len", "result.nread"}, ret(errnoNosys)),
		w("fd_seek", []string{"fd", "i64:offset", "whence", "result.newoffset"}, failVM("fd_seek")),
		w("fd_close", []string{"fd"}, failVM("fd_close")),
		w("fd_fdstat_get", []string{"fd", "result.stat"}, fdFdstatGet),
		w("fd_fdstat_set_flags", []string{"fd", "flags"}, ret(errnoNosys)),
		w("environ_get", []string{"environ", "environ_buf"}, ret(errnoSuccess)),
		w("environ_sizes_get", []string{"result.environc", "result.environv_len"}, sizesZero),
		w("args_get", []string{"argv", "argv_buf"}, ret(errnoSuccess)),
		w("args_sizes_get", []string{"result.argc", "result.argv_len"}, sizesZero),
		w("clock_time_get", []string{"id", "i64:precision", "result.timestamp"}, clockTimeGet),
		w("random_get", []string{"buf", "buf_len"}, randomGet),
		w("sched_yield", nil, ret(errnoSuccess)),
		w("poll_oneoff", []string{"in", "out", "nsubscriptions", "result.nevents"}, ret(errnoNosys)),
		pe,
		w("path_open", []string{"fd", "dirflags", "path", "path_len", "oflags", "i64:fs_rights_base",
			"i64:fs_rights_inheriting", "fdflags", "result.opened_fd"}, ret(errnoNoent)),
		w("fd_prestat_get", []string{"fd", "result.prestat"}, ret(errnoBadf)),
		w("fd_prestat_dir_name", []string{"fd", "path", "path_len"}, ret(errnoNosys)),
	}
}
