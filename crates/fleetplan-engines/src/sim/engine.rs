//! The event loop: events ordered by (time, sequence number) in a heap, the request slab and
//! clock the replicas share ([`Core`]), and the simulation that routes arrivals, starts and ends
//! replica steps, hands KV caches between pools, fails and repairs replicas and samples the time
//! series. [`run_checked`] runs one configuration that [`SimConfig::check`] accepted.

use super::arrivals;
use super::config::{ArrivalSource, Pools, Routing, SimConfig};
use super::replica::{Replica, Role};
use super::result::{Sample, SimResult, ratio};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

/// Most time-series rows kept; past this, pairs of rows merge and the interval doubles.
pub const MAX_SAMPLES: usize = 4096;

/// Events between two calls of a progress callback.
pub const PROGRESS_EVENTS: u64 = 1 << 16;

/// Seed of replication `index` from the root seed (SplitMix64 of a golden-ratio stride), so a
/// replication's result does not depend on which thread runs it.
pub fn replication_seed(root: u64, index: u64) -> u64 {
    splitmix64(root ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn splitmix64(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    state = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    state = (state ^ (state >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    state ^ (state >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Arrival,
    StepEnd { replica: u32, epoch: u32 },
    TransferDone { req: u32 },
    Fail { replica: u32 },
    Repair { replica: u32 },
    Sample,
}

/// Heap entry ordered by (time, seq), earliest first.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    t: f64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        other.t.total_cmp(&self.t).then(other.seq.cmp(&self.seq))
    }
}

/// Request lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Free,
    Waiting,
    Prefilling,
    Decoding,
    Transferring,
    Parked,
}

/// Per-request state (slab entry).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Req {
    pub arrival_s: f64,
    pub input: u32,
    pub output: u32,
    /// Tokens generated, as of the last state change (decoding requests add steps since).
    pub generated: u32,
    /// Tokens whose KV must be computed before decoding (prompt, or prompt + generated after a
    /// preemption or retry).
    pub prefill_target: u32,
    pub prefilled: u32,
    /// Time of the first token (negative: not yet).
    pub first_token_s: f64,
    /// When the request last entered a waiting queue.
    pub enqueue_s: f64,
    pub wait_s: f64,
    /// Step index and KV length when decoding started.
    pub decode_start_step: u64,
    pub ctx0: u32,
    pub replica: u32,
    /// Bumped whenever the request leaves a replica, so stale heap entries can be skipped.
    pub epoch: u32,
    pub state: State,
}

impl Req {
    /// A request arriving now, waiting, nothing computed yet.
    fn arriving(now: f64, input: u32, output: u32) -> Self {
        Req {
            arrival_s: now,
            input,
            output,
            generated: 0,
            prefill_target: input,
            prefilled: 0,
            first_token_s: -1.0,
            enqueue_s: now,
            wait_s: 0.0,
            decode_start_step: 0,
            ctx0: 0,
            replica: 0,
            epoch: 0,
            state: State::Waiting,
        }
    }
}

/// State the replicas share: the clock, the request slab and the results.
pub(crate) struct Core<'a> {
    cfg: &'a SimConfig,
    pub now: f64,
    pub reqs: Vec<Req>,
    free: Vec<u32>,
    in_system: u64,
    pub waiting: u64,
    last_t: f64,
    pub out: SimResult,
}

/// A replica index range `[first, end)`: one pool.
type PoolRange = (u32, u32);

/// Which round-robin pointer a pool uses: the entry pool's or the decode pool's.
const ENTRY_POINTER: usize = 0;
const DECODE_POINTER: usize = 1;

struct Sim<'a> {
    core: Core<'a>,
    seq: u64,
    heap: BinaryHeap<Scheduled>,
    replicas: Vec<Replica>,
    /// Replica index range of the pool new arrivals go to, and of the decode pool.
    entry_pool: PoolRange,
    decode_pool: PoolRange,
    /// Round-robin pointers ([`ENTRY_POINTER`], [`DECODE_POINTER`]).
    rr: [u32; 2],
    parked: Vec<u32>,
    rng_arrivals: SmallRng,
    rng_failures: SmallRng,
    trace_next: usize,
    generated_requests: u64,
    arrivals_done: bool,
    // Time series.
    interval: f64,
    last_sample_busy: f64,
    completed_at_last_sample: u64,
}

/// Run one simulation of a configuration [`SimConfig::check`] accepted, with `seed`, calling
/// `progress` with completed-request increments. Once `stop` is raised the run ends at its next
/// progress tick (every [`PROGRESS_EVENTS`] events) with a partial result, which the caller
/// discards.
pub(crate) fn run_checked(
    cfg: &SimConfig,
    seed: u64,
    progress: Option<&(dyn Fn(u64) + Sync)>,
    stop: Option<&AtomicBool>,
) -> SimResult {
    let mut sim = Sim::new(cfg, seed);
    sim.run(progress, stop);
    sim.core.out
}

impl Core<'_> {
    /// Move the clock to `t`, integrating the queue lengths.
    #[inline]
    fn advance(&mut self, t: f64) {
        let dt = t - self.last_t;
        self.out.area_in_system += self.in_system as f64 * dt;
        self.out.area_waiting += self.waiting as f64 * dt;
        self.last_t = t;
        self.now = t;
    }

    fn alloc(&mut self, mut req: Req) -> u32 {
        if let Some(slot) = self.free.pop() {
            // Keep the slot's epoch running so stale heap and stack entries never match the
            // slot's next occupant.
            req.epoch = self.reqs[slot as usize].epoch.wrapping_add(1);
            self.reqs[slot as usize] = req;
            slot
        } else {
            self.reqs.push(req);
            (self.reqs.len() - 1) as u32
        }
    }

    fn release(&mut self, id: u32) {
        let req = &mut self.reqs[id as usize];
        req.state = State::Free;
        req.epoch = req.epoch.wrapping_add(1);
        self.free.push(id);
    }

    fn drop_req(&mut self, id: u32) {
        self.out.dropped += 1;
        self.in_system -= 1;
        self.release(id);
    }

    /// Leave a waiting queue (admission, or removal on failure).
    pub(crate) fn leave_wait(&mut self, id: u32) {
        let now = self.now;
        let req = &mut self.reqs[id as usize];
        req.wait_s += now - req.enqueue_s;
        self.waiting -= 1;
    }

    /// First token of a request (recorded once, even if it is later recomputed).
    pub(crate) fn first_token(&mut self, id: u32) {
        let now = self.now;
        let req = &mut self.reqs[id as usize];
        if req.first_token_s < 0.0 {
            req.first_token_s = now;
            self.out.ttft.record(now - req.arrival_s);
        }
    }

    /// Record a finished request and free its slot.
    pub(crate) fn complete(&mut self, id: u32) {
        let now = self.now;
        let req = self.reqs[id as usize];
        let ttft = req.first_token_s - req.arrival_s;
        self.out.e2e.record(now - req.arrival_s);
        self.out.queue_wait.record(req.wait_s);
        self.out.total_wait_s += req.wait_s;
        let mut slo_met = self.cfg.slo.ttft_s.is_none_or(|limit| ttft <= limit);
        if req.output > 1 {
            let tpot = (now - req.first_token_s) / f64::from(req.output - 1);
            self.out.tpot.record(tpot);
            slo_met &= self.cfg.slo.tpot_s.is_none_or(|limit| tpot <= limit);
        }
        self.out.slo_met += u64::from(slo_met);
        self.out.completed += 1;
        self.out.input_tokens += u64::from(req.input);
        self.out.output_tokens += u64::from(req.output);
        self.in_system -= 1;
        self.mark_window(now);
        self.release(id);
    }

    /// Note the steady-state window's edges: when 10 % and 90 % of `max_requests` have completed.
    fn mark_window(&mut self, now: f64) {
        let completed = self.out.completed;
        let max_requests = self.cfg.max_requests;
        if max_requests > 0 {
            if completed == max_requests.div_ceil(10) {
                self.out.window_s.0 = now;
            }
            if completed == (max_requests * 9).div_ceil(10) {
                self.out.window_s.1 = now;
            }
        }
    }
}

impl<'a> Sim<'a> {
    fn new(cfg: &'a SimConfig, seed: u64) -> Self {
        let mut replicas = Vec::new();
        let (entry_pool, decode_pool) = match &cfg.pools {
            Pools::Colocated(pool) => {
                replicas.extend((0..pool.replicas).map(|_| Replica::new(pool, Role::Mixed)));
                ((0, pool.replicas), (0, pool.replicas))
            }
            Pools::Disaggregated { prefill, decode, .. } => {
                replicas.extend((0..prefill.replicas).map(|_| Replica::new(prefill, Role::Prefill)));
                replicas.extend((0..decode.replicas).map(|_| Replica::new(decode, Role::Decode)));
                ((0, prefill.replicas), (prefill.replicas, prefill.replicas + decode.replicas))
            }
        };
        let replica_count = replicas.len() as u32;
        Sim {
            core: Core {
                cfg,
                now: 0.0,
                reqs: Vec::new(),
                free: Vec::new(),
                in_system: 0,
                waiting: 0,
                last_t: 0.0,
                out: SimResult::new(replica_count),
            },
            seq: 0,
            heap: BinaryHeap::with_capacity(64),
            replicas,
            entry_pool,
            decode_pool,
            rr: [0, 0],
            parked: Vec::new(),
            rng_arrivals: SmallRng::seed_from_u64(splitmix64(seed)),
            rng_failures: SmallRng::seed_from_u64(splitmix64(seed ^ 0x5EED_FA11)),
            trace_next: 0,
            generated_requests: 0,
            arrivals_done: false,
            interval: cfg.sample_interval_s.unwrap_or(0.0),
            last_sample_busy: 0.0,
            completed_at_last_sample: 0,
        }
    }

    fn push(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Scheduled { t, seq: self.seq, ev });
    }

    /// Schedule the next arrival (or mark arrivals done). Its lengths are drawn when it
    /// happens, from the same stream, so the whole sequence is fixed by the seed.
    fn schedule_arrival(&mut self, after: f64) {
        let cfg = self.core.cfg;
        if cfg.max_requests > 0 && self.generated_requests >= cfg.max_requests {
            self.arrivals_done = true;
            return;
        }
        let next_s = match &cfg.arrivals {
            ArrivalSource::Poisson { rate, .. } => rate.next_arrival(after, &mut self.rng_arrivals),
            ArrivalSource::Trace(rows) => rows.get(self.trace_next).map(|row| row.arrival_s),
        };
        match next_s {
            Some(t) if cfg.horizon_s.is_none_or(|horizon_s| t <= horizon_s) => self.push(t, Ev::Arrival),
            _ => self.arrivals_done = true,
        }
    }

    fn done(&self) -> bool {
        self.arrivals_done && self.core.in_system == 0
    }

    /// The events that start a run: the first arrival, each replica's first failure and the
    /// first time-series sample.
    fn schedule_start(&mut self) {
        self.schedule_arrival(0.0);
        if let Some(failures) = self.core.cfg.failures {
            for replica in 0..self.replicas.len() as u32 {
                let t = arrivals::exp1(&mut self.rng_failures) * failures.replica_mtbf_s;
                self.push(t, Ev::Fail { replica });
            }
        }
        if self.interval > 0.0 {
            self.push(self.interval, Ev::Sample);
        }
    }

    fn run(&mut self, progress: Option<&(dyn Fn(u64) + Sync)>, stop: Option<&AtomicBool>) {
        let mut events = 0u64;
        let mut reported = 0u64;
        self.schedule_start();
        while let Some(next) = self.heap.pop() {
            if self.done() {
                break;
            }
            events += 1;
            if events.is_multiple_of(PROGRESS_EVENTS) {
                if stop.is_some_and(|stop| stop.load(AtomicOrdering::Relaxed)) {
                    break;
                }
                if let Some(report) = progress {
                    report(self.core.out.completed - reported);
                    reported = self.core.out.completed;
                }
            }
            self.core.advance(next.t);
            self.handle(next.ev);
        }
        self.finish();
        if let Some(report) = progress {
            report(self.core.out.completed - reported);
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Arrival => self.on_arrival(),
            Ev::StepEnd { replica, epoch } => {
                if self.replicas[replica as usize].epoch == epoch {
                    self.end_step(replica);
                }
            }
            Ev::TransferDone { req } => self.route(req, self.decode_pool, DECODE_POINTER),
            Ev::Fail { replica } => self.on_fail(replica),
            Ev::Repair { replica } => self.on_repair(replica),
            Ev::Sample => self.on_sample(),
        }
    }

    /// Prompt and output lengths of the arrival happening now.
    fn next_lengths(&mut self) -> (u32, u32) {
        match &self.core.cfg.arrivals {
            ArrivalSource::Poisson { input, output, .. } => {
                (input.sample(&mut self.rng_arrivals), output.sample(&mut self.rng_arrivals))
            }
            ArrivalSource::Trace(rows) => {
                let row = rows[self.trace_next];
                self.trace_next += 1;
                (row.input_tokens, row.output_tokens)
            }
        }
    }

    fn on_arrival(&mut self) {
        let (input, output) = self.next_lengths();
        self.generated_requests += 1;
        let now = self.core.now;
        self.schedule_arrival(now);
        let core = &mut self.core;
        core.out.arrived += 1;
        let id = core.alloc(Req::arriving(now, input, output));
        core.in_system += 1;
        // A request longer than a whole replica's KV cache can never run.
        if !self.replicas.iter().all(|replica| replica.fits(input, output)) {
            self.core.drop_req(id);
            return;
        }
        self.route(id, self.entry_pool, ENTRY_POINTER);
    }

    /// The replica of `pool` that is up and that the routing policy picks; None when all are
    /// down. `pointer` selects the round-robin pointer.
    fn pick_replica(&mut self, pool: PoolRange, pointer: usize) -> Option<u32> {
        let (first, end) = pool;
        let replicas = &self.replicas;
        let is_up = |index: &u32| replicas[*index as usize].up;
        match self.core.cfg.routing {
            Routing::RoundRobin => {
                let size = end - first;
                let start = self.rr[pointer];
                let found =
                    (0..size).map(|offset| (offset, first + (start + offset) % size)).find(|(_, index)| is_up(index));
                if let Some((offset, _)) = found {
                    self.rr[pointer] = (start + offset + 1) % size;
                }
                found.map(|(_, index)| index)
            }
            Routing::LeastWork => {
                (first..end).filter(is_up).min_by_key(|&index| replicas[index as usize].outstanding_tokens)
            }
            Routing::ShortestQueue => (first..end).filter(is_up).min_by_key(|&index| replicas[index as usize].held()),
        }
    }

    /// Pick a replica that is up in `pool` for request `id` and queue it there (or park it
    /// when every replica of the pool is down). `pointer` selects the round-robin pointer.
    fn route(&mut self, id: u32, pool: PoolRange, pointer: usize) {
        let pick = self.pick_replica(pool, pointer);
        let core = &mut self.core;
        let now = core.now;
        let Some(index) = pick else {
            core.waiting += 1;
            let req = &mut core.reqs[id as usize];
            req.enqueue_s = now;
            req.state = State::Parked;
            self.parked.push(id);
            return;
        };
        let replica = &mut self.replicas[index as usize];
        if core.cfg.max_queue_per_replica.is_some_and(|limit| replica.waiting.len() as u64 >= u64::from(limit)) {
            core.drop_req(id);
            return;
        }
        core.waiting += 1;
        let req = &mut core.reqs[id as usize];
        req.enqueue_s = now;
        req.state = State::Waiting;
        req.replica = index;
        replica.enqueue(req, id);
        if !replica.stepping {
            self.start_step(index);
        }
    }

    fn start_step(&mut self, index: u32) {
        let replica = &mut self.replicas[index as usize];
        if replica.stepping {
            return;
        }
        if let Some(step_s) = replica.schedule(&mut self.core) {
            let now = self.core.now;
            replica.stepping = true;
            replica.step_started_s = now;
            let epoch = replica.epoch;
            self.core.out.steps += 1;
            self.push(now + step_s, Ev::StepEnd { replica: index, epoch });
        }
    }

    fn end_step(&mut self, index: u32) {
        let replica = &mut self.replicas[index as usize];
        replica.busy_s += self.core.now - replica.step_started_s;
        replica.stepping = false;
        let mut departures = std::mem::take(&mut replica.departures);
        replica.finish_step(&mut self.core, &mut departures);
        if let Pools::Disaggregated { kv_transfer_s_per_token, kv_transfer_latency_s, .. } = self.core.cfg.pools {
            // Prefill pool: hand the KV cache to the decode pool.
            for &id in &departures {
                let req = &mut self.core.reqs[id as usize];
                req.state = State::Transferring;
                let done_s =
                    self.core.now + kv_transfer_latency_s + f64::from(req.prefill_target) * kv_transfer_s_per_token;
                self.push(done_s, Ev::TransferDone { req: id });
            }
        }
        departures.clear();
        self.replicas[index as usize].departures = departures;
        self.start_step(index);
    }

    /// The pool of replica `index` and its round-robin pointer.
    fn pool_of(&self, index: u32) -> (PoolRange, usize) {
        if index >= self.entry_pool.0 && index < self.entry_pool.1 {
            (self.entry_pool, ENTRY_POINTER)
        } else {
            (self.decode_pool, DECODE_POINTER)
        }
    }

    fn on_fail(&mut self, index: u32) {
        let Some(failures) = self.core.cfg.failures else { return };
        self.core.out.failures += 1;
        let replica = &mut self.replicas[index as usize];
        if replica.stepping {
            replica.busy_s += self.core.now - replica.step_started_s;
        }
        let evicted = replica.fail(&mut self.core);
        let (pool, pointer) = self.pool_of(index);
        for id in evicted {
            self.core.out.retried += 1;
            self.route(id, pool, pointer);
        }
        let repaired_s = self.core.now + failures.repair_s;
        self.push(repaired_s, Ev::Repair { replica: index });
    }

    fn on_repair(&mut self, index: u32) {
        let Some(failures) = self.core.cfg.failures else { return };
        self.replicas[index as usize].up = true;
        let next_failure_s = self.core.now + arrivals::exp1(&mut self.rng_failures) * failures.replica_mtbf_s;
        self.push(next_failure_s, Ev::Fail { replica: index });
        let (pool, pointer) = self.pool_of(index);
        for id in std::mem::take(&mut self.parked) {
            self.core.leave_wait(id);
            // Requests holding a transferred KV cache go to the decode pool, the rest to the
            // pool of the repaired replica.
            let req = self.core.reqs[id as usize];
            if req.prefilled >= req.prefill_target {
                self.route(id, self.decode_pool, DECODE_POINTER);
            } else {
                self.route(id, pool, pointer);
            }
        }
        self.start_step(index);
    }

    fn busy_now(&self) -> f64 {
        let now = self.core.now;
        self.replicas
            .iter()
            .map(|replica| replica.busy_s + if replica.stepping { now - replica.step_started_s } else { 0.0 })
            .sum()
    }

    fn sample_row(&mut self, span_s: f64) -> Sample {
        let busy_s = self.busy_now();
        let replica_count = self.replicas.len() as f64;
        let (blocks_used, blocks_total) = self
            .replicas
            .iter()
            .fold((0u64, 0u64), |(used, total), replica| (used + replica.blocks_used, total + replica.blocks_total));
        let row = Sample {
            t_s: self.core.now,
            waiting: self.core.waiting,
            running: self.replicas.iter().map(|replica| u64::from(replica.running)).sum(),
            completed: self.core.out.completed - self.completed_at_last_sample,
            utilization: ratio(busy_s - self.last_sample_busy, span_s * replica_count),
            kv_usage: ratio(blocks_used as f64, blocks_total as f64),
            replicas_up: self.replicas.iter().filter(|replica| replica.up).count() as u32,
        };
        self.last_sample_busy = busy_s;
        self.completed_at_last_sample = self.core.out.completed;
        row
    }

    fn on_sample(&mut self) {
        let row = self.sample_row(self.interval);
        let series = &mut self.core.out.series;
        series.push(row);
        if series.len() >= MAX_SAMPLES {
            *series = thin(series);
            self.interval *= 2.0;
        }
        if !self.done() {
            let next_s = self.core.now + self.interval;
            self.push(next_s, Ev::Sample);
        }
    }

    fn finish(&mut self) {
        let now = self.core.now;
        self.core.out.duration_s = now;
        self.core.out.busy_s = self.replicas.iter().map(|replica| replica.busy_s).sum();
        if self.interval > 0.0 {
            let last_s = self.core.out.series.last().map_or(0.0, |row| row.t_s);
            if now > last_s {
                let row = self.sample_row(now - last_s);
                self.core.out.series.push(row);
            }
        }
    }
}

/// Halve a time series: merge pairs of rows (sum completions, average utilisation, keep the
/// later point).
fn thin(series: &[Sample]) -> Vec<Sample> {
    series
        .chunks(2)
        .map(|pair| {
            let mut merged = pair[pair.len() - 1];
            merged.completed = pair.iter().map(|row| row.completed).sum();
            merged.utilization = pair.iter().map(|row| row.utilization).sum::<f64>() / pair.len() as f64;
            merged
        })
        .collect()
}
