//! The attention state (KV cache) of a token sequence.
use crate::adapter::Adapter;
use crate::kernels::Heads;
use std::sync::Arc;

/// Keys and values of one layer: one row of `n_kv_head * head_dim` f32 per position, so appending a
/// position is a push.
#[derive(Clone, Debug, Default)]
pub(crate) struct LayerKv {
    pub k: Vec<f32>,
    pub v: Vec<f32>,
}

/// A shared layer: its keys and values, and the keys once more transposed, `[kv_head][head_dim][position]`,
/// so that a query's scores against consecutive positions are vector operations without horizontal sums.
#[derive(Debug)]
struct SharedLayer {
    kv: LayerKv,
    keys_t: Vec<f32>,
}

/// What a query of one layer attends to: the shared positions (also as transposed keys), then the owned ones.
pub(crate) struct LayerView<'a> {
    pub keys: [&'a [f32]; 2],
    pub values: [&'a [f32]; 2],
    pub shared_keys_t: &'a [f32],
}

/// The attention state of a token sequence: every layer's keys and values, and the token ids.
///
/// A persistent value: its positions are a shared, frozen part (behind an `Arc`: what [`crate::Model::prefill`]
/// returns and a restored prefix file holds) followed by positions it owns. Cloning copies only the owned
/// part, so one program prefix serves any number of concurrent calls and none sees the others' tokens.
///
/// A state may carry a LoRA [`Adapter`]: its positions were computed with it, and every position added to it
/// (and to its clones) is computed with it too.
#[derive(Clone, Debug, Default)]
pub struct KvState {
    shared: Arc<[SharedLayer]>,
    own: Vec<LayerKv>,
    tokens: Vec<u32>,
    adapter: Option<Arc<Adapter>>,
}

impl KvState {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty state whose positions will be computed with `adapter` (checked against the model by the
    /// first pass that extends the state).
    pub fn with_adapter(adapter: Arc<Adapter>) -> Self {
        Self {
            adapter: Some(adapter),
            ..Self::default()
        }
    }

    /// The adapter this state's positions are computed with.
    pub fn adapter(&self) -> Option<&Arc<Adapter>> {
        self.adapter.as_ref()
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

    /// A state whose positions are all shared, computed with `adapter`.
    pub(crate) fn frozen(layers: Vec<LayerKv>, tokens: Vec<u32>, heads: Heads, adapter: Option<Arc<Adapter>>) -> Self {
        let n = tokens.len();
        let width = heads.n_kv_head * heads.head_dim;
        let shared = layers
            .into_iter()
            .map(|kv| {
                let mut keys_t = vec![0f32; kv.k.len()];
                for (pos, row) in kv.k.chunks_exact(width).enumerate() {
                    for (dim, &x) in row.iter().enumerate() {
                        keys_t[dim * n + pos] = x;
                    }
                }
                SharedLayer { kv, keys_t }
            })
            .collect();
        Self {
            shared,
            own: Vec::new(),
            tokens,
            adapter,
        }
    }

    /// The same positions, all moved into the shared part (so clones of the result copy nothing).
    pub(crate) fn freeze(self, heads: Heads) -> Self {
        if self.own.is_empty() {
            return self;
        }
        let layers = (0..self.own.len()).map(|i| self.layer_rows(i)).collect();
        Self::frozen(layers, self.tokens, heads, self.adapter)
    }

    /// Layer `i` as a query sees it.
    pub(crate) fn layer(&self, i: usize) -> LayerView<'_> {
        let shared = self.shared.get(i);
        let own = self.own.get(i);
        fn keys(l: Option<&LayerKv>) -> &[f32] {
            l.map_or(&[], |l| &l.k)
        }
        fn values(l: Option<&LayerKv>) -> &[f32] {
            l.map_or(&[], |l| &l.v)
        }
        LayerView {
            keys: [keys(shared.map(|s| &s.kv)), keys(own)],
            values: [values(shared.map(|s| &s.kv)), values(own)],
            shared_keys_t: shared.map_or(&[][..], |s| &s.keys_t[..]),
        }
    }

    /// Layer `i`'s keys and values as one contiguous copy each.
    pub(crate) fn layer_rows(&self, i: usize) -> LayerKv {
        let view = self.layer(i);
        LayerKv {
            k: view.keys.concat(),
            v: view.values.concat(),
        }
    }

    /// The first `n` positions (and the adapter), all owned: extending the result computes exactly what extending
    /// an unfrozen state of those positions would.
    pub(crate) fn truncated(&self, n: usize) -> Self {
        let own = match n {
            0 => Vec::new(),
            _ => (0..self.shared.len().max(self.own.len()))
                .map(|i| {
                    let view = self.layer(i);
                    let width = view.keys.iter().map(|k| k.len()).sum::<usize>() / self.tokens.len();
                    // The first `n` rows of the shared part, then of the owned one.
                    let first = |parts: [&[f32]; 2]| {
                        let mut rows = Vec::with_capacity(n * width);
                        for part in parts {
                            let take = (n * width - rows.len()).min(part.len());
                            rows.extend_from_slice(&part[..take]);
                        }
                        rows
                    };
                    LayerKv {
                        k: first(view.keys),
                        v: first(view.values),
                    }
                })
                .collect(),
        };
        Self {
            own,
            tokens: self.tokens[..n].to_vec(),
            adapter: self.adapter.clone(),
            ..Self::default()
        }
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
