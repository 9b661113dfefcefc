//! The attention state (KV cache) of a token sequence.
use std::sync::Arc;

/// Keys and values of one layer: one row of `n_kv_head * head_dim` f32 per position, so appending a
/// position is a push.
#[derive(Clone, Debug, Default)]
pub(crate) struct LayerKv {
    pub k: Vec<f32>,
    pub v: Vec<f32>,
}

/// The attention state of a token sequence: every layer's keys and values, and the token ids.
///
/// A persistent value: its positions are a shared, frozen part (behind an `Arc`: what [`crate::Model::prefill`]
/// returns and a restored prefix file holds) followed by positions it owns. Cloning copies only the owned
/// part, so one program prefix serves any number of concurrent calls and none sees the others' tokens.
#[derive(Clone, Debug, Default)]
pub struct KvState {
    shared: Arc<[LayerKv]>,
    own: Vec<LayerKv>,
    tokens: Vec<u32>,
}

impl KvState {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// A state whose positions are all shared.
    pub(crate) fn frozen(layers: Vec<LayerKv>, tokens: Vec<u32>) -> Self {
        Self { shared: layers.into(), own: Vec::new(), tokens }
    }

    /// The same positions, all moved into the shared part (so clones of the result copy nothing).
    pub(crate) fn freeze(self) -> Self {
        if self.own.is_empty() {
            return self;
        }
        let layers = (0..self.own.len()).map(|i| self.layer_rows(i)).collect();
        Self::frozen(layers, self.tokens)
    }

    /// Layer `i`'s keys and values in position order, as up to two stored segments each.
    pub(crate) fn layer(&self, i: usize) -> ([&[f32]; 2], [&[f32]; 2]) {
        fn keys(l: Option<&LayerKv>) -> &[f32] {
            l.map_or(&[], |l| &l.k)
        }
        fn values(l: Option<&LayerKv>) -> &[f32] {
            l.map_or(&[], |l| &l.v)
        }
        let (shared, own) = (self.shared.get(i), self.own.get(i));
        ([keys(shared), keys(own)], [values(shared), values(own)])
    }

    /// Layer `i`'s keys and values as one contiguous copy each.
    pub(crate) fn layer_rows(&self, i: usize) -> LayerKv {
        let ([k0, k1], [v0, v1]) = self.layer(i);
        LayerKv { k: [k0, k1].concat(), v: [v0, v1].concat() }
    }

    /// Appends the positions of `tokens`, whose keys and values per layer are `new`.
    pub(crate) fn append(&mut self, new: Vec<LayerKv>, tokens: &[u32]) {
        if self.own.is_empty() {
            self.own = new;
        } else {
            for (own, new) in self.own.iter_mut().zip(new) {
                own.k.extend_from_slice(&new.k);
                own.v.extend_from_slice(&new.v);
            }
        }
        self.tokens.extend_from_slice(tokens);
    }
}
