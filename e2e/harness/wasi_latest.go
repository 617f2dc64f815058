package harness

// envoyLatestProfile is cpp-host with 94091cd "add all wasi hostcalls used by Go SDK (#533)"
// (checked up to 52a0291, Jul 2026): the #427 set plus 25 functions that mostly answer
// ENOTSUP/EBADF, clock_res_get, and poll_oneoff succeeding with no events. Start allowlist:
// src/wasm.cc WasmBase::startVm (every WASI function except fd_read, fd_seek, fd_close,
// proc_exit, path_open); malloc allowlist adds poll_oneoff ("go runtime gc sleep").
// cpp-host declares path_link with 6 and path_symlink with 4 parameters (WASI has 7 and 5), so a
// module importing them fails to link there; we keep cpp-host's signatures.
func envoyLatestProfile() *wasiProfile {
	stdio := func(ok uint64) func(v *vm, s []uint64) {
		return func(_ *vm, s []uint64) {
			if fd := u32(s[0]); fd != 1 && fd != 2 {
				s[0] = errnoBadf
				return
			}
			s[0] = ok
		}
	}
	zeroThen := func(code uint64, ptrArg int, wide bool) func(v *vm, s []uint64) {
		return func(v *vm, s []uint64) {
			ok := false
			if wide {
				ok = v.putU64(u32(s[ptrArg]), 0)
			} else {
				ok = v.putU32(u32(s[ptrArg]), 0)
			}
			if !ok {
				s[0] = errnoFault
				return
			}
			s[0] = code
		}
	}
	funcs := baseWASI()
	for i, f := range funcs {
		if f.name == "poll_oneoff" {
			funcs[i] = w("poll_oneoff", []string{"in", "out", "nsubscriptions", "result.nevents"}, zeroThen(errnoSuccess, 3, false))
		}
	}
	funcs = append(funcs,
		w("fd_fdstat_set_rights", []string{"fd", "i64:fs_rights_base", "i64:fs_rights_inheriting"}, stdio(errnoSuccess)),
		w("clock_res_get", []string{"id", "result.resolution"}, func(v *vm, s []uint64) {
			if id := u32(s[0]); id != 0 && id != 1 {
				s[0] = errnoNotsup
				return
			}
			if !v.putU64(u32(s[1]), 1) {
				s[0] = errnoFault
				return
			}
			s[0] = errnoSuccess
		}),
		w("fd_advise", []string{"fd", "i64:offset", "i64:len", "advice"}, ret(errnoSuccess)),
		w("fd_allocate", []string{"fd", "i64:offset", "i64:len"}, stdio(errnoSuccess)),
		w("fd_datasync", []string{"fd"}, stdio(errnoSuccess)),
		w("fd_filestat_set_size", []string{"fd", "i64:size"}, stdio(errnoSuccess)),
		w("fd_filestat_set_times", []string{"fd", "i64:atim", "i64:mtim", "fst_flags"}, stdio(errnoSuccess)),
		w("fd_pread", []string{"fd", "iovs", "iovs_len", "i64:offset", "result.nread"}, ret(errnoNosys)),
		w("fd_pwrite", []string{"fd", "iovs", "iovs_len", "i64:offset", "result.nwritten"}, func(v *vm, s []uint64) {
			n, code := writev(v, u32(s[0]), u32(s[1]), u32(s[2]))
			if code == errnoSuccess && !v.putU32(u32(s[4]), n) {
				code = errnoFault
			}
			s[0] = code
		}),
		w("fd_readdir", []string{"fd", "buf", "buf_len", "i64:cookie", "result.bufused"}, zeroThen(errnoNotdir, 4, false)),
		w("fd_renumber", []string{"fd", "to"}, func(_ *vm, s []uint64) {
			fd, to := u32(s[0]), u32(s[1])
			if (fd != 1 && fd != 2) || (to != 1 && to != 2) {
				s[0] = errnoBadf
				return
			}
			s[0] = errnoNotsup
		}),
		w("fd_sync", []string{"fd"}, stdio(errnoSuccess)),
		w("fd_tell", []string{"fd", "result.offset"}, func(v *vm, s []uint64) {
			if fd := u32(s[0]); fd != 1 && fd != 2 {
				s[0] = errnoBadf
				return
			}
			zeroThen(errnoSuccess, 1, true)(v, s)
		}),
		w("path_create_directory", []string{"fd", "path", "path_len"}, ret(errnoNotsup)),
		w("path_filestat_set_times", []string{"fd", "flags", "path", "path_len", "i64:atim", "i64:mtim", "fst_flags"}, ret(errnoNotsup)),
		w("path_link", []string{"old_fd", "old_flags", "old_path", "old_path_len", "new_fd", "new_path"}, ret(errnoNotsup)),
		w("path_readlink", []string{"fd", "path", "path_len", "buf", "buf_len", "result.bufused"}, zeroThen(errnoNotsup, 5, false)),
		w("path_remove_directory", []string{"fd", "path", "path_len"}, ret(errnoNotsup)),
		w("path_rename", []string{"fd", "old_path", "old_path_len", "new_fd", "new_path", "new_path_len"}, ret(errnoNotsup)),
		w("path_symlink", []string{"old_path", "old_path_len", "fd", "new_path"}, ret(errnoNotsup)),
		w("path_unlink_file", []string{"fd", "path", "path_len"}, ret(errnoNotsup)),
		w("sock_accept", []string{"fd", "flags", "result.fd"}, zeroThen(errnoNotsup, 2, true)),
		w("sock_recv", []string{"fd", "ri_data", "ri_data_len", "ri_flags", "result.ro_datalen", "result.ro_flags"}, func(v *vm, s []uint64) {
			if !v.putU32(u32(s[4]), 0) || !v.mem.WriteUint16Le(u32(s[5]), 0) {
				s[0] = errnoFault
				return
			}
			s[0] = errnoNotsup
		}),
		w("sock_send", []string{"fd", "si_data", "si_data_len", "si_flags", "result.so_datalen"}, zeroThen(errnoNotsup, 4, false)),
		w("sock_shutdown", []string{"fd", "how"}, ret(errnoNotsup)),
		w("path_filestat_get", []string{"fd", "flags", "path", "path_len", "result.buf"}, ret(errnoNotsup)),
		w("fd_filestat_get", []string{"fd", "result.buf"}, ret(errnoBadf)),
	)
	var start []string
	for _, f := range funcs {
		switch f.name {
		case "fd_read", "fd_seek", "fd_close", "proc_exit", "path_open", "sched_yield":
		default:
			start = append(start, f.name)
		}
	}
	start = append(start, "env.emscripten_notify_memory_growth", "env.proxy_log")
	return newProfile(ProfileEnvoyLatest, funcs, start,
		[]string{"env.proxy_log", "fd_write", "clock_time_get", "poll_oneoff"})
}
