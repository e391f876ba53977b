//! Topic names and filters: validation and matching.
