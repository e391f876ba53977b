//! The injected random source. The session never seeds or reads randomness on its own: the
//! browser shell passes `crypto.getRandomValues`, tests pass a seeded generator, and every
//! random-looking choice (backoff jitter, a generated client id) becomes reproducible.

/// Where the session gets random numbers.
///
/// Any `FnMut() -> u32` is one: `Client::new(options, || 4)` works for a test.
pub trait RandomSource {
    /// A uniformly distributed `u32`.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> RandomSource for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}
