//! One model replica: iteration-level continuous batching with chunked prefill and a paged KV
//! cache, kept in aggregates so a step costs O(1) plus O(requests that change state).
//!
//! Decoding requests are not visited per step. The replica keeps their count and the sum of
//! their context lengths (which grows by the count each step); each request's completion step
//! is known when it starts decoding and sits in a min-heap; the KV blocks a step needs are
//! counted by phase: a request that started decoding at step `s0` with `c0` cached tokens needs
//! a new block at step `s` exactly when `s ≡ s0 − c0 (mod block)`.

use super::{Core, Pool, Req, State};
use fleetplan_models::infer::{InferenceEngine, StepLoad};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a replica does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Prefill and decode (colocated).
    Mixed,
    /// Prefill only; requests leave after their first token.
    Prefill,
    /// Decode only (requests arrive with their KV cache; recomputes after preemption).
    Decode,
}

pub(crate) struct Replica {
    engine: InferenceEngine,
    role: Role,
    pub up: bool,
    /// Bumped on failure so the in-flight step's end event is ignored.
    pub epoch: u32,
    pub stepping: bool,
    pub step_started_s: f64,
    pub busy_s: f64,
    budget: u32,
    max_seqs: u32,
    block: u64,
    pub blocks_total: u64,
    pub blocks_used: u64,
    step: u64,
    pub waiting: VecDeque<u32>,
    prefilling: VecDeque<u32>,
    decode_n: u32,
    decode_ctx_sum: u64,
    phase: Vec<u32>,
    finish: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// Running requests in admission order, (id, epoch); stale entries are skipped.
    lifo: Vec<(u32, u32)>,
    pub running: u32,
    chunks: Vec<(u32, u32)>,
    pub departures: Vec<u32>,
    /// Tokens still to compute (prefill and decode) for the requests held.
    pub outstanding_tokens: u64,
}

#[inline]
fn blocks(tokens: u64, block: u64) -> u64 {
    tokens.div_ceil(block)
}

impl Replica {
    pub fn new(pool: &Pool, role: Role) -> Self {
        let s = pool.scheduler;
        let block = u64::from(s.block_tokens);
        Replica {
            engine: pool.engine,
            role,
            up: true,
            epoch: 0,
            stepping: false,
            step_started_s: 0.0,
            busy_s: 0.0,
            budget: s.max_batched_tokens,
            max_seqs: s.max_num_seqs,
            block,
            blocks_total: (pool.engine.kv_capacity_tokens() / block as f64).floor() as u64,
            blocks_used: 0,
            step: 0,
            waiting: VecDeque::new(),
            prefilling: VecDeque::new(),
            decode_n: 0,
            decode_ctx_sum: 0,
            phase: vec![0; s.block_tokens as usize],
            finish: BinaryHeap::new(),
            lifo: Vec::new(),
            running: 0,
            chunks: Vec::new(),
            departures: Vec::new(),
            outstanding_tokens: 0,
        }
    }

    /// Whether a request of this size can ever run here (its whole context fits the cache).
    pub fn fits(&self, input: u32, output: u32) -> bool {
        let ctx = match self.role {
            Role::Prefill => u64::from(input),
            _ => u64::from(input) + u64::from(output),
        };
        blocks(ctx, self.block) <= self.blocks_total
    }

    /// Requests held (waiting + running).
    pub fn held(&self) -> u64 {
        self.waiting.len() as u64 + u64::from(self.running)
    }

    fn work(q: &Req) -> u64 {
        u64::from(q.prefill_target - q.prefilled.min(q.prefill_target))
            + u64::from(q.output - q.generated.min(q.output))
    }

    /// Queue a request (already marked waiting by the caller).
    pub fn enqueue(&mut self, q: &Req, id: u32) {
        self.waiting.push_back(id);
        self.outstanding_tokens += Self::work(q);
    }

    fn phase_of(&self, q: &Req) -> usize {
        let b = self.block;
        ((q.decode_start_step % b + b - u64::from(q.ctx0) % b) % b) as usize
    }

    fn join_decode(&mut self, core: &mut Core, id: u32) {
        let step = self.step;
        let q = &mut core.reqs[id as usize];
        q.state = State::Decoding;
        q.ctx0 = q.prefill_target;
        q.decode_start_step = step;
        let remaining = u64::from(q.output - q.generated);
        let (ctx0, epoch) = (q.ctx0, q.epoch);
        let q = *q;
        self.decode_n += 1;
        self.decode_ctx_sum += u64::from(ctx0);
        let ph = self.phase_of(&q);
        self.phase[ph] += 1;
        self.finish.push(Reverse((step + remaining, id, epoch)));
    }

    /// Remove a decoding request from the aggregates; returns its tokens generated so far.
    fn leave_decode(&mut self, q: &Req) -> (u32, u64) {
        let k = self.step - q.decode_start_step;
        let ctx = u64::from(q.ctx0) + k;
        self.blocks_used -= blocks(ctx, self.block);
        self.decode_n -= 1;
        self.decode_ctx_sum -= ctx;
        let ph = self.phase_of(q);
        self.phase[ph] -= 1;
        (q.generated + k as u32, ctx)
    }

    /// Preempt the newest running request (recompute later). False when none is running.
    fn preempt_newest(&mut self, core: &mut Core) -> bool {
        while let Some((id, ep)) = self.lifo.pop() {
            let q = core.reqs[id as usize];
            if q.epoch != ep {
                continue;
            }
            let generated = match q.state {
                State::Decoding => self.leave_decode(&q).0,
                State::Prefilling => {
                    self.blocks_used -= blocks(u64::from(q.prefill_target), self.block);
                    if let Some(p) = self.prefilling.iter().position(|&x| x == id) {
                        self.prefilling.remove(p);
                    }
                    q.generated
                }
                _ => continue,
            };
            let now = core.now;
            let r = &mut core.reqs[id as usize];
            r.generated = generated;
            r.prefill_target = r.input + generated;
            r.prefilled = 0;
            r.epoch = r.epoch.wrapping_add(1);
            r.state = State::Waiting;
            r.enqueue_s = now;
            let work = Self::work(r);
            self.running -= 1;
            self.waiting.push_front(id);
            core.waiting += 1;
            core.out.preemptions += 1;
            // Recompute on top of what is left: remove the old contribution, add the new.
            self.outstanding_tokens = self.outstanding_tokens.saturating_sub(Self::work(&q)) + work;
            return true;
        }
        false
    }

    /// Build the next step; returns its duration, or None when there is nothing to do.
    pub fn schedule(&mut self, core: &mut Core) -> Option<f64> {
        if !self.up {
            return None;
        }
        let b = self.block;
        // A. Requests arriving with their KV cache (decode pool) join decoding directly.
        while let Some(&id) = self.waiting.front() {
            let q = core.reqs[id as usize];
            if q.prefilled < q.prefill_target || self.running >= self.max_seqs {
                break;
            }
            let need = blocks(u64::from(q.prefill_target), b);
            if self.blocks_used + need > self.blocks_total {
                break;
            }
            self.waiting.pop_front();
            core.leave_wait(id);
            self.blocks_used += need;
            self.running += 1;
            self.lifo.push((id, q.epoch));
            self.join_decode(core, id);
        }
        // B. Blocks for this step's decode tokens; preempt the newest requests if short.
        loop {
            let need = u64::from(self.phase[(self.step % b) as usize]);
            if self.blocks_used + need <= self.blocks_total || !self.preempt_newest(core) {
                self.blocks_used += need;
                break;
            }
        }
        // C. Prefill chunks: running prefills first, then admissions, within the token budget.
        let mut budget = self.budget.saturating_sub(self.decode_n);
        self.chunks.clear();
        let (mut tokens, mut pairs, mut seqs) = (0u64, 0.0f64, 0u32);
        let mut add = |chunks: &mut Vec<(u32, u32)>, id: u32, q: &Req, budget: &mut u32| {
            let c = (q.prefill_target - q.prefilled).min(*budget);
            let (cf, pf) = (f64::from(c), f64::from(q.prefilled));
            chunks.push((id, c));
            tokens += u64::from(c);
            pairs += cf * pf + cf * (cf + 1.0) / 2.0;
            seqs += u32::from(q.prefilled + c == q.prefill_target);
            *budget -= c;
        };
        for &id in &self.prefilling {
            if budget == 0 {
                break;
            }
            add(&mut self.chunks, id, &core.reqs[id as usize], &mut budget);
        }
        while budget > 0 && self.running < self.max_seqs {
            let Some(&id) = self.waiting.front() else { break };
            let q = core.reqs[id as usize];
            if q.prefilled >= q.prefill_target {
                break; // KV-ready: joins at the next step (A).
            }
            let need = blocks(u64::from(q.prefill_target), b);
            if self.blocks_used + need > self.blocks_total {
                break;
            }
            self.waiting.pop_front();
            core.leave_wait(id);
            self.blocks_used += need;
            self.running += 1;
            let r = &mut core.reqs[id as usize];
            r.state = State::Prefilling;
            r.prefilled = 0;
            self.lifo.push((id, r.epoch));
            self.prefilling.push_back(id);
            add(&mut self.chunks, id, r, &mut budget);
        }
        if self.lifo.len() > 2 * self.running as usize + 64 {
            self.lifo.retain(|&(id, ep)| core.reqs[id as usize].epoch == ep);
        }
        if self.decode_n == 0 && self.chunks.is_empty() {
            return None;
        }
        let load = StepLoad {
            decode_tokens: f64::from(self.decode_n),
            decode_context_tokens: (self.decode_ctx_sum + u64::from(self.decode_n)) as f64,
            prefill_tokens: tokens as f64,
            prefill_pairs: pairs,
            prefill_sequences: f64::from(seqs),
        };
        Some(self.engine.step_time_s(&load))
    }

    /// Apply the step that just ended; prefill-pool requests that finished prefill are pushed to
    /// `departures`.
    pub fn finish_step(&mut self, core: &mut Core, departures: &mut Vec<u32>) {
        let n = self.decode_n;
        self.step += 1;
        self.decode_ctx_sum += u64::from(n);
        let chunk_tokens: u64 = self.chunks.iter().map(|c| u64::from(c.1)).sum();
        self.outstanding_tokens = self.outstanding_tokens.saturating_sub(u64::from(n) + chunk_tokens);
        while let Some(&Reverse((s, id, ep))) = self.finish.peek() {
            if s > self.step {
                break;
            }
            self.finish.pop();
            let q = core.reqs[id as usize];
            if q.epoch != ep || q.state != State::Decoding {
                continue;
            }
            self.leave_decode(&q);
            self.running -= 1;
            core.complete(id);
        }
        for i in 0..self.chunks.len() {
            let (id, c) = self.chunks[i];
            let q = &mut core.reqs[id as usize];
            q.prefilled += c;
            if q.prefilled < q.prefill_target {
                continue;
            }
            q.generated += 1;
            let q = *q;
            self.outstanding_tokens = self.outstanding_tokens.saturating_sub(1);
            if let Some(p) = self.prefilling.iter().position(|&x| x == id) {
                self.prefilling.remove(p);
            }
            core.first_token(id);
            if q.generated >= q.output || self.role == Role::Prefill {
                self.blocks_used -= blocks(u64::from(q.prefill_target), self.block);
                self.running -= 1;
                if q.generated >= q.output {
                    core.complete(id);
                } else {
                    self.outstanding_tokens = self.outstanding_tokens.saturating_sub(Self::work(&q));
                    let r = &mut core.reqs[id as usize];
                    r.epoch = r.epoch.wrapping_add(1);
                    departures.push(id);
                }
            } else {
                self.join_decode(core, id);
            }
        }
        self.chunks.clear();
    }

    /// The replica fails: everything it held is returned (oldest running first, then the
    /// waiting queue) with its KV cache lost, and the replica is emptied and marked down.
    pub fn fail(&mut self, core: &mut Core) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.running as usize + self.waiting.len());
        for &(id, ep) in &self.lifo {
            let q = core.reqs[id as usize];
            if q.epoch != ep || !matches!(q.state, State::Decoding | State::Prefilling) {
                continue;
            }
            let generated = if q.state == State::Decoding {
                q.generated + (self.step - q.decode_start_step) as u32
            } else {
                q.generated
            };
            core.reqs[id as usize].generated = generated;
            out.push(id);
        }
        for &id in &self.waiting {
            core.leave_wait(id);
            out.push(id);
        }
        for &id in &out {
            let r = &mut core.reqs[id as usize];
            r.prefill_target = r.input + r.generated;
            r.prefilled = 0;
            r.epoch = r.epoch.wrapping_add(1);
        }
        self.up = false;
        self.epoch = self.epoch.wrapping_add(1);
        self.stepping = false;
        self.blocks_used = 0;
        self.decode_n = 0;
        self.decode_ctx_sum = 0;
        self.phase.iter_mut().for_each(|p| *p = 0);
        self.finish.clear();
        self.lifo.clear();
        self.prefilling.clear();
        self.waiting.clear();
        self.running = 0;
        self.chunks.clear();
        self.outstanding_tokens = 0;
        out
    }
}
