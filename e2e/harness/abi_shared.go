package harness

import "sync"

// sharedData is Envoy's per-vm_id shared key/value store: every set bumps a process-wide CAS
// counter; a set carrying a non-zero CAS that differs from the entry's fails with CasMismatch
// (cpp-host src/shared_data.cc).
type sharedData struct {
	mu      sync.Mutex
	entries map[string]*sharedEntry
	nextCas uint32
	queues  map[string]*sharedQueue
	byID    map[uint32]*sharedQueue
}

type sharedEntry struct {
	value []byte
	cas   uint32
}

type sharedQueue struct {
	id    uint32
	owner *vm
	items [][]byte
}

// metric is one stat. As in Envoy, a name is one stat for all worker VMs.
type metric struct {
	name  string
	typ   uint32
	value int64  // counter/gauge
	count uint64 // histogram samples
}

func init() {
	// proxy_get_shared_data: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_get_shared_data
	register("proxy_get_shared_data", []string{"key_data", "key_size", "return_value_data", "return_value_size", "return_cas"}, func(v *vm, s []uint64) {
		key, ok := v.readString(u32(s[0]), u32(s[1]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		sd := &v.h.shared
		sd.mu.Lock()
		e := sd.entries[key]
		var val []byte
		var cas uint32
		if e != nil {
			val, cas = e.value, e.cas
		}
		sd.mu.Unlock()
		if e == nil {
			s[0] = statusNotFound
			return
		}
		if st := v.copyOut(val, u32(s[2]), u32(s[3])); st != statusOK {
			s[0] = uint64(st)
			return
		}
		s[0] = okIf(v.putU32(u32(s[4]), cas))
	})
	// proxy_set_shared_data: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_set_shared_data
	register("proxy_set_shared_data", []string{"key_data", "key_size", "value_data", "value_size", "cas"}, func(v *vm, s []uint64) {
		key, ok1 := v.readString(u32(s[0]), u32(s[1]))
		val, ok2 := v.read(u32(s[2]), u32(s[3]))
		if !ok1 || !ok2 {
			s[0] = statusInvalidMemoryAccess
			return
		}
		cas := u32(s[4])
		sd := &v.h.shared
		sd.mu.Lock()
		defer sd.mu.Unlock()
		e := sd.entries[key]
		if e != nil && cas != 0 && cas != e.cas {
			s[0] = statusCasMismatch
			return
		}
		sd.nextCas++
		if sd.nextCas == 0 {
			sd.nextCas++
		}
		sd.entries[key] = &sharedEntry{value: append([]byte(nil), val...), cas: sd.nextCas}
		s[0] = statusOK
	})
	// proxy_register_shared_queue: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_register_shared_queue
	register("proxy_register_shared_queue", []string{"queue_name_data", "queue_name_size", "return_queue_id"}, func(v *vm, s []uint64) {
		name, ok := v.readString(u32(s[0]), u32(s[1]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		sd := &v.h.shared
		sd.mu.Lock()
		q := sd.queues[name]
		if q == nil {
			q = &sharedQueue{id: uint32(len(sd.queues) + 1)}
			sd.queues[name] = q
			sd.byID[q.id] = q
		}
		q.owner = v // the latest registrant is notified, as cpp-host re-registers the dispatcher
		sd.mu.Unlock()
		s[0] = okIf(v.putU32(u32(s[2]), q.id))
	})
	// proxy_resolve_shared_queue: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_resolve_shared_queue
	// All VMs share one vm_id here, so vm_id is not checked.
	register("proxy_resolve_shared_queue", []string{"vm_id_data", "vm_id_size", "queue_name_data", "queue_name_size", "return_queue_id"}, func(v *vm, s []uint64) {
		name, ok := v.readString(u32(s[2]), u32(s[3]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		sd := &v.h.shared
		sd.mu.Lock()
		q := sd.queues[name]
		sd.mu.Unlock()
		if q == nil {
			s[0] = statusNotFound
			return
		}
		s[0] = okIf(v.putU32(u32(s[4]), q.id))
	})
	// proxy_dequeue_shared_queue: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_dequeue_shared_queue
	register("proxy_dequeue_shared_queue", []string{"queue_id", "return_payload_data", "return_payload_size"}, func(v *vm, s []uint64) {
		sd := &v.h.shared
		sd.mu.Lock()
		q := sd.byID[u32(s[0])]
		var item []byte
		status := uint64(statusOK)
		switch {
		case q == nil:
			status = statusNotFound
		case len(q.items) == 0:
			status = statusEmpty
		default:
			item, q.items = q.items[0], q.items[1:]
		}
		sd.mu.Unlock()
		if status != statusOK {
			s[0] = status
			return
		}
		s[0] = uint64(v.copyOut(item, u32(s[1]), u32(s[2])))
	})
	// proxy_enqueue_shared_queue: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_enqueue_shared_queue
	// The owner VM gets proxy_on_queue_ready on its root context, later and on its own thread.
	register("proxy_enqueue_shared_queue", []string{"queue_id", "value_data", "value_size"}, func(v *vm, s []uint64) {
		val, ok := v.read(u32(s[1]), u32(s[2]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		sd := &v.h.shared
		sd.mu.Lock()
		q := sd.byID[u32(s[0])]
		if q != nil {
			q.items = append(q.items, append([]byte(nil), val...))
		}
		sd.mu.Unlock()
		if q == nil {
			s[0] = statusNotFound
			return
		}
		owner, id := q.owner, q.id
		v.h.async(func() {
			owner.mu.Lock()
			defer owner.mu.Unlock()
			owner.call(owner.fn.queueReady, owner.rootID, uint64(owner.rootID), uint64(id))
		})
		s[0] = statusOK
	})

	// proxy_define_metric: https://github.com/proxy-wasm/spec/tree/main/abi-versions/v0.2.1#proxy_define_metric
	// Ids carry the type in their low 2 bits and step by 4, as cpp-host's next*MetricId.
	register("proxy_define_metric", []string{"metric_type", "metric_name_data", "metric_name_size", "return_metric_id"}, func(v *vm, s []uint64) {
		typ := u32(s[0])
		name, ok := v.readString(u32(s[1]), u32(s[2]))
		if !ok {
			s[0] = statusInvalidMemoryAccess
			return
		}
		if typ > 2 {
			s[0] = statusBadArgument
			return
		}
		m := v.h.metric(name, typ)
		v.nextMetric[typ] += 4
		id := v.nextMetric[typ] + typ
		v.metricIDs[id] = m
		s[0] = okIf(v.putU32(u32(s[3]), id))
	})
	// proxy_increment_metric: as Envoy's Context::incrementMetric, a counter takes only offsets
	// > 0 (0 or negative -> BadArgument, which the Go SDK turns into a panic); gauges add.
	register("proxy_increment_metric", []string{"metric_id", "i64:offset"}, func(v *vm, s []uint64) {
		m := v.metricIDs[u32(s[0])]
		off := int64(s[1])
		if m == nil {
			s[0] = statusNotFound
			return
		}
		if m.typ == 2 || (m.typ == 0 && off <= 0) {
			s[0] = statusBadArgument
			return
		}
		v.h.metricsMu.Lock()
		m.value += off
		v.h.metricsMu.Unlock()
		s[0] = statusOK
	})
	// proxy_record_metric: counter add, gauge set, histogram sample.
	register("proxy_record_metric", []string{"metric_id", "i64:value"}, func(v *vm, s []uint64) {
		m := v.metricIDs[u32(s[0])]
		if m == nil {
			s[0] = statusNotFound
			return
		}
		v.h.metricsMu.Lock()
		switch m.typ {
		case 0:
			m.value += int64(s[1])
		case 1:
			m.value = int64(s[1])
		case 2:
			m.count++
		}
		v.h.metricsMu.Unlock()
		s[0] = statusOK
	})
	// proxy_get_metric: counters and gauges; histograms BadArgument as Envoy.
	register("proxy_get_metric", []string{"metric_id", "return_metric_value"}, func(v *vm, s []uint64) {
		m := v.metricIDs[u32(s[0])]
		if m == nil {
			s[0] = statusNotFound
			return
		}
		if m.typ == 2 {
			s[0] = statusBadArgument
			return
		}
		v.h.metricsMu.Lock()
		val := m.value
		v.h.metricsMu.Unlock()
		s[0] = okIf(v.putU64(u32(s[1]), uint64(val)))
	})
}
