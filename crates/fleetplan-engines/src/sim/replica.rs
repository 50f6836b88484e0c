//! One model replica: iteration-level continuous batching with chunked prefill and a paged KV
//! cache, kept in aggregates so a step costs O(1) plus O(requests that change state).
//!
//! Decoding requests are not visited per step. The replica keeps their count and the sum of
//! their context lengths (which grows by the count each step); each request's completion step
//! is known when it starts decoding and sits in a min-heap; the KV blocks a step needs are
//! counted by phase: a request that started decoding at step `s0` with `c0` cached tokens needs
//! a new block at step `s` exactly when `s ≡ s0 − c0 (mod block)`.

use super::config::ReplicaPool;
use super::engine::{Core, Req, State};
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
    pub fn new(pool: &ReplicaPool, role: Role) -> Self {
        let scheduler = pool.scheduler;
        let block = u64::from(scheduler.block_tokens);
        Replica {
            engine: pool.engine,
            role,
            up: true,
            epoch: 0,
            stepping: false,
            step_started_s: 0.0,
            busy_s: 0.0,
            budget: scheduler.max_batched_tokens,
            max_seqs: scheduler.max_num_seqs,
            block,
            blocks_total: (pool.engine.kv_capacity_tokens() / block as f64).floor() as u64,
            blocks_used: 0,
            step: 0,
            waiting: VecDeque::new(),
            prefilling: VecDeque::new(),
            decode_n: 0,
            decode_ctx_sum: 0,
            phase: vec![0; scheduler.block_tokens as usize],
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

    /// Tokens `req` still needs computed (prefill and decode).
    fn work(req: &Req) -> u64 {
        u64::from(req.prefill_target - req.prefilled.min(req.prefill_target))
            + u64::from(req.output - req.generated.min(req.output))
    }

    /// Queue a request (already marked waiting by the caller).
    pub fn enqueue(&mut self, req: &Req, id: u32) {
        self.waiting.push_back(id);
        self.outstanding_tokens += Self::work(req);
    }

    /// The step phase (mod the block size) at which a decoding request needs a new KV block.
    fn phase_of(&self, req: &Req) -> usize {
        let block = self.block;
        ((req.decode_start_step % block + block - u64::from(req.ctx0) % block) % block) as usize
    }

    fn join_decode(&mut self, core: &mut Core, id: u32) {
        let step = self.step;
        let req = &mut core.reqs[id as usize];
        req.state = State::Decoding;
        req.ctx0 = req.prefill_target;
        req.decode_start_step = step;
        let remaining = u64::from(req.output - req.generated);
        let req = *req;
        self.decode_n += 1;
        self.decode_ctx_sum += u64::from(req.ctx0);
        let phase = self.phase_of(&req);
        self.phase[phase] += 1;
        self.finish.push(Reverse((step + remaining, id, req.epoch)));
    }

    /// Remove a decoding request from the aggregates; returns its tokens generated so far and
    /// its context length.
    fn leave_decode(&mut self, req: &Req) -> (u32, u64) {
        let steps_decoded = self.step - req.decode_start_step;
        let context = u64::from(req.ctx0) + steps_decoded;
        self.blocks_used -= blocks(context, self.block);
        self.decode_n -= 1;
        self.decode_ctx_sum -= context;
        let phase = self.phase_of(req);
        self.phase[phase] -= 1;
        (req.generated + steps_decoded as u32, context)
    }

    /// Preempt the newest running request (recompute later). False when none is running.
    fn preempt_newest(&mut self, core: &mut Core) -> bool {
        while let Some((id, epoch)) = self.lifo.pop() {
            let before = core.reqs[id as usize];
            if before.epoch != epoch {
                continue;
            }
            let generated = match before.state {
                State::Decoding => self.leave_decode(&before).0,
                State::Prefilling => {
                    self.blocks_used -= blocks(u64::from(before.prefill_target), self.block);
                    self.remove_prefilling(id);
                    before.generated
                }
                _ => continue,
            };
            let now = core.now;
            let req = &mut core.reqs[id as usize];
            req.generated = generated;
            req.prefill_target = req.input + generated;
            req.prefilled = 0;
            req.epoch = req.epoch.wrapping_add(1);
            req.state = State::Waiting;
            req.enqueue_s = now;
            let work = Self::work(req);
            self.running -= 1;
            self.waiting.push_front(id);
            core.waiting += 1;
            core.out.preemptions += 1;
            // Recompute on top of what is left: remove the old contribution, add the new.
            self.outstanding_tokens = self.outstanding_tokens.saturating_sub(Self::work(&before)) + work;
            return true;
        }
        false
    }

    fn remove_prefilling(&mut self, id: u32) {
        if let Some(position) = self.prefilling.iter().position(|&queued| queued == id) {
            self.prefilling.remove(position);
        }
    }

    /// Admit the request at the head of the waiting queue when the KV blocks of its whole prefill
    /// target are free and a sequence slot is open: it leaves the queue, takes the blocks and
    /// counts as running. False (nothing changed) otherwise.
    fn admit_front(&mut self, core: &mut Core, id: u32, req: &Req) -> bool {
        if self.running >= self.max_seqs {
            return false;
        }
        let need = blocks(u64::from(req.prefill_target), self.block);
        if self.blocks_used + need > self.blocks_total {
            return false;
        }
        self.waiting.pop_front();
        core.leave_wait(id);
        self.blocks_used += need;
        self.running += 1;
        true
    }

    /// Build the next step; returns its duration, or None when there is nothing to do.
    pub fn schedule(&mut self, core: &mut Core) -> Option<f64> {
        if !self.up {
            return None;
        }
        self.admit_kv_ready(core);
        self.reserve_decode_blocks(core);
        let prefill = self.fill_prefill_chunks(core);
        if self.lifo.len() > 2 * self.running as usize + 64 {
            self.lifo.retain(|&(id, epoch)| core.reqs[id as usize].epoch == epoch);
        }
        if self.decode_n == 0 && self.chunks.is_empty() {
            return None;
        }
        let load = StepLoad {
            decode_tokens: f64::from(self.decode_n),
            decode_context_tokens: (self.decode_ctx_sum + u64::from(self.decode_n)) as f64,
            prefill_tokens: prefill.tokens as f64,
            prefill_pairs: prefill.pairs,
            prefill_sequences: f64::from(prefill.sequences),
        };
        Some(self.engine.step_time_s(&load))
    }

    /// Requests arriving with their KV cache (decode pool) join decoding directly.
    fn admit_kv_ready(&mut self, core: &mut Core) {
        while let Some(&id) = self.waiting.front() {
            let req = core.reqs[id as usize];
            if req.prefilled < req.prefill_target || !self.admit_front(core, id, &req) {
                break;
            }
            self.lifo.push((id, req.epoch));
            self.join_decode(core, id);
        }
    }

    /// Blocks for this step's decode tokens; preempt the newest requests if short.
    fn reserve_decode_blocks(&mut self, core: &mut Core) {
        loop {
            let need = u64::from(self.phase[(self.step % self.block) as usize]);
            if self.blocks_used + need <= self.blocks_total || !self.preempt_newest(core) {
                self.blocks_used += need;
                break;
            }
        }
    }

    /// Prefill chunks: running prefills first, then admissions, within the token budget left
    /// after the decode tokens. The chunks go to `self.chunks`; returns their totals.
    fn fill_prefill_chunks(&mut self, core: &mut Core) -> PrefillTally {
        let mut budget = self.budget.saturating_sub(self.decode_n);
        self.chunks.clear();
        let mut tally = PrefillTally::default();
        for &id in &self.prefilling {
            if budget == 0 {
                break;
            }
            tally.add(&mut self.chunks, id, &core.reqs[id as usize], &mut budget);
        }
        while budget > 0 {
            let Some(&id) = self.waiting.front() else { break };
            let req = core.reqs[id as usize];
            if req.prefilled >= req.prefill_target {
                break; // KV-ready: joins at the next step (admit_kv_ready).
            }
            if !self.admit_front(core, id, &req) {
                break;
            }
            let admitted = &mut core.reqs[id as usize];
            admitted.state = State::Prefilling;
            admitted.prefilled = 0;
            self.lifo.push((id, admitted.epoch));
            self.prefilling.push_back(id);
            tally.add(&mut self.chunks, id, admitted, &mut budget);
        }
        tally
    }

    /// Apply the step that just ended; prefill-pool requests that finished prefill are pushed to
    /// `departures`.
    pub fn finish_step(&mut self, core: &mut Core, departures: &mut Vec<u32>) {
        let decoding = self.decode_n;
        self.step += 1;
        self.decode_ctx_sum += u64::from(decoding);
        let chunk_tokens: u64 = self.chunks.iter().map(|chunk| u64::from(chunk.1)).sum();
        self.outstanding_tokens = self.outstanding_tokens.saturating_sub(u64::from(decoding) + chunk_tokens);
        self.complete_decodes(core);
        for index in 0..self.chunks.len() {
            let (id, chunk) = self.chunks[index];
            let req = &mut core.reqs[id as usize];
            req.prefilled += chunk;
            if req.prefilled < req.prefill_target {
                continue;
            }
            req.generated += 1;
            let req = *req;
            self.end_prefill(core, id, &req, departures);
        }
        self.chunks.clear();
    }

    /// Complete the decoding requests whose last token was this step's.
    fn complete_decodes(&mut self, core: &mut Core) {
        while let Some(&Reverse((finish_step, id, epoch))) = self.finish.peek() {
            if finish_step > self.step {
                break;
            }
            self.finish.pop();
            let req = core.reqs[id as usize];
            if req.epoch != epoch || req.state != State::Decoding {
                continue;
            }
            self.leave_decode(&req);
            self.running -= 1;
            core.complete(id);
        }
    }

    /// A request whose prefill finished this step (its first token generated): it completes,
    /// leaves for the decode pool (prefill role), or starts decoding here.
    fn end_prefill(&mut self, core: &mut Core, id: u32, req: &Req, departures: &mut Vec<u32>) {
        self.outstanding_tokens = self.outstanding_tokens.saturating_sub(1);
        self.remove_prefilling(id);
        core.first_token(id);
        if req.generated < req.output && self.role != Role::Prefill {
            self.join_decode(core, id);
            return;
        }
        self.blocks_used -= blocks(u64::from(req.prefill_target), self.block);
        self.running -= 1;
        if req.generated >= req.output {
            core.complete(id);
        } else {
            self.outstanding_tokens = self.outstanding_tokens.saturating_sub(Self::work(req));
            let departing = &mut core.reqs[id as usize];
            departing.epoch = departing.epoch.wrapping_add(1);
            departures.push(id);
        }
    }

    /// The replica fails: everything it held is returned (oldest running first, then the
    /// waiting queue) with its KV cache lost, and the replica is emptied and marked down.
    pub fn fail(&mut self, core: &mut Core) -> Vec<u32> {
        let mut evicted = Vec::with_capacity(self.running as usize + self.waiting.len());
        for &(id, epoch) in &self.lifo {
            let req = core.reqs[id as usize];
            if req.epoch != epoch || !matches!(req.state, State::Decoding | State::Prefilling) {
                continue;
            }
            let generated = if req.state == State::Decoding {
                req.generated + (self.step - req.decode_start_step) as u32
            } else {
                req.generated
            };
            core.reqs[id as usize].generated = generated;
            evicted.push(id);
        }
        for &id in &self.waiting {
            core.leave_wait(id);
            evicted.push(id);
        }
        for &id in &evicted {
            let req = &mut core.reqs[id as usize];
            req.prefill_target = req.input + req.generated;
            req.prefilled = 0;
            req.epoch = req.epoch.wrapping_add(1);
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
        evicted
    }
}

/// Totals of the prefill chunks of one step, for its [`StepLoad`].
#[derive(Debug, Default)]
struct PrefillTally {
    /// Prompt tokens computed.
    tokens: u64,
    /// Attention (query, key) pairs of those tokens.
    pairs: f64,
    /// Requests whose prefill the step completes.
    sequences: u32,
}

impl PrefillTally {
    /// Add a chunk of request `id` (as much of its remaining prefill as `budget` allows) to
    /// `chunks` and the totals, taking its tokens from `budget`.
    fn add(&mut self, chunks: &mut Vec<(u32, u32)>, id: u32, req: &Req, budget: &mut u32) {
        let chunk = (req.prefill_target - req.prefilled).min(*budget);
        let (chunk_f, prefilled_f) = (f64::from(chunk), f64::from(req.prefilled));
        chunks.push((id, chunk));
        self.tokens += u64::from(chunk);
        self.pairs += chunk_f * prefilled_f + chunk_f * (chunk_f + 1.0) / 2.0;
        self.sequences += u32::from(req.prefilled + chunk == req.prefill_target);
        *budget -= chunk;
    }
}
