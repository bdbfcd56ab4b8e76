//! Request ids judged by their idempotency window.

use std::collections::{HashMap, VecDeque};

/// An account's request ids within one idempotency window: how often each was
/// applied again while its first application was remembered. Entries come in time
/// order, so an id last seen a window ago is judged and forgotten.
pub(super) struct RequestIds {
    window_millis: i64,
    /// Per id: the time it was last applied, the current run of applications each
    /// within the window of the one before, and the longest such run.
    seen: HashMap<String, (i64, usize, usize)>,
    /// Applications in time order, to forget ids once a window has passed.
    order: VecDeque<(i64, String)>,
    distinct: usize,
    duplicates: Vec<(String, usize)>,
}

impl RequestIds {
    pub(super) fn new(window_millis: i64) -> Self {
        Self {
            window_millis,
            seen: HashMap::new(),
            order: VecDeque::new(),
            distinct: 0,
            duplicates: Vec::new(),
        }
    }

    pub(super) fn see(&mut self, key: String, at: i64) {
        while let Some((time, _)) = self.order.front()
            && at.saturating_sub(*time) >= self.window_millis
        {
            let Some((time, old)) = self.order.pop_front() else { break };
            if self.seen.get(&old).is_some_and(|(last, _, _)| *last == time)
                && let Some((_, _, worst)) = self.seen.remove(&old)
                && worst > 1
            {
                self.duplicates.push((old, worst));
            }
        }
        match self.seen.get_mut(&key) {
            Some((last, run, worst)) => {
                *run = if at.saturating_sub(*last) < self.window_millis { *run + 1 } else { 1 };
                *worst = (*worst).max(*run);
                *last = at;
            }
            None => {
                self.distinct += 1;
                self.seen.insert(key.clone(), (at, 1, 1));
            }
        }
        self.order.push_back((at, key));
    }

    /// Distinct ids, and those applied more than once within a window, with how often.
    pub(super) fn finish(mut self) -> (usize, Vec<(String, usize)>) {
        self.duplicates.extend(
            self.seen.into_iter().filter(|(_, (_, _, worst))| *worst > 1).map(|(k, (_, _, w))| (k, w)),
        );
        (self.distinct, self.duplicates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worst run of applications of one id, each within a window of the one
    /// before, with other ids in between.
    fn worst(times: &[i64], window: i64) -> usize {
        let mut ids = RequestIds::new(window);
        for (n, t) in times.iter().enumerate() {
            ids.see("r".into(), *t);
            ids.see(format!("other-{n}"), *t);
        }
        let (distinct, duplicates) = ids.finish();
        assert!(distinct >= times.len());
        duplicates.iter().filter(|(k, _)| k == "r").map(|(_, n)| *n).max().unwrap_or(1)
    }

    #[test]
    fn a_request_id_counts_twice_only_within_its_window() {
        let day = 86_400_000;
        assert_eq!(worst(&[5], day), 1);
        assert_eq!(worst(&[0, day], day), 1, "reused once the record expired");
        assert_eq!(worst(&[0, day - 1], day), 2);
        assert_eq!(worst(&[0, 2 * day, 2 * day + 5, 3 * day + 10], day), 2);
        assert_eq!(worst(&[0, 1, 2], day), 3);
        assert_eq!(
            worst(&[0, 1, 5 * day, 5 * day + 1, 5 * day + 2], day),
            3,
            "judged per window, the worst kept"
        );
    }
}
