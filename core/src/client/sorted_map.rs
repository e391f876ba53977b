//! A small ordered map: a `VecDeque` of pairs kept sorted by key. Lookups are a binary search,
//! iteration is in key order, and removing or adding at either end is cheap — the common case
//! here, where keys grow over time (send order, packet ids, operation ids) and flows mostly end
//! oldest first. It stands in for `BTreeMap`, whose node code costs several KB of wasm for every
//! key/value type it is used with, in the per-connection tables of the session and the shell.

use alloc::collections::VecDeque;
use core::borrow::Borrow;

#[derive(Debug, Clone)]
pub struct SortedMap<K, V> {
    entries: VecDeque<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self {
            entries: VecDeque::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let index = self.find(key).ok()?;
        self.entries.get(index).map(|(_, v)| v)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let index = self.find(key).ok()?;
        self.entries.get_mut(index).map(|(_, v)| v)
    }

    /// Adds or replaces; gives back the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(index) => self
                .entries
                .get_mut(index)
                .map(|(_, slot)| core::mem::replace(slot, value)),
            Err(index) => {
                self.entries.insert(index, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let index = self.find(key).ok()?;
        self.entries.remove(index).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, emptying the map.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::SortedMap;
    use crate::prelude::*;
    use alloc::collections::BTreeMap;

    #[test]
    fn behaves_like_a_btree_map() {
        let mut ours = SortedMap::new();
        let mut reference = BTreeMap::new();
        // A fixed pseudo-random walk of inserts, replacements and removals.
        let mut x: u32 = 12_345;
        for _ in 0..5_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (x >> 16) % 200;
            match x % 3 {
                0 => assert_eq!(ours.remove(&key), reference.remove(&key)),
                _ => assert_eq!(ours.insert(key, x), reference.insert(key, x)),
            }
            assert_eq!(ours.get(&key), reference.get(&key));
            assert_eq!(ours.len(), reference.len());
        }
        assert!(ours.values().eq(reference.values()));
        if let Some(value) = ours.get_mut(&reference.keys().next().copied().unwrap_or(0)) {
            *value = 7;
        }
        let first: Vec<u32> = ours.into_values().take(1).collect();
        assert_eq!(first.len(), usize::from(!reference.is_empty()));
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let mut map = SortedMap::new();
        map.insert("b".to_owned(), 2);
        map.insert("a".to_owned(), 1);
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.remove("b"), Some(2));
        assert_eq!(map.get("b"), None);
        assert!(map.values().eq([1].iter()));
        map.clear();
        assert_eq!(map.len(), 0);
    }
}
