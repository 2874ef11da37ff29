//! A fixed-capacity ring of the most recent values: no allocation, ever.

/// The last `N` values pushed, oldest first when iterated.
#[derive(Debug, Clone, Copy)]
pub struct Ring<T: Copy + Default, const N: usize> {
    buf: [T; N],
    head: usize,
    len: usize,
}

impl<T: Copy + Default, const N: usize> Default for Ring<T, N> {
    fn default() -> Self {
        Self {
            buf: [T::default(); N],
            head: 0,
            len: 0,
        }
    }
}

impl<T: Copy + Default, const N: usize> Ring<T, N> {
    /// Push a value, dropping the oldest when full.
    pub fn push(&mut self, v: T) {
        if N == 0 {
            return;
        }
        self.buf[self.head] = v;
        self.head = (self.head + 1) % N;
        self.len = (self.len + 1).min(N);
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most recent value.
    pub fn last(&self) -> Option<T> {
        (self.len > 0).then(|| self.buf[(self.head + N - 1) % N])
    }

    /// The most recent `n` values (or fewer), oldest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = T> + '_ {
        let n = n.min(self.len);
        (0..n).map(move |i| self.buf[(self.head + N - n + i) % N])
    }

    /// All values, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.recent(self.len)
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.len = 0;
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent() {
        let mut r: Ring<u32, 3> = Ring::default();
        assert_eq!(r.last(), None);
        for v in 1..=5 {
            r.push(v);
        }
        assert_eq!(r.iter().collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(r.recent(2).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(r.last(), Some(5));
        r.clear();
        assert!(r.is_empty());
    }
}
