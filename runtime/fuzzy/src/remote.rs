//! Fuzzy calls on a serving engine (`[interpreter] url`): an OpenAI-compatible server (llama.cpp's server,
//! `llama_cpp.server`, vLLM) running the same interpreter model, instead of the local one.
//!
//! Each call sends the program's complete prompt as text to `/v1/completions` (the chat markup written out,
//! as in a `.paw` bundle: the server tokenizes it with control tokens recognized, and its prefix cache keeps
//! the program's part). Decoding is greedy and constrained by the server's own grammar support (GBNF in
//! `grammar` for the llama.cpp family, the same grammar in `structured_outputs` for vLLM; each ignores the
//! other's field). Finite types are scored from log-probabilities of the answer's first token, and of later
//! tokens only where labels start alike (each label's score is a bound local label scoring also computes). A
//! program with a LoRA adapter is asked of the model the server lists under the program's id. A server error
//! fails the call: no answer is ever made up.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use paw_artifact::artifact::split_template;
use paw_artifact::{Artifact, ProgramId, Spec};
use paw_model::grammar::{gbnf, gbnf_choice};
use paw_model::{log_sum_exp, parse_answer, softmax, spellings, PawTokenizer, TypeSchema};
use serde_json::{json, Value};

use crate::error::Error;
use crate::program::Answer;
use crate::render::{render_input, schema_of};

/// How calls reach the server.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// The API's base, e.g. `http://127.0.0.1:8080/v1`.
    pub url: String,
    /// Longest wait for one request's whole answer.
    pub timeout: Duration,
    /// Tries after the first when the server cannot be reached or says it is busy (429, 502, 503, 504),
    /// waiting 0.5 s, 1 s, 2 s, … in between.
    pub retries: u32,
    /// Most requests in flight at once, from this process.
    pub concurrency: usize,
}

impl RemoteOptions {
    pub fn new(url: &str) -> RemoteOptions {
        RemoteOptions {
            url: url.trim_end_matches('/').to_string(),
            timeout: Duration::from_secs(120),
            retries: 3,
            concurrency: 4,
        }
    }
}

/// How many likeliest next tokens a label-scoring request asks for (OpenAI's and vLLM's default limit). A label
/// none of whose spellings continues with one of them cannot win.
const TOP_LOGPROBS: usize = 20;

/// Most tokens a generated (non-finite) answer may take, as locally.
const MAX_ANSWER_TOKENS: usize = 384;

/// A serving engine that answers fuzzy calls, with the interpreter's tokenizer (read from the same GGUF file the
/// artifacts were built for) to write the chat markup and to know each label's first token.
pub struct RemoteEngine {
    options: RemoteOptions,
    agent: ureq::Agent,
    tokenizer: PawTokenizer,
    /// The names the server serves (`/v1/models`): the base model first, then adapters.
    models: Vec<String>,
    /// Requests in flight, bounded by `options.concurrency`.
    in_flight: (Mutex<usize>, Condvar),
}

impl RemoteEngine {
    /// Connects to the server (asking it for its models, so that an unreachable server fails here rather than
    /// at the first call).
    pub fn connect(options: RemoteOptions, tokenizer: PawTokenizer) -> Result<RemoteEngine, Error> {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            .build();
        let mut engine = RemoteEngine {
            options,
            agent: config.into(),
            tokenizer,
            models: Vec::new(),
            in_flight: (Mutex::new(0), Condvar::new()),
        };
        let listed = engine.request("models", None)?;
        engine.models = listed["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect();
        if engine.models.is_empty() {
            return Err(engine.bad_reply("`/models` lists no model"));
        }
        Ok(engine)
    }

    pub fn url(&self) -> &str {
        &self.options.url
    }

    /// A built program as this server runs it. A head of a scale and biases only runs as locally; one with
    /// weights over hidden states cannot (no serving engine returns them): the program answers with its
    /// calibration, or its prompt alone, instead, and [`RemoteProgram::caveat`] says so.
    pub fn program(self: &Arc<Self>, artifact: &Artifact) -> Result<RemoteProgram, Error> {
        let model = match &artifact.adapter {
            None => self.models[0].clone(),
            Some(_) => self.adapter_model(&artifact.meta.id)?,
        };
        let calibration = artifact.meta.calibration.iter().map(|(_, p)| *p).collect();
        let mut program = self.assemble(
            artifact.meta.spec.clone(),
            &artifact.prompt_template,
            artifact.template_is_complete(),
            calibration,
            model,
        )?;
        match &artifact.head {
            Some(head) if head.weights.is_empty() => {
                let labels = program.labels.as_ref().map_or(0, |l| l.len());
                if head.bias.len() != labels {
                    return Err(Error::CalibrationMismatch {
                        calibrated: head.bias.len(),
                        labels,
                    });
                }
                // Local scoring's `scale × score − prior` with the head's offsets, `−bias`, as priors.
                program.scale = head.scale;
                program.priors = head.bias.iter().map(|b| -b).collect();
            }
            Some(_) => program.without_head = true,
            None => {}
        }
        Ok(program)
    }

    /// A program from a bare template (e.g. `pawc eval --baseline prompt`), on the base model.
    pub fn program_from_template(self: &Arc<Self>, spec: Spec, template: &str) -> Result<RemoteProgram, Error> {
        self.assemble(spec, template, false, vec![], self.models[0].clone())
    }

    fn assemble(
        self: &Arc<Self>,
        spec: Spec,
        template: &str,
        complete: bool,
        calibration: Vec<f64>,
        model: String,
    ) -> Result<RemoteProgram, Error> {
        let prompt = crate::bundle::complete_prompt(&self.tokenizer, template, complete)?;
        let (before, after) = split_template(&prompt).ok_or(Error::Template)?;
        let schema = schema_of(&spec.ret);
        let labels = match schema.labels() {
            Some(labels) => Some(self.label_tokens(&labels)?),
            None => None,
        };
        if !calibration.is_empty() && labels.as_ref().is_some_and(|l| l.len() != calibration.len()) {
            return Err(Error::CalibrationMismatch {
                calibrated: calibration.len(),
                labels: labels.map_or(0, |l| l.len()),
            });
        }
        Ok(RemoteProgram {
            engine: self.clone(),
            spec,
            before: before.to_string(),
            after: after.to_string(),
            schema,
            labels,
            scale: 1.0,
            priors: calibration,
            model,
            without_head: false,
        })
    }

    /// The served model that holds program `id`'s adapter: the one listed under the program id.
    fn adapter_model(&self, id: &ProgramId) -> Result<String, Error> {
        let name = id.to_string();
        match self.models.contains(&name) {
            true => Ok(name),
            false => Err(Error::RemoteAdapter {
                url: self.options.url.clone(),
                name,
                served: self.models.join(", "),
            }),
        }
    }

    /// Each label's spellings as tokens, named as the server names tokens in its log-probabilities.
    fn label_tokens(&self, labels: &[(String, Value)]) -> Result<Vec<Label>, Error> {
        labels
            .iter()
            .map(|(text, value)| {
                let mut forms = Vec::new();
                for spelling in spellings(text, value) {
                    let tokens = self.tokenizer.encode_plain(&spelling)?;
                    forms.push(tokens.iter().map(|t| self.tokenizer.decode(&[*t])).collect());
                }
                Ok(Label {
                    value: value.clone(),
                    text: text.clone(),
                    forms,
                })
            })
            .collect()
    }

    /// One `/v1/completions` request: the first choice of the answer.
    fn complete(&self, body: Value) -> Result<Choice, Error> {
        let reply = self.request("completions", Some(body))?;
        let choice = &reply["choices"][0];
        let text = choice["text"]
            .as_str()
            .ok_or_else(|| self.bad_reply("the answer has no `choices[0].text`"))?;
        Ok(Choice {
            text: text.to_string(),
            truncated: choice["finish_reason"] == "length",
            logprobs: token_logprobs(&choice["logprobs"]),
        })
    }

    /// GET (no body) or POST `path` under the base URL, within the concurrency limit, retrying what may pass.
    fn request(&self, path: &str, body: Option<Value>) -> Result<Value, Error> {
        let _slot = self.slot();
        let url = format!("{}/{path}", self.options.url);
        let mut wait = Duration::from_millis(500);
        let mut tries = 0;
        loop {
            let sent = match &body {
                None => self.agent.get(&url).call(),
                Some(body) => self
                    .agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
            };
            let retry = match sent {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let text = response
                        .body_mut()
                        .with_config()
                        .limit(64 << 20)
                        .read_to_string()
                        .map_err(|e| self.unreachable(&e))?;
                    if (200..300).contains(&status) {
                        return serde_json::from_str(&text).map_err(|e| self.bad_reply(&format!("not JSON: {e}")));
                    }
                    let error = Error::RemoteStatus {
                        url: url.clone(),
                        status,
                        message: server_message(&text),
                    };
                    match matches!(status, 429 | 502 | 503 | 504) {
                        true => error,
                        false => return Err(error),
                    }
                }
                Err(e) => self.unreachable(&e),
            };
            if tries >= self.options.retries {
                return Err(retry);
            }
            tries += 1;
            std::thread::sleep(wait);
            wait *= 2;
        }
    }

    /// Waits for a free request slot; the slot is given back when the guard drops.
    fn slot(&self) -> impl Drop + '_ {
        let (count, freed) = &self.in_flight;
        let mut n = count.lock().expect("no panics while holding the lock");
        while *n >= self.options.concurrency.max(1) {
            n = freed.wait(n).expect("no panics while holding the lock");
        }
        *n += 1;
        Slot(&self.in_flight)
    }

    fn unreachable(&self, e: &ureq::Error) -> Error {
        Error::RemoteUnreachable {
            url: self.options.url.clone(),
            reason: e.to_string(),
        }
    }

    fn bad_reply(&self, reason: &str) -> Error {
        Error::RemoteReply {
            url: self.options.url.clone(),
            reason: reason.to_string(),
        }
    }
}

struct Slot<'a>(&'a (Mutex<usize>, Condvar));

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let (count, freed) = self.0;
        *count.lock().expect("no panics while holding the lock") -= 1;
        freed.notify_one();
    }
}

/// A label of a finite return type, with each of its spellings as token texts.
struct Label {
    text: String,
    value: Value,
    forms: Vec<Vec<String>>,
}

/// One generated answer: its text, whether the token limit cut it, and each token's log-probability with the
/// likeliest alternatives (when asked for).
struct Choice {
    text: String,
    truncated: bool,
    logprobs: Vec<(f64, HashMap<String, f64>)>,
}

/// A built program ready to answer calls on a serving engine.
pub struct RemoteProgram {
    engine: Arc<RemoteEngine>,
    pub spec: Spec,
    /// The complete prompt before and after the input.
    before: String,
    after: String,
    schema: TypeSchema,
    /// Finite types: the labels, in declaration order.
    labels: Option<Vec<Label>>,
    /// Label scores are `scale × log-probability − priors[label]`: the calibration (scale 1, empty: none), or
    /// a head without hidden-state weights (its scale, and its biases negated).
    scale: f64,
    priors: Vec<f64>,
    /// The served model requests name: the base model, or the program's adapter.
    model: String,
    /// The artifact's head reads hidden states, which a serving engine does not return: it is left out.
    without_head: bool,
}

impl RemoteProgram {
    /// Answers one call. `args` are JSON values, one per parameter.
    pub fn call(&self, args: &[Value]) -> Result<Answer, Error> {
        let prompt = format!("{}{}{}", self.before, render_input(&self.spec, args)?, self.after);
        match &self.labels {
            Some(labels) => self.score_labels(labels, &prompt),
            None => self.generate(prompt),
        }
    }

    /// What this program leaves out on a serving engine, for people: its head.
    pub fn caveat(&self) -> Option<String> {
        self.without_head.then(|| {
            let instead = match self.priors.is_empty() {
                true => "its prompt alone",
                false => "its label calibration",
            };
            format!("its head reads the interpreter's hidden states, which a serving engine does not return: answered by {instead}")
        })
    }

    /// A request with the settings every call shares: greedy with no repetition penalty (llama_cpp.server's
    /// default of 1.1 keeps the answer from repeating the input, e.g. a city named in it), the program's model,
    /// the grammar twice over.
    fn body(&self, prompt: String, grammar: Option<String>, max_tokens: usize, logprobs: usize) -> Value {
        let mut body = json!({
            "model": self.model,
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "repeat_penalty": 1.0,
            "repetition_penalty": 1.0,
            "logprobs": logprobs,
        });
        if let Some(grammar) = grammar {
            body["structured_outputs"] = json!({"grammar": grammar});
            body["grammar"] = json!(grammar);
        }
        body
    }

    /// Labels scored by log-probabilities, as local label scoring bounds them: a spelling's score is the sum of
    /// its tokens' log-probabilities up to the first token no other label's spelling shares (the first token,
    /// unless labels start alike), a label's the log-sum-exp of its spellings', scaled, less its prior. Each
    /// prefix that labels share costs one more request (the prompt followed by that prefix), asked only while
    /// a label behind it could still beat the best label already scored. The softmax of the scores is the
    /// confidence.
    fn score_labels(&self, labels: &[Label], prompt: &str) -> Result<Answer, Error> {
        // The likeliest next tokens after the prompt followed by a prefix (token texts joined).
        let mut next: HashMap<String, HashMap<String, f64>> = HashMap::new();
        loop {
            let scored: Vec<(f64, Option<String>)> = labels
                .iter()
                .enumerate()
                .map(|(i, label)| {
                    let mut needed = None;
                    let forms = label.forms.iter().map(|form| {
                        let (lp, wants) = form_score(form, i, labels, &next);
                        needed = needed.take().or(wants);
                        lp
                    });
                    let score = self.scale * log_sum_exp(forms) - self.priors.get(i).copied().unwrap_or(0.0);
                    (score, needed)
                })
                .collect();
            let best = scored
                .iter()
                .filter(|(_, needed)| needed.is_none())
                .map(|(score, _)| *score)
                .fold(f64::NEG_INFINITY, f64::max);
            // The prefix behind the label with the highest bound that could still win, if any.
            let wanted = scored
                .iter()
                .filter(|(bound, needed)| needed.is_some() && *bound >= best)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .and_then(|(_, needed)| needed.clone());
            let Some(prefix) = wanted else {
                return self.label_answer(labels, scored.into_iter().map(|(s, _)| s).collect());
            };
            let after: Vec<String> = labels
                .iter()
                .flat_map(|l| &l.forms)
                .map(|f| f.concat())
                .filter_map(|text| text.strip_prefix(&prefix).map(str::to_string))
                .filter(|rest| !rest.is_empty())
                .collect();
            let body = self.body(format!("{prompt}{prefix}"), Some(gbnf_choice(&after)), 1, TOP_LOGPROBS);
            let top = match self.engine.complete(body)?.logprobs.into_iter().next() {
                Some((_, top)) if !top.is_empty() => top,
                _ => {
                    return Err(self
                        .engine
                        .bad_reply("the answer has no log-probabilities (`logprobs`)"))
                }
            };
            next.insert(prefix, top);
        }
    }

    fn label_answer(&self, labels: &[Label], scores: Vec<f64>) -> Result<Answer, Error> {
        let best = paw_model::argmax(&scores);
        if scores[best] == f64::NEG_INFINITY {
            return Err(self
                .engine
                .bad_reply("no label's tokens are among the answer's log-probabilities"));
        }
        let probabilities: Vec<(String, f64)> = labels.iter().map(|l| l.text.clone()).zip(softmax(&scores)).collect();
        Ok(Answer {
            value: labels[best].value.clone(),
            confidence: probabilities[best].1,
            probabilities,
            tokens: 1,
        })
    }

    /// A non-finite answer generated greedily under the type's grammar (none for `str`, raw text as locally)
    /// and checked against the type again here.
    fn generate(&self, prompt: String) -> Result<Answer, Error> {
        let grammar = (!matches!(self.schema, TypeSchema::Str)).then(|| gbnf(&self.schema));
        let choice = self.engine.complete(self.body(prompt, grammar, MAX_ANSWER_TOKENS, 1))?;
        if choice.truncated {
            return Err(Error::Model(paw_model::Error::MaxTokens {
                limit: MAX_ANSWER_TOKENS,
                partial: choice.text,
            }));
        }
        let value = parse_answer(&self.schema, &choice.text).map_err(|e| {
            self.engine
                .bad_reply(&format!("the answer is not of the return type: {e}"))
        })?;
        Ok(Answer {
            value,
            confidence: confidence(&choice),
            probabilities: Vec::new(),
            tokens: choice.logprobs.len(),
        })
    }
}

/// A spelling's log-probability so far, from the next-token log-probabilities known after each prefix, and the
/// prefix whose next tokens it still needs (`None`: scored). It is scored at the first token that no spelling of
/// another label shares, or at its end; a token not among the likeliest makes it impossible (−∞).
fn form_score(
    form: &[String],
    label: usize,
    labels: &[Label],
    next: &HashMap<String, HashMap<String, f64>>,
) -> (f64, Option<String>) {
    let mut lp = 0.0;
    for depth in 0..form.len() {
        let prefix = form[..depth].concat();
        let Some(top) = next.get(&prefix) else {
            return (lp, Some(prefix));
        };
        lp += top.get(&form[depth]).copied().unwrap_or(f64::NEG_INFINITY);
        let shared = labels.iter().enumerate().any(|(j, other)| {
            j != label
                && other
                    .forms
                    .iter()
                    .any(|f| f.len() > depth && f[..=depth] == form[..=depth])
        });
        if !shared || lp == f64::NEG_INFINITY {
            break;
        }
    }
    (lp, None)
}

/// The probability of the tokens the server wrote (1 when it gave no log-probabilities: an empty answer).
fn confidence(choice: &Choice) -> f64 {
    choice.logprobs.iter().map(|(lp, _)| lp).sum::<f64>().exp()
}

/// Each generated token's log-probability and its likeliest alternatives, from either of the two shapes
/// servers use: OpenAI's completions (`token_logprobs`, `top_logprobs` as objects; llama_cpp.server, vLLM)
/// or its chat form (`content: [{logprob, top_logprobs: [{token, logprob}]}]`; llama.cpp's server).
fn token_logprobs(logprobs: &Value) -> Vec<(f64, HashMap<String, f64>)> {
    if let Some(content) = logprobs["content"].as_array() {
        return content
            .iter()
            .map(|t| {
                let top = t["top_logprobs"].as_array().into_iter().flatten();
                let top = top.filter_map(|a| Some((a["token"].as_str()?.to_string(), a["logprob"].as_f64()?)));
                (t["logprob"].as_f64().unwrap_or(0.0), top.collect())
            })
            .collect();
    }
    let lps = logprobs["token_logprobs"].as_array().into_iter().flatten();
    let tops = logprobs["top_logprobs"].as_array().into_iter().flatten();
    lps.zip(tops)
        .map(|(lp, top)| {
            let top = top.as_object().into_iter().flatten();
            let top = top.filter_map(|(t, lp)| Some((t.clone(), lp.as_f64()?)));
            (lp.as_f64().unwrap_or(0.0), top.collect())
        })
        .collect()
}

/// The message of an error body (`{"error": {"message": …}}` or `{"detail": …}`), else the body itself, cut short.
fn server_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or(v["error"].as_str())
            .or(v["message"].as_str())
            .map(str::to_string)
            .or_else(|| v.get("detail").map(|d| d.to_string()))
    });
    let message = message.unwrap_or_else(|| body.trim().to_string());
    match message.char_indices().nth(500) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_shapes_of_log_probabilities() {
        let openai =
            json!({"tokens": ["true"], "token_logprobs": [-0.1], "top_logprobs": [{"true": -0.1, "false": -2.4}]});
        let got = token_logprobs(&openai);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, -0.1);
        assert_eq!(got[0].1["false"], -2.4);
        let chat = json!({"content": [{"token": "true", "logprob": -0.1,
            "top_logprobs": [{"token": "true", "logprob": -0.1}, {"token": "false", "logprob": -2.4}]}]});
        assert_eq!(token_logprobs(&chat), got);
        assert!(token_logprobs(&Value::Null).is_empty());
    }

    #[test]
    fn labels_that_start_alike_are_scored_past_their_shared_tokens() {
        let label = |text: &str, forms: &[&[&str]]| Label {
            text: text.into(),
            value: json!(text),
            forms: forms
                .iter()
                .map(|f| f.iter().map(|t| t.to_string()).collect())
                .collect(),
        };
        let labels = [
            label("billing_question", &[&["billing", "_question"]]),
            label("billing_dispute", &[&["billing", "_dispute"]]),
            label("other", &[&["other"]]),
        ];
        let mut next = HashMap::new();
        assert_eq!(
            form_score(&labels[0].forms[0], 0, &labels, &next),
            (0.0, Some(String::new()))
        );
        next.insert(
            String::new(),
            HashMap::from([("billing".to_string(), -0.5), ("other".to_string(), -2.0)]),
        );
        assert_eq!(form_score(&labels[2].forms[0], 2, &labels, &next), (-2.0, None));
        assert_eq!(
            form_score(&labels[1].forms[0], 1, &labels, &next),
            (-0.5, Some("billing".into()))
        );
        next.insert("billing".into(), HashMap::from([("_dispute".to_string(), -0.1)]));
        assert_eq!(form_score(&labels[1].forms[0], 1, &labels, &next), (-0.6, None));
        assert_eq!(form_score(&labels[0].forms[0], 0, &labels, &next).0, f64::NEG_INFINITY);
    }

    #[test]
    fn server_errors_are_read_from_the_usual_bodies() {
        assert_eq!(
            server_message(r#"{"error": {"message": "no such model"}}"#),
            "no such model"
        );
        assert_eq!(server_message(r#"{"detail": "bad"}"#), "\"bad\"");
        assert_eq!(server_message("plain text\n"), "plain text");
    }
}
