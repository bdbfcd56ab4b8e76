//! What the load generator asks for: a seeded generator, a Zipfian choice of
//! accounts (a few hot ones, a long tail), and a mix of operations.

/// SplitMix64: small, fast and good enough to drive a benchmark; seeded, so that a
/// run is reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Account `i` is chosen with probability proportional to 1 / (i + 1)^s: with s near
/// 1 a handful of accounts take most of the load. s = 0 is uniform.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for i in 0..n {
            total += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Self { cdf }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.next_f64();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len().saturating_sub(1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Deposit,
    Withdraw,
    Transfer,
    Balance,
    /// The standard gRPC health check: a call through the server's transport that
    /// reads nothing from Redis (the floor of a call's latency, for comparison).
    Health,
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Deposit => "deposit",
            Op::Withdraw => "withdraw",
            Op::Transfer => "transfer",
            Op::Balance => "balance",
            Op::Health => "health",
        }
    }
}

/// Operations in percentages that add up to 100.
#[derive(Debug, Clone)]
pub struct Mix(Vec<(Op, u32)>);

impl Mix {
    /// "deposit=50,withdraw=30,transfer=10,balance=10" (and "health").
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        for item in text.split(',') {
            let (name, pct) =
                item.split_once('=').ok_or_else(|| format!("expected OP=PERCENT, got {item:?}"))?;
            let op = match name.trim() {
                "deposit" => Op::Deposit,
                "withdraw" => Op::Withdraw,
                "transfer" => Op::Transfer,
                "balance" => Op::Balance,
                "health" => Op::Health,
                other => return Err(format!("unknown operation {other:?}")),
            };
            let pct: u32 = pct.trim().parse().map_err(|_| format!("bad percentage in {item:?}"))?;
            parts.push((op, pct));
        }
        if parts.iter().map(|(_, p)| p).sum::<u32>() != 100 {
            return Err("the percentages must add up to 100".into());
        }
        Ok(Self(parts))
    }

    pub fn pick(&self, rng: &mut Rng) -> Op {
        let mut roll = rng.below(100) as u32;
        for (op, pct) in &self.0 {
            if roll < *pct {
                return *op;
            }
            roll -= pct;
        }
        self.0.last().map_or(Op::Balance, |(op, _)| *op)
    }

    pub fn has(&self, op: Op) -> bool {
        self.0.iter().any(|(o, p)| *o == op && *p > 0)
    }

    pub fn describe(&self) -> String {
        self.0.iter().map(|(o, p)| format!("{}={p}", o.name())).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_is_skewed_and_uniform_at_zero() {
        let mut rng = Rng::new(42);
        let z = Zipf::new(1000, 0.99);
        let mut hits = vec![0u32; 1000];
        for _ in 0..100_000 {
            hits[z.sample(&mut rng)] += 1;
        }
        assert!(hits[0] > 10 * hits[500], "{} vs {}", hits[0], hits[500]);
        let u = Zipf::new(10, 0.0);
        let mut hits = [0u32; 10];
        for _ in 0..100_000 {
            hits[u.sample(&mut rng)] += 1;
        }
        assert!(hits.iter().all(|&h| (9_000..11_000).contains(&h)), "{hits:?}");
    }

    #[test]
    fn mixes() {
        let m = Mix::parse("deposit=50,withdraw=30,transfer=10,balance=10").unwrap();
        assert!(m.has(Op::Transfer));
        let mut rng = Rng::new(1);
        let deposits = (0..10_000).filter(|_| m.pick(&mut rng) == Op::Deposit).count();
        assert!((4_500..5_500).contains(&deposits));
        assert!(Mix::parse("deposit=50").is_err());
        assert!(Mix::parse("steal=100").is_err());
        assert_eq!(Mix::parse("deposit=100").unwrap().describe(), "deposit=100");
        let h = Mix::parse("health=100").unwrap();
        assert!(h.has(Op::Health) && !h.has(Op::Deposit));
        assert_eq!(h.pick(&mut rng), Op::Health);
        assert_eq!(h.describe(), "health=100");
    }
}
