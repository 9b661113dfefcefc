//! Tokenizer built from GGUF metadata, plus what typed decoding needs: the raw bytes of every token,
//! which ids are special, and the chat template of the architecture.
use crate::error::{Error, Result};
use crate::model::Arch;
use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use tokenizers::Tokenizer;

/// How a conversation is laid out in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatTemplate {
    /// `<|im_start|>role\n...<|im_end|>\n` (Qwen2, SmolLM2).
    ChatMl,
    /// ChatML with an empty think block opening the assistant turn (Qwen3, non-thinking mode).
    ChatMlThink,
    /// `<|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>` (Llama 3).
    Llama3,
    /// No chat tokens in the vocabulary: `User: ...\nAssistant:`.
    Plain,
}

pub struct PawTokenizer {
    /// Encodes text with special-token strings treated as ordinary text.
    plain: Tokenizer,
    /// Full tokenizer (used for decoding).
    full: Tokenizer,
    bytes: Vec<Vec<u8>>,
    special: Vec<bool>,
    /// Tokens that end a word: stops, and tokens starting with whitespace or punctuation.
    boundary: Vec<u32>,
    stops: Vec<u32>,
    end_of_turn: u32,
    template: ChatTemplate,
    arch: Arch,
}

/// GPT-2 byte-level alphabet: the char that stands for each byte.
fn byte_to_char() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..256u32 {
        let keep = (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
        table[b as usize] = if keep {
            char::from_u32(b).unwrap()
        } else {
            let c = char::from_u32(256 + n).unwrap();
            n += 1;
            c
        };
    }
    table
}

impl PawTokenizer {
    pub fn from_gguf(ct: &gguf_file::Content, arch: Arch) -> Result<Self> {
        let full = Tokenizer::from_gguf(ct).map_err(|e| Error::Tokenizer(e.to_string()))?;
        let mut plain = full.clone();
        plain.set_encode_special_tokens(true);
        let tokens = ct
            .metadata
            .get("tokenizer.ggml.tokens")
            .ok_or_else(|| Error::Tokenizer("no tokenizer.ggml.tokens".into()))?
            .to_vec()?
            .iter()
            .map(|v| Ok(v.to_string()?.clone()))
            .collect::<Result<Vec<String>>>()?;
        let types: Vec<u32> = match ct.metadata.get("tokenizer.ggml.token_type") {
            Some(v) => v
                .to_vec()?
                .iter()
                .map(|t| t.to_i32().map(|x| x as u32).unwrap_or(1))
                .collect(),
            None => vec![1; tokens.len()],
        };
        let table = byte_to_char();
        let mut inv = std::collections::HashMap::new();
        for (b, c) in table.iter().enumerate() {
            inv.insert(*c, b as u8);
        }
        let mut bytes = Vec::with_capacity(tokens.len());
        let mut special = Vec::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            let ty = types.get(i).copied().unwrap_or(1);
            let is_special = matches!(ty, 2..=5);
            special.push(is_special);
            if is_special {
                bytes.push(t.as_bytes().to_vec());
            } else {
                // Byte-level BPE: every char maps back to one byte.
                let mut b = Vec::with_capacity(t.len());
                let mut ok = true;
                for c in t.chars() {
                    match inv.get(&c) {
                        Some(x) => b.push(*x),
                        None => ok = false,
                    }
                }
                bytes.push(if ok { b } else { t.as_bytes().to_vec() });
            }
        }
        let id = |s: &str| tokens.iter().position(|t| t == s).map(|i| i as u32);
        let template = if id("<|im_start|>").is_some() && id("<|im_end|>").is_some() {
            if arch == Arch::Qwen3 && id("<think>").is_some() {
                ChatTemplate::ChatMlThink
            } else {
                ChatTemplate::ChatMl
            }
        } else if id("<|start_header_id|>").is_some() && id("<|eot_id|>").is_some() {
            ChatTemplate::Llama3
        } else {
            ChatTemplate::Plain
        };
        let eos = ct
            .metadata
            .get("tokenizer.ggml.eos_token_id")
            .and_then(|v| v.to_u32().ok());
        let end_of_turn = match template {
            ChatTemplate::ChatMl | ChatTemplate::ChatMlThink => id("<|im_end|>").unwrap(),
            ChatTemplate::Llama3 => id("<|eot_id|>").unwrap(),
            ChatTemplate::Plain => eos.ok_or_else(|| Error::Tokenizer("no end-of-sequence token".into()))?,
        };
        let mut stops = vec![end_of_turn];
        for s in ["<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>"] {
            if let Some(i) = id(s) {
                stops.push(i);
            }
        }
        if let Some(e) = eos {
            stops.push(e);
        }
        stops.sort();
        stops.dedup();
        let mut boundary: Vec<u32> = stops.clone();
        for (i, b) in bytes.iter().enumerate() {
            if !special[i]
                && b.first()
                    .is_some_and(|c| c.is_ascii_whitespace() || c.is_ascii_punctuation())
            {
                boundary.push(i as u32);
            }
        }
        boundary.sort();
        boundary.dedup();
        Ok(Self {
            plain,
            full,
            bytes,
            special,
            boundary,
            stops,
            end_of_turn,
            template,
            arch,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.bytes.len()
    }

    pub fn template(&self) -> ChatTemplate {
        self.template
    }

    /// Tokenize `text` as plain text: strings such as `<|im_end|>` inside it become ordinary text
    /// tokens, never control tokens.
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .plain
            .encode(text, false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let ids = enc.get_ids().to_vec();
        debug_assert!(ids.iter().all(|&i| !self.is_special(i)));
        Ok(ids)
    }

    /// Tokenize `text` as llama.cpp does with `special = true`: control-token strings (`<|im_start|>`) become
    /// control tokens. Only for text that is a prompt's markup, such as a `.paw` bundle's template; inputs
    /// go through [`Self::encode_plain`].
    pub fn encode_markup(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .full
            .encode(text, false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&i| self.token_bytes(i).iter().copied()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The bytes a token stands for (for special tokens: their text).
    pub fn token_bytes(&self, id: u32) -> &[u8] {
        self.bytes.get(id as usize).map(|v| v.as_slice()).unwrap_or(&[])
    }

    pub fn is_special(&self, id: u32) -> bool {
        self.special.get(id as usize).copied().unwrap_or(true)
    }

    /// log of the total probability of the tokens that end a word, given a row of logits and its log-sum-exp.
    pub fn boundary_logprob(&self, logits: &[f32], log_sum_exp: f32) -> f64 {
        let boundary: Vec<f32> = self.boundary.iter().map(|&i| logits[i as usize]).collect();
        (crate::kernels::log_sum_exp(&boundary) - log_sum_exp) as f64
    }

    pub fn is_stop(&self, id: u32) -> bool {
        self.stops.binary_search(&id).is_ok()
    }

    /// The token that ends the assistant's answer (`<|im_end|>` for ChatML).
    pub fn end_of_turn(&self) -> u32 {
        self.end_of_turn
    }

    pub fn token_id(&self, s: &str) -> Option<u32> {
        self.full.token_to_id(s)
    }

    fn special_id(&self, s: &str) -> Result<u32> {
        self.token_id(s)
            .ok_or_else(|| Error::Tokenizer(format!("token `{s}` missing from the vocabulary")))
    }

    /// The system message used when the caller gives none (Qwen2.5's chat template default).
    pub fn default_system(&self) -> Option<&'static str> {
        match (self.arch, self.template) {
            (Arch::Qwen2, ChatTemplate::ChatMl) => {
                Some("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
            }
            _ => None,
        }
    }

    /// Tokens from the start of a conversation up to where the user's message text begins.
    /// `system: None` uses [`Self::default_system`]; `Some("")` means no system turn.
    pub fn chat_user_start(&self, system: Option<&str>) -> Result<Vec<u32>> {
        let system = system.or(self.default_system()).filter(|s| !s.is_empty());
        let mut out = Vec::new();
        match self.template {
            ChatTemplate::ChatMl | ChatTemplate::ChatMlThink => {
                let start = self.special_id("<|im_start|>")?;
                let end = self.special_id("<|im_end|>")?;
                if let Some(s) = system {
                    out.push(start);
                    out.extend(self.encode_plain("system\n")?);
                    out.extend(self.encode_plain(s)?);
                    out.push(end);
                    out.extend(self.encode_plain("\n")?);
                }
                out.push(start);
                out.extend(self.encode_plain("user\n")?);
            }
            ChatTemplate::Llama3 => {
                if let Some(b) = self.token_id("<|begin_of_text|>") {
                    out.push(b);
                }
                let sh = self.special_id("<|start_header_id|>")?;
                let eh = self.special_id("<|end_header_id|>")?;
                let eot = self.special_id("<|eot_id|>")?;
                if let Some(s) = system {
                    out.push(sh);
                    out.extend(self.encode_plain("system")?);
                    out.push(eh);
                    out.extend(self.encode_plain("\n\n")?);
                    out.extend(self.encode_plain(s)?);
                    out.push(eot);
                }
                out.push(sh);
                out.extend(self.encode_plain("user")?);
                out.push(eh);
                out.extend(self.encode_plain("\n\n")?);
            }
            ChatTemplate::Plain => {
                if let Some(s) = system {
                    out.extend(self.encode_plain(&format!("{s}\n\n"))?);
                }
                out.extend(self.encode_plain("User: ")?);
            }
        }
        Ok(out)
    }

    /// Tokens that close the user's message and open the assistant's answer.
    pub fn chat_assistant_start(&self) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        match self.template {
            ChatTemplate::ChatMl | ChatTemplate::ChatMlThink => {
                out.push(self.special_id("<|im_end|>")?);
                out.extend(self.encode_plain("\n")?);
                out.push(self.special_id("<|im_start|>")?);
                out.extend(self.encode_plain("assistant\n")?);
                if self.template == ChatTemplate::ChatMlThink {
                    out.push(self.special_id("<think>")?);
                    out.extend(self.encode_plain("\n\n")?);
                    out.push(self.special_id("</think>")?);
                    out.extend(self.encode_plain("\n\n")?);
                }
            }
            ChatTemplate::Llama3 => {
                out.push(self.special_id("<|eot_id|>")?);
                out.push(self.special_id("<|start_header_id|>")?);
                out.extend(self.encode_plain("assistant")?);
                out.push(self.special_id("<|end_header_id|>")?);
                out.extend(self.encode_plain("\n\n")?);
            }
            ChatTemplate::Plain => out.extend(self.encode_plain("\nAssistant:")?),
        }
        Ok(out)
    }

    /// A whole single-turn prompt: user message `user`, ready for the answer.
    pub fn chat_prompt(&self, system: Option<&str>, user: &str) -> Result<Vec<u32>> {
        let mut t = self.chat_user_start(system)?;
        t.extend(self.encode_plain(user)?);
        t.extend(self.chat_assistant_start()?);
        Ok(t)
    }
}
