//! The client session: a sans-IO state machine.
